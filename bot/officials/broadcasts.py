"""Broadcasts: one message to many users, each recipient's state kept in the store so a killed run resumes."""
# Per recipient the hash `zlb:bc:<id>:r` holds "status|mode|detail": pending → sending → sent/skipped/failed.
# "sending" is written just before the HTTP call and replaced as soon as it returns, so a run killed mid-way
# resumes with every other recipient exactly where it was. Zalo cannot be asked whether a message arrived, so
# the one recipient that may have been in flight at the moment of a kill is recorded "unconfirmed" (counted as
# sent) and not sent again: at most once for that single recipient, exactly once for everyone else.
from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime, timezone
from typing import Any, Iterable

from bot.knowledge.topics import find_topic
from bot.knowledge.topics import topics as all_topics
from bot.officials import audience as audiences
from bot.ops.errors import Explained
from bot.zalo.messages import MAX_BUTTONS, MAX_TEXT, Button, OutMessage

log = logging.getLogger(__name__)

STATES = ("queued", "running", "done", "cancelled")
FINAL_STATES = ("done", "cancelled")
JOB = "bot.jobs.broadcast.run_job"  # queued by dotted path: officials do not import the jobs
TTL = 30 * 24 * 3600
IDS_KEY = "zlb:bc:ids"
SCHEDULE_TTL = 300

PENDING, SENDING, SENT, UNCONFIRMED, SKIPPED, FAILED = "pending", "sending", "sent", "unconfirmed", "skipped", "failed"
DONE_STATUSES = (SENT, UNCONFIRMED, SKIPPED, FAILED)


class BroadcastError(Explained, ValueError):
    """A broadcast request that cannot be carried out (bad audience, empty text, ...)."""


def meta_key(bid: str) -> str:
    """Store key of a broadcast's description and state."""
    return f"zlb:bc:{bid}"


def rcpt_key(bid: str) -> str:
    """Store key of the per-recipient status hash."""
    return f"zlb:bc:{bid}:r"


def tries_key(bid: str) -> str:
    """Store key of per-recipient retry counts."""
    return f"zlb:bc:{bid}:t"


def cancel_key(bid: str) -> str:
    """Store key of the cancel flag."""
    return f"zlb:bc:{bid}:cancel"


def lease_key(bid: str) -> str:
    """Store key of the runner's lease (one runner at a time)."""
    return f"zlb:bc:{bid}:lease"


def scheduled_key(bid: str) -> str:
    """Store key marking that a run job is already queued."""
    return f"zlb:bc:{bid}:queued"


def encode(status: str, mode: str, detail: str = "") -> str:
    """A recipient entry."""
    return f"{status}|{mode}|{detail}"


def decode(value: str) -> tuple[str, str, str]:
    """(status, mode, detail) of a recipient entry."""
    status, _, rest = value.partition("|")
    mode, _, detail = rest.partition("|")
    return status, mode or audiences.CONSULTATION, detail


def message_from_meta(meta: dict[str, Any]) -> OutMessage:
    """The OutMessage a broadcast sends."""
    data = meta["message"]
    return OutMessage(data["text"], tuple(Button(b["title"], b["payload"], b.get("type", "oa.query.show"))
                                          for b in data.get("buttons", ())))


def now_iso() -> str:
    """The current UTC time, ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _validate(text: str, audience: str, topics: tuple[str, ...], buttons: tuple[Button, ...]) -> None:
    """Raise BroadcastError for a request that cannot be sent."""
    if audience not in audiences.AUDIENCES:
        raise BroadcastError(f"audience must be one of {', '.join(audiences.AUDIENCES)}", "audience_unknown",
                             value=audience)
    if not text.strip():
        raise BroadcastError("text is empty", "text_empty")
    if len(text) > MAX_TEXT:
        raise BroadcastError(f"text is longer than {MAX_TEXT} characters", "text_long", max=MAX_TEXT,
                             length=len(text))
    if len(buttons) > MAX_BUTTONS:
        raise BroadcastError(f"at most {MAX_BUTTONS} buttons", "buttons_many", max=MAX_BUTTONS)
    if topics and audience != "subscribers":
        raise BroadcastError("topic applies to the subscribers audience only", "topic_audience")
    known = {t.slug for t in all_topics()}
    unknown = [t for t in topics if t not in known]
    if unknown:
        raise BroadcastError(f"unknown topic {unknown[0]!r}; topics: {', '.join(sorted(known))}", "topic_unknown",
                             value=unknown[0])


def normalize_topics(topic: Any) -> tuple[str, ...]:
    """Topic slugs from a request value: None/""/"all", a name or slug, or a list of them."""
    if topic in (None, "", "all", "*"):
        return ()
    values = topic if isinstance(topic, (list, tuple)) else [topic]
    out: list[str] = []
    for value in values:
        found = find_topic(str(value))
        out.append(found.slug if found else str(value))
    return tuple(dict.fromkeys(out))


def create(store: Any, queue: Any, message: OutMessage, audience: str, topics: Iterable[str] = (),
           dry_run: bool = False, actor: str = "", source: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record a broadcast and queue its job; returns its status (state "queued")."""
    topics = tuple(topics)
    _validate(message.text, audience, topics, message.buttons)
    bid = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(3)
    meta = {"id": bid, "created": now_iso(), "actor": actor, "audience": audience, "topics": list(topics),
            "dry_run": bool(dry_run), "state": "queued", "planned": False, "total": None, "finished": None,
            "source": source or {},
            "message": {"text": message.text,
                        "buttons": [{"title": b.title, "payload": b.payload, "type": b.type} for b in message.buttons]}}
    store.set_json(meta_key(bid), meta, ttl=TTL)
    store.lpush(IDS_KEY, bid, max_len=1000)
    schedule(store, queue, bid, force=True)
    return status(store, bid) or {}


