"""/console/laws: documents with their status, the latest imports and fetches; rollback; a document's status; saved
change reports. Each a thin call into bot.officials.laws (uploads and fetches: bot.web.console.law_imports)."""
from __future__ import annotations

from flask import Response, flash, redirect, request, url_for

from bot.knowledge.corpus.model import STATUSES
from bot.knowledge.corpus.readers.header import TYPES
from bot.officials import imports
from bot.officials import laws as law_admin
from bot.store.state import LockTimeout
from bot.web.console.core import bp, error_page, page, record, services
from bot.web.console.wording import explain, job_progress, job_title, say, table

RECENT = 8  # imports and fetches listed on the laws page
STATUS_LABELS = table("law_statuses")


def status_labels() -> dict[str, str]:
    """Vietnamese labels of every status the corpus knows."""
    return {s: STATUS_LABELS.get(s, s) for s in STATUSES}


@bp.get("/laws")
def laws() -> Response:
    """Documents in the corpus, what the library covers and lacks, the upload and fetch forms, the latest imports and
    fetches, rollback and the latest change report."""
    settings = services().settings
    latest = law_admin.load_report(services().store, "last")
    recent = [{**job, **job_progress(job, (imports.DONE, imports.FAILED)), "title": job_title(job)}
              for job in imports.recent(services().store, RECENT)]
    return page("laws.html", documents=law_admin.list_documents(settings),
                version=law_admin.corpus_store(settings).current_version(), statuses=status_labels(), types=TYPES,
                latest=latest[0] if latest else None, topics=",".join(settings.law_topics), source=settings.phapdien_url,
                recent=recent, coverage=law_admin.library_coverage(settings))


@bp.post("/laws/rollback")
def laws_rollback() -> Response:
    """Put the previous corpus version back."""
    try:
        update = law_admin.rollback(services().settings, services().store)
    except (law_admin.LawAdminError, LockTimeout) as exc:  # busy: another change holds the corpus lock
        flash(say("flash_rollback_refused", reason=explain(exc)), "error")
        return redirect(url_for("console.laws"))
    record("laws_rollback", version=update.version, report=update.report_id)
    flash(say("flash_rolled_back", version=update.version), "ok")
    return redirect(url_for("console.laws_report", report_id=update.report_id))


@bp.post("/laws/status")
def laws_status() -> Response:
    """Set one document's status (replaced by, from a date)."""
    form = request.form
    try:
        update = law_admin.set_status(services().settings, services().store, form.get("number", ""),
                                      form.get("status", ""), form.get("replaced_by", ""), form.get("date", ""))
    except (law_admin.LawAdminError, LockTimeout) as exc:  # busy: another change holds the corpus lock
        flash(say("flash_status_refused", reason=explain(exc)), "error")
        return redirect(url_for("console.laws"))
    record("laws_status", number=form.get("number"), status=form.get("status"),
           replaced_by=form.get("replaced_by"), date=form.get("date"), version=update.version)
    flash(say("flash_status_changed", number=form.get("number")), "ok")
    return redirect(url_for("console.laws_report", report_id=update.report_id))


@bp.get("/laws/changes/<report_id>")
def laws_report(report_id: str) -> Response:
    """A saved change report ("last" for the newest)."""
    found = law_admin.load_report(services().store, report_id)
    if found is None:
        return error_page(404, say("page_no_change_report"))
    return page("law_report.html", report_id=found[0], report=found[1], statuses=status_labels())
