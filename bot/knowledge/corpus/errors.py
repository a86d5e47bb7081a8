"""Import results and the error raised for a source that cannot be read."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.corpus.model import Document
from bot.ops.errors import Explained


class SourceError(Explained, ValueError):
    """A source file that is missing, empty, corrupt or not in a recognised format."""

    def __init__(self, source: str, expected: str, kind: str = "", **params: Any) -> None:
        """`source` names the file; `expected` says what was expected instead; `kind` names the error for the
        console's wording (bot.ops.errors)."""
        super().__init__(f"{source}: {expected}", kind, **params)
        self.source = source
        self.expected = expected


@dataclass(frozen=True)
class Skipped:
    """An item of a source left out (or imported with a caveat), and why."""

    source: str
    item: str
    reason: str
    imported: bool = False  # True: the item was imported, with the caveat in `reason`


@dataclass(frozen=True)
class ImportResult:
    """What one source yielded: its documents and the items skipped."""

    source: str
    documents: tuple[Document, ...] = ()
    skipped: tuple[Skipped, ...] = field(default=())

    @property
    def article_count(self) -> int:
        """Articles over all documents."""
        return sum(len(d.articles) for d in self.documents)
