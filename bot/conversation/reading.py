"""What a short message asks for when it is no question: small talk, paging, picking an item, stopping updates;
and the Vietnamese words of an English or mixed message. A mixin of Intents, over its tables of intents.tsv."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.conversation import surface
from bot.conversation.citations import Citation
from bot.conversation.phrases import Pattern, Word, cover, find_spans, match_at, match_ends, whole, word_eq
from bot.knowledge.search.text import fold

SHORT_INTENT_WORDS = 6  # longer messages are questions even if they start with "chào"
WHOLE_MESSAGE_WORDS = 10  # "tôi không muốn nhận tin nhắn nữa", "cho tôi nói chuyện với người thật"
ENGLISH_MIN_WORDS = 2  # foreign-looking words that make a message English or mixed ...
ENGLISH_MIN_SHARE = 0.4  # ... when they are at least this share of its words
_SELECT_RE = re.compile(r"^(\d{1,3})$")
LAST_ITEM = 10 ** 6  # "cái cuối": the last item she was shown (a typed number has at most 3 digits)
# whole-message kinds, in this order ("đúng ý" rates the last answer; "dung" is "đúng", an ack, before "dừng")
_WHOLE_KINDS = ("helpful", "unhelpful", "greeting", "thanks", "ack", "help", "more", "unsubscribe", "halt", "who",
                "human", "insult", "chat")
_LONG_KINDS = frozenset({"unsubscribe", "human", "insult"})  # whole messages of up to WHOLE_MESSAGE_WORDS words
# small talk strung together ("ok cảm ơn nhé", "dạ vâng ạ"): answered as the first kind present in this order
_SMALL_TALK = ("insult", "thanks", "greeting", "ack", "chat")
# messages about the answers themselves, in this order (after "ask" and "news"), each with the kinds whose words may
# stand around its phrase
_ABOUT_ANSWERS = ("buttons", "back", "read", "explain")
_ASKING = ("filler", "chatword", "more_word", "select", "list_word")  # words around "hỏi", "tư vấn", "luật mới"
_COMPANY = {"ask": _ASKING, "news": _ASKING, "buttons": ("broken", "filler", "chatword", "select", "more_word", "read"),
            "back": ("select", "list_word", "filler", "chatword", "read"),
            "read": ("select", "list_word", "filler", "chatword"), "explain": ("select", "filler", "chatword", "read")}


@dataclass(frozen=True)
class Intent:
    """What a message asks for; `name` drives the dialogue, the other fields carry its argument."""

    # empty|erase|helpful|unhelpful|greeting|thanks|ack|chat|who|help|more|select|citation|followup|question
    # |unsubscribe|halt|human|insult|phone|link|ask|news|buttons|back|read|explain
    name: str
    number: int = 0  # select: the item asked for; 0 or below for "0", "-1" (not an item)
    citation: Citation | None = None
    text: str = ""  # the question to search (greeting, phone numbers, links stripped; English read) or new words
    note: str = ""  # a short note before the answer: "english", "phone", "link"


class ShortMessages:
    """Reading short messages; Intents provides the tables."""

    phrases: dict[str, list[Pattern]]
    stop: frozenset[str]  # stop words without marks
    stop_typed: frozenset[str]  # …and as written
    numbers: list[tuple[Pattern, int]]
    english: dict[tuple[str, ...], str]
    loanwords: frozenset[str]

    def select_number(self, msg: list[Word]) -> int | None:
        """The item of "2", "xem 2", "cái thứ hai", "bài số 3", "cái đầu tiên" ("0": 0); None for other messages."""
        # the words before the number must all be "select" words of intents.tsv
        if not msg:
            return None
        number, start = None, len(msg)
        if _SELECT_RE.match(msg[-1][0]):
            number, start = int(msg[-1][0]), len(msg) - 1
        else:
            for phrase, value in self.numbers:
                for i in range(len(msg)):
                    if (i < start or number is None) and match_at(msg, phrase.words, i) == len(msg):
                        number, start = value, i
                        break
        if number is None:
            return None
        head = msg[:start]
        if head and cover(head, {"select": self.phrases.get("select", ())}) is None:
            return None
        return number

    def _short(self, msg: list[Word], core: list[Word], text: str) -> Intent | None:
        """A short message that is no question: small talk, paging, picking an item, stopping updates."""
        if len(core) > WHOLE_MESSAGE_WORDS:
            return None
        for kind in _WHOLE_KINDS:
            if len(core) <= SHORT_INTENT_WORDS or kind in _LONG_KINDS:
                patterns = self.phrases.get(kind, ())
                if whole(core, patterns) or whole(msg, patterns):
                    return Intent(kind)
        if len(core) > SHORT_INTENT_WORDS:
            # "e muốn xem lại danh sách vừa rồi": longer, but every other word carries no meaning
            return self._about(msg, ("ask", "news")) or self._about(msg, _ABOUT_ANSWERS)
        # words of small talk may stand around it ("thôi cảm ơn nhé"); alone they are read further down
        talk = {kind: self.phrases.get(kind, ()) for kind in (*_SMALL_TALK, "chatword")}
        kinds = cover(core, talk) or cover(msg, talk)
        if kinds and any(k in _SMALL_TALK for k in kinds):
            return Intent(next(k for k in _SMALL_TALK if k in kinds))
        number = self.select_number(core)
        if number is None:
            number = self.select_number(msg)  # "xem chi tiết số 2": "chi" is no "chị" here
        if number is not None:
            return Intent("select", number=-number if surface.negative(text) else number)
        asking = self._about(msg, ("ask", "news"))  # before "more": "em hỏi tiếp" is a new question
        if asking is not None:
            return asking
        if self._asks_more(core):
            return Intent("more")
        return self._about(msg, _ABOUT_ANSWERS)

    def _about(self, msg: list[Word], kinds: tuple[str, ...]) -> Intent | None:
        """The first of these kinds the message asks for, read with its fillers (every kind's company has them):
        stripped first, "hoi" would be the filler "hội" and "chi tiết" lose "chi" to "chị"."""
        return next((Intent(kind) for kind in kinds if self._asks(msg, kind, _COMPANY[kind])), None)

    def _asks(self, msg: list[Word], kind: str, company: tuple[str, ...]) -> bool:
        """True when a phrase of this kind is in the words and the others carry no meaning or make phrases of
        `company` ("cho em xem chi tiết với": read; "nút xem toàn văn bị lỗi": buttons; "xem chi tiết mức phạt": a
        question)."""
        spans = [span for p in self.phrases.get(kind, ()) for span in find_spans(msg, p)]
        if not spans:
            return False
        inside = {i for start, end in spans for i in range(start, end)}
        rest = [w for i, w in enumerate(msg) if i not in inside]
        phrases = [p for k in company for p in self.phrases.get(k, ())]
        # reached[i]: rest[:i] is words that carry no meaning and phrases of `company` ("ko chạy": "không chạy")
        reached = [True] + [False] * len(rest)
        for i, w in enumerate(rest):
            if reached[i]:
                # "3 điều lúc nãy" (one digit: "điều 81 luật hôn nhân" is a citation)
                if self.is_stop(w) or surface.laughter(w[1]) or (w[1].isdigit() and len(w[1]) == 1):
                    reached[i + 1] = True
                for end in {e for p in phrases for e in match_ends(rest, p.words, i)}:
                    reached[end] = True
        return reached[-1]

    def is_stop(self, w: Word) -> bool:
        """A word that carries no meaning: typed with marks, as a stop word is written ("báo" is not "bao", "đình"
        not "định"); typed without them, any stop word it could be."""
        return w[1] in self.stop if w[2] else w[0] in self.stop_typed

    def _only(self, msg: list[Word], kinds: tuple[str, ...]) -> bool:
        """True when every word is a stop word, laughter or a one-word phrase of these kinds."""
        singles = [p.words[0] for kind in kinds for p in self.phrases.get(kind, ()) if len(p.words) == 1]
        return all(self.is_stop(w) or surface.laughter(w[1]) or any(word_eq(w, s) for s in singles) for w in msg)

    def _asks_what_now(self, msg: list[Word]) -> bool:
        """What to do or whom to tell, about what she just asked ("vậy em phải làm gì", "giờ e phải làm thế nào",
        "e phai bao ai"): a what_now phrase, and besides it only words that carry no meaning or say "now"."""
        inside = {i for p in self.phrases.get("what_now", ()) for a, b in find_spans(msg, p) for i in range(a, b)}
        return bool(inside) and self._only([w for i, w in enumerate(msg) if i not in inside], ("filler", "now_word"))

    def _asks_more(self, core: list[Word]) -> bool:
        """ "xem thêm mấy điều nữa", "còn điều luật nào nữa không": words asking for more and nothing else."""
        markers = [p.words[0] for p in self.phrases.get("more_word", ())]
        asks = any(word_eq(w, m) for w in core for m in markers) or (
            any(w[1] == "nua" for w in core) and any(w[0] in ("còn", "con") for w in core))
        kinds = ("more_word", "select", "filler", "list_word")
        return asks and self._only([w for w in core if w[1] != "nua"], kinds)

    def english_query(self, msg: list[Word]) -> str | None:
        """For an English or mixed message, the Vietnamese words to search (maybe ""); None for a Vietnamese one."""
        # English words read through intents.tsv's glossary, longest phrase first; unknown English words dropped
        known = self.loanwords | {fold(w) for p in self.phrases.get("filler", ()) for w, _ in p.words}
        foreign = [w for w in msg if w[1] not in known and surface.foreign(w[1])]
        # one English word of the glossary is enough ("divorce"); unknown ones need company (typos exist), and
        # some word of the glossary ("how", "is", "my") must be there: keyboard mash is no English
        enough = len(foreign) >= ENGLISH_MIN_WORDS or any((w[1],) in self.english for w in foreign)
        known_english = any((f,) in self.english for _, f, plain in msg if plain)
        if not enough or not known_english or len(foreign) < ENGLISH_MIN_SHARE * len(msg):
            return None
        longest = max((len(k) for k in self.english), default=1)
        out: list[str] = []
        i = 0
        while i < len(msg):
            for n in range(min(longest, len(msg) - i), 0, -1):
                part = msg[i:i + n]
                key = tuple(f for _, f, _ in part)
                # a Vietnamese word typed with diacritics ("mẹ") is never read as English ("me")
                if key in self.english and all(plain or surface.foreign(f) for _, f, plain in part):
                    out.extend(self.english[key].split())
                    i += n
                    break
            else:
                if not surface.foreign(msg[i][1]):
                    out.append(msg[i][0])
                i += 1
        return " ".join(out)
