"""Import results and the error raised for a source that cannot be read."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.knowledge.corpus.model import Document


class SourceError(ValueError):
    """A source file that is missing, empty, corrupt or not in a recognised format."""

    def __init__(self, source: str, expected: str) -> None:
        """`source` names the file; `expected` says what was expected instead."""
        super().__init__(f"{source}: {expected}")
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
