"""What a search returns: ranked articles, and the one method callers need from an index."""
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

    def search(self, query: str, top: int = 10, docs: Collection[str] | None = None,
               in_force_only: bool = False) -> list[Hit]:
        """Best hits first."""
        ...

    def clause_scorer(self, query: str) -> Callable[[Any], Mapping[str, float]]:
        """For one query, each numbered clause of an article its score ({}: none scored)."""
        ...
