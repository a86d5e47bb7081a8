"""An uploaded law file, previewed before it is imported, every step on a worker (a whole Pháp điển ZIP takes
minutes): stage keeps the file in the shared store and queues its preview; the preview job computes the change
report against the corpus in force without writing anything and keeps it under the upload id; confirm_job hands the
previewed file to the import job (bot.officials.imports); cancel drops it. Any host may serve any step."""
from __future__ import annotations

import logging
import re
import secrets
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from bot.knowledge.changes import compare_corpora
from bot.knowledge.corpus import doc_meta
from bot.knowledge.corpus.sources import SUPPORTED
from bot.officials import imports, laws
from bot.officials.laws import LawAdminError
from bot.ops.errors import described, kind_of

log = logging.getLogger(__name__)

PREVIEW_JOB = "bot.jobs.imports.run_preview"
STAGED_TTL = 3600  # an upload not confirmed within an hour of its last step is forgotten
META_FIELDS = ("number", "type", "name", "effective")
QUEUED, RUNNING, READY, FAILED = "queued", "running", "ready", "failed"
FINAL = (READY, FAILED)
_PREFIX = "zlb:upload:"


def _refused(exc: BaseException) -> LawAdminError:
    """A LawAdminError carrying another error's line and kind (for the console's wording)."""
    kind, params = kind_of(exc)
    return LawAdminError(str(exc), kind, **params)


def _clean_name(filename: str) -> str:
    """A safe file name keeping the suffix the readers go by; LawAdminError when the type is not supported."""
    name = re.sub(r"[^\w.-]", "_", Path(filename or "").name)[-100:]
    if not name or not name.lower().endswith(SUPPORTED):
        raise LawAdminError("expected a Pháp điển .html or .zip, a .txt or a .docx file", "file_type")
    return name


def _now() -> str:
    """The time, ISO 8601 in UTC."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def stage(settings: Any, store: Any, queue: Any, filename: str, chunks: Iterable[bytes], fields: dict[str, str],
          actor: str) -> dict[str, Any]:
    """Keep an upload (its bytes chunk by chunk, capped at MAX_UPLOAD_BYTES) with the facts typed beside it and queue
    its preview on a worker; the staged record (state "queued"), to follow with staged(store, id) until its state
    is "ready" or "failed". LawAdminError (with a kind) on a bad name, bad facts, an empty or too large file."""
    name = _clean_name(filename)
    facts = {k: str(fields.get(k) or "").strip() for k in META_FIELDS}
    try:
        if any(facts.values()):
            doc_meta(**facts)  # refused now, before the file is read
        kept = imports.keep_file(store, chunks, settings.max_upload_bytes, ttl=STAGED_TTL)
    except (ValueError, OSError) as exc:  # SourceError, ImportRequestError, UploadTooLarge
        raise _refused(exc) from exc
    record = {"id": secrets.token_hex(8), "file": name, "facts": facts, "actor": actor, "kept": list(kept),
              "size": kept[1], "state": QUEUED, "progress": QUEUED, "queued_at": _now()}
    store.set_json(_PREFIX + record["id"], record, ttl=STAGED_TTL)
    try:
        queue.enqueue(PREVIEW_JOB, record["id"], job_timeout=imports.JOB_TIMEOUT, retry=False)
    except Exception:
        _forget(store, record)
        raise
    return record


def staged(store: Any, upload_id: str) -> dict[str, Any] | None:
    """A staged upload's record, or None (unknown, expired, confirmed or cancelled)."""
    if not re.fullmatch(r"[0-9a-f]{16}", upload_id or ""):
        return None
    found = store.get_json(_PREFIX + upload_id)
    return found if isinstance(found, dict) else None


def _save(store: Any, record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Update a staged record, unless it was cancelled meanwhile (then it stays gone)."""
    record.update(changes)
    if staged(store, record["id"]) is not None:
        store.set_json(_PREFIX + record["id"], record, ttl=STAGED_TTL)
    return record


def preview(settings: Any, store: Any, upload_id: str) -> dict[str, Any]:
    """The preview job: read the kept file with its facts and compare what importing it would make with the corpus
    in force (bot.officials.laws.plan_documents); the report, or the failure, kept in the staged record."""
    record = staged(store, upload_id)
    if record is None:
        log.warning("upload %s: no such upload (cancelled or expired)", upload_id)
        return {"id": upload_id, "state": FAILED}
    if record.get("state") in FINAL:
        return record  # run again after its worker died: already over
    _save(store, record, state=RUNNING, progress="reading", started_at=_now())
    file_id, _size, count = record["kept"]
    facts = record["facts"]
    try:
        with tempfile.TemporaryDirectory(prefix="zlb-preview-") as tmp:
            path = Path(tmp) / record["file"]
            imports.write_file(store, file_id, int(count), path)
            meta = doc_meta(**facts) if any(facts.values()) else None
            current, planned, batch = laws.plan_documents(settings, store, [str(path)], meta)
            report = compare_corpora(current, planned)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad upload; nothing was written
        log.warning("upload %s: preview refused: %s", upload_id, type(exc).__name__)
        imports.drop_file(store, file_id, int(count))
        return _save(store, record, state=FAILED, progress=FAILED, kept=[], finished_at=_now(), **described(exc))
    return _save(store, record, state=READY, progress=READY, base_version=current.version, finished_at=_now(),
                 documents=[{"number": d.number, "name": d.name, "articles": len(d.articles)}
                            for d in batch.documents],
                 skipped=[f"{s.item}: {s.reason}" for s in batch.skipped][:50], report=report.to_dict())


def _take(store: Any, upload_id: str) -> dict[str, Any]:
    """The previewed record, claimed once (a second confirmation imports nothing); LawAdminError while its preview
    is not ready, or when it is gone."""
    record = staged(store, upload_id)
    if record is None:
        raise LawAdminError("this upload is no longer waiting: upload the file again", "upload_gone")
    if record.get("state") != READY:
        raise LawAdminError("this upload has no preview to confirm yet", "preview_not_ready")
    if not store.add_once(_PREFIX + upload_id + ":taken", STAGED_TTL):
        raise LawAdminError("this upload is no longer waiting: upload the file again", "upload_gone")
    return record


def _forget(store: Any, record: dict[str, Any], keep_file: bool = False) -> None:
    """Delete a staged upload's record (and its kept file, unless an import job now owns it)."""
    store.delete(_PREFIX + record["id"])
    if record.get("kept") and not keep_file:
        file_id, _size, count = record["kept"]
        imports.drop_file(store, file_id, int(count))


def confirm_job(store: Any, queue: Any, upload_id: str, actor: str) -> dict[str, Any]:
    """Hand a previewed upload to a worker on any host (bot.officials.imports): the import's status, to follow with
    imports.status(store, id) until its state is done or failed; LawAdminError when it is not previewed or gone."""
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


def cancel(store: Any, upload_id: str) -> bool:
    """Drop a staged upload (previewed or not) without importing it; False when there was none."""
    record = staged(store, upload_id)
    if record is None:
        return False
    _forget(store, record)
    return True
