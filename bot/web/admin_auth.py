"""The admin API's door: ADMIN_TOKEN (actor "admin") or an official's personal token (actor: the official), compared
in constant time or looked up by digest; wrong tokens throttled per client and overall; the audit of each call."""
from __future__ import annotations

import hmac
from typing import Any

from flask import Response, current_app, g, jsonify, request

from bot.officials import accounts, audit
from bot.ops import metrics
from bot.ops.settings import ConfigError
from bot.store import limits


GLOBAL = "*"  # the failure count of every client together: forged addresses cannot buy unlimited guesses
GLOBAL_FACTOR = 10


def bearer(header: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header ("" otherwise)."""
    scheme, _, value = (header or "").strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def check_bearer(header: str | None, token: str) -> bool:
    """True when `Authorization: Bearer <token>` matches (constant time); False when no token is configured."""
    given = bearer(header)
    if not token or not given:
        return False
    return hmac.compare_digest(given.encode(), token.encode())


def check_config(settings: Any) -> None:
    """Fail fast at start-up: an ADMIN_TOKEN short enough to guess is refused."""
    if settings.admin_token and len(settings.admin_token) < accounts.MIN_TOKEN:
        raise ConfigError(f"ADMIN_TOKEN must have at least {accounts.MIN_TOKEN} characters (it has "
                          f"{len(settings.admin_token)}); make one with: python -c \"import secrets; "
                          f"print(secrets.token_urlsafe(32))\"")


def answer(status: int, **body: Any) -> Response:
    """A JSON answer with a status."""
    response = jsonify(body)
    response.status_code = status
    return response


def official(services: Any, header: str | None) -> str | None:
    """Who a bearer token names: "admin" for ADMIN_TOKEN, an official's name for their personal token, else None."""
    token = bearer(header)
    if not token:
        return None
    if check_bearer(header, services.settings.admin_token):
        return "admin"
    try:
        return accounts.token_owner(services.store, token)  # looked up by digest; short tokens never match
    except Exception:  # noqa: BLE001 - store down: only ADMIN_TOKEN can get in
        return None


def _locked_for(services: Any, client: str) -> int:
    """Seconds this client's wrong tokens are refused: its own count, or every client's together, over budget."""
    settings, store = services.settings, services.store
    return max(limits.admin_retry_after(store, client, settings.admin_max_failures),
               limits.admin_retry_after(store, GLOBAL, settings.admin_max_failures * GLOBAL_FACTOR))


def authorize() -> Response | None:
    """before_request: a valid token (ADMIN_TOKEN or an official's own) always gets in, so a lockout cannot be
    turned against officials; wrong tokens are counted per client and for all clients together, and refused
    with 429 past either budget; 503 when no token at all is configured."""
    services = current_app.extensions["zlb"]
    settings = services.settings
    header = request.headers.get("Authorization")
    name = official(services, header)
    if name is not None:
        g.actor = name
        return None
    if not settings.admin_token and not bearer(header):
        return answer(503, error="admin endpoints are disabled: ADMIN_TOKEN is not set")
    client = request.remote_addr or "?"
    wait = _locked_for(services, client)
    if wait:
        metrics.ADMIN_AUTH.labels(result="blocked").inc()
        response = answer(429, error="too many failed attempts: try again later", retry_after=wait)
        response.headers["Retry-After"] = str(wait)
        return response
    metrics.ADMIN_AUTH.labels(result="failed").inc()
    if header:  # a guess; a request with no credentials at all is not one
        limits.admin_failed(services.store, client, settings.admin_lockout_seconds)
        limits.admin_failed(services.store, GLOBAL, settings.admin_lockout_seconds)
    audit.record(services.store, f"unknown@{client}", "auth_failed", method=request.method, path=request.path)
    response = answer(401, error="missing or wrong bearer token")
    response.headers["WWW-Authenticate"] = 'Bearer realm="admin"'
    return response


def audit_reads(response: Response) -> Response:
    """after_request: reads are audited too (changes are audited with their details by each handler)."""
    if request.method == "GET" and getattr(g, "actor", None):
        audit.record(current_app.extensions["zlb"].store, g.actor, "view", path=request.path,
                     status=response.status_code)
    return response


def record(action: str, **details: Any) -> None:
    """Audit one admin action under the authorized actor."""
    audit.record(current_app.extensions["zlb"].store, g.actor, action, **details)
