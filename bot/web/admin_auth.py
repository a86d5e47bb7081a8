"""The admin API's door: bearer token (constant time), lockout after repeated wrong tokens, the audit of each call."""
from __future__ import annotations

import hmac
import re
from typing import Any

from flask import Response, current_app, g, jsonify, request

from bot.officials import audit
from bot.ops import metrics
from bot.store import limits


def check_bearer(header: str | None, token: str) -> bool:
    """True when `Authorization: Bearer <token>` matches; False when no token is configured."""
    if not token or not header:
        return False
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.strip().encode(), token.encode())


def answer(status: int, **body: Any) -> Response:
    """A JSON answer with a status."""
    response = jsonify(body)
    response.status_code = status
    return response


def actor() -> str:
    """Who is acting: the optional X-Admin-User name and the client address (the token itself is never kept)."""
    name = re.sub(r"[^\w.@-]", "", request.headers.get("X-Admin-User", ""))[:40]
    return f"{name or 'admin'}@{request.remote_addr or '?'}"


def authorize() -> Response | None:
    """before_request: 503 when no token is configured, 429 while locked out, 401 on a missing or wrong token."""
    services = current_app.extensions["zlb"]
    settings = services.settings
    if not settings.admin_token:
        return answer(503, error="admin endpoints are disabled: ADMIN_TOKEN is not set")
    client = request.remote_addr or "?"
    # brute force: after ADMIN_MAX_FAILURES wrong tokens from one address, even the right one waits out the window
    wait = limits.admin_retry_after(services.store, client, settings.admin_max_failures)
    if wait:
        metrics.ADMIN_AUTH.labels(result="blocked").inc()
        response = answer(429, error="too many failed attempts: try again later", retry_after=wait)
        response.headers["Retry-After"] = str(wait)
        return response
    if not check_bearer(request.headers.get("Authorization"), settings.admin_token):
        metrics.ADMIN_AUTH.labels(result="failed").inc()
        if request.headers.get("Authorization"):  # a guess; a request with no credentials at all is not one
            limits.admin_failed(services.store, client, settings.admin_lockout_seconds)
        audit.record(services.store, actor(), "auth_failed", method=request.method, path=request.path)
        response = answer(401, error="missing or wrong bearer token")
        response.headers["WWW-Authenticate"] = 'Bearer realm="admin"'
        return response
    g.actor = actor()
    return None


def audit_reads(response: Response) -> Response:
    """after_request: reads are audited too (changes are audited with their details by each handler)."""
    if request.method == "GET" and getattr(g, "actor", None):
        audit.record(current_app.extensions["zlb"].store, g.actor, "view", path=request.path,
                     status=response.status_code)
    return response


def record(action: str, **details: Any) -> None:
    """Audit one admin action under the authorized actor."""
    audit.record(current_app.extensions["zlb"].store, g.actor, action, **details)
