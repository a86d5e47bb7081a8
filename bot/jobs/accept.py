"""Taking a webhook delivery exactly once: the dedup mark, the user's turn and the reply job are written in one
atomic step, and the mark records the job, so a redelivery is a duplicate only while its job (or its answer) exists.

On Redis this is one MULTI/EXEC under WATCH of the mark: when Redis stalls and the webhook answers 503, Redis either
runs the whole transaction when it wakes (the redelivery then finds the mark and its job: a duplicate) or none of
it (the redelivery queues it). No timing decides whether a message is lost.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid
from typing import Any

from bot.jobs.queue import JOB_KEY_PREFIX, REPLY_JOB, QueueUnavailable
from bot.store import turns
from bot.store.keys import DONE_TTL, done_key, parked_key, taken_key, turns_key

log = logging.getLogger(__name__)

QUEUED, DUPLICATE = "queued", "duplicate"
MARK_TTL = DONE_TTL  # longer than Zalo's last redelivery (about 2 h after the first)
PENDING_TTL = 20  # in-process path: the mark's life until its job is queued
WATCH_ATTEMPTS = 5
_LOCAL = threading.Lock()


def _mark_job(raw: Any) -> str | None:
    """The job id a mark records; "" for an old-style mark ("1", written before marks named their job)."""
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return ""
    return str(value.get("job") or "") if isinstance(value, dict) else ""


def accept(services: Any, event_dict: dict[str, Any], key: str, user_id: str | None) -> str:
    """Queue the reply job for a delivery unless it is already taken: "queued" or "duplicate".

    Raises QueueUnavailable (or a Redis error) when nothing could be written: the webhook answers 503.
    """
    queue = services.queue
    if getattr(queue, "rq_queue", None) is not None and getattr(services.store, "client", None) is not None:
        return _accept_rq(queue, event_dict, key, user_id)
    return _accept_local(services, event_dict, key, user_id)


def _taken(pipe: Any, raw: Any, key: str, user_id: str | None) -> bool:
    """For a delivery already marked: True while its message is answered, queued, running, retrying or waiting its
    turn; False when its job is gone unanswered (queue it again)."""
    job = _mark_job(raw)
    if job == "":
        return True  # an old-style mark: trusted as before
    if pipe.exists(done_key(key)) or (job and pipe.exists(JOB_KEY_PREFIX + job)):
        return True
    if user_id is not None and (pipe.lpos(turns_key(user_id), key) is not None
                                or pipe.hexists(parked_key(user_id), key)):
        return True
    log.warning("a redelivered message's job was gone unanswered: queued again")
    return False


def _accept_rq(queue: Any, event_dict: dict[str, Any], key: str, user_id: str | None) -> str:
    """WATCH the mark; if it is free (or its job lost), MULTI: the job, the mark naming it, the turn; EXEC."""
    from redis.exceptions import RedisError, WatchError

    mark = taken_key(key)
    try:
        with queue.redis.pipeline(transaction=True) as pipe:
            for _ in range(WATCH_ATTEMPTS):
                try:
                    pipe.watch(mark)
                    raw = pipe.get(mark)
                    if raw is not None and _taken(pipe, raw, key, user_id):
                        return DUPLICATE
                    job_id = uuid.uuid4().hex
                    queue.enqueue(REPLY_JOB, event_dict, pipeline=pipe, job_id=job_id)  # leaves pipe in MULTI
                    pipe.set(mark, json.dumps({"job": job_id}), ex=MARK_TTL)
                    if user_id is not None:  # a redelivered message whose job was lost takes a place at the end
                        pipe.rpush(turns_key(user_id), key)
                        pipe.expire(turns_key(user_id), turns.TURN_TTL)
                    pipe.execute()
                    return QUEUED
                except WatchError as exc:
                    if "changed" not in str(exc):  # redis-py's wording for a timeout or broken connection
                        raise QueueUnavailable(f"Redis did not answer: {exc}") from exc
                    continue  # another delivery of the same message (another web process or host) got there first
    except QueueUnavailable:
        raise
    except (RedisError, OSError) as exc:
        raise QueueUnavailable(f"{type(exc).__name__}: {exc}") from exc
    raise QueueUnavailable("the dedup mark kept changing")


def _accept_local(services: Any, event_dict: dict[str, Any], key: str, user_id: str | None) -> str:
    """One process (embedded mode, tests): the same steps under a lock; the turn is taken before the job exists."""
    store, mark = services.store, taken_key(key)
    with _LOCAL:
        raw = store.get_json(mark)
        if raw is not None:
            job = raw.get("job") if isinstance(raw, dict) else ""
            exists = getattr(services.queue, "exists", lambda _job: True)
            if not job or store.get_json(done_key(key)) or exists(str(job)):
                return DUPLICATE
        if not store.add_once(mark, PENDING_TTL) and raw is None:
            return DUPLICATE
        if user_id is not None:
            turns.push(store, user_id, key)
        try:
            job_id = services.queue.enqueue(REPLY_JOB, event_dict)
        except Exception:
            if user_id is not None:
                turns.withdraw(store, user_id, key)
            store.delete(mark)
            raise
        try:
            store.set_json(mark, {"job": job_id}, ttl=MARK_TTL)
        except Exception as exc:  # noqa: BLE001 - queued all the same; the done mark catches a later redelivery
            log.error("could not keep the dedup mark: %s", type(exc).__name__)
        return QUEUED
