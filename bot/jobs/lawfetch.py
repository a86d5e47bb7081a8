"""The scheduled `laws fetch`: the worker queues it once every LAW_FETCH_INTERVAL_HOURS, whatever the number of
workers, and the job leaves its change report and an audit entry for officials. A fetch an official asks for in the
console is followed under an import id (bot.officials.imports), queued → running (its steps) → done or failed."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any, Sequence

from bot.knowledge.corpus import SourceError
from bot.officials import audit, imports
from bot.officials.fetch import FetchError, fetch_laws
from bot.ops.errors import described

log = logging.getLogger(__name__)

FETCH_JOB = "bot.jobs.lawfetch.scheduled_fetch"
OFFICIAL_FETCH_JOB = "bot.jobs.lawfetch.official_fetch"
LAST_KEY = "zlb:lawfetch:last"  # when the schedule last queued a fetch (epoch seconds)
CLAIM_KEY = "zlb:lawfetch:claim:"  # + the LAST_KEY value a worker replaced: one claim per period
FETCH_TIMEOUT = 3600  # a full download and import takes minutes, not the two of a reply job
ACTOR = "worker:schedule"


def due(store: Any, interval_hours: float, now: float | None = None) -> bool:
    """True for exactly one caller per period (across workers); the first period starts when a worker first asks."""
    if interval_hours <= 0:
        return False
    now = time.time() if now is None else now
    period = interval_hours * 3600
    keep = int(max(2 * period, 7 * 24 * 3600))  # every key expires; a lapsed one starts a new period, nothing more
    last = store.get_json(LAST_KEY)
    if last is None:
        store.set_json(LAST_KEY, now, ttl=keep)  # a fresh deployment was just imported by hand: wait one period
        return False
    if now - float(last) < period:
        return False
    if not store.add_once(f"{CLAIM_KEY}{last}", int(period) + 60):
        return False  # another worker took this period
    store.set_json(LAST_KEY, now, ttl=keep)
    return True


def enqueue_fetch(queue: Any, actor: str = "", topics: Sequence[str] = (), fetch_id: str = "") -> str:
    """Queue the fetch job with a timeout that fits a download and an import; with an actor, the fetch an official
    asked for (audited under her name; `topics` instead of LAW_TOPICS when given; followed under `fetch_id`)."""
    func, args = (OFFICIAL_FETCH_JOB, (actor, list(topics), *((fetch_id,) if fetch_id else ()))) if actor \
        else (FETCH_JOB, ())
    rq_queue = getattr(queue, "rq_queue", None)
    if rq_queue is None:
        return queue.enqueue(func, *args)
    job = rq_queue.enqueue(func, *args, job_timeout=FETCH_TIMEOUT, result_ttl=0,
                           failure_ttl=getattr(queue, "failure_ttl", FETCH_TIMEOUT), description="laws fetch")
    return job.id


def schedule(services: Any, now: float | None = None) -> bool:
    """Queue a fetch when one is due (the worker calls this with its maintenance); True when queued."""
    if not due(services.store, services.settings.law_fetch_interval_hours, now):
        return False
    log.info("scheduled law fetch queued: job %s", enqueue_fetch(services.queue))
    return True


def scheduled_fetch(*, services: Any) -> str:
    """The job: fetch and import; failures are recorded for officials, not retried (the next period tries again)."""
    return _fetch(services, ACTOR)


def request_fetch(store: Any, queue: Any, actor: str, topics: Sequence[str] = ()) -> dict[str, Any]:
    """The fetch an official asks for: queued on a worker and followed under an import id (its status)."""
    status = imports.track(store, actor, "fetch", topics=list(topics))
    try:
        enqueue_fetch(queue, actor, topics, status["id"])
    except Exception:
        imports.forget(store, status["id"])
        raise
    return status


def official_fetch(actor: str, topics: Sequence[str] = (), fetch_id: str = "", *, services: Any) -> str:
    """The job an official queued (console): the same fetch, its outcome audited under her name and, with a
    fetch_id, kept under that import id for the console to follow."""
    current = imports.status(services.store, fetch_id) if fetch_id else None
    if current is not None and current.get("state") in (imports.DONE, imports.FAILED):
        return str(current.get("outcome") or current["state"])  # run again after its worker died: already over
    return _fetch(services, actor, tuple(topics), current)


def _fetch(services: Any, actor: str, topics: Sequence[str] = (), current: dict[str, Any] | None = None) -> str:
    """Fetch and import; the outcome (or the failure) in the audit log under `actor` and in `current`, the status
    followed by the console."""
    store = services.store

    def step(name: str) -> None:
        """Keep the step reached."""
        if current is not None:
            imports.update(store, current, progress=name)

    if current is not None:
        imports.update(store, current, state=imports.RUNNING, progress="downloading", started_at=_now())
    try:
        outcome = fetch_laws(services.settings, store, topics=topics, progress=step)
    except Exception as exc:
        if current is not None:
            imports.update(store, current, state=imports.FAILED, progress=imports.FAILED, finished_at=_now(),
                           **described(exc))
        if not isinstance(exc, (FetchError, SourceError)):
            raise
        log.warning("law fetch failed: %s", exc)
        audit.record(store, actor, "laws_fetch_failed", url=services.settings.phapdien_url, error=str(exc))
        return "failed"
    update = outcome.update
    details: dict[str, Any] = {"url": outcome.url, "status": outcome.status,
                               "topics": [t.number for t in outcome.imported]}
    if update is not None:
        details.update(version=update.version, report_id=update.report_id, counts=update.report.counts())
    audit.record(store, actor, "laws_fetch", **details)
    if current is not None:
        imports.update(store, current, state=imports.DONE, progress=imports.DONE, outcome=outcome.status,
                       missing=list(outcome.missing), finished_at=_now(),
                       **{k: v for k, v in details.items() if k != "status"},
                       **({"report": update.report.to_dict()} if update is not None and update.report_id else {}))
    log.info("law fetch: %s", outcome.status)
    return outcome.status


def _now() -> str:
    """The time, ISO 8601 in UTC."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
