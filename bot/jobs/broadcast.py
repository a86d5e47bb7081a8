"""The broadcast job: a lease, the plan, then paced sends with Zalo's errors handled one by one, a chunk at a time."""
from __future__ import annotations

import logging
import secrets
import time
from typing import Any, Callable

from bot.officials import audience as audiences
from bot.officials import broadcasts as bc
from bot.zalo.pacing import Pacer

log = logging.getLogger(__name__)

LEASE_TTL = 12
CHUNK_SECONDS = 10.0
MAX_TRIES = 20
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
RATE_LIMITED = -32
TOKEN_ERRORS = (-216, -220)
OUT_OF_WINDOW = (-230, -232)
SKIP_ERRORS = (-230, -213, -227, -232)
NETWORK_ERROR = -1
MAX_TOKEN_REFRESHES = 2
PLAN_BATCH = 1000


class LeaseLost(RuntimeError):
    """Another runner took over this broadcast."""


class Runner:
    """Runs one chunk of one broadcast while holding its lease."""

    def __init__(self, bid: str, services: Any, chunk_seconds: float = CHUNK_SECONDS,
                 backoff: float = BACKOFF_BASE, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, lease_wait: float = LEASE_TTL + 1.0) -> None:
        self.bid = bid
        self.services = services
        self.store = services.store
        self.chunk_seconds = chunk_seconds
        self.backoff = backoff
        self.sleep = sleep
        self.clock = clock
        self.lease_wait = lease_wait
        self.token = secrets.token_hex(8)
        self.pacer = Pacer(self.store, services.settings.zalo_calls_per_minute, sleep=sleep)
        self.rate_limited_in_a_row = 0
        self.meta: dict[str, Any] = {}

    # the lease: one runner per broadcast; renewed before every send so a dead runner's lease soon expires
    def acquire(self) -> bool:
        """Take the lease, waiting up to lease_wait for a dead runner's lease to expire."""
        deadline = self.clock() + self.lease_wait
        while not self.store.add_once(bc.lease_key(self.bid), LEASE_TTL):
            if self.clock() >= deadline:
                return False
            self.sleep(0.25)
        self.store.set_json(bc.lease_key(self.bid), self.token, ttl=LEASE_TTL)
        return True

    def renew(self) -> None:
        """Extend the lease; LeaseLost when someone else holds it now."""
        holder = self.store.get_json(bc.lease_key(self.bid))
        if holder not in (self.token, None):
            raise LeaseLost(self.bid)
        self.store.set_json(bc.lease_key(self.bid), self.token, ttl=LEASE_TTL)

    def release(self) -> None:
        """Drop the lease if still ours."""
        if self.store.get_json(bc.lease_key(self.bid)) == self.token:
            self.store.delete(bc.lease_key(self.bid))

    def _save_meta(self, **changes: Any) -> None:
        """Update the broadcast's description."""
        self.meta.update(changes)
        self.store.set_json(bc.meta_key(self.bid), self.meta, ttl=bc.TTL)

    def _plan(self) -> None:
        """Choose the recipients once; a run killed while planning plans again from scratch (nothing sent yet)."""
        meta = self.meta
        zalo = self.services.zalo if meta["audience"] == "followers" else None
        recipients = audiences.plan(self.store, zalo, meta["audience"], meta["topics"])
        reasons = audiences.explain(self.store, meta["audience"], meta["topics"], recipients)
        if meta["dry_run"]:
            self._save_meta(total=len(recipients), planned=True, state="done", finished=bc.now_iso(), reasons=reasons)
            return
        key = bc.rcpt_key(self.bid)
        self.store.delete(key, bc.tries_key(self.bid))
        items = [(u, bc.encode(bc.PENDING, mode)) for u, mode in recipients.items()]
        for start in range(0, len(items), PLAN_BATCH):
            self.store.hset(key, dict(items[start:start + PLAN_BATCH]))
        if items:
            self.store.expire(key, bc.TTL)
        self._save_meta(total=len(recipients), planned=True, state="running", reasons=reasons)

    def run(self) -> str:
        """Plan if needed, then send until done, cancelled or out of time for this chunk."""
        self.meta = self.store.get_json(bc.meta_key(self.bid)) or {}
        if not self.meta or self.meta["state"] in bc.FINAL_STATES:
            return self.meta.get("state", "missing")
        if self._cancelled() and not self.meta["planned"]:
            self._save_meta(state="cancelled", finished=bc.now_iso(), total=0)
            return "cancelled"
        if not self.meta["planned"]:
            self._plan()
            if self.meta["state"] == "done":
                return "done"
        try:
            return self._send_all()
        except LeaseLost:
            log.warning("broadcast %s: another runner took over", self.bid)
            return "busy"

    def _cancelled(self) -> bool:
        """True when an official cancelled the broadcast."""
        return bool(self.store.get_json(bc.cancel_key(self.bid)))

    def _send_all(self) -> str:
        """Send to every recipient not yet done, in a stable order."""
        deadline = self.clock() + self.chunk_seconds
        entries = self.store.hgetall(bc.rcpt_key(self.bid))
        message = bc.message_from_meta(self.meta)
        attempted = False
        for user_id in sorted(entries):
            state, mode, _ = bc.decode(entries[user_id])
            if state in bc.DONE_STATUSES:
                continue
            if state == bc.SENDING:
                # a runner died between marking and recording Zalo's answer: it may have been delivered
                self._mark(user_id, bc.UNCONFIRMED, mode)
                continue
            if self._cancelled():
                return self._finish_cancelled()
            if attempted and self.clock() >= deadline:
                return "continue"
            attempted = True  # at least one recipient per chunk, so every job makes progress
            if not self._deliver(user_id, mode, message, deadline):
                return "continue"
        if self._cancelled() and any(bc.decode(v)[0] not in bc.DONE_STATUSES
                                     for v in self.store.hgetall(bc.rcpt_key(self.bid)).values()):
            return self._finish_cancelled()
        self._save_meta(state="done", finished=bc.now_iso())
        return "done"

    def _finish_cancelled(self) -> str:
        """Record every recipient not reached as skipped ("cancelled") and end the broadcast."""
        left = {u: bc.encode(bc.SKIPPED, bc.decode(v)[1], "cancelled")
                for u, v in self.store.hgetall(bc.rcpt_key(self.bid)).items()
                if bc.decode(v)[0] not in bc.DONE_STATUSES and bc.decode(v)[0] != bc.SENDING}
        if left:
            self.store.hset(bc.rcpt_key(self.bid), left)
        self._save_meta(state="cancelled", finished=bc.now_iso())
        return "cancelled"

    def _mark(self, user_id: str, state: str, mode: str, detail: str = "") -> None:
        """Record one recipient's state."""
        self.store.hset(bc.rcpt_key(self.bid), {user_id: bc.encode(state, mode, detail)})

    def _call(self, user_id: str, mode: str, message: Any) -> Any:
        """One paced API call, marked "sending" just before it; errors come back as results."""
        self.pacer.wait()
        self.renew()
        self._mark(user_id, bc.SENDING, mode, self.token)
        zalo = self.services.zalo
        try:
            if mode == audiences.PROMOTION:
                return zalo.send_promotion(user_id, message)
            return zalo.send(user_id, message)
        except Exception as exc:  # noqa: BLE001 - a network failure is one more retryable error
            log.warning("broadcast %s: send raised %s", self.bid, type(exc).__name__)
            return _Failure(NETWORK_ERROR, type(exc).__name__)

    def _refresh_token(self) -> None:
        """Ask the Zalo client for a fresh access token, when it can."""
        zalo = self.services.zalo
        for name in ("refresh_access_token", "refresh_token", "refresh"):
            method = getattr(zalo, name, None)
            if callable(method):
                try:
                    method()
                except Exception:  # noqa: BLE001 - the retry will report the failure
                    log.warning("broadcast %s: token refresh failed", self.bid)
                return

    def _wait(self, seconds: float) -> None:
        """Sleep in short steps, keeping the lease."""
        end = self.clock() + seconds
        while True:
            left = end - self.clock()
            if left <= 0:
                return
            self.sleep(min(left, 2.0))
            self.renew()

    def _deliver(self, user_id: str, mode: str, message: Any, deadline: float) -> bool:
        """Send to one recipient and record the outcome; False when it must wait for the next chunk."""
        refreshes = 0
        result = self._call(user_id, mode, message)
        while True:
            code = int(getattr(result, "error", 0) or 0)
            if getattr(result, "ok", False):
                self.rate_limited_in_a_row = 0
                self._mark(user_id, bc.SENT, mode)
                return True
            if code in OUT_OF_WINDOW and mode == audiences.CONSULTATION and self.meta["audience"] == "followers":
                # our record of the user's last message was stale: a follower outside the window gets a promotion
                mode = audiences.PROMOTION
                result = self._call(user_id, mode, message)
                continue
            if code == NETWORK_ERROR and "ReadTimeout" in str(getattr(result, "message", "")):
                # the request reached Zalo but the answer did not come back: sending again could duplicate it
                self._mark(user_id, bc.UNCONFIRMED, mode)
                return True
            if code in SKIP_ERRORS:
                self._mark(user_id, bc.SKIPPED, mode, str(code))
                return True
            if code in TOKEN_ERRORS and refreshes < MAX_TOKEN_REFRESHES:
                refreshes += 1
                self._mark(user_id, bc.PENDING, mode)  # not delivered: safe to send again
                self._refresh_token()
                result = self._call(user_id, mode, message)
                continue
            if code == RATE_LIMITED or (getattr(result, "retryable", False) and code not in TOKEN_ERRORS):
                self._mark(user_id, bc.PENDING, mode)  # a refused call delivered nothing
                tries = self.store.hincr(bc.tries_key(self.bid), user_id, 1, ttl=bc.TTL)
                if tries >= MAX_TRIES:
                    self._mark(user_id, bc.FAILED, mode, str(code))
                    return True
                self.rate_limited_in_a_row += 1
                self._wait(min(BACKOFF_CAP, self.backoff * 2 ** (self.rate_limited_in_a_row - 1)))
                if self.clock() >= deadline or self._cancelled():
                    return False
                result = self._call(user_id, mode, message)
                continue
            self._mark(user_id, bc.FAILED, mode, str(code))
            return True


class _Failure:
    """A SendResult-like value for an exception raised by the client."""

    ok = False
    retryable = True

    def __init__(self, error: int, message: str) -> None:
        self.error = error
        self.message = message
        self.reason = message


def run_job(broadcast_id: str, *, services: Any) -> str:
    """The queued job (rq or the embedded thread): run a chunk of the broadcast."""
    return run_broadcast(broadcast_id, services)


def run_broadcast(broadcast_id: str, services: Any, **options: Any) -> str:
    """Plan once, send to pending recipients for one chunk, queue the rest: done|cancelled|continue|busy|missing."""
    store = services.store
    meta = store.get_json(bc.meta_key(broadcast_id))
    if meta is None:
        return "missing"
    if meta["state"] in bc.FINAL_STATES:
        return meta["state"]
    runner = Runner(broadcast_id, services, **options)
    if not runner.acquire():
        return "busy"
    try:
        store.delete(bc.scheduled_key(broadcast_id))
        result = runner.run()
    finally:
        runner.release()
    if result == "continue":
        bc.schedule(store, services.queue, broadcast_id)
    log.info("broadcast %s: %s", broadcast_id, result)
    return result
