"""An uploaded law file, previewed before it is imported: its change report computed against the corpus in force
without writing anything, the file kept in the shared store (so the confirmation may reach any host), then imported
on confirmation — by a worker (confirm_job) or in the caller (confirm) — or dropped on cancel."""
from __future__ import annotations

import re
import secrets
import tempfile
from pathlib import Path
from typing import Any, Callable

from bot.knowledge.changes import compare_corpora
from bot.knowledge.corpus import SourceError, doc_meta
from bot.knowledge.corpus.sources import SUPPORTED
from bot.knowledge.importing import plan_import
from bot.officials import imports, laws
from bot.officials.laws import LawAdminError, LawUpdate

STAGED_TTL = 3600  # an upload not confirmed within an hour is forgotten
META_FIELDS = ("number", "type", "name", "effective")
_PREFIX = "zlb:upload:"


def _clean_name(filename: str) -> str:
    """A safe file name keeping the suffix the readers go by; LawAdminError when the type is not supported."""
    name = re.sub(r"[^\w.-]", "_", Path(filename or "").name)[-100:]
    if not name or not name.lower().endswith(SUPPORTED):
        raise LawAdminError("expected a Pháp điển .html or .zip, a .txt or a .docx file")
    return name


def stage(settings: Any, store: Any, filename: str, save: Callable[[Path], None], fields: dict[str, str],
          actor: str) -> dict[str, Any]:
    """Save an upload (save(path) writes it), read it with the given facts and preview its change report.

    Returns the staged record: id, file, facts, what was read and the report; LawAdminError on a bad file or fact."""
    name = _clean_name(filename)
    upload_id = secrets.token_hex(8)
    facts = {k: str(fields.get(k) or "").strip() for k in META_FIELDS}
    with tempfile.TemporaryDirectory(prefix="zlb-stage-") as tmp:
        path = Path(tmp) / name
        try:
            save(path)
            if not path.stat().st_size:
                raise LawAdminError("the file is empty")
            meta = doc_meta(**facts) if any(facts.values()) else None
            current, planned, batch = plan_import(settings, [str(path)], meta)
            kept = imports.keep_file(store, imports.file_chunks(path), settings.max_upload_bytes, ttl=STAGED_TTL)
        except (SourceError, LawAdminError, imports.ImportRequestError, OSError, ValueError) as exc:
            raise LawAdminError(str(exc)) from exc
    report = compare_corpora(current, planned)
    record = {"id": upload_id, "file": name, "facts": facts, "actor": actor, "base_version": current.version,
              "kept": list(kept),
              "documents": [{"number": d.number, "name": d.name, "articles": len(d.articles)}
                            for d in batch.documents],
              "skipped": [f"{s.item}: {s.reason}" for s in batch.skipped][:50],
              "report": report.to_dict()}
    store.set_json(_PREFIX + upload_id, record, ttl=STAGED_TTL)
    return record


def staged(store: Any, upload_id: str) -> dict[str, Any] | None:
    """A staged upload's record, or None (unknown, expired, confirmed or cancelled)."""
    if not re.fullmatch(r"[0-9a-f]{16}", upload_id or ""):
        return None
    found = store.get_json(_PREFIX + upload_id)
    return found if isinstance(found, dict) else None


def _take(store: Any, upload_id: str) -> dict[str, Any]:
    """The staged record, claimed once (a second confirmation imports nothing); LawAdminError when it is gone."""
    record = staged(store, upload_id)
    if record is None or not store.add_once(_PREFIX + upload_id + ":taken", STAGED_TTL):
        raise LawAdminError("this upload is no longer waiting: upload the file again")
    return record


def _forget(store: Any, record: dict[str, Any], keep_file: bool = False) -> None:
    """Delete a staged upload's record (and its kept file, unless an import job now owns it)."""
    store.delete(_PREFIX + record["id"])
    if not keep_file:
        file_id, _size, count = record["kept"]
        imports.drop_file(store, file_id, int(count))


def confirm(settings: Any, store: Any, upload_id: str) -> LawUpdate:
    """Import a staged upload as previewed, here and now (laws.import_documents), and forget it; LawAdminError when
    it is gone. Over HTTP prefer confirm_job: a large import can outlast the web request."""
    record = _take(store, upload_id)
    try:
        facts = record["facts"]
        meta = doc_meta(**facts) if any(facts.values()) else None
        file_id, _size, count = record["kept"]
        with tempfile.TemporaryDirectory(prefix="zlb-confirm-") as tmp:
            path = Path(tmp) / record["file"]
            try:
                imports.write_file(store, file_id, int(count), path)
                return laws.import_documents(settings, store, [str(path)], meta)
            except (SourceError, imports.ImportRequestError) as exc:
                raise LawAdminError(str(exc)) from exc
    finally:
        _forget(store, record)


def confirm_job(store: Any, queue: Any, upload_id: str, actor: str) -> dict[str, Any]:
    """Hand a staged upload to a worker on any host (bot.officials.imports): the import's status, to follow with
    imports.status(store, id) until its state is done or failed; LawAdminError when the upload is gone."""
    record = _take(store, upload_id)
    file_id, size, count = record["kept"]
    facts = record["facts"] if any(record["facts"].values()) else None
    try:
        queued = imports.submit_kept(store, queue, file_id, int(size), int(count), record["file"], actor, facts)
    except Exception:
        _forget(store, record)
        raise
    _forget(store, record, keep_file=True)
    return queued


def cancel(settings: Any, store: Any, upload_id: str) -> bool:
    """Drop a staged upload without importing it; False when there was none."""
    record = staged(store, upload_id)
    if record is None:
        return False
    _forget(store, record)
    return True
