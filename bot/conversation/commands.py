"""The "đăng ký" / "hủy đăng ký" commands in a user's words or a button payload."""
from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge.topics import find_topic, fold

SUBSCRIBE_PAYLOAD = "#dangky"
UNSUBSCRIBE_PAYLOAD = "#huydangky"
_SUBSCRIBE = ("dang ky", "dangky", "dang ki", "dangki")
_UNSUBSCRIBE = tuple(p + " " + s for p in ("huy", "bo", "ngung", "dung", "thoi") for s in _SUBSCRIBE) + (
    "huydangky", "huy dk", "ngung nhan tin", "dung nhan tin", "khong nhan tin nua",
    # "hủy nhận tin (về trẻ em)"; free forms ("thôi đừng gửi nữa") and a bare "hủy" are intents.tsv's
    "huy nhan tin", "huy nhan thong bao", "bo nhan tin", "ngung gui tin", "dung gui tin", "ngung nhan thong bao",
    "dung nhan thong bao", "tat thong bao", "huy theo doi")
# words that may sit between the command and a topic: "đăng ký nhận tin về chủ đề trẻ em"
_FILLER = {"nhan", "tin", "ve", "chu", "de", "theo", "thong", "bao", "cap", "nhat", "phap", "luat", "moi",
           "cho", "toi", "minh", "a", "voi", "nhe", "nha", "di", "chuyen", "muc", "linh", "vuc", "tat", "ca"}


@dataclass(frozen=True)
class Command:
    """A subscribe/unsubscribe request; `topics` are slugs, () meaning every topic."""

    action: str  # "subscribe" | "unsubscribe"
    topics: tuple[str, ...] = ()


def _topics_in(rest: str) -> tuple[str, ...] | None:
    """Topic slugs named in the words after the command; None when something else is there."""
    words = rest.split()
    # filler only around the topic: "nhận tin về" before it, "nhé" after it; "hôn nhân" keeps its "nhân"
    while words and (words[0] in _FILLER or words[0] == ","):
        words.pop(0)
    while words and (words[-1] in _FILLER or words[-1] == ","):
        words.pop()
    if not words:
        return ()
    found: list[str] = []
    parts = " ".join(words).replace(" va ", " , ").replace(" hoac ", " , ").split(" , ")
    for part in parts:
        topic = find_topic(part)
        if topic is None:
            return None
        if topic.slug not in found:
            found.append(topic.slug)
    return tuple(found)


def parse_command(text: str) -> Command | None:
    """The command in a user's text or button payload; None when the text is something else (a question)."""
    folded = fold(text)
    for payload, action in ((UNSUBSCRIBE_PAYLOAD, "unsubscribe"), (SUBSCRIBE_PAYLOAD, "subscribe")):
        if folded == payload or folded.startswith(payload + ":"):
            named = [find_topic(s) for s in folded[len(payload) + 1:].split(",")]
            return Command(action, tuple(dict.fromkeys(t.slug for t in named if t is not None)))
    folded = " ".join(folded.replace("#", " ").replace(",", " , ").split())
    for prefixes, action in ((_UNSUBSCRIBE, "unsubscribe"), (_SUBSCRIBE, "subscribe")):
        for prefix in prefixes:
            if folded == prefix or folded.startswith(prefix + " "):
                # "đăng ký kết hôn" is a question about registering a marriage, not a subscription
                found = _topics_in(folded[len(prefix):])
                return None if found is None else Command(action, found)
    return None
