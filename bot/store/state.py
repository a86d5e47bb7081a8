"""Key-value state (conversations, dedup marks, tokens, locks): the store interface and the in-process store;
the Redis one is bot.store.redis_state.RedisStateStore (still importable from here)."""
from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator, Protocol

KEY_PREFIX = "zlb:"


class LockTimeout(RuntimeError):
    """A lock could not be taken in time."""

    kind = "busy"  # for the console's wording (bot.ops.errors.kind_of): another operation holds it, try again soon


class StateStore(Protocol):
    """What the bot needs from a shared store; keys are plain strings, values JSON."""

    def get_json(self, key: str) -> Any | None: ...
    def set_json(self, key: str, value: Any, ttl: int | None = None) -> None: ...
    def get_bytes(self, key: str) -> bytes | None: ...
    def set_bytes(self, key: str, data: bytes, ttl: int | None = None) -> None: ...
    def delete(self, *keys: str) -> int: ...
    def add_once(self, key: str, ttl: int) -> bool: ...
    def incr(self, key: str, ttl: int | None = None) -> int: ...
    def keys(self, pattern: str) -> list[str]: ...
    def ttl(self, key: str) -> int: ...
    def ping(self) -> bool: ...
    def lock(self, name: str, timeout: float = 30.0, wait: float = 10.0, keepalive: bool = False) -> Any: ...


class InMemoryStateStore:
    """Thread-safe in-process store for one process (embedded mode and unit tests)."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}
        self._mutex = threading.RLock()
        self._locks: dict[str, threading.Lock] = {}
        self._blobs: dict[str, tuple[bytes, float | None]] = {}

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
            blobs = sum(1 for k in keys if self._blobs.pop(k, None) is not None)
            return blobs + sum(1 for k in keys if self._live(k) is not None and self._data.pop(k, None) is not None)

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

    def atomic(self) -> Any:
        """The store's mutex: what runs under it sees and changes the store in one step (re-entrant)."""
        return self._mutex

    def set_bytes(self, key: str, data: bytes, ttl: int | None = None) -> None:
        """Store raw bytes (kept apart from the JSON values), expiring after ttl seconds when given."""
        with self._mutex:
            self._blobs[key] = (bytes(data), time.monotonic() + ttl if ttl else None)

    def get_bytes(self, key: str) -> bytes | None:
        """Raw bytes stored with set_bytes, or None."""
        with self._mutex:
            item = self._blobs.get(key)
            if item is None or (item[1] is not None and item[1] <= time.monotonic()):
                self._blobs.pop(key, None)
                return None
            return item[0]

    @contextmanager
    def lock(self, name: str, timeout: float = 30.0, wait: float = 10.0, keepalive: bool = False) -> Iterator[None]:
        """A named in-process lock (it never expires, so keepalive has nothing to do)."""
        with self._mutex:
            lk = self._locks.setdefault(name, threading.Lock())
        if not lk.acquire(timeout=wait):
            raise LockTimeout(name)
        try:
            yield
        finally:
            lk.release()

    # hashes, sets and lists: kept as JSON in the same table, so delete/keys/ttl treat them like any key
    def _load(self, key: str, empty: Any) -> Any:
        """The decoded structure under key (a fresh `empty` when missing)."""
        raw = self._live(key)
        return empty if raw is None else json.loads(raw)

    def _save(self, key: str, value: Any, ttl: int | None, keep_ttl: bool = True) -> None:
        """Store a structure, keeping the key's expiry unless it is new and a ttl is given."""
        old = self._data.get(key) if self._live(key) is not None else None
        expires = old[1] if old is not None and keep_ttl else (time.monotonic() + ttl if ttl else None)
        if not value:
            self._data.pop(key, None)
            return
        self._data[key] = (json.dumps(value, ensure_ascii=False), expires)

    def hset(self, key: str, mapping: dict[str, str], ttl: int | None = None) -> None:
        """Set hash fields (HSET), setting the ttl when the hash is created."""
        with self._mutex:
            value = self._load(key, {})
            value.update({str(k): str(v) for k, v in mapping.items()})
            self._save(key, value, ttl)

    def hsetnx(self, key: str, field: str, value: str) -> bool:
        """Set a hash field only if absent; True when this call set it."""
        with self._mutex:
            current = self._load(key, {})
            if field in current:
                return False
            current[field] = str(value)
            self._save(key, current, None)
            return True

    def hget(self, key: str, field: str) -> str | None:
        """One hash field or None."""
        with self._mutex:
            return self._load(key, {}).get(field)

    def hgetall(self, key: str) -> dict[str, str]:
        """All fields of a hash."""
        with self._mutex:
            return dict(self._load(key, {}))

    def hincr(self, key: str, field: str, amount: int = 1, ttl: int | None = None) -> int:
        """HINCRBY, setting the ttl when the hash is created."""
        with self._mutex:
            current = self._load(key, {})
            current[field] = str(int(current.get(field, "0")) + amount)
            self._save(key, current, ttl)
            return int(current[field])

    def sadd(self, key: str, *members: str) -> int:
        """Add members to a set; how many were new."""
        with self._mutex:
            current = set(self._load(key, []))
            added = {str(m) for m in members} - current
            self._save(key, sorted(current | added), None)
            return len(added)

    def srem(self, key: str, *members: str) -> int:
        """Remove members from a set; how many were there."""
        with self._mutex:
            current = set(self._load(key, []))
            removed = current & {str(m) for m in members}
            self._save(key, sorted(current - removed), None)
            return len(removed)

    def smembers(self, key: str) -> set[str]:
        """The members of a set."""
        with self._mutex:
            return set(self._load(key, []))

    def scard(self, key: str) -> int:
        """The size of a set."""
        with self._mutex:
            return len(self._load(key, []))

    def lpush(self, key: str, value: str, max_len: int | None = None, ttl: int | None = None) -> None:
        """Prepend to a list, trimming it to max_len and setting the ttl when it is created."""
        with self._mutex:
            current = [str(value)] + self._load(key, [])
            self._save(key, current[:max_len] if max_len else current, ttl)

    def lrange(self, key: str, start: int, stop: int) -> list[str]:
        """LRANGE (stop inclusive, -1 = to the end)."""
        with self._mutex:
            current = self._load(key, [])
            return current[start:None if stop == -1 else stop + 1]

    def lrem(self, key: str, value: str, count: int = 0) -> int:
        """Remove up to `count` occurrences of value (0 = all), from the head; how many were removed."""
        with self._mutex:
            current, kept, removed = self._load(key, []), [], 0
            for item in current:
                if item == str(value) and (count <= 0 or removed < count):
                    removed += 1
                else:
                    kept.append(item)
            self._save(key, kept, None)
            return removed

    def hdel(self, key: str, *fields: str) -> int:
        """Delete hash fields; how many existed."""
        with self._mutex:
            current = self._load(key, {})
            gone = [f for f in fields if current.pop(str(f), None) is not None]
            self._save(key, current, None)
            return len(gone)

    def expire(self, key: str, ttl: int) -> bool:
        """Set a key's expiry; False when the key is missing."""
        with self._mutex:
            raw = self._live(key)
            if raw is None:
                return False
            self._data[key] = (raw, time.monotonic() + ttl)
            return True
