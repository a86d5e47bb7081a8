"""Phrases of the data files matched word by word against a message, diacritics optional where the user left them
out: "danh" matches "đánh", "đánh" matches only "đánh", "tiêp" (tone left out, as phone keyboards often do) matches
"tiếp"; "*" in a phrase stands for 0-2 words."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from bot.knowledge.search.text import fold, normalize

WORD_RE = re.compile(r"\w+")
GAP = "*"  # in a phrase: 0-2 arbitrary words
GAP_MAX = 2
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave, acute, tilde, hook, dot below (not â, ơ, đ)

Word = tuple[str, str, bool]  # (word, folded, typed without diacritics)


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
class Pattern:
    """A phrase as (accented word, folded word) pairs; GAP for a small gap."""

    words: tuple[tuple[str, str], ...]
    tags: tuple[str, ...]
    text: str


def pattern(phrase: str, tags: tuple[str, ...] = ()) -> Pattern:
    """Compile a data-file phrase."""
    ws = [w for w in re.findall(r"\w+|\*", normalize(phrase).replace("_", " "))]
    return Pattern(tuple((w, fold(w)) for w in ws), tags, phrase)


@lru_cache(maxsize=65536)
def toneless(word: str) -> str:
    """The word without its tone mark, other marks kept: "tiếp" → "tiêp"."""
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", word) if c not in _TONES))


def word_eq(msg: Word, pat: tuple[str, str]) -> bool:
    """A message word typed without diacritics matches any accented reading; an accented one must be exact, or have
    its tone alone left out."""
    word, folded, plain = msg
    if word == pat[0] or folded != pat[1]:
        return word == pat[0]
    return plain or (toneless(word) == word and toneless(pat[0]) == word)


def match_at(msg: Sequence[Word], pat: tuple[tuple[str, str], ...], i: int) -> int | None:
    """End index of pat matched at message position i, or None."""
    if not pat:
        return i
    if pat[0][0] == GAP:
        for skip in range(GAP_MAX + 1):
            if i + skip <= len(msg):
                end = match_at(msg, pat[1:], i + skip)
                if end is not None:
                    return end
        return None
    if i < len(msg) and word_eq(msg[i], pat[0]):
        return match_at(msg, pat[1:], i + 1)
    return None


def match_ends(msg: Sequence[Word], pat: tuple[tuple[str, str], ...], i: int) -> set[int]:
    """Every end index of pat matched at message position i (a gap may take 0, 1 or 2 words)."""
    if not pat:
        return {i}
    if pat[0][0] == GAP:
        return {end for skip in range(GAP_MAX + 1) if i + skip <= len(msg)
                for end in match_ends(msg, pat[1:], i + skip)}
    if i < len(msg) and word_eq(msg[i], pat[0]):
        return match_ends(msg, pat[1:], i + 1)
    return set()


def find_spans(msg: Sequence[Word], pattern: Pattern) -> list[tuple[int, int]]:
    """Every (start, end) where the pattern matches, word-bounded."""
    spans = []
    for i in range(len(msg)):
        end = match_at(msg, pattern.words, i)
        if end is not None and end > i:
            spans.append((i, end))
    return spans


def whole(msg: Sequence[Word], patterns: Sequence[Pattern]) -> bool:
    """True when the words are exactly one of the phrases."""
    return bool(msg) and any(len(msg) in match_ends(msg, p.words, 0) for p in patterns)


def cover(msg: Sequence[Word], kinds: dict[str, Sequence[Pattern]]) -> list[str] | None:
    """The kinds of phrases that, one after another, make up all the words ("ok cảm ơn": ack, thanks), or None."""
    # best[i]: the kinds covering msg[:i]; fewest phrases first, so "cảm ơn nhiều" stays one phrase
    best: list[list[str] | None] = [[]] + [None] * len(msg)
    for i in range(len(msg)):
        done = best[i]
        if done is None:
            continue
        for kind, patterns in kinds.items():
            for p in patterns:
                for end in match_ends(msg, p.words, i):
                    if end > i and (best[end] is None or len(best[end]) > len(done) + 1):
                        best[end] = [*done, kind]
    return best[len(msg)] if msg else None


class Frame:
    """The polite frame around a question ("chị ơi cho em hỏi là … với ạ"), found at both ends of a message's words
    with the phrase tables greeting, filler, opening, opening_tail, closing and closing_plain (intents.tsv)."""

    def __init__(self, phrases: dict[str, list[Pattern]]) -> None:
        """Read from these phrase tables (by kind)."""
        self.phrases = phrases
        self.by_first: dict[str, dict[str, list[Pattern]]] = {}  # per kind, the phrases by their first folded word

    def span(self, msg: list[Word]) -> tuple[int, int]:
        """Where the question starts and ends among the words (0 and len(msg) when nothing frames it)."""
        start = self._opening(msg)
        end, bare = len(msg), all(plain for _, _, plain in msg)
        while end > start and (cut := self._ending(msg[start:end], "closing")):
            if cut == 1 and not self._closing_word(msg[end - 1], bare):
                break  # "thai nhi", "ban nha": typed without marks, "nhi", "nha" may be words of hers; two are "với ạ"
            end -= cut
        return start, end

    def _opening(self, msg: list[Word]) -> int:
        """How many words open the message politely: greetings, "chị ơi", "cho em hỏi", then "là", "về việc"."""
        start, framed = 0, False
        while start < len(msg):
            rest = msg[start:]
            polite = len(rest) - len(self._after_fillers(rest))
            greeting = self._starting(rest[polite:], "greeting")
            if greeting:
                after = rest[polite + greeting:]
                start += polite + greeting + len(after) - len(self._after_fillers(after))
            elif (opening := self._starting(rest, "opening")) and (opening > 1 or self._typed_as(rest[0], "opening")):
                start += opening  # one word must be typed as listed: "da mặt" is skin, not "dạ"
            else:
                break
            framed = True
        while framed and start < len(msg) and (tail := self._starting(msg[start:], "opening_tail")):
            start += tail
        return start

    def _starting(self, msg: list[Word], kind: str) -> int:
        """Length of the longest phrase of this kind the words start with (0 when none), trying only the phrases
        whose first word is theirs: every question asks it."""
        if not msg:
            return 0
        if kind not in self.by_first:
            index: dict[str, list[Pattern]] = {}
            for p in self.phrases.get(kind, ()):
                index.setdefault(p.words[0][1] if p.words else "", []).append(p)
            self.by_first[kind] = index
        index = self.by_first[kind]
        candidates = index.get(msg[0][1], []) + index.get(GAP, [])
        return max((e for p in candidates if (e := match_at(msg, p.words, 0))), default=0)

    def _ending(self, msg: list[Word], kind: str) -> int:
        """Length of the longest phrase of this kind (no gaps) the words end with (0 when none)."""
        n = len(msg)
        return max((len(p.words) for p in self.phrases.get(kind, ())
                    if len(p.words) <= n and match_at(msg, p.words, n - len(p.words)) == n), default=0)

    def _typed_as(self, word: Word, kind: str) -> bool:
        """Whether the word is typed exactly as a one-word phrase of this kind (marks and all)."""
        return any(len(p.words) == 1 and p.words[0][0] == word[0] for p in self.phrases.get(kind, ()))

    def _closing_word(self, word: Word, bare: bool) -> bool:
        """Whether one word at the end only softens the question: typed as listed, and in a message typed without
        any marks only the words that cannot be hers ("a", "ad")."""
        return self._typed_as(word, "closing_plain") or (not bare and self._typed_as(word, "closing"))

    def _after_fillers(self, msg: list[Word]) -> list[Word]:
        """The words after the polite fillers they start with ("em", "ạ")."""
        fillers = [p for p in self.phrases.get("filler", ()) if len(p.words) == 1]
        i = 0
        while i < len(msg) and any(word_eq(msg[i], p.words[0]) for p in fillers):
            i += 1
        return msg[i:]
