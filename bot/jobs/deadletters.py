"""Dead letters: replies that could not be delivered after every retry, kept (with a TTL) for officials to inspect
and replay (`python -m bot deadletters ...`, /admin/deadletters).

A letter holds what a resend needs: the queued event (the Zalo user id and the message) and the planned replies with
how many went out. Never tokens: the error text is scrubbed of the configured secrets.
"""
from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime, timezone
from typing import Any

from bot.jobs.queue import REPLY_JOB
from bot.ops import logs
from bot.ops.settings import Settings
from bot.store.keys import DONE_TTL, done_key, outbox_key
from bot.zalo.events import JOB_FIELDS, EventError, dedup_key, event_from_dict, event_user

DEAD_PREFIX = "zlb:dead:"
CLAIM_PREFIX = "zlb:deadclaim:"
CLAIM_TTL = 120
MAX_ERROR = 300

log = logging.getLogger(__name__)


def letter_key(letter_id: str) -> str:
    """Store key of one dead letter."""
    return DEAD_PREFIX + letter_id


def letter_id_for(key: str) -> str:
    """A dead letter's id: stable per message, so a message failing again replaces its letter."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _scrub(text: str, settings: Settings) -> str:
    """The error text without any configured secret, cut to MAX_ERROR characters."""
    for secret in (settings.zalo_access_token, settings.zalo_refresh_token, settings.zalo_app_secret,
                   settings.zalo_oa_secret_key, settings.admin_token, settings.log_hash_key):
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text[:MAX_ERROR]


def record(store: Any, event_dict: dict[str, Any], error: str, settings: Settings,
           job_id: str | None = None) -> str | None:
    """Keep a failed reply job as a dead letter; its id (None when there is nothing to answer or it was answered).
    job_id names the failed queue job, forgotten with the letter (replayed or dropped)."""
    try:
        event = event_from_dict(event_dict)
    except EventError:
        return None
    key, user_id = dedup_key(event), event_user(event)
    if key is None or user_id is None or store.get_json(done_key(key)):
        return None
    lid = letter_id_for(key)
    previous = store.get_json(letter_key(lid)) or {}
    letter = {"id": lid, "key": key, "user_id": user_id, "event": event_dict,
              "outbox": store.get_json(outbox_key(key)), "error": _scrub(str(error), settings),
              "failed_at": int(time.time()), "failures": int(previous.get("failures", 0)) + 1, "job": job_id}
    store.set_json(letter_key(lid), letter, ttl=settings.dead_letter_ttl_seconds)
    return lid


def get(store: Any, letter_id: str) -> dict[str, Any] | None:
    """One letter, or None."""
    if not letter_id or not all(c in "0123456789abcdef" for c in letter_id):
        return None
    found = store.get_json(letter_key(letter_id))
    return found if isinstance(found, dict) else None


def letters(store: Any) -> list[dict[str, Any]]:
    """Every dead letter, oldest failure first."""
    found = [store.get_json(k) for k in store.keys(DEAD_PREFIX + "*")]
    return sorted((f for f in found if isinstance(f, dict)), key=lambda f: (f.get("failed_at", 0), f.get("id", "")))


def summary(letter: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """What a listing shows: no raw user id, no message text."""
    outbox = letter.get("outbox") or None
    pending = len(outbox["messages"]) - int(outbox.get("sent", 0)) if outbox else None
    failed_at = datetime.fromtimestamp(letter.get("failed_at", 0), timezone.utc).isoformat(timespec="seconds")
    return {"id": letter["id"], "failed_at": failed_at, "failures": letter.get("failures", 1),
            "event": (letter.get("event") or {}).get("type"), "user": logs.user_ref(settings, str(letter["user_id"])),
            "pending_replies": pending, "error": letter.get("error", "")}


def _forget_job(queue: Any, letter: dict[str, Any]) -> None:
    """Delete the failed queue job behind a letter, so its copy of the message goes with the letter."""
    if queue is not None and letter.get("job"):
        try:
            queue.discard(str(letter["job"]))
        except Exception as exc:  # noqa: BLE001 - it expires with its TTL (no later than the letter would have)
            log.warning("could not delete failed job %s: %s", letter["job"], type(exc).__name__)


def drop(store: Any, letter_id: str, queue: Any = None) -> bool:
    """Delete a letter (and, given the queue, its failed job); False when there was none."""
    letter = get(store, letter_id)
    if letter is None or store.delete(letter_key(letter_id)) == 0:
        return False
    _forget_job(queue, letter)
    return True


def _enqueue_afresh(queue: Any, letter: dict[str, Any]) -> None:
    """Queue the letter's event under a new request id and queue time (the old ones would date the job days back and
    mix its log lines with the failed run's); the log line ties the new id to the letter and the official's request."""
    event = {k: v for k, v in letter["event"].items() if k not in JOB_FIELDS}
    asked_in = logs.request_id()
    with logs.bound(logs.new_request_id()):
        queue.enqueue(REPLY_JOB, {**event, **logs.job_fields()})
        log.info("dead letter %s queued again", letter["id"], extra={"asked_in": asked_in})


def replay(services: Any, letter_id: str) -> str:
    """Queue a letter's reply again: "queued", "answered" (already delivered), "missing" or "busy".

    Exactly once: a claim serialises concurrent replays, and the worker's outbox/done marks make a re-run resume
    where delivery stopped instead of starting over.
    """
    store = services.store
    letter = get(store, letter_id)
    if letter is None:
        return "missing"
    if not store.add_once(CLAIM_PREFIX + letter_id, CLAIM_TTL):
        return "busy"
    try:
        if get(store, letter_id) is None:
            return "missing"  # another replay finished between our read and our claim
        key = letter["key"]
        if store.get_json(done_key(key)):
            store.delete(letter_key(letter_id))
            _forget_job(services.queue, letter)
            return "answered"
        outbox = store.get_json(outbox_key(key)) or letter.get("outbox")
        if outbox:
            # replies planned when it failed are sent as planned; the conversation state has moved on since
            store.set_json(outbox_key(key), dict(outbox, replay=True), ttl=DONE_TTL)
        _enqueue_afresh(services.queue, letter)
        store.delete(letter_key(letter_id))
        _forget_job(services.queue, letter)
        return "queued"
    finally:
        store.delete(CLAIM_PREFIX + letter_id)
