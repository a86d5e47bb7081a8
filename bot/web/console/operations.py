"""/console/deadletters (replay, drop) and /console/officials (admins manage accounts): thin over bot.jobs.deadletters
and bot.officials.accounts."""
from __future__ import annotations

from flask import Response, flash, redirect, request, url_for

from bot.jobs import deadletters as letters
from bot.officials import accounts
from bot.web.console.core import admin_only, bp, official, page, record, services
from bot.web.console.wording import explain, say, table

ROLES = table("roles")


@bp.get("/deadletters")
def deadletters() -> Response:
    """Replies that failed after every retry (users only as a keyed hash, no message text)."""
    svc = services()
    rows = [letters.summary(letter, svc.settings) for letter in letters.letters(svc.store)]
    return page("deadletters.html", rows=rows, ttl_days=svc.settings.dead_letter_ttl_seconds // 86400)


@bp.post("/deadletters/<letter_id>/replay")
def deadletters_replay(letter_id: str) -> Response:
    """Queue one letter's reply again (sent once)."""
    outcome = letters.replay(services(), letter_id)
    record("deadletter_replay", ids=[letter_id], outcomes={letter_id: outcome})
    flash(say(f"flash_replayed_{outcome}"), "ok" if outcome in ("queued", "answered") else "error")
    return redirect(url_for("console.deadletters"))


@bp.post("/deadletters/<letter_id>/drop")
def deadletters_drop(letter_id: str) -> Response:
    """Delete one letter without sending it."""
    svc = services()
    if letters.drop(svc.store, letter_id, svc.queue):
        record("deadletter_drop", id=letter_id)
        flash(say("flash_letter_dropped"), "ok")
    else:
        flash(say("flash_letter_missing"), "error")
    return redirect(url_for("console.deadletters"))


@bp.get("/officials")
@admin_only
def officials() -> Response:
    """Every official and their role; forms to add one, set a password, remove one."""
    return page("officials.html", officials=accounts.officials(services().store), roles=ROLES)


@bp.post("/officials")
@admin_only
def officials_add() -> Response:
    """Create an official (password typed twice)."""
    form = request.form
    name = form.get("name", "").strip()
    try:
        if form.get("password", "") != form.get("password2", ""):
            raise accounts.AccountError("the two passwords differ", "passwords_differ")
        accounts.add(services().store, name, form.get("password", ""), form.get("role", "editor"))
    except accounts.AccountError as exc:
        flash(say("flash_account_create_refused", reason=explain(exc)), "error")
        return redirect(url_for("console.officials"))
    record("officials_add", name=name, role=form.get("role", "editor"))
    flash(say("flash_account_created", name=name), "ok")
    return redirect(url_for("console.officials"))


@bp.post("/officials/<name>/password")
@admin_only
def officials_passwd(name: str) -> Response:
    """Give an official a new password (their open sessions end)."""
    form = request.form
    try:
        if form.get("password", "") != form.get("password2", ""):
            raise accounts.AccountError("the two passwords differ", "passwords_differ")
        accounts.set_password(services().store, name, form.get("password", ""))
    except accounts.AccountError as exc:
        flash(say("flash_password_refused", reason=explain(exc)), "error")
        return redirect(url_for("console.officials"))
    record("officials_passwd", name=name)
    flash(say("flash_password_changed", name=name), "ok")
    return redirect(url_for("console.officials"))


@bp.post("/officials/<name>/remove")
@admin_only
def officials_remove(name: str) -> Response:
    """Delete an official (not oneself: an admin cannot lock the console out of its last admin by accident)."""
    if name == official().name:
        flash(say("flash_account_self"), "error")
        return redirect(url_for("console.officials"))
    try:
        accounts.remove(services().store, name)
    except accounts.AccountError as exc:
        flash(say("flash_account_delete_refused", reason=explain(exc)), "error")
        return redirect(url_for("console.officials"))
    record("officials_remove", name=name)
    flash(say("flash_account_deleted", name=name), "ok")
    return redirect(url_for("console.officials"))
