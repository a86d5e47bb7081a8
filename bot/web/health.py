"""GET /healthz (alive), /readyz (index loaded, store reachable), /metrics (Prometheus text)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from bot.knowledge.library_watch import published_version
from bot.ops import metrics as _metrics
from bot.web.access import metrics_allowed
from bot.zalo.tokens import token_alert
from bot.ops.metrics import WEBHOOK_REQUESTS, WEBHOOK_SECONDS  # noqa: F401 - kept importable from here

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


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
    try:
        published = published_version(services.store)
    except Exception:  # noqa: BLE001 - the store check below says so
        published = None
    if published:
        # the version every host should serve; a process still serving another one is catching up
        status["published"] = published
        status["behind"] = str(status["version"] or "") != published
        if not status["version"]:
            status["index"] = False  # an empty library while a corpus exists: not ready until it is pulled
    return status


@bp.get("/readyz")
def readyz() -> Response:
    """200 when the index is loaded and the state store answers; 503 otherwise."""
    services = current_app.extensions["zlb"]
    checks: dict[str, Any] = {"store": services.store.ping(), "queue": services.queue.ping()}
    checks.update(_library_status(services))
    if checks["store"] and token_alert(services.store) is not None:
        checks["zalo_tokens"] = "alert"  # sending will stop when the access token expires: see the logs
    ready = bool(checks["store"] and checks["queue"] and checks["index"])
    response = jsonify(ready=ready, **checks)
    response.status_code = 200 if ready else 503
    return response


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus exposition: every web and worker process's metrics (multiprocess mode) and the queue depth; only
    for a scraper on the private network, or with METRICS_TOKEN (bot.web.access.metrics_allowed)."""
    services = current_app.extensions["zlb"]
    if not metrics_allowed(services.settings):
        response = jsonify(error="metrics are served to the private network only (or with METRICS_TOKEN)")
        response.status_code = 403
        return response
    return Response(_metrics.exposition(current_app.extensions["zlb"]), mimetype=_metrics.CONTENT_TYPE)
