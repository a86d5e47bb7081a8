"""Reading a message before any search: danger, short intents, item commands, citations, follow-ups."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.search.text import fold, normalize
from bot.ops.datafiles import read_tsv

WORD_RE = re.compile(r"\w+")
GAP = "*"  # in a phrase: 0-2 arbitrary words
GAP_MAX = 2
SHORT_INTENT_WORDS = 6  # longer messages are questions even if they start with "chào"
FOLLOWUP_MAX_WORDS = 10
ERASE_MAX_WORDS = 10  # "xóa toàn bộ dữ liệu của tôi đi nhé": a whole message, never part of a question

# Citation grammar, read on length-preserving folded text: "điểm a khoản 2 điều 185", "k2 đ185", "Đ139", "d.139"
_CITE_RE = re.compile(
    r"(?:\bdiem\s+([a-z])\s*[,.]?\s*)?(?:\b(?:khoan\s+|k\.?\s*)(\d{1,3})\s*[,.]?\s*(?:cua\s+)?)?"
    r"\b(?:dieu|d\.?)\s*(\d{1,4}[a-z]?)\b(?!/)")
_NUMBER_RE = re.compile(r"\b(\d{1,4}/\d{4}(?:/[a-z0-9][a-z0-9\-]*)?)\b")
_SELECT_RE = re.compile(r"^(\d{1,2})$")


def fold_chars(text: str) -> str:
    """Diacritics off character by character (same length as an NFC input), đ→d."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0]
        out.append("d" if base in "đĐ" else base)
    return "".join(out)


def words(text: str) -> list[str]:
    """Lower-case words of a message (letters and digits), punctuation dropped."""
    return WORD_RE.findall(normalize(text).replace("_", " "))


@dataclass(frozen=True)
class _Pattern:
    """A phrase as (accented word, folded word) pairs; GAP for a small gap."""

    words: tuple[tuple[str, str], ...]
    tags: tuple[str, ...]
    text: str


def _pattern(phrase: str, tags: tuple[str, ...] = ()) -> _Pattern:
    """Compile a data-file phrase."""
    ws = [w for w in re.findall(r"\w+|\*", normalize(phrase).replace("_", " "))]
    return _Pattern(tuple((w, fold(w)) for w in ws), tags, phrase)


def _word_eq(msg: tuple[str, str, bool], pat: tuple[str, str]) -> bool:
    """A message word typed without diacritics matches any accented reading; an accented one must be exact."""
    word, folded, plain = msg
    return word == pat[0] or (plain and folded == pat[1])


def _match_at(msg: list[tuple[str, str, bool]], pat: tuple[tuple[str, str], ...], i: int) -> int | None:
    """End index of pat matched at message position i, or None."""
    if not pat:
        return i
    if pat[0][0] == GAP:
        for skip in range(GAP_MAX + 1):
            if i + skip <= len(msg):
                end = _match_at(msg, pat[1:], i + skip)
                if end is not None:
                    return end
        return None
    if i < len(msg) and _word_eq(msg[i], pat[0]):
        return _match_at(msg, pat[1:], i + 1)
    return None


def find_spans(msg: list[tuple[str, str, bool]], pattern: _Pattern) -> list[tuple[int, int]]:
    """Every (start, end) where the pattern matches, word-bounded."""
    spans = []
    for i in range(len(msg)):
        end = _match_at(msg, pattern.words, i)
        if end is not None and end > i:
            spans.append((i, end))
    return spans


@dataclass(frozen=True)
class Danger:
    """Danger found in a message: its categories (for hotlines) and the phrases that matched."""

    categories: tuple[str, ...]
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Citation:
    """A direct reference typed by the user: doc is a number from the alias table, a typed number, or ""."""

    article: str
    clause: str = ""
    point: str = ""
    doc: str = ""
    typed_number: str = ""  # folded "52/2014/qh13" or "52/2014", resolved against the corpus later
    at_start: bool = False  # the message begins with the citation


@dataclass(frozen=True)
class Intent:
    """What a message asks for; `name` drives the dialogue, the other fields carry its argument."""

    name: str  # empty|erase|helpful|unhelpful|greeting|thanks|ack|help|more|select|citation|followup|question
    number: int = 0
    citation: Citation | None = None
    text: str = ""  # the question (greeting stripped) or the follow-up's new words


