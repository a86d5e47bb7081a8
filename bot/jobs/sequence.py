"""Per-user sequencing of reply jobs (bot.store.turns): a job answers only when its message is the user's oldest
pending one; otherwise it parks the event and ends, and the job that finishes the turn before it queues it again.
No worker waits on a user while other users' messages wait in the queue."""
from __future__ import annotations

import logging
from typing import Any

from bot.jobs.queue import JOB_KEY_PREFIX, REPLY_JOB
from bot.store import turns
from bot.store.keys import DONE_TTL, taken_key

log = logging.getLogger(__name__)


def _job_prefix(services: Any) -> str:
    """Where rq keeps jobs (so a head whose job is gone is not waited for); "" when jobs are not in Redis."""
    return JOB_KEY_PREFIX if getattr(services.queue, "rq_queue", None) is not None else ""


def take(services: Any, user_id: str, key: str, event_dict: dict[str, Any]) -> bool:
    """True when this message's turn has come; else it is parked (and a stuck head is queued again)."""
    turn = turns.take(services.store, user_id, key, event_dict, _job_prefix(services))
    if turn.stuck is not None:
        log.warning("a user's oldest message was waiting with no job: queued again")
        _requeue(services, user_id, *turn.stuck)
    return turn.go


def park(services: Any, user_id: str, key: str, event_dict: dict[str, Any]) -> None:
    """Keep the event until the job holding the user finishes and hands it back."""
    turns.park(services.store, user_id, key, event_dict)


def unpark(services: Any, user_id: str, key: str) -> None:
    """This job got the user after all: forget its parked copy."""
    turns.unpark(services.store, user_id, key)


def release(services: Any, user_id: str, key: str | None) -> None:
    """The message is over (answered, a duplicate, or failed for good): queue the user's next parked message."""
    following = turns.finish(services.store, user_id, key)
    if following is not None:
        _requeue(services, user_id, *following)


def _requeue(services: Any, user_id: str, key: str, parked: dict[str, Any]) -> None:
    """Queue a parked message's job (at the front: it has waited its turn), point its webhook mark at the new job,
    then forget that parked copy; a crash in between leaves it parked, and the next look at the user's turns queues
    it again. Only that copy: the new job may already have found the user busy and parked the event anew."""
    job_id = services.queue.enqueue(REPLY_JOB, turns.event_of(parked), at_front=True)
    try:
        services.store.set_json(taken_key(key), {"job": job_id}, ttl=DONE_TTL)
    except Exception as exc:  # noqa: BLE001 - the parked copy stays: queued again later, a duplicate is harmless
        log.warning("could not point a message's mark at its new job: %s", type(exc).__name__)
        return
    turns.unpark(services.store, user_id, key, parked)

