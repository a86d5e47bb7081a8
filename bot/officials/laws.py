"""Officials' corpus operations (import, rollback, status) with change reports and the version published."""
from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from bot.knowledge import changes, coverage
from bot.knowledge.cards.checks import affected_cards, card_topics
from bot.knowledge.cards.model import load_deck
from bot.knowledge.changes import ChangeReport
from bot.knowledge.corpus import DocMeta, replica
from bot.knowledge.corpus.model import OFFICIALS, STATUSES
from bot.knowledge.corpus.store import CorpusStore
from bot.knowledge.importing import import_sources, plan_import
from bot.knowledge.library_watch import publish_version, published_version
from bot.knowledge.search.index import build_index
from bot.knowledge.topics import texts
from bot.ops.errors import Explained
from bot.zalo.messages import MAX_BUTTONS, MAX_TEXT, Button, OutMessage

CORPUS_LOCK = "corpus:write"
# held while renewed every third of it (a heartbeat): an import killed with its worker frees the corpus within two
# worker leases (a minute by default) instead of the old half hour
LOCK_LEASES = 2
LOCK_WAIT = 30.0
LAST_REPORT_KEY = "zlb:changes:last"
REPORT_TTL = 180 * 24 * 3600


class LawAdminError(Explained, ValueError):
    """A corpus operation that cannot be done (unknown document, bad status, nothing to roll back)."""


@dataclass(frozen=True)
class LawUpdate:
    """The outcome of a corpus operation: the version now in force and what changed."""

    version: str
    report: ChangeReport
    report_id: str
    details: Any = None
    changed: bool = True  # False when the corpus already held exactly this: no new version, no report saved


def corpus_store(settings: Any) -> Any:
    """The CorpusStore at $LAWS_DIR."""
    return CorpusStore(settings.laws_dir)


def report_key(report_id: str) -> str:
    """Store key of a saved change report."""
    return f"zlb:changes:{report_id}"


def save_report(store: Any, report: ChangeReport) -> str:
    """Keep a report (to compose a broadcast from it later); returns its id."""
    report_id = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(3)
    store.set_json(report_key(report_id), report.to_dict(), ttl=REPORT_TTL)
    store.set_json(LAST_REPORT_KEY, report_id, ttl=REPORT_TTL)
    return report_id


def load_report(store: Any, report_id: str = "last") -> tuple[str, ChangeReport] | None:
    """A saved report by id ("last" for the newest), or None."""
    if report_id in ("", "last"):
        report_id = store.get_json(LAST_REPORT_KEY) or ""
    data = store.get_json(report_key(report_id)) if report_id else None
    return None if data is None else (report_id, ChangeReport.from_dict(data))


def _shared(store: Any) -> bool:
    """True when the store is shared by every process and host (Redis), so versions travel through it."""
    return getattr(store, "client", None) is not None


def lock_hold(settings: Any) -> float:
    """How long a corpus lock outlives its holder: two worker leases (it is renewed every third of it while held)."""
    return max(6.0, LOCK_LEASES * float(getattr(settings, "worker_lease_seconds", 30) or 30))


def corpus_lock(settings: Any, store: Any) -> Any:
    """The corpus lock across hosts, renewed while held: one change at a time, none left behind by a killed worker."""
    return store.lock(CORPUS_LOCK, timeout=lock_hold(settings), wait=LOCK_WAIT, keepalive=True)


def _catch_up(settings: Any, store: Any) -> int:
    """Before a change: this host switches to the version in force everywhere (pulled if missing), so the change
    starts from it; the number a new version must exceed (0 without a shared store)."""
    if not _shared(store):
        return 0
    published = published_version(store)
    if published and replica.manifest(store, published) is not None:
        replica.sync(store, corpus_store(settings), published, build_index)
    return replica.latest(store)


def _finish(settings: Any, store: Any, old: Any, details: Any = None) -> LawUpdate:
    """Compare the new corpus with the old, save the report, publish the version (its files too, with a shared
    store) to every process on every host."""
    cs = corpus_store(settings)
    new = cs.load()
    report = changes.compare_corpora(old, new)
    version = str(cs.current_version() or getattr(new, "version", "") or "")
    if details is not None and not getattr(details, "changed", True):
        return LawUpdate(version, report, "", details, changed=False)  # the last report stays the one to read
    if version:  # answer cards citing what changed are flagged (their article digests differ) until reviewed
        deck = load_deck(cs.version_dir(version))
        report = dataclasses.replace(report, cards=tuple(affected_cards(deck.active(), report)))
    report_id = save_report(store, report)
    if version:
        if _shared(store) and replica.manifest(store, version) is None:
            replica.publish(store, cs, version)
        publish_version(store, version)
    return LawUpdate(version, report, report_id, details)


