"""Prometheus metrics of the web and worker processes, and the /metrics exposition.

Under gunicorn (and for `python -m bot worker`) PROMETHEUS_MULTIPROC_DIR is set before this module is imported
(see bot/ops/multiproc.py), so every process writes its samples to that folder and /metrics sums them; without it each
process keeps its own registry (`python -m bot serve`, tests).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
WEBHOOK_OUTCOMES = ("ok", "duplicate", "ignored", "unsigned", "forged", "malformed", "too_large", "stale",
                    "store_unavailable", "queue_unavailable")

WEBHOOK_REQUESTS = Counter("zlb_webhook_requests", "Webhook requests by outcome", ["outcome"])
WEBHOOK_SECONDS = Histogram("zlb_webhook_seconds", "Webhook handling time (body read to answer)",
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0))
JOBS = Counter("zlb_jobs", "Reply jobs finished, by result (done, duplicate, ignored, failed)", ["result"])
JOB_SECONDS = Histogram("zlb_job_latency_seconds", "Time from the webhook queueing an event to its replies sent",
                        buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0))
ZALO_CALLS = Counter("zlb_zalo_api_calls", "Zalo API HTTP calls by endpoint and error code (0 = success, "
                     "-1 = timeout/network/5xx)", ["endpoint", "error"])
SEARCH_SECONDS = Histogram("zlb_search_seconds", "Law search time per query (segmentation included)",
                           buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0))
QUESTIONS = Counter("zlb_questions", "Questions searched, by whether a good match was found", ["match"])
NO_MATCH = Counter("zlb_answers_no_match", "Answers that found no good match (the honest 'I don't know')")
RATE_LIMITED = Counter("zlb_user_rate_limited", "Messages over the per-user rate limit, by what was sent "
                       "(notice = the one polite notice, silent = nothing)", ["action"])
ERASURES = Counter("zlb_user_erasures", "Users whose data was deleted at their request")
MAYBE_SENT = Counter("zlb_zalo_maybe_sent", "Sends Zalo took but answered too late (may have gone out; not repeated): "
                     "call = API calls, reply = reply messages recorded as maybe sent", ["kind"])
TOKEN_REFRESH = Counter("zlb_zalo_token_refresh", "OAuth refreshes by result (ok, refused, unreachable, ambiguous: "
                        "the refresh token may be spent and the new pair lost)", ["result"])
ADMIN_AUTH = Counter("zlb_admin_auth", "Admin requests refused: bad token (failed) or client locked out (blocked)",
                     ["result"])

for _outcome in WEBHOOK_OUTCOMES:  # every outcome shows up at 0, so a rate() over it exists from the start
    WEBHOOK_REQUESTS.labels(outcome=_outcome)


def webhook_outcome(outcome: str) -> None:
    """Count one webhook answer."""
    WEBHOOK_REQUESTS.labels(outcome=outcome).inc()


def observe_search(seconds: float) -> None:
    """Record one search's duration (the dialogue's search callback)."""
    SEARCH_SECONDS.observe(seconds)


def zalo_call(endpoint: str, error: int) -> None:
    """Count one Zalo API HTTP exchange by its error code."""
    ZALO_CALLS.labels(endpoint=endpoint, error=str(error)).inc()


def job_finished(result: str, queued_at: Any = None) -> None:
    """Count a reply job; for answered ones, the time since the webhook queued it."""
    JOBS.labels(result=result).inc()
    if result == "done" and isinstance(queued_at, (int, float)) and not isinstance(queued_at, bool):
        waited = time.time() - float(queued_at)
        if waited >= 0:
            JOB_SECONDS.observe(waited)


def question(found: bool) -> None:
    """Count a searched question and, when nothing good was found, an honest no-match answer."""
    QUESTIONS.labels(match="yes" if found else "no").inc()
    if not found:
        NO_MATCH.inc()


def queue_depth(queue: Any) -> dict[str, int]:
    """Jobs by state for the rq queue (waiting, scheduled retries, running, failed) or the embedded queue."""
    rq_queue = getattr(queue, "rq_queue", None)
    if rq_queue is not None:
        return {"queued": int(rq_queue.count),
                "scheduled": int(rq_queue.scheduled_job_registry.count),
                "started": int(rq_queue.started_job_registry.count),
                "failed": int(rq_queue.failed_job_registry.count)}
    pending = getattr(queue, "_pending", None)
    return {"queued": int(pending)} if isinstance(pending, int) else {}


class QueueCollector:
    """zlb_queue_depth read from the queue at scrape time (a gauge no process has to keep up to date)."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One sample per job state; nothing when the queue's backend is unreachable."""
        family = GaugeMetricFamily("zlb_queue_depth", "Jobs in the reply queue by state", labels=["state"])
        try:
            depth = queue_depth(self.queue)
        except Exception as exc:  # noqa: BLE001 - Redis down: /metrics still answers with the rest
            log.warning("queue depth unavailable: %s", type(exc).__name__)
            depth = {}
        for state, count in depth.items():
            family.add_metric([state], count)
        yield family


def exposition(services: Any) -> bytes:
    """The Prometheus text for /metrics: every process's samples (multiprocess) or this one's, plus queue depth."""
    extra = CollectorRegistry(auto_describe=False)
    extra.register(QueueCollector(services.queue))  # type: ignore[arg-type]
    metrics_dir = getattr(services.settings, "metrics_dir", "")
    if metrics_dir:
        registry = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(registry, path=metrics_dir)
        return generate_latest(registry) + generate_latest(extra)
    return generate_latest(REGISTRY) + generate_latest(extra)
