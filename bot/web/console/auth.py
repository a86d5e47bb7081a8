"""Signing in and out of the console (bot.officials.signin: slowed guessing, sessions in the store)."""
from __future__ import annotations

from flask import Response, current_app, redirect, request, session, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.officials import audit, sessions, signin
from bot.web.console.core import bp, page, safe_next, services
from bot.web.console.wording import say

DEVICE_COOKIE = "zlb_device"
DEVICE_SECONDS = 90 * 24 * 3600


def _devices() -> URLSafeTimedSerializer:
    """Signs the cookie that tells a browser which official signed in with it before."""
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="zlb-console-device")


def _trusted(name: str) -> bool:
    """True when this browser signed in to this account before (it skips the per-account delay)."""
    try:
        return _devices().loads(request.cookies.get(DEVICE_COOKIE, ""), max_age=DEVICE_SECONDS) == name
    except BadSignature:
        return False


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """The sign-in form; POST name and password."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return page("login.html", next=target)
    store = services().store
    name = request.form.get("name", "").strip()
    client = request.remote_addr or "?"
    outcome = signin.sign_in(store, name, request.form.get("password", ""), client, _trusted(name))
    if outcome.official is None:
        action = "console_signin_throttled" if outcome.wait else "console_signin_failed"
        audit.record(store, name[:40] or "?", action, via="console", client=client)
        text = say("signin_throttled", seconds=outcome.wait) if outcome.wait else say("signin_wrong")
        response = page("login.html", 429 if outcome.wait else 401, next=target, name=name, error=text)
        if outcome.wait:
            response.headers["Retry-After"] = str(outcome.wait)
        return response
    session.clear()  # a new session id and CSRF token: nothing from before signing in carries over
    session["sid"] = outcome.session
    session.permanent = True
    audit.record(store, outcome.official.name, "console_signin", via="console", client=client)
    response = redirect(target)
    response.set_cookie(DEVICE_COOKIE, _devices().dumps(outcome.official.name), max_age=DEVICE_SECONDS,
                        path=url_for("console.login"), httponly=True, samesite="Lax", secure=request.is_secure)
    return response


@bp.post("/logout")
def logout() -> Response:
    """End the session here and in the store."""
    sid = str(session.get("sid") or "")
    name = sessions.session_owner(services().store, sid)
    sessions.close_session(services().store, sid)
    session.clear()
    if name:
        audit.record(services().store, name, "console_signout", via="console")
    return redirect(url_for("console.login"))
