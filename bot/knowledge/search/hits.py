"""What a search returns (ranked articles) and what callers need from an index (the seam its test fakes follow)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Collection, Mapping, Protocol


@dataclass(frozen=True)
class Hit:
    """One ranked article."""

    doc: str
    article: str
    title: str
    score: float

    @property
    def key(self) -> str:
        """DOC:ARTICLE."""
        return f"{self.doc}:{self.article}"


class Searcher(Protocol):
    """What callers need from an index."""

    calibrated_scores: bool  # scores on the BM25 scale the "I don't know" thresholds (data/idk.json) were set on

    def search(self, query: str, top: int = 10, docs: Collection[str] | None = None,
               in_force_only: bool = False) -> list[Hit]:
        """Best hits first."""
        ...

    def search_with_votes(self, query: str, top: int, votes: Mapping[str, float],
                          cap: float = 0.0) -> tuple[list[Hit], list[Hit]]:
        """The best hits by the articles' own text, and with votes (key: a share of the best score, or of cap when
        that is lower and positive) added."""
        ...

    def clause_scorer(self, query: str) -> Callable[[Any], Mapping[str, float]]:
        """For one query, each numbered clause of an article its score ({}: none scored)."""
        ...

    def left_bare(self, word: str) -> bool:
        """Whether a word typed without marks is one the laws nearly always write with marks ("bi": "bị")."""
        ...
