"""/admin/*: officials' endpoints behind `Authorization: Bearer $ADMIN_TOKEN`; thin: auth, parse, call services."""
from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from bot.knowledge.changes import format_report, report_topics
from bot.knowledge.corpus import DocMeta, doc_meta
from bot.officials import audit
from bot.officials import broadcasts as broadcast
from bot.officials import laws as law_admin
from bot.store import stats, subscriptions
from bot.web.admin_auth import answer, audit_reads, authorize, record
from bot.zalo.messages import Button, OutMessage

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(authorize)
bp.after_request(audit_reads)
MAX_UPLOAD = 200 * 1024 * 1024  # the official Pháp điển ZIP
UPLOAD_SUFFIXES = (".html", ".htm", ".txt", ".docx", ".zip")


def _services() -> Any:
    """This app's Services."""
    return current_app.extensions["zlb"]


def _json() -> dict[str, Any]:
    """The request's JSON object ({} when empty); 400 on anything else."""
    from werkzeug.exceptions import BadRequest

    data = request.get_json(silent=True) if request.data else {}
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


def _flag(value: Any) -> bool:
    """A JSON boolean, tolerating "true"/"1" strings (and "false" meaning False)."""
    return value is True or (isinstance(value, (int, str)) and str(value).strip().lower() in ("1", "true", "yes", "on"))


def _update_body(update: law_admin.LawUpdate) -> dict[str, Any]:
    """The JSON form of a corpus operation's outcome."""
    return {"version": update.version, "report_id": update.report_id, "report": update.report.to_dict(),
            "text": format_report(update.report), "changed": update.changed}


# --- laws ------------------------------------------------------------------------------------------
@bp.get("/laws")
def laws_list() -> Response:
    """Documents in the corpus, the version in force and what it covers (subjects, and subjects it still lacks)."""
    settings = _services().settings
    return answer(200, version=law_admin.corpus_store(settings).current_version(),
                   documents=law_admin.list_documents(settings), coverage=law_admin.library_coverage(settings))


def _upload(folder: Path) -> Path | None:
    """The uploaded file (multipart field "file", or the raw body named by ?filename=) saved in folder."""
    upload = request.files.get("file")
    name = upload.filename if upload is not None else request.args.get("filename", "")
    name = re.sub(r"[^\w.-]", "_", Path(name or "").name)[-100:]
    if not name or not name.lower().endswith(UPLOAD_SUFFIXES):
        return None
    path = folder / name
    if upload is not None:
        upload.save(path)
    else:
        path.write_bytes(request.get_data())
    return path if path.stat().st_size else None


def _meta() -> DocMeta | None:
    """The form fields (or query arguments) number, type, name, effective of a file that does not print them."""
    fields = {k: str(request.values.get(k) or "") for k in ("number", "type", "name", "effective")}
    return doc_meta(**fields) if any(v.strip() for v in fields.values()) else None


@bp.post("/laws")
def laws_import() -> Response:
    """Import one uploaded document (Pháp điển HTML, .txt, .docx or ZIP; with number, type, name, effective for a
    file that does not print them) and answer the change report."""
    if (request.content_length or 0) > MAX_UPLOAD:
        return answer(413, error="upload too large")
    services = _services()
    with tempfile.TemporaryDirectory(prefix="zlb-upload-") as tmp:
        path = _upload(Path(tmp))
        if path is None:
            return answer(400, error="send a file (multipart field 'file' or body with ?filename=) ending in "
                                      + ", ".join(UPLOAD_SUFFIXES))
        try:
            update = law_admin.import_documents(services.settings, services.store, [str(path)], meta=_meta())
        except Exception as exc:  # noqa: BLE001 - any importer failure is a bad upload; the corpus is unchanged
            log.warning("law import refused: %s", type(exc).__name__)
            record("laws_import_failed", file=path.name, error=str(exc))
            return answer(400, error=f"import failed: {exc}")
    record("laws_import", file=path.name, version=update.version, counts=update.report.counts())
    return answer(200, **_update_body(update))


@bp.post("/laws/rollback")
def laws_rollback() -> Response:
    """Put the previous corpus version back."""
    services = _services()
    try:
        update = law_admin.rollback(services.settings, services.store)
    except law_admin.LawAdminError as exc:
        return answer(409, error=str(exc))
    record("laws_rollback", version=update.version)
    return answer(200, **_update_body(update))