@dataclass
class Intents:
    """Phrase tables from bot/data (intents.tsv, danger.tsv, aliases.tsv), compiled once."""

    phrases: dict[str, list[_Pattern]] = field(default_factory=dict)
    teencode: dict[str, str] = field(default_factory=dict)
    triggers: list[_Pattern] = field(default_factory=list)
    exclusions: list[_Pattern] = field(default_factory=list)
    aliases: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    stop: frozenset[str] = frozenset()
    # ambiguous abbreviations read from a neighbour: "bn ơi" is "bạn ơi", "bn tháng" stays "bao nhiêu tháng"
    teencode_near: dict[str, list[tuple[str, frozenset[str], str]]] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)  # danger category -> words added to its search
    quiet: frozenset[str] = frozenset()  # danger categories answered with hotlines only, never articles

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
            else:
                self.phrases.setdefault(kind, []).append(_pattern(phrase))
        for row in read_tsv("danger.tsv", data_dir):
            if row[0] == "trigger":
                tags = tuple(c.strip() for c in row[2].split(",") if c.strip())
                self.triggers.append(_pattern(row[1], tags))
            elif row[0] == "exclude":
                self.exclusions.append(_pattern(row[1]))
            elif row[0] == "hint":
                self.hints[row[1]] = normalize(row[2])
            elif row[0] == "quiet":
                self.quiet = self.quiet | {row[1]}
        aliases = [(tuple(fold(w) for w in words(row[0])), row[1]) for row in read_tsv("aliases.tsv", data_dir)]
        self.aliases = sorted(aliases, key=lambda a: -len(a[0]))
        return self

    def _msg(self, text: str) -> list[tuple[str, str, bool]]:
        """Message words after teencode, each as (word, folded, typed-without-diacritics)."""
        out = []
        typed = words(text)
        for i, w in enumerate(typed):
            for part in self._spell(typed, i).split():
                f = fold(part)
                out.append((part, f, part == f))
        return out

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

    def expand(self, text: str) -> list[tuple[str, str, bool]]:
        """The message's words with teencode spelled out ("ck" → "chồng"), as (word, folded, plain) triples."""
        return self._msg(text)

    def danger(self, text: str) -> Danger | None:
        """Danger triggers found in text, unless an exclusion ("đánh giá", "chết máy") covers them."""
        msg = self._msg(text)
        excluded = [span for p in self.exclusions for span in find_spans(msg, p)]
        cats: list[str] = []
        found: list[str] = []
        for pattern in self.triggers:
            for start, end in find_spans(msg, pattern):
                if any(s < end and start < e for s, e in excluded):
                    continue
                found.append(pattern.text)
                cats.extend(c for c in pattern.tags if c not in cats)
                break
        return Danger(tuple(cats), tuple(found)) if found else None

    def _whole(self, msg: list[tuple[str, str, bool]], kind: str) -> bool:
        """True when the words are exactly one phrase of this kind."""
        return any(_match_at(msg, p.words, 0) == len(msg) for p in self.phrases.get(kind, ()))

    def _strip_fillers(self, msg: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
        """Drop polite filler words ("ạ", "bạn ơi") for whole-message matching."""
        fillers = self.phrases.get("filler", ())
        return [w for w in msg if not any(len(p.words) == 1 and _word_eq(w, p.words[0]) for p in fillers)]

    def _leading(self, msg: list[tuple[str, str, bool]], kind: str) -> int:
        """Length of the longest phrase of this kind at the start of the words (0 when none)."""
        ends = [_match_at(msg, p.words, 0) for p in self.phrases.get(kind, ())]
        return max((e for e in ends if e), default=0)

    def _trailing(self, msg: list[tuple[str, str, bool]], kind: str) -> int:
        """Length of the longest phrase of this kind at the end of the words (0 when none)."""
        best = 0
        for p in self.phrases.get(kind, ()):
            for start in range(len(msg)):
                if _match_at(msg, p.words, start) == len(msg):
                    best = max(best, len(msg) - start)
                    break
        return best

    def select_number(self, msg: list[tuple[str, str, bool]]) -> int:
        """The item number of "2", "xem 2", "điều 2", "xem toàn văn 2"; 0 when not such a message."""
        if not msg or not _SELECT_RE.match(msg[-1][0]):
            return 0
        head = msg[:-1]
        if head and not self._whole(head, "select"):
            return 0
        return int(msg[-1][0])

    def citation(self, text: str) -> Citation | None:
        """A direct citation ("khoản 2 điều 185 bộ luật hình sự", "Đ139 BLLĐ"), None when there is none."""
        folded = fold_chars(normalize(text))
        m = _CITE_RE.search(folded)
        if not m:
            return None
        point, clause, article = m.group(1) or "", m.group(2) or "", m.group(3)
        if point:
            point = normalize(text)[m.start(1)]  # keep "đ" apart from "d"
        rest = folded[:m.start()] + " " + folded[m.end():]
        number = _NUMBER_RE.search(rest)
        typed = number.group(1) if number else ""
        return Citation(article=article, clause=clause, point=point,
                        doc=self._alias(rest), typed_number=typed, at_start=not folded[:m.start()].strip())

    def _alias(self, folded: str) -> str:
        """The document number of the longest alias found in folded text."""
        ws = [w.replace("_", " ") for w in WORD_RE.findall(folded)]
        for alias, number in self.aliases:
            n = len(alias)
            if any(tuple(ws[i:i + n]) == alias for i in range(len(ws) - n + 1)):
                return number
        return ""

    def classify(self, text: str) -> Intent:
        """The intent of a text message (the dialogue adds context: lists shown, previous question)."""
        msg = self._msg(text)
        if not msg:
            return Intent("empty")
        core = self._strip_fillers(msg) or msg
        if len(core) <= ERASE_MAX_WORDS and self._whole(core, "erase"):
            return Intent("erase")
        if len(msg) <= SHORT_INTENT_WORDS:
            for kind in ("helpful", "unhelpful", "greeting", "thanks", "ack", "help", "more"):
                if self._whole(core, kind):
                    return Intent(kind)
            number = self.select_number(core)
            if number:
                return Intent("select", number=number)
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
        if len(msg) <= FOLLOWUP_MAX_WORDS:
            head = self._leading(msg, "followup_prefix")
            tail = self._trailing(msg, "followup_suffix")
            if head or tail:
                rest = msg[head:len(msg) - tail] if len(msg) - tail > head else []
                return Intent("followup", text=" ".join(w for w, _, _ in rest) or question)
        return Intent("question", text=question)

    def content_words(self, text: str) -> list[tuple[str, str, bool]]:
        """Words that carry meaning (stop words dropped), for coverage and clause choice."""
        return [w for w in self._msg(text) if w[1] not in self.stop]
