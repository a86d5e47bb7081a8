"""/admin/*: officials' endpoints behind `Authorization: Bearer $ADMIN_TOKEN`; thin: auth, parse, call services."""
from __future__ import annotations

import logging
from typing import Any, Iterator

from flask import Blueprint, Response, current_app, g, request

from bot.knowledge.changes import format_report, report_topics
from bot.officials import audit, imports
from bot.officials import broadcasts as broadcast
from bot.officials import laws as law_admin
from bot.store import stats, subscriptions
from bot.web.admin_auth import answer, audit_reads, authorize, record
from bot.zalo.messages import Button, OutMessage

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(authorize)
bp.after_request(audit_reads)
MULTIPART_SLACK = 64 * 1024  # multipart boundaries and headers around the file


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


def _upload_chunks(limit: int) -> tuple[str, Iterator[bytes]]:
    """The upload's name and its bytes chunk by chunk: multipart field "file" (werkzeug spools it to disk), or the
    raw body named by ?filename= read from the stream; never more than limit + 1 bytes in all."""
    upload = request.files.get("file")
    if upload is not None:
        return upload.filename or "", imports.read_chunks(upload.stream, limit)
    return request.args.get("filename", ""), imports.read_chunks(request.stream, limit)


def _meta() -> dict[str, str] | None:
    """The form fields (or query arguments) number, type, name, effective of a file that does not print them."""
    fields = {k: str(request.values.get(k) or "") for k in imports.META_FIELDS}
    return fields if any(v.strip() for v in fields.values()) else None


@bp.post("/laws")
def laws_import() -> Response:
    """Queue the import of one uploaded document (Pháp điển HTML, .txt, .docx or ZIP; with number, type, name,
    effective for a file that does not print them): 202 and the import's id; GET /admin/laws/imports/<id> follows it
    to its change report."""
    services = _services()
    limit = services.settings.max_upload_bytes
    if (request.content_length or 0) > limit + MULTIPART_SLACK:
        return answer(413, error="upload too large")
    try:
        name, chunks = _upload_chunks(limit)
        queued = imports.submit(services.store, services.queue, chunks, name, g.actor, limit, meta=_meta())
    except imports.UploadTooLarge as exc:
        return answer(413, error=str(exc))
    except imports.ImportRequestError as exc:
        return answer(400, error=f"{exc} (multipart field 'file', or the body with ?filename=)")
    record("laws_import_queued", id=queued["id"], file=queued["file"], size=queued["size"])
    return answer(202, **queued, url=f"/admin/laws/imports/{queued['id']}")


@bp.get("/laws/imports/<import_id>")
def laws_import_status(import_id: str) -> Response:
    """An import's state (queued, running, done, failed), its progress, and when done its change report."""
    found = imports.status(_services().store, import_id)
    if found is None:
        return answer(404, error="no such import")
    return answer(200, **found)


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
