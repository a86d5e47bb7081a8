"""The law library a process serves from: one corpus version and its search index."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.corpus.store import Corpus

if TYPE_CHECKING:  # the search stack loads only where an index is used
    from bot.search import SearchIndex


@dataclass(frozen=True)
class Library:
    """A corpus and the index built for it, of the same version ("" when nothing is imported)."""

    corpus: Corpus
    index: "SearchIndex"
    version: str
