"""An uploaded law file, previewed before it is imported: staged on disk, its change report computed against the
corpus in force without writing anything, then imported on confirmation (or dropped on cancel)."""
from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any, Callable

from bot.knowledge.changes import compare_corpora
from bot.knowledge.corpus import SourceError, doc_meta
from bot.knowledge.corpus.sources import SUPPORTED
from bot.knowledge.importing import plan_import
from bot.officials import laws
from bot.officials.laws import LawAdminError, LawUpdate

STAGED_TTL = 3600  # an upload not confirmed within an hour is forgotten
META_FIELDS = ("number", "type", "name", "effective")
_PREFIX = "zlb:upload:"


def uploads_dir(settings: Any) -> Path:
    """Where staged uploads wait, beside the corpus versions ($LAWS_DIR/uploads)."""
    return Path(settings.laws_dir) / "uploads"


def _clean_name(filename: str) -> str:
    """A safe file name keeping the suffix the readers go by; LawAdminError when the type is not supported."""
    name = re.sub(r"[^\w.-]", "_", Path(filename or "").name)[-100:]
    if not name or not name.lower().endswith(SUPPORTED):
        raise LawAdminError("expected a Pháp điển .html or .zip, a .txt or a .docx file")
    return name


def _prune(folder: Path) -> None:
    """Drop staged uploads older than STAGED_TTL (their store records have expired too)."""
    if folder.is_dir():
        for old in folder.iterdir():
            if time.time() - old.stat().st_mtime > STAGED_TTL:
                shutil.rmtree(old, ignore_errors=True)


def stage(settings: Any, store: Any, filename: str, save: Callable[[Path], None], fields: dict[str, str],
          actor: str) -> dict[str, Any]:
    """Save an upload (save(path) writes it), read it with the given facts and preview its change report.

    Returns the staged record: id, file, facts, what was read and the report; LawAdminError on a bad file or fact."""
    name = _clean_name(filename)
    folder = uploads_dir(settings)
    _prune(folder)
    upload_id = secrets.token_hex(8)
    path = folder / upload_id / name
    path.parent.mkdir(parents=True, exist_ok=True)
    facts = {k: str(fields.get(k) or "").strip() for k in META_FIELDS}
    try:
        save(path)
        if not path.stat().st_size:
            raise LawAdminError("the file is empty")
        meta = doc_meta(**facts) if any(facts.values()) else None
        current, planned, batch = plan_import(settings, [str(path)], meta)
    except (SourceError, LawAdminError, OSError, ValueError) as exc:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise LawAdminError(str(exc)) from exc
    report = compare_corpora(current, planned)
    record = {"id": upload_id, "file": name, "facts": facts, "actor": actor, "base_version": current.version,
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


def _forget(settings: Any, store: Any, upload_id: str) -> None:
    """Delete a staged upload's file and record."""
    store.delete(_PREFIX + upload_id)
    shutil.rmtree(uploads_dir(settings) / upload_id, ignore_errors=True)


def confirm(settings: Any, store: Any, upload_id: str) -> LawUpdate:
    """Import a staged upload as previewed (laws.import_documents) and forget it; LawAdminError when it is gone."""
    record = staged(store, upload_id)
    if record is None or not store.add_once(_PREFIX + upload_id + ":taken", STAGED_TTL):
        raise LawAdminError("this upload is no longer waiting: upload the file again")
    try:
        facts = record["facts"]
        meta = doc_meta(**facts) if any(facts.values()) else None
        path = uploads_dir(settings) / upload_id / record["file"]
        try:
            return laws.import_documents(settings, store, [str(path)], meta)
        except SourceError as exc:
            raise LawAdminError(str(exc)) from exc
    finally:
        _forget(settings, store, upload_id)


def cancel(settings: Any, store: Any, upload_id: str) -> bool:
    """Drop a staged upload without importing it; False when there was none."""
    if staged(store, upload_id) is None:
        return False
    _forget(settings, store, upload_id)
    return True