def _indexing(progress: Callable[[str], None] | None) -> Any:
    """build_index, telling `progress` when the index build starts."""
    def build(corpus: Any, index_dir: Any) -> Any:
        """Report, then build."""
        if progress is not None:
            progress("indexing")
        return build_index(corpus, index_dir)

    return build


def import_documents(settings: Any, store: Any, sources: Sequence[str], meta: DocMeta | None = None, *,
                     keep: Sequence[str] = (), progress: Callable[[str], None] | None = None) -> LawUpdate:
    """Import sources (bot.knowledge.importing.import_sources: atomic swap, no new version when nothing changed),
    report the changes, publish the new version to every host. `meta` describes a single file that does not print
    its number; documents in the corpus from a source in `keep` are not overwritten; `progress` hears each step
    (reading, indexing, publishing)."""
    step = progress or (lambda _step: None)
    with corpus_lock(settings, store):
        above = _catch_up(settings, store)
        old = corpus_store(settings).load()
        step("reading")
        details = import_sources(settings, list(sources), _indexing(progress), meta=meta, keep=tuple(keep),
                                 above=above)
        step("publishing")
        return _finish(settings, store, old, details)


def plan_documents(settings: Any, store: Any, sources: Sequence[str], meta: DocMeta | None = None
                   ) -> tuple[Any, Any, Any]:
    """What importing sources would make of the corpus in force everywhere, writing no version: (current, would-be,
    what was read), bot.knowledge.importing.plan_import after this host caught up (under the lock, briefly: the
    reading, minutes for a whole ZIP, holds no lock)."""
    if _shared(store):
        with corpus_lock(settings, store):
            _catch_up(settings, store)
    return plan_import(settings, list(sources), meta)


def change_files(settings: Any, store: Any, change: Callable[[Any, Any], dict[str, str]]) -> str:
    """A new version with the documents in force and some plain files changed (answer cards, taught questions:
    CorpusStore.update_files), made under the corpus lock from the version in force on every host and published to
    them all; the version. LookupError before the first import."""
    with corpus_lock(settings, store):
        above = _catch_up(settings, store)
        cs = corpus_store(settings)
        version = cs.update_files(change, above)
        if _shared(store):
            replica.publish(store, cs, version)
        publish_version(store, version)
        return version


def after_cli_import(settings: Any, store: Any, old: Any) -> LawUpdate:
    """For a commit made outside import_documents: report against the corpus loaded before it, and publish."""
    return _finish(settings, store, old)


def rollback(settings: Any, store: Any) -> LawUpdate:
    """Put the previous corpus version back in force (on every host: the previous published version)."""
    with corpus_lock(settings, store):
        _catch_up(settings, store)
        cs = corpus_store(settings)
        old = cs.load()
        current = published_version(store) if _shared(store) else None
        older = [v for v in replica.versions(store) if current and int(v) < int(current)] if current else []
        try:
            if older:
                replica.sync(store, cs, older[-1], build_index)
            else:
                cs.rollback()
        except (LookupError, ValueError, FileNotFoundError, replica.ReplicaError) as exc:
            raise LawAdminError(f"nothing to roll back to: {exc}", "rollback_none") from exc
        return _finish(settings, store, old)


def set_status(settings: Any, store: Any, number: str, status: str, replaced_by: str = "", date: str = "",
               note: str = "") -> LawUpdate:
    """Set a document's status (e.g. 144/2021/NĐ-CP replaced by 282/2025/NĐ-CP from 15/12/2025)."""
    if status not in STATUSES:
        raise LawAdminError(f"status must be one of {', '.join(STATUSES)}", "status_unknown", value=status)
    with corpus_lock(settings, store):
        above = _catch_up(settings, store)
        cs = corpus_store(settings)
        old = cs.load()
        doc = old.document(number.strip().upper()) or old.document(number.strip())
        if doc is None:
            raise LawAdminError(f"no document {number!r} in the corpus", "document_unknown", number=number)
        note = note or changes.status_note(status, replaced_by.strip().upper(), date.strip())
        updated = dataclasses.replace(doc, status=status, replaced_by=replaced_by.strip().upper(), status_note=note,
                                      status_by=OFFICIALS)
        cs.commit([updated if d.number == doc.number else d for d in old.documents.values()], build_index, above)
        return _finish(settings, store, old)


