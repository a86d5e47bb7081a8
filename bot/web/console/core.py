"""The console's blueprint and door: SECRET_KEY check, CSRF on every form, the signed-in official, HTML errors,
security headers, and what every page view shares (services, audit under the official's name, rendering)."""
from __future__ import annotations

import functools
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, g, make_response, redirect, render_template, request, \
    session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from bot.officials import accounts, audit, sessions
from bot.web.console.wording import iso_local, say, table, token_banner
from bot.zalo.tokens import token_alert


bp = Blueprint("console", __name__, url_prefix="/console")
csrf = CSRFProtect()
PUBLIC = ("console.login",)  # the only pages an anonymous visitor may see
SESSION_COOKIE = "zlb_console"
ERROR_TEXTS = {int(status): text for status, text in table("page_errors").items()}  # JSON keys are text


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over HTTPS (directly, or through the
    TRUSTED_PROXY_HOPS proxies whose X-Forwarded-Proto the app trusts)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure behind HTTPS; plain HTTP (a laptop, the tests) keeps working."""
        return bool(request.is_secure) or bool(app.config.get("SESSION_COOKIE_SECURE"))


def services() -> Any:
    """This app's Services."""
    return current_app.extensions["zlb"]


def official() -> accounts.Official:
    """The signed-in official of this request."""
    return g.official


def record(action: str, **details: Any) -> None:
    """Audit one console action under the signed-in official's name."""
    audit.record(services().store, official().name, action, via="console", **details)


def page(template: str, status: int = 200, **context: Any) -> Response:
    """A rendered console page."""
    return make_response(render_template(f"console/{template}", **context), status)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path on this site, never elsewhere."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/console/") or "\\" in (target or ""):
        return url_for("console.home")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def admin_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Views for officials with the admin role (managing officials); 403 for editors."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not official().is_admin:
            return error_page(403)
        return view(*args, **kwargs)

    return wrapper


def error_page(status: int, text: str = "") -> Response:
    """An HTML error page with a way back."""
    return page("error.html", status, code=status, text=text or ERROR_TEXTS.get(status) or say("page_error_other"))


@bp.before_request
def door() -> Response | None:
    """503 without SECRET_KEY; CSRF on every POST; anyone not signed in goes to the sign-in page."""
    if not services().settings.secret_key:
        return error_page(503)
    csrf.protect()  # raises CSRFError (400) on a POST without a valid token
    g.official = None
    name = sessions.session_owner(services().store, str(session.get("sid") or ""))
    found = accounts.get(services().store, name) if name else None  # removed officials are out at once
    if found is not None:
        g.official = found
        return None
    if request.endpoint in PUBLIC:
        return None
    if request.path.endswith(".json"):
        return make_response({"error": "sign in first"}, 401)
    return redirect(url_for("console.login", next=request.full_path.rstrip("?")))


@bp.after_request
def headers(response: Response) -> Response:
    """No caching of officials' pages; scripts, styles and frames only from this site."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                                   "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.errorhandler(CSRFError)
def csrf_failed(exc: CSRFError) -> Response:
    """A form without its token, or one opened too long ago."""
    return error_page(400, say("page_csrf"))


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response:
    """Console errors as pages, same status."""
    return error_page(exc.code or 400)


@bp.app_context_processor
def layout() -> dict[str, Any]:
    """What the layout shows: the signed-in official, the menu, and to her the banner of a standing token alert."""
    me = g.get("official")
    return {"me": me, "menu": MENU, "token_banner": token_banner(token_alert(services().store)) if me else None}


@bp.app_template_filter("local_time")
def local_time_filter(iso: str) -> str:
    """An ISO time kept in UTC, as officials read it (Vietnam time)."""
    return iso_local(iso)


MENU = tuple(table("menu").items())  # (endpoint, label) in the order the file gives


def init_app(app: Flask, settings: Any) -> None:
    """Session cookie, CSRF and the blueprint; the console answers 503 while SECRET_KEY is unset."""
    app.secret_key = settings.secret_key or None
    app.session_interface = ConsoleSessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/console", PERMANENT_SESSION_LIFETIME=sessions.MAX_SECONDS,
        WTF_CSRF_CHECK_DEFAULT=False,  # only the console's forms: the webhook and the bearer API have no cookies
        WTF_CSRF_TIME_LIMIT=sessions.MAX_SECONDS)
    csrf.init_app(app)
    app.register_blueprint(bp)
