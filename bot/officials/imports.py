"""Law imports as worker jobs, for `/admin` and the console alike: the upload is kept in the shared store (so a worker
on any host can read it), capped in size and cut into chunks; a job imports it under the corpus lock; its progress
and its change report are kept under an import id the caller polls. A fetch from the official source an official
asked for (bot.jobs.lawfetch) keeps its progress the same way, so one page follows both."""
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
from bot.ops.errors import Explained, described

log = logging.getLogger(__name__)

IMPORT_JOB = "bot.jobs.imports.run_import"
STATUS_PREFIX = "zlb:import:"  # + id: the import's state, progress and outcome
IDS_KEY = "zlb:imports"  # the latest import (and fetch) ids, newest first
KEEP_IDS = 200
UPLOAD_PREFIX = "zlb:importfile:"  # + file id:n: an uploaded file in chunks, deleted once imported
STATUS_TTL = 30 * 24 * 3600
UPLOAD_TTL = 24 * 3600
CHUNK = 1024 * 1024
JOB_TIMEOUT = 3600  # a whole Pháp điển ZIP with its index takes minutes, far under this
UPLOAD_SUFFIXES = (".html", ".htm", ".txt", ".docx", ".zip")
META_FIELDS = ("number", "type", "name", "effective")  # what `laws import --number ...` says of a single file
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class ImportRequestError(Explained, ValueError):
    """An upload that cannot be imported (no file, unsupported name, empty)."""


class UploadTooLarge(ImportRequestError):
    """The upload is over the size cap (MAX_UPLOAD_BYTES)."""


def status_key(import_id: str) -> str:
    """Store key of one import's status."""
    return STATUS_PREFIX + import_id


def read_chunks(stream: Any, limit: int) -> Iterator[bytes]:
    """A stream (an upload, a request body) in chunks, never more than limit + 1 bytes in all (keep_file refuses
    what is over the limit)."""
    total = 0
    while total <= limit:
        data = stream.read(min(CHUNK, limit + 1 - total))
        if not data:
            return
        total += len(data)
        yield data


def _chunk_key(file_id: str, index: int) -> str:
    """Store key of one chunk of an uploaded file."""
    return f"{UPLOAD_PREFIX}{file_id}:{index}"


def safe_name(name: str) -> str:
    """The upload's file name reduced to a safe basename; ImportRequestError unless it is a supported type."""
    cleaned = re.sub(r"[^\w.-]", "_", Path(name or "").name)[-100:]
    if not cleaned or not cleaned.lower().endswith(UPLOAD_SUFFIXES):
        raise ImportRequestError("send a file ending in " + ", ".join(UPLOAD_SUFFIXES), "file_type")
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
                raise UploadTooLarge(f"the file is over {max_bytes // (1024 * 1024)} MB", "too_large",
                                     mb=max_bytes // (1024 * 1024))
            buffer += data
            while len(buffer) >= CHUNK:
                store.set_bytes(_chunk_key(file_id, count), bytes(buffer[:CHUNK]), ttl=ttl)
                del buffer[:CHUNK]
                count += 1
        if buffer:
            store.set_bytes(_chunk_key(file_id, count), bytes(buffer), ttl=ttl)
            count += 1
        if size == 0:
            raise ImportRequestError("the file is empty", "empty")
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
                raise ImportRequestError("the upload expired before it could be imported: send it again",
                                         "upload_expired")
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
        raise ImportRequestError(str(exc), exc.kind, **exc.params) from exc


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
    fields: dict[str, Any] = {"file": name, "size": size, "file_id": file_id, "chunks": count}
    if _doc_meta(meta) is not None:
        fields["meta"] = {k: str((meta or {}).get(k) or "") for k in META_FIELDS}
    status = track(store, actor, "import", **fields)
    try:
        queue.enqueue(IMPORT_JOB, status["id"], job_timeout=JOB_TIMEOUT, retry=False)
    except Exception:
        forget(store, status["id"])
        drop_file(store, file_id, count)
        raise
    return status


def track(store: Any, actor: str, what: str, **fields: Any) -> dict[str, Any]:
    """A new status, queued, under a new import id ("import" of an upload, "fetch" from the official source)."""
    status = {"id": _new_id(), "what": what, "state": QUEUED, "progress": QUEUED, "actor": actor,
              "queued_at": _now(), **fields}
    store.set_json(status_key(status["id"]), status, ttl=STATUS_TTL)
    store.lpush(IDS_KEY, status["id"], max_len=KEEP_IDS, ttl=STATUS_TTL)
    return status


def forget(store: Any, import_id: str) -> None:
    """Drop a status whose job could not be queued."""
    store.delete(status_key(import_id))
    store.lrem(IDS_KEY, import_id)


def recent(store: Any, limit: int = 10) -> list[dict[str, Any]]:
    """The latest imports and fetches, newest first (those whose status expired left out)."""
    found = (status(store, i) for i in dict.fromkeys(store.lrange(IDS_KEY, 0, max(0, limit - 1))))
    return [s for s in found if s is not None]


def status(store: Any, import_id: str) -> dict[str, Any] | None:
    """An import's status, or None."""
    if not re.fullmatch(r"[0-9]{14}-[0-9a-f]{8}", import_id or ""):
        return None
    found = store.get_json(status_key(import_id))
    return found if isinstance(found, dict) else None


def update(store: Any, current: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Update and keep an import's (or a fetch's) status."""
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
    update(store, current, state=RUNNING, progress="receiving", started_at=_now())
    try:
        with tempfile.TemporaryDirectory(prefix="zlb-import-") as tmp:
            path = Path(tmp) / current["file"]
            write_file(store, current["file_id"], int(current["chunks"]), path)
            done = law_admin.import_documents(settings, store, [str(path)], meta=_doc_meta(current.get("meta")),
                                              progress=lambda step: update(store, current, progress=step))
    except Exception as exc:  # noqa: BLE001 - any importer failure is a bad upload; the corpus is unchanged
        log.warning("law import %s refused: %s", import_id, type(exc).__name__)
        failure = described(exc)
        audit.record(store, current["actor"], "laws_import_failed", id=import_id, file=current["file"],
                     error=failure["error"])
        result = update(store, current, state=FAILED, progress=FAILED, finished_at=_now(), **failure)
    else:
        audit.record(store, current["actor"], "laws_import", id=import_id, file=current["file"],
                     version=done.version, counts=done.report.counts())
        result = update(store, current, state=DONE, progress=DONE, version=done.version, changed=done.changed,
                        report_id=done.report_id, report=done.report.to_dict(), text=format_report(done.report),
                        finished_at=_now(), seconds=round(time.monotonic() - started, 1))
    drop_file(store, current["file_id"], int(current["chunks"]))
    return result
