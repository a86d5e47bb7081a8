"""Law imports as worker jobs, for `/admin` and the console alike: the upload is kept in the shared store (so a worker
on any host can read it), capped in size and cut into chunks; a job imports it under the corpus lock; its progress
and its change report are kept under an import id the caller polls."""
from __future__ import annotations

import logging
import re
import secrets
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from bot.knowledge.changes import format_report
from bot.knowledge.corpus import DocMeta, SourceError, doc_meta
from bot.officials import audit
from bot.officials import laws as law_admin

log = logging.getLogger(__name__)

IMPORT_JOB = "bot.jobs.imports.run_import"
STATUS_PREFIX = "zlb:import:"  # + id: the import's state, progress and outcome
UPLOAD_PREFIX = "zlb:importfile:"  # + file id:n: an uploaded file in chunks, deleted once imported
STATUS_TTL = 30 * 24 * 3600
UPLOAD_TTL = 24 * 3600
CHUNK = 1024 * 1024
JOB_TIMEOUT = 3600  # a whole Pháp điển ZIP with its index takes minutes, far under this
UPLOAD_SUFFIXES = (".html", ".htm", ".txt", ".docx", ".zip")
META_FIELDS = ("number", "type", "name", "effective")  # what `laws import --number ...` says of a single file
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class ImportRequestError(ValueError):
    """An upload that cannot be imported (no file, unsupported name, empty)."""


class UploadTooLarge(ImportRequestError):
    """The upload is over the size cap (MAX_UPLOAD_BYTES)."""


def status_key(import_id: str) -> str:
    """Store key of one import's status."""
    return STATUS_PREFIX + import_id


def _chunk_key(file_id: str, index: int) -> str:
    """Store key of one chunk of an uploaded file."""
    return f"{UPLOAD_PREFIX}{file_id}:{index}"


def safe_name(name: str) -> str:
    """The upload's file name reduced to a safe basename; ImportRequestError unless it is a supported type."""
    cleaned = re.sub(r"[^\w.-]", "_", Path(name or "").name)[-100:]
    if not cleaned or not cleaned.lower().endswith(UPLOAD_SUFFIXES):
        raise ImportRequestError("send a file ending in " + ", ".join(UPLOAD_SUFFIXES))
    return cleaned


def _now() -> str:
    """The time, ISO 8601 in UTC."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _new_id() -> str:
    """An import (or kept file) id: when, and a random part."""
    return datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(4)


def drop_file(store: Any, file_id: str, count: int) -> None:
    """Delete a kept file's chunks."""
    keys = [_chunk_key(file_id, i) for i in range(count)]
    for start in range(0, len(keys), 500):
        store.delete(*keys[start:start + 500])


def keep_file(store: Any, chunks: Iterable[bytes], max_bytes: int, ttl: int = UPLOAD_TTL) -> tuple[str, int, int]:
    """Keep a file in the shared store (read chunk by chunk, never whole in memory, cut into 1 MiB chunks) so a
    worker or web process on any host can read it: (file id, size, chunk count). UploadTooLarge past max_bytes and
    ImportRequestError for an empty file: nothing is kept then."""
    file_id = _new_id()
    size = count = 0
    buffer = bytearray()
    try:
        for data in chunks:
            size += len(data)
            if size > max_bytes:
                raise UploadTooLarge(f"the file is over {max_bytes // (1024 * 1024)} MB")
            buffer += data
            while len(buffer) >= CHUNK:
                store.set_bytes(_chunk_key(file_id, count), bytes(buffer[:CHUNK]), ttl=ttl)
                del buffer[:CHUNK]
                count += 1
        if buffer:
            store.set_bytes(_chunk_key(file_id, count), bytes(buffer), ttl=ttl)
            count += 1
        if size == 0:
            raise ImportRequestError("the file is empty")
    except BaseException:
        drop_file(store, file_id, count)
        raise
    return file_id, size, count


def write_file(store: Any, file_id: str, count: int, path: Path) -> None:
    """Write a kept file to a local path; ImportRequestError when it expired meanwhile."""
    with open(path, "wb") as f:
        for index in range(count):
            data = store.get_bytes(_chunk_key(file_id, index))
            if data is None:
                raise ImportRequestError("the upload expired before it could be imported: send it again")
            f.write(data)


def file_chunks(path: Path) -> Iterator[bytes]:
    """A local file in chunks (to keep it with keep_file)."""
    with open(path, "rb") as f:
        while data := f.read(CHUNK):
            yield data


