"""Stand-ins shared by the broadcast tests: a scriptable in-process Zalo client and a list queue."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from bot.jobs.broadcast import run_broadcast
from bot.officials import broadcasts as broadcast
from bot.zalo.messages import OutMessage


class Crash(BaseException):
    """Simulates the worker being killed (not an Exception: nothing in the bot may swallow it)."""


@dataclass(frozen=True)
class Result:
    """Same fields as bot.zalo.client.SendResult."""

    ok: bool
    error: int = 0
    message: str = ""
    retryable: bool = False
    reason: str = ""


class ScriptedZalo:
    """Records deliveries; answers scripted errors per user or per call number."""

    def __init__(self, out_of_window: set[str] = frozenset(), rate_limit_every: int = 0,
                 errors: dict[str, list[int]] | None = None, followers: list[str] | None = None,
                 crash_after_delivery_at: int | None = None,
                 on_call: Callable[[int], None] | None = None) -> None:
        self.out_of_window = set(out_of_window)
        self.rate_limit_every = rate_limit_every
        self.errors = {k: list(v) for k, v in (errors or {}).items()}
        self.followers = followers or []
        self.crash_after_delivery_at = crash_after_delivery_at
        self.on_call = on_call
        self.calls = 0
        self.refreshes = 0
        self.pages: list[tuple[int, int]] = []
        self.sent: list[tuple[str, str, str]] = []  # (user, "cs"|"promo", text)
        self._lock = threading.Lock()

    def _answer(self, user_id: str, kind: str, message: OutMessage) -> Result:
        """The scripted answer for one call."""
        with self._lock:
            self.calls += 1
            calls = self.calls
        if self.on_call:
            self.on_call(calls)
        if self.rate_limit_every and calls % self.rate_limit_every == 0:
            return Result(False, -32, "rate limit", True)
        queued = self.errors.get(user_id)
        if queued:
            code = queued.pop(0)
            if code == -1:  # the message went out but the answer timed out
                self.sent.append((user_id, kind, message.text))
                return Result(False, -1, "ReadTimeout", True, "transient")
            return Result(False, code, "scripted", code in (-32, -216, -220, -1))
        if kind == "cs" and user_id in self.out_of_window:
            return Result(False, -230, "user has not interacted in 7 days")
        self.sent.append((user_id, kind, message.text))
        if self.crash_after_delivery_at == calls:
            raise Crash("killed after Zalo accepted the message")
        return Result(True, 0, "Success")

    def send(self, user_id: str, message: OutMessage) -> Result:
        """A consultation message."""
        return self._answer(user_id, "cs", message)

    def send_promotion(self, user_id: str, message: OutMessage) -> Result:
        """A promotion message."""
        return self._answer(user_id, "promo", message)

    def list_followers(self, offset: int, count: int) -> tuple[list[str], int]:
        """One page of followers (Zalo allows count <= 50)."""
        assert 0 < count <= 50
        self.pages.append((offset, count))
        return self.followers[offset:offset + count], len(self.followers)

    def refresh_access_token(self) -> None:
        """Counted token refresh."""
        self.refreshes += 1

    def received(self, user_id: str) -> int:
        """How many messages a user got."""
        return sum(1 for u, _, _ in self.sent if u == user_id)


class ListQueue:
    """A queue that only records jobs; tests run them with drain()."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...]]] = []

    def enqueue(self, func: Any, *args: Any, **options: Any) -> str:
        """Record a job (options such as job_timeout, retry, at_front are not kept)."""
        self.jobs.append((func, args))
        return f"job-{len(self.jobs)}"

    def ping(self) -> bool:
        """Always up."""
        return True


def drain(services: Any, limit: int = 10_000, **options: Any) -> list[str]:
    """Run queued broadcast jobs (and the continuations they queue) until none is left."""
    results = []
    while services.queue.jobs and len(results) < limit:
        func, args = services.queue.jobs.pop(0)
        assert func == broadcast.JOB
        results.append(run_broadcast(args[0], services, **options))
    return results


class RedisRecordingZalo:
    """Records deliveries in Redis so a separate (killable) process can send: the parent counts them."""

    def __init__(self, client: Any, out_of_window: set[str] = frozenset(), rate_limit_every: int = 0) -> None:
        self.client = client
        self.out_of_window = set(out_of_window)
        self.rate_limit_every = rate_limit_every

    def _answer(self, user_id: str, kind: str) -> Result:
        """Scripted -32 every n-th call, -230 for users outside the window, else delivered."""
        calls = int(self.client.incr("test:calls"))
        if self.rate_limit_every and calls % self.rate_limit_every == 0:
            return Result(False, -32, "rate limit", True)
        if kind == "cs" and user_id in self.out_of_window:
            return Result(False, -230, "out of window")
        pipe = self.client.pipeline()
        pipe.rpush("test:delivered", user_id)
        pipe.rpush("test:signal", 1)
        pipe.execute()
        return Result(True, 0, "Success")

    def send(self, user_id: str, message: OutMessage) -> Result:
        """A consultation message."""
        return self._answer(user_id, "cs")

    def send_promotion(self, user_id: str, message: OutMessage) -> Result:
        """A promotion message."""
        return self._answer(user_id, "promo")


def child_main(redis_url: str, calls_per_minute: int) -> None:
    """A worker process: resume every unfinished broadcast and run it to the end."""
    import redis

    from bot.ops.settings import Settings
    from bot.services import Services
    from bot.store.redis_state import RedisStateStore

    client = redis.Redis.from_url(redis_url)
    users = [u.decode() for u in client.smembers("test:out_of_window")]
    services = Services(Settings(zalo_calls_per_minute=calls_per_minute), RedisStateStore(client), ListQueue(),
                        zalo=RedisRecordingZalo(client, set(users), rate_limit_every=9), library=object())
    broadcast.resume_stalled(services.store, services.queue)
    drain(services, backoff=0.01)


if __name__ == "__main__":
    import sys

    child_main(sys.argv[1], int(sys.argv[2]))