@bp.post("/laws/status")
def laws_status() -> Response:
    """Set a document's status: {"number", "status", "replaced_by", "date", "note"}."""
    services, data = _services(), _json()
    try:
        update = law_admin.set_status(services.settings, services.store, str(data.get("number", "")),
                                      str(data.get("status", "")), str(data.get("replaced_by") or ""),
                                      str(data.get("date") or ""), str(data.get("note") or ""))
    except law_admin.LawAdminError as exc:
        return answer(400, error=str(exc))
    record("laws_status", number=data.get("number"), status=data.get("status"), replaced_by=data.get("replaced_by"),
           date=data.get("date"), version=update.version)
    return answer(200, **_update_body(update))


@bp.get("/laws/changes/<report_id>")
def laws_changes(report_id: str) -> Response:
    """A saved change report ("last" for the newest)."""
    found = law_admin.load_report(_services().store, report_id)
    if found is None:
        return answer(404, error="no such report")
    return answer(200, report_id=found[0], report=found[1].to_dict(), text=format_report(found[1]),
                  **law_admin.report_summary(*found))


# --- broadcasts ------------------------------------------------------------------------------------
def _message(data: dict[str, Any], store: Any) -> tuple[OutMessage, dict[str, Any], tuple[str, ...]]:
    """The message of a broadcast request: its text, or a law update composed from a change report."""
    buttons = tuple(Button(str(b.get("title", "")), str(b.get("payload", "")), str(b.get("type", "oa.query.show")))
                    for b in data.get("buttons") or () if isinstance(b, dict))
    if data.get("report"):
        found = law_admin.load_report(store, str(data["report"]))
        if found is None:
            raise broadcast.BroadcastError("no such change report")
        message = law_admin.law_update_message(found[1], str(data.get("text") or ""))
        return message, {"report": found[0]}, tuple(report_topics(found[1]))
    return OutMessage(str(data.get("text") or ""), buttons), {}, ()


@bp.post("/broadcasts")
def broadcasts_create() -> Response:
    """Queue a broadcast: {"text" | "report", "audience", "topic", "dry_run"} → 202 {"id"}."""
    services, data = _services(), _json()
    audience = str(data.get("audience") or "subscribers")
    try:
        message, source, touched = _message(data, services.store)
        topics = broadcast.normalize_topics(data.get("topic"))
        if not topics and "topic" not in data and audience == "subscribers":
            topics = touched  # a law update goes to the subscribers of the topics it touches
        created = broadcast.create(services.store, services.queue, message, audience, topics,
                                   _flag(data.get("dry_run")), g.actor, source)
    except broadcast.BroadcastError as exc:
        return answer(400, error=str(exc))
    record("broadcast_create", id=created["id"], audience=audience, topics=list(topics),
           dry_run=_flag(data.get("dry_run")), text=message.text[:120], **source)
    return answer(202, **created)


@bp.get("/broadcasts")
def broadcasts_list() -> Response:
    """The latest broadcasts with their totals."""
    store = _services().store
    limit = request.args.get("limit", "20")  # a bad value is no reason for a 500
    items = [broadcast.status(store, bid) for bid in broadcast.list_ids(store, int(limit) if limit.isdigit() else 20)]
    return answer(200, broadcasts=[i for i in items if i])


@bp.get("/broadcasts/<bid>")
def broadcasts_status(bid: str) -> Response:
    """State and totals; a broadcast whose worker died is queued again."""
    services = _services()
    current = broadcast.status(services.store, bid)
    if current is None:
        return answer(404, error="no such broadcast")
    try:
        broadcast.kick(services.store, services.queue, bid)
    except Exception:  # noqa: BLE001 - the status is still worth answering
        log.warning("could not requeue broadcast %s", bid)
    return answer(200, **current)


@bp.post("/broadcasts/<bid>/cancel")
def broadcasts_cancel(bid: str) -> Response:
    """Stop a broadcast between two recipients."""
    current = broadcast.cancel(_services().store, bid)
    if current is None:
        return answer(404, error="no such broadcast")
    record("broadcast_cancel", id=bid)
    return answer(200, **current)


# --- people --------------------------------------------------------------------------------------
@bp.get("/subscribers")
def subscribers_counts() -> Response:
    """Subscriber counts by topic."""
    return answer(200, **subscriptions.counts(_services().store))


@bp.get("/stats")
def stats_report() -> Response:
    """Questions per day, top articles and topics, unanswered queries (no user ids)."""
    days = request.args.get("days", "30")
    return answer(200, **stats.report(_services().store, int(days) if days.isdigit() else 30))


@bp.get("/audit")
def audit_log() -> Response:
    """The latest audit entries."""
    limit = request.args.get("limit", "100")
    return answer(200, entries=audit.recent(_services().store, int(limit) if limit.isdigit() else 100))
