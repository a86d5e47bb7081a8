"""Key-value state (conversations, dedup marks, tokens, locks): one Redis store and one in-process fake."""
from __future__ import annotations

import json
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Any, Iterator, Protocol

KEY_PREFIX = "zlb:"


class LockTimeout(RuntimeError):
    """A lock could not be taken in time."""


class StateStore(Protocol):
    """What the bot needs from a shared store; keys are plain strings, values JSON."""

    def get_json(self, key: str) -> Any | None: ...
    def set_json(self, key: str, value: Any, ttl: int | None = None) -> None: ...
    def delete(self, *keys: str) -> int: ...
    def add_once(self, key: str, ttl: int) -> bool: ...
    def incr(self, key: str, ttl: int | None = None) -> int: ...
    def keys(self, pattern: str) -> list[str]: ...
    def ttl(self, key: str) -> int: ...
    def ping(self) -> bool: ...
    def lock(self, name: str, timeout: float = 30.0, wait: float = 10.0) -> Any: ...


class InMemoryStateStore:
    """Thread-safe in-process store for one process (embedded mode and unit tests)."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}
        self._mutex = threading.RLock()
        self._locks: dict[str, threading.Lock] = {}

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._data[key]
            return None
        return value

    def get_json(self, key: str) -> Any | None:
        """Decoded value or None."""
        with self._mutex:
            raw = self._live(key)
        return None if raw is None else json.loads(raw)

    def set_json(self, key: str, value: Any, ttl: int | None = None) -> None:
        """Store value, expiring after ttl seconds when given."""
        with self._mutex:
            self._data[key] = (json.dumps(value, ensure_ascii=False), time.monotonic() + ttl if ttl else None)

    def delete(self, *keys: str) -> int:
        """Remove keys; count of those that existed."""
        with self._mutex:
            return sum(1 for k in keys if self._live(k) is not None and self._data.pop(k, None) is not None)

    def add_once(self, key: str, ttl: int) -> bool:
        """Set key if absent (SET NX EX); True when this call set it."""
        with self._mutex:
            if self._live(key) is not None:
                return False
            self._data[key] = ("1", time.monotonic() + ttl)
            return True

    def incr(self, key: str, ttl: int | None = None) -> int:
        """Increment a counter, setting its ttl when it is created."""
        with self._mutex:
            raw = self._live(key)
            value = int(json.loads(raw)) + 1 if raw is not None else 1
            expires = self._data[key][1] if raw is not None else (time.monotonic() + ttl if ttl else None)
            self._data[key] = (json.dumps(value), expires)
            return value

    def keys(self, pattern: str) -> list[str]:
        """Keys matching a glob pattern."""
        import fnmatch

        with self._mutex:
            return [k for k in list(self._data) if self._live(k) is not None and fnmatch.fnmatchcase(k, pattern)]

    def ttl(self, key: str) -> int:
        """Seconds left (-1 no expiry, -2 missing), as Redis answers."""
        with self._mutex:
            if self._live(key) is None:
                return -2
            expires = self._data[key][1]
            return -1 if expires is None else max(0, int(expires - time.monotonic()))

    def ping(self) -> bool:
        """Always reachable."""
        return True

    @contextmanager
    def lock(self, name: str, timeout: float = 30.0, wait: float = 10.0) -> Iterator[None]:
        """A named in-process lock."""
        with self._mutex:
            lk = self._locks.setdefault(name, threading.Lock())
        if not lk.acquire(timeout=wait):
            raise LockTimeout(name)
        try:
            yield
        finally:
            lk.release()


class RedisStateStore:
    """The store on a real Redis; `client` is a redis.Redis (decode_responses not required)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get_json(self, key: str) -> Any | None:
        """Decoded value or None."""
        raw = self.client.get(key)
        return None if raw is None else json.loads(raw)

    def set_json(self, key: str, value: Any, ttl: int | None = None) -> None:
        """Store value, expiring after ttl seconds when given."""
        self.client.set(key, json.dumps(value, ensure_ascii=False), ex=ttl or None)

    def delete(self, *keys: str) -> int:
        """Remove keys; count of those that existed."""
        return int(self.client.delete(*keys)) if keys else 0

    def add_once(self, key: str, ttl: int) -> bool:
        """SET NX EX; True when this call set it."""
        return bool(self.client.set(key, "1", nx=True, ex=ttl))

    def incr(self, key: str, ttl: int | None = None) -> int:
        """INCR, setting the ttl on creation."""
        pipe = self.client.pipeline()
        pipe.incr(key)
        if ttl:
            pipe.expire(key, ttl, nx=True)
        return int(pipe.execute()[0])

    def keys(self, pattern: str) -> list[str]:
        """SCAN for keys matching a glob pattern."""
        return [k.decode() if isinstance(k, bytes) else k for k in self.client.scan_iter(match=pattern, count=500)]

    def ttl(self, key: str) -> int:
        """Seconds left (-1 no expiry, -2 missing)."""
        return int(self.client.ttl(key))

    def ping(self) -> bool:
        """True when Redis answers."""
        try:
            return bool(self.client.ping())
        except Exception:  # noqa: BLE001 - any connection failure means "not ready"
            return False

    @contextmanager
    def lock(self, name: str, timeout: float = 30.0, wait: float = 10.0) -> Iterator[None]:
        """A Redis lock (SET NX PX with a token, released only by its owner)."""
        lk = self.client.lock(KEY_PREFIX + "lock:" + name, timeout=timeout, blocking_timeout=wait,
                              thread_local=False)
        if not lk.acquire(token=uuid.uuid4().hex):
            raise LockTimeout(name)
        try:
            yield
        finally:
            try:
                lk.release()
            except Exception:  # noqa: BLE001 - expired lock: nothing left to release
                pass
