"""Reading a message before any search: danger, short intents (bot/conversation/reading.py), citations,
phone numbers and links, follow-ups."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.conversation import surface
from bot.conversation.citations import Citation, read_citation
from bot.conversation.phrases import (
    Frame,
    Pattern,
    Word,
    cover,
    find_spans,
    fold_chars,
    match_at,
    pattern,
    word_eq,
    words,
)
from bot.conversation.reading import (
    LAST_ITEM,
    SHORT_INTENT_WORDS,
    Intent,
    ShortMessages,
)
from bot.knowledge.search.text import fold, normalize
from bot.ops.datafiles import read_tsv

__all__ = ["LAST_ITEM", "Citation", "Danger", "Intent", "Intents", "find_spans", "fold_chars",
           "words"]  # answers, dialogue

FOLLOWUP_MAX_WORDS = 10
FOLLOWUP_READ_PLAIN_WORDS = 4  # a prefix read into plain words ("con" as "còn") only in messages this short
ERASE_MAX_WORDS = 10  # "xóa toàn bộ dữ liệu của tôi đi nhé": a whole message, never part of a question
CONTACT_MAX_WORDS = 2  # a phone number or link with at most this many other meaningful words is not a question


@dataclass(frozen=True)
class Danger:
    """Danger found in a message: its categories (for hotlines) and the phrases that matched."""

    categories: tuple[str, ...]
    phrases: tuple[str, ...]
    searched: tuple[str, ...] = ()  # the categories whose hint words join the search (not "child" only named)


@dataclass
class Intents(ShortMessages):
    """Phrase tables from bot/data (intents.tsv, danger.tsv, aliases.tsv), compiled once."""

    phrases: dict[str, list[Pattern]] = field(default_factory=dict)
    teencode: dict[str, str] = field(default_factory=dict)
    triggers: list[Pattern] = field(default_factory=list)
    exclusions: list[Pattern] = field(default_factory=list)
    aliases: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    stop: frozenset[str] = frozenset()
    stop_typed: frozenset[str] = frozenset()
    # ambiguous abbreviations read from a neighbour: "bn ơi" is "bạn ơi", "bn tháng" stays "bao nhiêu tháng"
    teencode_near: dict[str, list[tuple[str, frozenset[str], str]]] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)  # danger category -> words added to its search
    quiet: frozenset[str] = frozenset()  # danger categories answered with hotlines only, never articles
    children: list[Pattern] = field(default_factory=list)  # words naming a child: a danger about one is "child" too
    numbers: list[tuple[Pattern, int]] = field(default_factory=list)  # "hai" 2, "đầu tiên" 1, "cuối" LAST_ITEM
    # English words or phrases (folded words) -> the Vietnamese searched for them ("maternity leave": nghỉ thai sản)
    english: dict[tuple[str, ...], str] = field(default_factory=dict)
    loanwords: frozenset[str] = frozenset()  # foreign-looking words Vietnamese chats use ("zalo", "online")
    frame: Frame = field(default_factory=lambda: Frame({}))  # the polite frame around a question (opening/closing)

    @classmethod
    def load(cls, data_dir: Path | None = None) -> "Intents":
        """Read and compile the data files."""
        self = cls()
        for row in read_tsv("intents.tsv", data_dir):
            kind, phrase = row[0], row[1]
            if kind == "teencode":
                self.teencode[phrase] = normalize(row[2])
            elif kind in ("teencode_next", "teencode_prev"):
                near = frozenset(fold(w) for w in row[3].split(",") if w.strip())
                self.teencode_near.setdefault(phrase, []).append((kind[-4:], near, normalize(row[2])))
            elif kind == "stop":
                self.stop = self.stop | {fold(phrase)}
                self.stop_typed = self.stop_typed | {normalize(phrase)}
            elif kind == "number":
                self.numbers.append((pattern(phrase), LAST_ITEM if row[2] == "last" else int(row[2])))
            elif kind == "english":
                self.english[tuple(fold(w) for w in words(phrase))] = normalize(row[2]) if len(row) > 2 else ""
            elif kind == "loanword":
                self.loanwords = self.loanwords | {fold(phrase)}
            else:
                self.phrases.setdefault(kind, []).append(pattern(phrase))
        for row in read_tsv("danger.tsv", data_dir):
            if row[0] == "trigger":
                tags = tuple(c.strip() for c in row[2].split(",") if c.strip())
                self.triggers.append(pattern(row[1], tags))
            elif row[0] == "exclude":
                self.exclusions.append(pattern(row[1]))
            elif row[0] == "hint":
                self.hints[row[1]] = normalize(row[2])
            elif row[0] == "quiet":
                self.quiet = self.quiet | {row[1]}
            elif row[0] == "child":
                self.children.append(pattern(row[1]))
        self.frame = Frame(self.phrases)
        aliases = [(tuple(fold(w) for w in words(row[0])), row[1]) for row in read_tsv("aliases.tsv", data_dir)]
        self.aliases = sorted(aliases, key=lambda a: -len(a[0]))
        return self

    def _msg(self, text: str) -> list[Word]:
        """Message words after teencode, each as (word, folded, typed-without-diacritics)."""
        return self._spelled(words(text))[0]

    def _spelled(self, typed: list[str]) -> tuple[list[Word], list[int]]:
        """The typed words after teencode, and for each the typed word it comes from ("bn" → "bao nhiêu": 2 words)."""
        out: list[Word] = []
        owner: list[int] = []
        for i in range(len(typed)):
            for part in self._spell(typed, i).split():
                f = fold(part)
                out.append((part, f, part == f))
                owner.append(i)
        return out, owner

    def _spell(self, typed: list[str], i: int) -> str:
        """Word i with its abbreviation spelled out, reading an ambiguous one from the word after or before it."""
        word = typed[i]
        for side, near, meaning in self.teencode_near.get(word, ()):
            j = i + 1 if side == "next" else i - 1
            if 0 <= j < len(typed) and fold(typed[j]) in near:
                return meaning
        return self.teencode.get(word, word)

    def spell_out(self, text: str, extra: str = "") -> str:
        """The message, then `extra` words, abbreviations spelled out; without diacritics if the user typed none."""
        # a query half accented ("nghi de được") reads worse to the search than one written one way throughout
        typed = words(text)
        spelled = [part for i in range(len(typed)) for part in self._spell(typed, i).split()] + words(extra)
        if all(w == fold(w) for w in typed):
            spelled = [fold(w) for w in spelled]
        return " ".join(spelled)

    def unframed(self, text: str) -> str:
        """The question without the polite frame around it ("chị ơi cho em hỏi là … với ạ") and the words of when it
        happened ("tối qua"), as typed; the message as typed when nothing else is left."""
        # the frame changes no answer, but its words weigh in every match ("cho em hỏi" found no answer card)
        typed = words(text)
        msg, owner = self._spelled(typed)
        start, end = self.frame.span(msg)
        if end - start < 2:
            start, end = 0, len(msg)
        # when it happened ("tối qua", "lúc nửa đêm") says nothing of the law, and its words weigh in every match
        when = {owner[i] for p in self.phrases.get("when", ()) for a, b in find_spans(msg[start:end], p)
                for i in range(start + a, start + b)}
        kept = [w for i, w in enumerate(typed[owner[start]:owner[end - 1] + 1], owner[start]) if i not in when]
        if len(kept) < 2 or len(kept) == len(typed):
            return text
        return " ".join(kept)

    def expand(self, text: str) -> list[Word]:
        """The message's words with teencode spelled out ("ck" → "chồng"), as (word, folded, plain) triples."""
        return self._msg(text)

    def danger(self, text: str) -> Danger | None:
        """Danger triggers found in text, unless an exclusion ("đánh giá", "chết máy") covers them."""
        msg = self._msg(text)
        excluded = [span for p in self.exclusions for span in find_spans(msg, p)]
        cats: list[str] = []
        found: list[str] = []
        for trigger in self.triggers:
            for start, end in find_spans(msg, trigger):
                if any(s < end and start < e for s, e in excluded):
                    continue
                found.append(trigger.text)
                cats.extend(c for c in trigger.tags if c not in cats)
                break
        if not found:
            return None
        searched = tuple(cats)
        if "child" not in cats and any(find_spans(msg, p) for p in self.children):
            # "con gái e 13 tuổi bị sàm sỡ": the child protection line leads with the others; the search keeps her
            # words ("con trai bà hàng xóm đánh mẹ già" is no child's case)
            cats.append("child")
        return Danger(tuple(cats), tuple(found), searched)

    def _whole(self, msg: list[Word], kind: str) -> bool:
        """True when the words are exactly one phrase of this kind."""
        return any(match_at(msg, p.words, 0) == len(msg) for p in self.phrases.get(kind, ()))

    def _strip_fillers(self, msg: list[Word]) -> list[Word]:
        """Drop polite filler words ("ạ", "bạn ơi") for whole-message matching."""
        fillers = self.phrases.get("filler", ())
        return [w for w in msg if not any(len(p.words) == 1 and word_eq(w, p.words[0]) for p in fillers)]

    def _leading(self, msg: list[Word], kind: str) -> int:
        """Length of the longest phrase of this kind at the start of the words (0 when none)."""
        ends = [match_at(msg, p.words, 0) for p in self.phrases.get(kind, ())]
        return max((e for e in ends if e), default=0)

    def _trailing(self, msg: list[Word], kind: str) -> int:
        """Length of the longest phrase of this kind at the end of the words (0 when none)."""
        best = 0
        for p in self.phrases.get(kind, ()):
            for start in range(len(msg)):
                if match_at(msg, p.words, start) == len(msg):
                    best = max(best, len(msg) - start)
                    break
        return best

    def citation(self, text: str) -> Citation | None:
        """A direct citation ("khoản 2 điều 185 bộ luật hình sự", "Đ139 BLLĐ"), None when there is none."""
        return read_citation(text, self.aliases)

    def classify(self, text: str) -> Intent:
        """The intent of a text message (the dialogue adds context: lists shown, previous question)."""
        contact, rest = surface.contacts(text)
        if contact:
            # a phone number or a link is never searched nor kept; with a real question around it, that is asked
            meaningful = [w for w in self._strip_fillers(self._msg(rest)) if not self.is_stop(w)
                          and not any(word_eq(w, p.words[0]) for p in self.phrases.get("contact_word", ()))]
            if len(meaningful) <= CONTACT_MAX_WORDS:
                return Intent(contact)
            intent = self.classify(rest)
            return Intent("question", text=intent.text or rest, note=contact) if intent.name in (
                "question", "followup") else intent
        msg = self._msg(text)
        if not msg:
            return Intent("empty")
        core = self._strip_fillers(msg) or msg
        if len(core) <= ERASE_MAX_WORDS and self._whole(core, "erase"):
            return Intent("erase")
        short = self._short(msg, core, text)
        if short is not None:
            return short
        cite = self.citation(text)
        if cite is not None and (cite.doc or cite.typed_number or cite.at_start or len(msg) <= 4):
            return Intent("citation", citation=cite)
        question = text
        lead = self._leading(msg, "greeting") or self._leading(msg, "thanks")
        if lead:
            # "chào bạn, cho hỏi ..." : answer the question, drop the greeting
            question = " ".join(w for w, _, _ in msg[lead:])
            msg = msg[lead:]
            if not self._strip_fillers(msg):
                return Intent("greeting")
        english = self.english_query(msg)
        if english is not None:
            return Intent("question", text=english or question, note="english")
        if len(msg) <= FOLLOWUP_MAX_WORDS:
            head = self._leading(msg, "followup_prefix")
            tail = self._trailing(msg, "followup_suffix")
            if head and not tail and not self._prefix_as_typed(msg, head):
                head = 0  # "con 14 tuổi đi làm…", "con gai 15 tuoi bi du do": her child, not "còn…"
            if head or tail:
                rest_words = msg[head:len(msg) - tail] if len(msg) - tail > head else []
                return Intent("followup", text=" ".join(w for w, _, _ in rest_words) or question)
            if self._refers_back(msg):  # "có được hưởng tiền không": about what she asked before
                return Intent("followup", text=question)
        core = self._strip_fillers(msg)
        if len(core) <= SHORT_INTENT_WORDS and self._only(core, ("chatword", "filler")):
            # "thôi được rồi", "để em xem đã": nothing in it to search for
            return Intent("chat")
        return Intent("question", text=question)

    def _prefix_as_typed(self, msg: list[Word], head: int) -> bool:
        """Whether a followup_prefix is meant: typed as the phrase is, or read into plain words ("con" for "còn",
        also a word of its own) only in a short message typed wholly without diacritics."""
        typed = {p.words for p in self.phrases.get("followup_prefix", ()) if len(p.words) == head}
        if tuple((w, f) for w, f, _ in msg[:head]) in typed:
            return True
        return len(msg) <= FOLLOWUP_READ_PLAIN_WORDS and all(plain for _, _, plain in msg)

    def _refers_back(self, msg: list[Word]) -> bool:
        """A message naming nothing of its own: besides words that carry no meaning, only followup_word phrases
        (money, time, place, papers, penalties), which ask about a subject named before, or a number with only
        those and detail_word phrases (a detail of her case), or a what_now phrase ("phải làm gì")."""
        if self._asks_what_now(msg):
            return True
        named = [w for w in self._strip_fillers(msg) if not self.is_stop(w)]
        words = [w for w in named if not w[0][:1].isdigit()]  # all but the numbers
        numbered = len(words) < len(named)
        if not numbered and any(find_spans(msg, p) for p in self.phrases.get("subject_word", ())):
            return False  # "bao nhiêu tuổi thì được đi làm": "đi làm" is all stop words, yet it names her subject
        asks = {"followup_word": self.phrases.get("followup_word", ())}
        if named and cover(named, asks) is not None:
            return True
        # "con em 3 tuổi", "em có bầu 5 tháng": a number and her case's people or state add a detail to it
        return numbered and len(msg) > 1 and (not words or cover(
            words, {**asks, "detail_word": self.phrases.get("detail_word", ())}) is not None)

    def content_words(self, text: str) -> list[Word]:
        """Words that carry meaning (stop words dropped), for coverage and clause choice."""
        # on the folded words, as the coverage thresholds of idk.json were calibrated ("báo", "đình" count as stop
        # words here: reading them as written moved the honest declines, see the README)
        return [w for w in self._msg(text) if w[1] not in self.stop]