def _doc_meta(fields: dict[str, str] | None) -> DocMeta | None:
    """The checked metadata of the fields (bot.knowledge.corpus.doc_meta), None without any."""
    if not fields or not any(str(fields.get(k) or "").strip() for k in META_FIELDS):
        return None
    try:
        return doc_meta(**{k: str(fields.get(k) or "") for k in META_FIELDS})
    except SourceError as exc:
        raise ImportRequestError(str(exc)) from exc


def submit(store: Any, queue: Any, chunks: Iterable[bytes], filename: str, actor: str, max_bytes: int,
           meta: dict[str, str] | None = None) -> dict[str, Any]:
    """Keep an upload (keep_file) and queue its import; the import's status. `meta` holds the number, type, name and
    effective date of a single file that does not print them.

    ImportRequestError for a bad name, bad metadata or an empty file, UploadTooLarge past max_bytes: nothing is kept.
    """
    name = safe_name(filename)
    _doc_meta(meta)  # refused now, before the upload is read
    file_id, size, count = keep_file(store, chunks, max_bytes)
    return submit_kept(store, queue, file_id, size, count, name, actor, meta)


def submit_kept(store: Any, queue: Any, file_id: str, size: int, count: int, filename: str, actor: str,
                meta: dict[str, str] | None = None) -> dict[str, Any]:
    """Queue the import of a file kept with keep_file (the import deletes it); the import's status."""
    name = safe_name(filename)
    status = {"id": _new_id(), "state": QUEUED, "progress": QUEUED, "file": name, "size": size, "file_id": file_id,
              "chunks": count, "actor": actor, "queued_at": _now()}
    if _doc_meta(meta) is not None:
        status["meta"] = {k: str((meta or {}).get(k) or "") for k in META_FIELDS}
    store.set_json(status_key(status["id"]), status, ttl=STATUS_TTL)
    try:
        queue.enqueue(IMPORT_JOB, status["id"], job_timeout=JOB_TIMEOUT, retry=False)
    except Exception:
        store.delete(status_key(status["id"]))
        drop_file(store, file_id, count)
        raise
    return status


def status(store: Any, import_id: str) -> dict[str, Any] | None:
    """An import's status, or None."""
    if not re.fullmatch(r"[0-9]{14}-[0-9a-f]{8}", import_id or ""):
        return None
    found = store.get_json(status_key(import_id))
    return found if isinstance(found, dict) else None


def _save(store: Any, current: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Update and keep an import's status."""
    current.update(changes)
    store.set_json(status_key(current["id"]), current, ttl=STATUS_TTL)
    return current


def run(settings: Any, store: Any, import_id: str) -> dict[str, Any]:
    """The job: write the upload to a private temporary file, import it (bot.officials.laws.import_documents), keep
    the outcome and audit it under the official who sent it; the upload is deleted either way."""
    current = status(store, import_id)
    if current is None:
        log.warning("import %s: no such import (expired?)", import_id)
        return {"id": import_id, "state": FAILED, "error": "no such import"}
    if current.get("state") in (DONE, FAILED):
        return current  # run again after its worker died: already over
    started = time.monotonic()
    _save(store, current, state=RUNNING, progress="receiving", started_at=_now())
    try:
        with tempfile.TemporaryDirectory(prefix="zlb-import-") as tmp:
            path = Path(tmp) / current["file"]
            write_file(store, current["file_id"], int(current["chunks"]), path)
            update = law_admin.import_documents(settings, store, [str(path)], meta=_doc_meta(current.get("meta")),
                                                progress=lambda step: _save(store, current, progress=step))
    except Exception as exc:  # noqa: BLE001 - any importer failure is a bad upload; the corpus is unchanged
        log.warning("law import %s refused: %s", import_id, type(exc).__name__)
        audit.record(store, current["actor"], "laws_import_failed", id=import_id, file=current["file"],
                     error=str(exc))
        result = _save(store, current, state=FAILED, progress=FAILED, error=str(exc)[:500], finished_at=_now())
    else:
        audit.record(store, current["actor"], "laws_import", id=import_id, file=current["file"],
                     version=update.version, counts=update.report.counts())
        result = _save(store, current, state=DONE, progress=DONE, version=update.version, changed=update.changed,
                       report_id=update.report_id, report=update.report.to_dict(),
                       text=format_report(update.report), finished_at=_now(),
                       seconds=round(time.monotonic() - started, 1))
    drop_file(store, current["file_id"], int(current["chunks"]))
    return result
