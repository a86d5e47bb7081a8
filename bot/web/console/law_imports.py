"""/console/laws uploads and fetches, every step on a worker (a whole Pháp điển ZIP takes minutes, longer than a web
request may): upload → its preview, polled → confirm → the import, polled → its change report; a fetch from the
official source followed the same way. Thin over bot.officials.law_uploads, bot.officials.imports and
bot.jobs.lawfetch; the pages poll their JSON twins with the console's small script."""
from __future__ import annotations

from typing import Any

from flask import Response, flash, jsonify, redirect, request, url_for

from bot.jobs import lawfetch
from bot.knowledge.changes import ChangeReport
from bot.officials import imports, law_uploads
from bot.officials.laws import LawAdminError
from bot.ops.settings import ConfigError, topic_numbers
from bot.web.console.core import bp, error_page, official, page, record, services
from bot.web.console.laws import status_labels
from bot.web.console.wording import explain, job_outcome, job_progress, job_title, reason, say, sentence

IMPORT_FINAL = (imports.DONE, imports.FAILED)


def _report(status: dict[str, Any]) -> ChangeReport | None:
    """The change report kept with a status, if any."""
    data = status.get("report")
    return ChangeReport.from_dict(data) if isinstance(data, dict) else None


@bp.post("/laws/upload")
def laws_upload() -> Response:
    """Keep an uploaded file and queue its preview on a worker; follow it on the upload's page."""
    svc = services()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(say("flash_upload_none"), "error")
        return redirect(url_for("console.laws"))
    chunks = imports.read_chunks(upload.stream, svc.settings.max_upload_bytes)
    try:
        staged = law_uploads.stage(svc.settings, svc.store, svc.queue, upload.filename, chunks,
                                   request.form.to_dict(), official().name)
    except LawAdminError as exc:
        record("laws_upload_refused", file=upload.filename, error=str(exc))
        flash(say("flash_upload_refused", file=upload.filename, reason=explain(exc)), "error")
        return redirect(url_for("console.laws"))
    record("laws_upload_preview", file=staged["file"], upload=staged["id"], size=staged["size"])
    return redirect(url_for("console.laws_preview", upload_id=staged["id"]))


@bp.get("/laws/uploads/<upload_id>")
def laws_preview(upload_id: str) -> Response:
    """An upload: its preview's progress, its failure, or the change report it would make with Confirm and Cancel."""
    staged = law_uploads.staged(services().store, upload_id)
    if staged is None:
        return error_page(404, sentence(reason("upload_gone")))
    report = ChangeReport.from_dict(staged["report"]) if staged.get("state") == law_uploads.READY else None
    return page("law_preview.html", staged=staged, progress=job_progress(staged, law_uploads.FINAL), report=report,
                statuses=status_labels())


@bp.get("/laws/uploads/<upload_id>/progress.json")
def laws_preview_progress(upload_id: str) -> Response:
    """The preview's progress, polled by its page."""
    staged = law_uploads.staged(services().store, upload_id)
    if staged is None:
        return jsonify(error="no such upload"), 404  # type: ignore[return-value]
    return jsonify(job_progress(staged, law_uploads.FINAL))


@bp.post("/laws/uploads/<upload_id>/confirm")
def laws_confirm(upload_id: str) -> Response:
    """Queue the import of a previewed upload on a worker; follow it on the import's page."""
    try:
        queued = law_uploads.confirm_job(services().store, services().queue, upload_id, official().name)
    except LawAdminError as exc:
        flash(say("flash_import_refused", reason=explain(exc)), "error")
        if law_uploads.staged(services().store, upload_id) is not None:
            return redirect(url_for("console.laws_preview", upload_id=upload_id))
        return redirect(url_for("console.laws"))
    record("laws_import_queued", upload=upload_id, id=queued["id"], file=queued["file"], size=queued["size"])
    return redirect(url_for("console.laws_import", import_id=queued["id"]))


@bp.post("/laws/uploads/<upload_id>/cancel")
def laws_cancel(upload_id: str) -> Response:
    """Drop an upload (previewed or not)."""
    if law_uploads.cancel(services().store, upload_id):
        record("laws_upload_cancel", upload=upload_id)
        flash(say("flash_import_cancelled"), "ok")
    return redirect(url_for("console.laws"))


@bp.post("/laws/fetch")
def laws_fetch() -> Response:
    """Queue `laws fetch` on a worker (a download and an import take minutes) and follow it on its page; its outcome
    also goes to the audit log under this official's name and its change report becomes the latest."""
    raw = request.form.get("topics", "").strip()
    try:
        topics = topic_numbers(raw, "Đề mục") if raw else ()
    except ConfigError:
        flash(say("flash_fetch_topics_bad", raw=raw), "error")
        return redirect(url_for("console.laws"))
    queued = lawfetch.request_fetch(services().store, services().queue, official().name, topics)
    record("laws_fetch_queued", id=queued["id"], topics=list(topics))
    return redirect(url_for("console.laws_import", import_id=queued["id"]))


@bp.get("/laws/imports/<import_id>")
def laws_import(import_id: str) -> Response:
    """An import or a fetch: its progress while it runs, then what it did and its change report, or why it failed."""
    status = imports.status(services().store, import_id)
    if status is None:
        return error_page(404, say("page_no_import"))
    done = status.get("state") == imports.DONE
    return page("law_import.html", job=status, title=job_title(status), progress=job_progress(status, IMPORT_FINAL),
                outcome=job_outcome(status) if done else "", report=_report(status) if done else None,
                statuses=status_labels())


@bp.get("/laws/imports/<import_id>/progress.json")
def laws_import_progress(import_id: str) -> Response:
    """An import's or a fetch's progress, polled by its page."""
    status = imports.status(services().store, import_id)
    if status is None:
        return jsonify(error="no such import"), 404  # type: ignore[return-value]
    return jsonify(job_progress(status, IMPORT_FINAL))
