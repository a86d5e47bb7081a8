"""GET /healthz (alive), /readyz (index loaded, store reachable), /metrics (Prometheus text)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

WEBHOOK_REQUESTS = Counter("zlb_webhook_requests", "Webhook answers by HTTP status", ["status"])
WEBHOOK_SECONDS = Histogram("zlb_webhook_seconds", "Webhook handling time",
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0))


@bp.get("/healthz")
def healthz() -> Response:
    """The process is alive."""
    return jsonify(status="ok")


def _library_status(services: Any) -> dict[str, Any]:
    """Load the law library if needed; report whether it is in memory and how big it is."""
    try:
        library = services.library()
    except Exception as exc:  # noqa: BLE001 - any load failure means "not ready"
        log.error("law library not loaded: %s", type(exc).__name__)
        return {"index": False}
    status: dict[str, Any] = {"index": True, "version": getattr(library, "version", None)}
    try:
        status["articles"] = len(library.corpus.articles())
    except Exception:  # noqa: BLE001 - the count is informative only
        pass
    return status


@bp.get("/readyz")
def readyz() -> Response:
    """200 when the index is loaded and the state store answers; 503 otherwise."""
    services = current_app.extensions["zlb"]
    checks: dict[str, Any] = {"store": services.store.ping(), "queue": services.queue.ping()}
    checks.update(_library_status(services))
    ready = bool(checks["store"] and checks["queue"] and checks["index"])
    response = jsonify(ready=ready, **checks)
    response.status_code = 200 if ready else 503
    return response


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus exposition of this process's counters."""
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
