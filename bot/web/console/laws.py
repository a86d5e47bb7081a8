"""/console/laws: documents with their status; upload → preview of the change report → confirm or cancel;
rollback; a document's status; saved change reports. Each a thin call into bot.officials.laws / law_uploads."""
from __future__ import annotations

from flask import Response, flash, redirect, request, url_for

from bot.jobs import lawfetch
from bot.knowledge.changes import ChangeReport
from bot.knowledge.corpus.model import STATUSES
from bot.knowledge.corpus.readers.header import TYPES
from bot.officials import law_uploads
from bot.officials import laws as law_admin
from bot.ops.settings import ConfigError, topic_numbers
from bot.web.console.core import bp, error_page, official, page, record, services

MAX_UPLOAD = 200 * 1024 * 1024  # the official Pháp điển ZIP
STATUS_LABELS = {"in_force": "Còn hiệu lực", "amended": "Đã sửa đổi", "replaced": "Đã bị thay thế",
                 "expired": "Hết hiệu lực"}


def _labels() -> dict[str, str]:
    """Vietnamese labels of every status the corpus knows."""
    return {s: STATUS_LABELS.get(s, s) for s in STATUSES}


@bp.get("/laws")
def laws() -> Response:
    """Documents in the corpus, the upload form, rollback and the latest change report."""
    settings = services().settings
    latest = law_admin.load_report(services().store, "last")
    return page("laws.html", documents=law_admin.list_documents(settings),
                version=law_admin.corpus_store(settings).current_version(), statuses=_labels(), types=TYPES,
                latest=latest[0] if latest else None, topics=",".join(settings.law_topics), source=settings.phapdien_url)


@bp.post("/laws/fetch")
def laws_fetch() -> Response:
    """Queue `laws fetch` on a worker (a download and an import take minutes); its outcome goes to the audit log
    under this official's name and its change report becomes the latest."""
    raw = request.form.get("topics", "").strip()
    try:
        topics = topic_numbers(raw, "Đề mục") if raw else ()
    except ConfigError:
        flash(f"Đề mục không hợp lệ: “{raw}”. Hãy ghi các số đề mục cách nhau bởi dấu phẩy, ví dụ 8.1,8.4.", "error")
        return redirect(url_for("console.laws"))
    job = lawfetch.enqueue_fetch(services().queue, official().name, topics)
    record("laws_fetch_queued", job=job, topics=list(topics))
    flash("Đã giao cho máy chủ tải văn bản từ Pháp điển. Khi xong, báo cáo thay đổi mới nhất và nhật ký sẽ cho biết "
          "kết quả (thường vài phút).", "ok")
    return redirect(url_for("console.laws"))


@bp.post("/laws/upload")
def laws_upload() -> Response:
    """Stage an uploaded file and show what importing it would change."""
    if (request.content_length or 0) > MAX_UPLOAD:
        return error_page(413)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Hãy chọn một tệp để tải lên.", "error")
        return redirect(url_for("console.laws"))
    try:
        staged = law_uploads.stage(services().settings, services().store, upload.filename, upload.save,
                                   request.form.to_dict(), official().name)
    except law_admin.LawAdminError as exc:
        record("laws_upload_refused", file=upload.filename, error=str(exc))
        flash(f"Không đọc được tệp {upload.filename}: {exc}", "error")
        return redirect(url_for("console.laws"))
    record("laws_upload_preview", file=staged["file"], upload=staged["id"], counts=staged["report"]["counts"])
    return redirect(url_for("console.laws_preview", upload_id=staged["id"]))


@bp.get("/laws/uploads/<upload_id>")
def laws_preview(upload_id: str) -> Response:
    """The change report an upload would make, with Confirm and Cancel."""
    staged = law_uploads.staged(services().store, upload_id)
    if staged is None:
        return error_page(404, "Tệp này không còn chờ xác nhận (đã nhập, đã hủy hoặc quá một giờ): hãy tải lên lại.")
    return page("law_preview.html", staged=staged, report=ChangeReport.from_dict(staged["report"]),
                statuses=_labels())


@bp.post("/laws/uploads/<upload_id>/confirm")
def laws_confirm(upload_id: str) -> Response:
    """Import a previewed upload; show the change report that was saved."""
    try:
        update = law_uploads.confirm(services().settings, services().store, upload_id)
    except law_admin.LawAdminError as exc:
        flash(f"Chưa nhập được: {exc}", "error")
        return redirect(url_for("console.laws"))
    record("laws_import", upload=upload_id, version=update.version, report=update.report_id,
           counts=update.report.counts())
    flash(f"Đã nhập. Phiên bản kho văn bản mới: {update.version}.", "ok")
    return redirect(url_for("console.laws_report", report_id=update.report_id))


@bp.post("/laws/uploads/<upload_id>/cancel")
def laws_cancel(upload_id: str) -> Response:
    """Drop a previewed upload."""
    if law_uploads.cancel(services().settings, services().store, upload_id):
        record("laws_upload_cancel", upload=upload_id)
        flash("Đã hủy: kho văn bản không thay đổi.", "ok")
    return redirect(url_for("console.laws"))


@bp.post("/laws/rollback")
def laws_rollback() -> Response:
    """Put the previous corpus version back."""
    try:
        update = law_admin.rollback(services().settings, services().store)
    except law_admin.LawAdminError as exc:
        flash(f"Không quay lại được: {exc}", "error")
        return redirect(url_for("console.laws"))
    record("laws_rollback", version=update.version, report=update.report_id)
    flash(f"Đã quay lại phiên bản {update.version}.", "ok")
    return redirect(url_for("console.laws_report", report_id=update.report_id))


@bp.post("/laws/status")
def laws_status() -> Response:
    """Set one document's status (replaced by, from a date)."""
    form = request.form
    try:
        update = law_admin.set_status(services().settings, services().store, form.get("number", ""),
                                      form.get("status", ""), form.get("replaced_by", ""), form.get("date", ""))
    except law_admin.LawAdminError as exc:
        flash(f"Không đổi được trạng thái: {exc}", "error")
        return redirect(url_for("console.laws"))
    record("laws_status", number=form.get("number"), status=form.get("status"),
           replaced_by=form.get("replaced_by"), date=form.get("date"), version=update.version)
    flash(f"Đã cập nhật trạng thái văn bản {form.get('number')}.", "ok")
    return redirect(url_for("console.laws_report", report_id=update.report_id))


@bp.get("/laws/changes/<report_id>")
def laws_report(report_id: str) -> Response:
    """A saved change report ("last" for the newest)."""
    found = law_admin.load_report(services().store, report_id)
    if found is None:
        return error_page(404, "Không có báo cáo thay đổi này.")
    return page("law_report.html", report_id=found[0], report=found[1], statuses=_labels())
