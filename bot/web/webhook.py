"""POST /zalo/webhook: size limit, signature, parse, replay window, dedup, enqueue, 200 — nothing slow."""
from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from bot.jobs.accept import DUPLICATE, accept
from bot.jobs.queue import QueueUnavailable
from bot.ops import logs, metrics
from bot.zalo.events import EventError, dedup_key, event_to_dict, event_user, load_payload, parse_payload
from bot.zalo.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, is_fresh, verify_any

log = logging.getLogger(__name__)

bp = Blueprint("webhook", __name__)


def _reply(status: int, outcome: str, **body: Any) -> Response:
    """A small JSON answer, counted and logged by outcome (never the body, never the user id in clear)."""
    metrics.webhook_outcome(outcome)
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    log.log(level, "webhook %s", outcome, extra={"outcome": outcome, "status": status})
    response = jsonify(body)
    response.status_code = status
    return response


def read_limited(limit: int) -> bytes | None:
    """The request body, or None when it is over `limit` bytes (checked before reading when announced)."""
    length = request.content_length
    if length is not None and length > limit:
        return None
    # chunked bodies have no Content-Length: never buffer more than limit + 1 bytes
    stream = request.stream
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = stream.read(limit + 1 - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    body = b"".join(chunks)
    return None if len(body) > limit else body


def _timestamps(payload: dict[str, Any] | None) -> list[str]:
    """Candidate signing timestamps: the X-ZEvent-Timestamp header first, then the body's."""
    found: list[str] = []
    header = (request.headers.get(TIMESTAMP_HEADER) or "").strip()
    if header:
        found.append(header)
    body_ts = payload.get("timestamp") if payload else None
    if isinstance(body_ts, (str, int)) and not isinstance(body_ts, bool) and str(body_ts) not in found:
        found.append(str(body_ts))
    return found


def _app_ids(configured: str, payload: dict[str, Any] | None) -> list[str]:
    """The configured app id, then the body's (the OA secret key is what authenticates)."""
    ids = [configured] if configured else []
    body_id = payload.get("app_id") if payload else None
    if isinstance(body_id, (str, int)) and not isinstance(body_id, bool) and str(body_id) not in ids:
        ids.append(str(body_id))
    return ids


@bp.post("/zalo/webhook")
def zalo_webhook() -> Response:
    """Verify, parse, dedup and queue one Zalo event."""
    started = time.perf_counter()
    try:
        return _handle()
    finally:
        metrics.WEBHOOK_SECONDS.observe(time.perf_counter() - started)


def _handle() -> Response:
    """The webhook steps; every bad input ends in a 4xx."""
    services = current_app.extensions["zlb"]
    settings = services.settings
    raw = read_limited(settings.webhook_max_bytes)
    if raw is None:
        response = _reply(413, "too_large", error="body too large")
        response.headers["Connection"] = "close"
        return response
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        return _reply(401, "unsigned", error="missing signature")
    try:
        payload: dict[str, Any] | None = load_payload(raw)
    except EventError:
        payload = None
    timestamps = _timestamps(payload)
    if not timestamps:
        return _reply(400, "malformed", error="malformed body")
    signed_ts = verify_any(_app_ids(settings.zalo_app_id, payload), raw, timestamps,
                           settings.zalo_oa_secret_key, signature)
    if signed_ts is None:
        return _reply(401, "forged", error="bad signature")
    if payload is None:
        return _reply(400, "malformed", error="malformed body")
    try:
        event = parse_payload(payload)
    except EventError as exc:
        return _reply(400, "malformed", error=str(exc))
    if not is_fresh(signed_ts, int(time.time() * 1000), settings.replay_window_seconds):
        # a correctly signed but old event is a replay: refused like a bad signature
        return _reply(401, "stale", error="stale timestamp")
    user_id = event_user(event)
    if user_id is not None:
        logs.bind_user(logs.user_ref(settings, user_id))
    key = dedup_key(event)
    if key is None:
        return _reply(200, "ignored", ok=True, ignored=True)
    return _enqueue(services, event, key)


def _enqueue(services: Any, event: Any, key: str) -> Response:
    """Take the delivery once (bot.jobs.accept: mark, turn and job in one atomic step); 503 when nothing was written,
    so Zalo's redelivery is queued."""
    try:
        outcome = accept(services, {**event_to_dict(event), **logs.job_fields()}, key, event_user(event))
    except QueueUnavailable as exc:
        log.error("job queue unavailable: %s", str(exc).split(":")[0])
        return _reply(503, "queue_unavailable", error="queue unavailable")
    except Exception as exc:  # noqa: BLE001 - store down: tell Zalo to retry later
        log.error("state store unavailable: %s", type(exc).__name__)
        return _reply(503, "store_unavailable", error="store unavailable")
    if outcome == DUPLICATE:
        return _reply(200, "duplicate", ok=True, duplicate=True)
    return _reply(200, "ok", ok=True)
