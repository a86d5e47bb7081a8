"""Ranking priors from the shape of statutes (bot/data/priors.tsv): general provisions, question cues."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from bot.knowledge.search.analysis import runs
from bot.knowledge.search.text import fold
from bot.ops.datafiles import read_tsv

Words = tuple[str, ...]


def _phrases(cell: str) -> tuple[Words, ...]:
    """';'-separated phrases as folded word tuples."""
    out = []
    for phrase in cell.split(";"):
        ws = tuple(w for run in runs(fold(phrase)) for w in run)
        if ws:
            out.append(ws)
    return tuple(out)


def _padded(words: Sequence[str]) -> str:
    """The words joined and padded with spaces, so that a padded phrase is found only as whole words."""
    return f" {' '.join(words)} "


def _has(padded: str, phrase: Words) -> bool:
    """True when the phrase occurs as a whole-word sequence in words given in their _padded() form."""
    # Words hold no spaces, so a substring test on padded strings is a whole-word match, and far faster than slices.
    return _padded(phrase) in padded


def folded_words(text: str) -> list[str]:
    """The text's words, lower case and without diacritics (punctuation dropped)."""
    return [w for run in runs(fold(text)) for w in run]


def padded_words(text: str) -> str:
    """folded_words() as one string for Priors.holds_read()."""
    return _padded(folded_words(text))


@dataclass(frozen=True)
class Cue:
    """Questions holding one of `phrases` (or, when `absent`, none of them) favour articles whose title (or document
    name) holds one of `title`; a negative boost disfavours them."""

    phrases: tuple[Words, ...]
    title: tuple[Words, ...]
    boost: float  # score × (1 + boost)
    field: str = "title"  # or "document": the name of the article's document
    absent: bool = False  # applies to questions holding none of the phrases


@dataclass(frozen=True)
class Priors:
    """The rows of priors.tsv."""

    general: tuple[Words, ...] = ()
    not_general: tuple[Words, ...] = ()
    cues: tuple[Cue, ...] = ()
    defines: tuple[Words, ...] = ()  # titles of definitions articles ("giải thích từ ngữ"): see search/definitions.py
    defines_boost: float = 0.0  # score × (1 + this) for the article defining the term a "what is" question names

    @classmethod
    def load(cls, data_dir: Path | None = None) -> "Priors":
        """Read priors.tsv (no priors when the file is missing)."""
        try:
            rows = read_tsv("priors.tsv", data_dir)
        except FileNotFoundError:
            return cls()
        general = tuple(p for r in rows if r[0] == "general" and len(r) > 1 for p in _phrases(r[1]))
        not_general = tuple(p for r in rows if r[0] == "not_general" and len(r) > 1 for p in _phrases(r[1]))
        cues = tuple(Cue(_phrases(r[1]), _phrases(r[2]), float(r[3]), (r[4] if len(r) > 4 else "") or "title",
                         r[0] == "cue_unless")
                     for r in rows if r[0] in ("cue", "cue_unless") and len(r) > 3 and _phrases(r[2]))
        defines = [r for r in rows if r[0] == "defines" and len(r) > 2]
        return cls(general, not_general, cues, tuple(p for r in defines for p in _phrases(r[1])),
                   max((float(r[2]) for r in defines), default=0.0))

    @staticmethod
    def holds(text: str, phrases: Words | tuple[Words, ...]) -> bool:
        """True when the text holds the phrase (or one of the phrases) as whole words, ignoring diacritics."""
        return Priors.holds_read(padded_words(text), phrases)

    @staticmethod
    def holds_read(padded: str, phrases: Words | tuple[Words, ...]) -> bool:
        """holds() on a text already read by padded_words() (many phrases asked of the same titles)."""
        alternatives = (phrases,) if phrases and isinstance(phrases[0], str) else phrases
        return any(_has(padded, p) for p in alternatives)  # type: ignore[arg-type]

    def is_general(self, chapter: str, title: str) -> bool:
        """An article of a general-provisions chapter that says more than what the law covers."""
        ch, ti = padded_words(chapter), padded_words(title)
        return (any(_has(ch, p) for p in self.general)
                and not any(_has(ti, p) for p in self.not_general))

    def asks_definition(self, cue: Cue) -> bool:
        """True for a cue that sends a question to the definitions articles ("… là gì?")."""
        return cue.field == "title" and cue.boost > 0 and any(t in self.defines for t in cue.title)

    def cues_in(self, query: str, words: Sequence[str] | None = None) -> list[Cue]:
        """The cues a query holds (words: its folded_words(), when the caller has them already)."""
        text = _padded(folded_words(query) if words is None else words)
        return [c for c in self.cues if any(_has(text, p) for p in c.phrases) != c.absent]
