"""Law-update subscriptions: the "đăng ký" / "hủy đăng ký" commands, per-topic sets in the store, counts.
The topics themselves (bot/data/topics.tsv) are bot.topics."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterable

from bot.messages import Button, OutMessage
from bot.topics import find_topic, fold, texts, topic_names, topics

SUBSCRIBE_PAYLOAD = "#dangky"
UNSUBSCRIBE_PAYLOAD = "#huydangky"
ALL_KEY = "zlb:sub:all"  # every subscriber
EVERYTHING_KEY = "zlb:sub:everything"  # subscribers to every topic
# a subscription lapses after a year without a message from the user (each message renews it), so no
# per-user record is kept forever; lapsed users are pruned from the sets before counting or broadcasting
RECORD_TTL = 365 * 24 * 3600

_SUBSCRIBE = ("dang ky", "dangky", "dang ki", "dangki")
_UNSUBSCRIBE = tuple(p + " " + s for p in ("huy", "bo", "ngung", "dung", "thoi") for s in _SUBSCRIBE) + (
    "huydangky", "huy dk", "ngung nhan tin", "dung nhan tin", "khong nhan tin nua")
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


def user_key(user_id: str) -> str:
    """Store key of one subscriber's record."""
    return f"zlb:sub:user:{user_id}"


def topic_key(slug: str) -> str:
    """Store key of the set of users subscribed to one topic explicitly."""
    return f"zlb:sub:topic:{slug}"


@dataclass(frozen=True)
class Outcome:
    """What a command did: status subscribed|already|unsubscribed|not_subscribed; topics () = every topic."""

    status: str
    topics: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def _write(store: Any, user_id: str, new: tuple[str, ...] | None, old: tuple[str, ...] | None) -> None:
    """Move a user between the sets: new None = unsubscribed, () = every topic."""
    for slug in old or ():
        store.srem(topic_key(slug), user_id)
    if old == () and new != ():
        store.srem(EVERYTHING_KEY, user_id)
    if new is None:
        store.srem(ALL_KEY, user_id)
        store.delete(user_key(user_id))
        return
    store.set_json(user_key(user_id), {"topics": list(new), "since": int(time.time())}, ttl=RECORD_TTL)
    store.sadd(ALL_KEY, user_id)
    if new == ():
        store.sadd(EVERYTHING_KEY, user_id)
    for slug in new:
        store.sadd(topic_key(slug), user_id)


def current_topics(store: Any, user_id: str) -> tuple[str, ...] | None:
    """A user's topics: None when not subscribed, () for every topic."""
    record = store.get_json(user_key(user_id))
    return None if record is None else tuple(record.get("topics") or ())


def apply(store: Any, user_id: str, command: Command) -> Outcome:
    """Carry out a command for a user (idempotent: repeating it changes nothing)."""
    with store.lock(f"sub:{user_id}", timeout=10.0, wait=10.0):
        old = current_topics(store, user_id)
        if command.action == "subscribe":
            if old == () and command.topics:
                return Outcome("already", command.topics)
            new: tuple[str, ...] = () if not command.topics else tuple(dict.fromkeys((old or ()) + command.topics))
            _write(store, user_id, new, old)
            return Outcome("subscribed", new)
        if old is None:
            return Outcome("not_subscribed")
        if not command.topics:
            _write(store, user_id, None, old)
            return Outcome("unsubscribed")
        base = old or tuple(t.slug for t in topics())
        left = tuple(s for s in base if s not in command.topics)
        _write(store, user_id, left or None, old)
        return Outcome("unsubscribed" if not left else "unsubscribed_topics", left, command.topics)


def subscribe(store: Any, user_id: str, slugs: tuple[str, ...] = ()) -> Outcome:
    """Subscribe a user (to every topic unless slugs are given)."""
    return apply(store, user_id, Command("subscribe", slugs))


def unsubscribe(store: Any, user_id: str, slugs: tuple[str, ...] = ()) -> Outcome:
    """Unsubscribe a user (from everything unless slugs are given)."""
    return apply(store, user_id, Command("unsubscribe", slugs))


