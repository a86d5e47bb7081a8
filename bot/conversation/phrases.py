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