def list_documents(settings: Any) -> list[dict[str, Any]]:
    """Documents in corpus order: number, type, title, status, article count, source, replacement (SPEC §2)."""
    corpus = corpus_store(settings).load()
    return [{"number": d.number, "type": d.type, "title": d.title, "status": d.status, "articles": len(d.articles),
             "source": d.source, "replaced_by": d.replaced_by, "name": d.name, "status_note": d.status_note}
            for d in corpus.documents.values()]


def report_summary(report_id: str, report: ChangeReport) -> dict[str, Any]:
    """A change report as SPEC §2's `laws changes --json`: documents and articles with what happened to each."""
    return {"id": report_id, "version": report.new_version,
            "documents": [{"number": d.number, "kind": d.kind, "status": d.new_status, "replaced_by": d.replaced_by}
                          for d in report.documents],
            "articles": [{"key": a.key, "kind": a.kind} for a in report.articles()]}


def library_coverage(settings: Any) -> dict[str, Any]:
    """What the corpus in force covers (its đề mục, documents outside them, card topics, documents by type) and the
    subjects of bot/data/missing_subjects.tsv it still lacks: which laws to import next."""
    cs = corpus_store(settings)
    version = cs.current_version() or ""
    found = coverage.read(cs.version_dir(version)) if version else None
    if version and (found is None or found.version != version):
        found = coverage.describe_version(cs.version_dir(version), cs.load(version).documents.values(), version)
    found = found or coverage.Coverage()
    if version:  # the answer cards stored with the version add their topics
        names = card_topics()
        found = found.with_cards((c.topic, names.get(c.topic, c.topic))
                                 for c in load_deck(cs.version_dir(version)).active())
    missing = [{"slug": m.slug, "name": m.name} for m in coverage.load_missing_subjects()
               if not (m.laws and found.holds_document(m.laws))]
    return {"version": version, "types": found.types, "missing": missing,
            "subjects": [{"name": s.name, "kind": s.kind, "code": s.code, "documents": len(s.documents),
                          "articles": s.articles} for s in found.subjects]}


def _articles(numbers: Sequence[str]) -> str:
    """ "Điều 139, Điều 140" for a message."""
    return ", ".join(texts().get("article_label", number=n) for n in numbers)


def law_update_message(report: ChangeReport, intro: str = "") -> OutMessage:
    """The "law-update" broadcast: what changed, and a button to read each new or changed article (<= 5)."""
    t = texts()
    lines: list[str] = [intro.strip() or t.get("law_update_header")]
    for doc in report.documents:
        if doc.arrived_replaced:
            continue  # an old law imported already replaced is no news for subscribers
        if doc.kind == "added":
            lines.append(t.get("law_update_added", name=doc.name))
        elif doc.status_changed and doc.new_status in ("replaced", "expired"):
            key = "law_update_replaced" if doc.new_status == "replaced" else "law_update_expired"
            lines.append(t.get(key, name=doc.name, replaced_by=doc.replaced_by, since=""))
        for kind, template in (("changed", "law_update_changed"), ("added", "law_update_added_articles"),
                               ("removed", "law_update_removed_articles")):
            numbers = [a.number for a in doc.articles if a.kind == kind]
            if numbers and doc.kind == "changed":
                lines.append(t.get(template, name=doc.name, articles=_articles(numbers)))
    footer = t.get("law_update_footer")
    kept = lines[:]
    while len("\n".join(kept + [footer])) > MAX_TEXT and len(kept) > 2:
        kept.pop()
        kept[-1:] = [t.get("law_update_more", count=len(lines) - len(kept) + 1)]
    readable = [a for a in report.articles() if a.kind in ("changed", "added")][:MAX_BUTTONS]
    buttons = tuple(Button(t.get("article_button", number=a.number, doc=a.doc), t.get("article_payload", article_key=a.key))
                    for a in readable)
    return OutMessage("\n".join(kept + [footer])[:MAX_TEXT], buttons)
