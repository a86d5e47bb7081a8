"""/admin/deadletters: list, replay and drop dead letters, behind the same bearer check and audit as /admin/*."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g

from bot.jobs import deadletters
from bot.officials import audit
from bot.web.admin_auth import answer, audit_reads, authorize

bp = Blueprint("admin_deadletters", __name__, url_prefix="/admin/deadletters")
bp.before_request(authorize)
bp.after_request(audit_reads)

_STATUS = {"queued": 202, "answered": 200, "missing": 404, "busy": 409}


@bp.get("")
def deadletters_list() -> Response:
    """Every dead letter (oldest first): id, when, error, pending replies; users only as a keyed hash."""
    services = current_app.extensions["zlb"]
    rows = [deadletters.summary(letter, services.settings) for letter in deadletters.letters(services.store)]
    return answer(200, deadletters=rows, ttl_seconds=services.settings.dead_letter_ttl_seconds)


@bp.post("/<letter_id>/replay")
def deadletters_replay(letter_id: str) -> Response:
    """Queue one letter's reply again (sent once): 202 queued, 200 already answered, 404, 409 being replayed."""
    services = current_app.extensions["zlb"]
    outcome = deadletters.replay(services, letter_id)
    audit.record(services.store, g.actor, "deadletter_replay", ids=[letter_id], outcomes={letter_id: outcome})
    return answer(_STATUS[outcome], id=letter_id, result=outcome)


@bp.delete("/<letter_id>")
def deadletters_drop(letter_id: str) -> Response:
    """Delete one letter without sending it."""
    services = current_app.extensions["zlb"]
    if not deadletters.drop(services.store, letter_id, services.queue):
        return answer(404, error="no such dead letter")
    audit.record(services.store, g.actor, "deadletter_drop", id=letter_id)
    return answer(200, id=letter_id, result="dropped")