def schedule(store: Any, queue: Any, bid: str, force: bool = False) -> bool:
    """Queue a run job unless one is already queued (force: queue anyway); True when queued."""
    if force:
        store.set_json(scheduled_key(bid), 1, ttl=SCHEDULE_TTL)
    elif not store.add_once(scheduled_key(bid), SCHEDULE_TTL):
        return False
    try:
        queue.enqueue(JOB, bid)
    except Exception:
        store.delete(scheduled_key(bid))
        raise
    return True


def stalled(store: Any, bid: str) -> bool:
    """True when an unfinished broadcast has no runner and no queued job (its worker died)."""
    meta = store.get_json(meta_key(bid))
    return (meta is not None and meta["state"] not in FINAL_STATES
            and store.get_json(lease_key(bid)) is None and store.get_json(scheduled_key(bid)) is None)


def kick(store: Any, queue: Any, bid: str) -> bool:
    """Queue a run for a stalled broadcast (status polls keep a broadcast moving after a crash)."""
    return stalled(store, bid) and schedule(store, queue, bid)


def resume_stalled(store: Any, queue: Any, limit: int = 100) -> list[str]:
    """Queue a run for every unfinished broadcast with no job queued (call at worker start)."""
    # a lease left by a killed worker is no reason to skip: the job waits for it to expire
    resumed = []
    for bid in list_ids(store, limit):
        meta = store.get_json(meta_key(bid))
        if meta and meta["state"] not in FINAL_STATES and schedule(store, queue, bid):
            resumed.append(bid)
    return resumed


def list_ids(store: Any, limit: int = 50) -> list[str]:
    """Ids of the latest broadcasts, newest first."""
    return list(dict.fromkeys(store.lrange(IDS_KEY, 0, max(0, limit - 1))))


def tally(entries: Iterable[str]) -> dict[str, Any]:
    """Counts of recipient entries: sent (unconfirmed included), skipped, failed, pending, errors by code."""
    counts = {"sent": 0, "skipped": 0, "failed": 0, "pending": 0, "unconfirmed": 0}
    errors: dict[str, int] = {}
    for value in entries:
        state, _, detail = decode(value)
        if state in (SENT, UNCONFIRMED):
            counts["sent"] += 1
            counts["unconfirmed"] += state == UNCONFIRMED
        elif state in (SKIPPED, FAILED):
            counts[state] += 1
            errors[detail or "unknown"] = errors.get(detail or "unknown", 0) + 1
        else:
            counts["pending"] += 1
    return {**counts, "errors": errors}


def status(store: Any, bid: str) -> dict[str, Any] | None:
    """The broadcast's state and totals (sent + skipped + failed + pending = total), or None if unknown."""
    meta = store.get_json(meta_key(bid))
    if meta is None:
        return None
    if meta["dry_run"] and meta["planned"]:
        total = int(meta["total"] or 0)
        counts = {"sent": 0, "skipped": total, "failed": 0, "pending": 0, "unconfirmed": 0,
                  "errors": {"dry_run": total} if total else {}}
    else:
        counts = tally(store.hgetall(rcpt_key(bid)).values())
        total = int(meta["total"]) if meta["total"] is not None else 0
    return {"id": bid, "state": meta["state"], "audience": meta["audience"], "topics": meta["topics"],
            "dry_run": meta["dry_run"], "total": total, **counts, "created": meta["created"],
            "finished": meta["finished"], "text": meta["message"]["text"][:200], "reasons": meta.get("reasons") or {},
            "actor": meta.get("actor", "")}


def message(store: Any, bid: str) -> OutMessage | None:
    """The whole message a broadcast sends (status() shows only its start), or None if unknown."""
    meta = store.get_json(meta_key(bid))
    return None if meta is None else message_from_meta(meta)


def cancel(store: Any, bid: str) -> dict[str, Any] | None:
    """Ask the runner to stop; unsent recipients end "skipped" with reason "cancelled"."""
    meta = store.get_json(meta_key(bid))
    if meta is None:
        return None
    if meta["state"] not in FINAL_STATES:
        store.set_json(cancel_key(bid), 1, ttl=TTL)
        if not meta["planned"] and store.add_once(lease_key(bid), 60):
            try:  # nobody is running it: cancel right here
                meta = store.get_json(meta_key(bid))
                if meta and not meta["planned"]:
                    meta.update(state="cancelled", finished=now_iso(), total=0)
                    store.set_json(meta_key(bid), meta, ttl=TTL)
            finally:
                store.delete(lease_key(bid))
    return status(store, bid)


def wait_until_final(store: Any, bid: str, timeout: float, poll: float = 0.5) -> dict[str, Any] | None:
    """Poll a broadcast's status until it is done or cancelled (command line --wait)."""
    deadline = time.monotonic() + timeout
    current = status(store, bid)
    while current is not None and current["state"] not in FINAL_STATES and time.monotonic() < deadline:
        time.sleep(poll)
        current = status(store, bid)
    return current
