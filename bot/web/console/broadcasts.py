"""/console/broadcasts: compose, dry run (how many will receive it and why others will not), "Gửi…" with a
confirmation step, live progress polled from a JSON twin, cancel, history. Thin over bot.officials.broadcasts."""
from __future__ import annotations

import logging
from typing import Any

from flask import Response, flash, jsonify, redirect, request, url_for

from bot.knowledge.topics import topics
from bot.officials import broadcasts as broadcast
from bot.web.console.core import bp, error_page, official, page, record, services
from bot.web.console.wording import explain, say, table
from bot.zalo.messages import MAX_TEXT, OutMessage

log = logging.getLogger(__name__)

AUDIENCES = table("audiences")
STATES = table("broadcast_states")
# why a recipient was skipped or failed (Zalo's codes, SPEC §3) and why others are not in the plan
REASONS = table("broadcast_reasons")


def _form() -> dict[str, Any]:
    """The compose form's fields."""
    audience = request.form.get("audience", "subscribers")
    topic = request.form.get("topic", "") if audience == "subscribers" else ""  # topics choose among subscribers
    return {"text": request.form.get("text", "").replace("\r\n", "\n"), "audience": audience, "topic": topic}


def _compose_page(status: int = 200, **form: Any) -> Response:
    """The compose form with the history below it."""
    store = services().store
    history = [broadcast.status(store, bid) for bid in broadcast.list_ids(store, 30)]
    return page("broadcasts.html", status, form=form or {"text": "", "audience": "subscribers", "topic": ""},
                history=[h for h in history if h], audiences=AUDIENCES, topics=topics(), states=STATES,
                max_text=MAX_TEXT)


def _create(form: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    """Queue a broadcast (or a dry run) of the form's text; BroadcastError when it cannot be sent."""
    svc = services()
    created = broadcast.create(svc.store, svc.queue, OutMessage(form["text"]), form["audience"],
                               broadcast.normalize_topics(form["topic"]), dry_run, official().name)
    record("broadcast_create", id=created["id"], audience=form["audience"], topics=created["topics"],
           dry_run=dry_run, text=form["text"][:120])
    return created


@bp.get("/broadcasts")
def broadcasts() -> Response:
    """Compose and history."""
    return _compose_page()


@bp.post("/broadcasts")
def broadcasts_compose() -> Response:
    """"Chạy thử" queues a dry run and shows it; "Gửi…" shows the confirmation step with a dry run beside it."""
    form = _form()
    try:
        created = _create(form, dry_run=True)
    except broadcast.BroadcastError as exc:
        flash(say("flash_send_refused", reason=explain(exc)), "error")
        return _compose_page(400, **form)
    if request.form.get("action") == "confirm":
        return page("broadcast_confirm.html", form=form, dry=created, audiences=AUDIENCES,
                    message=OutMessage(form["text"]))
    return redirect(url_for("console.broadcast_detail", bid=created["id"]))


@bp.post("/broadcasts/send")
def broadcasts_send() -> Response:
    """The confirmed broadcast: queue it and follow its progress."""
    form = _form()
    try:
        created = _create(form, dry_run=False)
    except broadcast.BroadcastError as exc:
        flash(say("flash_send_refused", reason=explain(exc)), "error")
        return _compose_page(400, **form)
    flash(say("flash_send_started"), "ok")
    return redirect(url_for("console.broadcast_detail", bid=created["id"]))


def _status(bid: str) -> dict[str, Any] | None:
    """A broadcast's status; one whose worker died is queued again (as GET /admin/broadcasts/<id> does)."""
    svc = services()
    current = broadcast.status(svc.store, bid)
    if current is not None and current["state"] not in broadcast.FINAL_STATES:
        try:
            broadcast.kick(svc.store, svc.queue, bid)
        except Exception:  # noqa: BLE001 - the status is still worth showing
            log.warning("could not requeue broadcast %s", bid)
    return current


def _labelled(current: dict[str, Any]) -> dict[str, Any]:
    """The status with Vietnamese labels for its state and reasons (what the page and its script show)."""
    return {**current, "state_label": STATES.get(current["state"], current["state"]),
            "error_labels": {k: REASONS.get(k, k) for k in current.get("errors", {})},
            "reason_labels": {k: REASONS.get(k, k) for k in current.get("reasons", {})}}


@bp.get("/broadcasts/<bid>")
def broadcast_detail(bid: str) -> Response:
    """One broadcast: the message as Zalo shows it, live progress, cancel."""
    current = _status(bid)
    if current is None:
        return error_page(404, say("page_no_broadcast"))
    return page("broadcast.html", b=_labelled(current), message=broadcast.message(services().store, bid),
                audiences=AUDIENCES, final=broadcast.FINAL_STATES)


@bp.get("/broadcasts/<bid>/progress.json")
def broadcast_progress(bid: str) -> Response:
    """The progress the detail page polls: totals, state and reasons, labelled."""
    current = _status(bid)
    if current is None:
        return jsonify(error="no such broadcast"), 404  # type: ignore[return-value]
    return jsonify(_labelled(current))


@bp.post("/broadcasts/<bid>/cancel")
def broadcast_cancel(bid: str) -> Response:
    """Stop a broadcast between two recipients."""
    if broadcast.cancel(services().store, bid) is None:
        return error_page(404, say("page_no_broadcast"))
    record("broadcast_cancel", id=bid)
    flash(say("flash_send_stopping"), "ok")
    return redirect(url_for("console.broadcast_detail", bid=bid))

