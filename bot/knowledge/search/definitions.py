"""Terms a definitions article defines clause by clause ("2. Gia đình là …"), so that a "what is" question naming one
finds the article that defines it rather than every article titled "Khái niệm …" (priors.tsv, kind `defines`)."""
from __future__ import annotations

import re
from typing import Iterable, Mapping, Sequence

from bot.knowledge.corpus.model import Article
from bot.knowledge.search.priors import Priors, Words, folded_words

# "2. Gia đình là …", "Người sử dụng lao động (sau đây gọi là …) là …", "… được hiểu là …"
_DEFINES = re.compile(r"^\s*(?:\d+[a-z]?\s*[.)]\s*)?(?P<term>[^.:;]{2,80}?)\s+(?:được hiểu là|là)\s", re.IGNORECASE)
_ASIDE = re.compile(r"\([^)]*\)")
MAX_TERM_WORDS = 8
MIN_TERM_WORDS = 2  # one syllable ("con", "nợ") is a word of too many questions to say which term is asked about
MIN_COVER = 0.5  # the defined terms must be at least this share of what the question says besides its cue


def clause_terms(text: str) -> Words | None:
    """The term a clause defines, as folded words; None when the clause does not open with "X là …"."""
    m = _DEFINES.match(_ASIDE.sub(" ", text[:300]))  # an aside may hold its own "là": "(sau đây gọi là …)"
    if not m:
        return None
    words = tuple(folded_words(m.group("term")))
    return words if MIN_TERM_WORDS <= len(words) <= MAX_TERM_WORDS else None


def defined_terms(articles: Sequence[Article], priors: Priors) -> dict[str, list[int]]:
    """Folded term ("gia dinh") → positions (in `articles`) of the definitions articles that define it."""
    out: dict[str, list[int]] = {}
    if not priors.defines:
        return out
    for i, a in enumerate(articles):
        if not priors.holds(a.title, priors.defines):
            continue
        for clause in a.clauses or ():
            words = clause_terms(clause.text)
            if words:
                where = out.setdefault(" ".join(words), [])
                if i not in where:
                    where.append(i)
    return out


class Definitions:
    """Look-up of defined terms in a question's words (longest terms first, not overlapping)."""

    def __init__(self, terms: Mapping[str, Iterable[int]]) -> None:
        """`terms`: as defined_terms() returns (and the index keeps in its meta)."""
        self.by_first: dict[str, list[tuple[Words, list[int]]]] = {}
        for term, where in terms.items():
            words = tuple(term.split())
            self.by_first.setdefault(words[0], []).append((words, list(where)))
        for entries in self.by_first.values():
            entries.sort(key=lambda e: -len(e[0]))

    def __bool__(self) -> bool:
        """True when any term is known."""
        return bool(self.by_first)

    def asked(self, words: Sequence[str], cue_words: Iterable[Words]) -> list[int]:
        """Positions of the articles defining the terms the words name, when those terms are most of what the
        question says once its cue ("là gì", "khái niệm") is set aside; [] otherwise."""
        rest = list(words)
        for phrase in cue_words:
            n = len(phrase)
            for i in range(len(rest) - n + 1):
                if tuple(rest[i:i + n]) == phrase:
                    rest[i:i + n] = [""] * n
        content = [w for w in rest if w]
        found: list[int] = []
        covered, i = 0, 0
        while i < len(rest):
            for term, where in self.by_first.get(rest[i], ()):
                if tuple(rest[i:i + len(term)]) == term:
                    found += [p for p in where if p not in found]
                    covered += len(term)
                    i += len(term)
                    break
            else:
                i += 1
        return found if content and covered >= MIN_COVER * len(content) else []