def reply_for(outcome: Outcome) -> OutMessage:
    """The confirmation message for an outcome."""
    t = texts()
    choices = topic_names(topic.slug for topic in topics())
    if outcome.status == "subscribed" and not outcome.topics:
        return OutMessage(t.get("subscribed_all", choices=choices),
                          (Button(t.get("unsubscribe_button"), UNSUBSCRIBE_PAYLOAD),))
    if outcome.status == "subscribed":
        return OutMessage(t.get("subscribed_topics", topics=topic_names(outcome.topics)),
                          (Button(t.get("unsubscribe_button"), UNSUBSCRIBE_PAYLOAD),))
    if outcome.status == "already":
        return OutMessage(t.get("already_all", topics=topic_names(outcome.topics)))
    if outcome.status == "unsubscribed_topics":
        return OutMessage(t.get("unsubscribed_topics", removed=topic_names(outcome.removed),
                                topics=topic_names(outcome.topics)))
    if outcome.status == "unsubscribed":
        return OutMessage(t.get("unsubscribed"), (Button(t.get("subscribe_button"), SUBSCRIBE_PAYLOAD),))
    return OutMessage(t.get("not_subscribed"), (Button(t.get("subscribe_button"), SUBSCRIBE_PAYLOAD),))


def subscribe_button() -> Button:
    """The "Đăng ký nhận tin" button for the welcome message."""
    return Button(texts().get("subscribe_button"), SUBSCRIBE_PAYLOAD)


def renew(store: Any, user_id: str) -> None:
    """Keep a subscriber's record alive for another RECORD_TTL (the user wrote to the OA)."""
    store.expire(user_key(user_id), RECORD_TTL)


def prune(store: Any) -> int:
    """Take users whose subscription record lapsed out of every set; how many were removed."""
    lapsed = [u for u in store.smembers(ALL_KEY) if store.get_json(user_key(u)) is None]
    for user_id in lapsed:
        with store.lock(f"sub:{user_id}", timeout=10.0, wait=10.0):
            if store.get_json(user_key(user_id)) is None:  # not re-subscribed meanwhile
                for key in [ALL_KEY, EVERYTHING_KEY, *(topic_key(t.slug) for t in topics())]:
                    store.srem(key, user_id)
    return len(lapsed)


def audience(store: Any, slugs: Iterable[str] = ()) -> set[str]:
    """Subscribers to receive an update about any of the topics (every subscriber when none given)."""
    prune(store)
    slugs = [s for s in slugs if s]
    if not slugs:
        return store.smembers(ALL_KEY)
    users = store.smembers(EVERYTHING_KEY)
    for slug in slugs:
        users |= store.smembers(topic_key(slug))
    return users


def counts(store: Any) -> dict[str, Any]:
    """Subscriber counts: total, every-topic subscribers, and per topic (every-topic ones included)."""
    prune(store)
    everything = store.scard(EVERYTHING_KEY)
    return {"total": store.scard(ALL_KEY), "all_topics": everything,
            "topics": {t.slug: {"name": t.name, "explicit": store.scard(topic_key(t.slug)),
                                "reached": store.scard(topic_key(t.slug)) + everything} for t in topics()}}


def apply_actions(store: Any, user_id: str, actions: Any) -> list[str]:
    """Carry out what the dialogue left in state["actions"]; returns what was done (for logs and tests)."""
    # understood: {"subscribe": {"topics": [...]}}, {"unsubscribe": {"topics": [...]}} and
    # {"question": {"query": str, "keys": [DOC:ARTICLE, ...], "found": bool}} (bot.stats, no user id); or a list
    from bot import stats

    done: list[str] = []
    for item in actions if isinstance(actions, list) else [actions or {}]:
        for name, args in (item or {}).items():
            args = args if isinstance(args, dict) else {}
            if name in ("subscribe", "unsubscribe"):
                slugs = tuple(t.slug for t in (find_topic(str(s)) for s in args.get("topics") or ()) if t)
                done.append(f"{name}:{apply(store, user_id, Command(name, slugs)).status}")
            elif name == "question":
                keys = [str(k) for k in args.get("keys") or ()]
                stored = stats.record_question(store, str(args.get("query", "")), keys[:3],
                                               bool(args.get("found", keys)),
                                               args.get("topics") or stats.topics_of(keys[:3]))
                if stored is not None:
                    from bot import privacy  # the asker can have their stored question deleted later

                    privacy.link_question(store, user_id, *stored)
                done.append("question")
    return done
