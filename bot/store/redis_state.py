"""The state store on a real Redis (bot.store.state describes the interface and holds the in-process store)."""
from __future__ import annotations

import json
import threading
import uuid
from contextlib import contextmanager
from typing import Any, Iterator

from bot.store.state import KEY_PREFIX, LockTimeout


def _renew(lk: Any, every: float, done: threading.Event) -> None:
    """Reset a held Redis lock's expiry every `every` seconds until done (errors: it may lapse, jobs are idempotent)."""
    while not done.wait(every):
        try:
            lk.reacquire()
        except Exception:  # noqa: BLE001 - Redis away or the lock already lost
            pass


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

    def set_bytes(self, key: str, data: bytes, ttl: int | None = None) -> None:
        """Store raw bytes, expiring after ttl seconds when given."""
        self.client.set(key, bytes(data), ex=ttl or None)

    def get_bytes(self, key: str) -> bytes | None:
        """Raw bytes stored with set_bytes, or None."""
        raw = self.client.get(key)
        return None if raw is None else bytes(raw)

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
    def lock(self, name: str, timeout: float = 30.0, wait: float = 10.0, keepalive: bool = False) -> Iterator[None]:
        """A Redis lock (SET NX PX with a token, released only by its owner); with keepalive a thread renews it
        every timeout/3 while held, so a short timeout bounds how long a dead process keeps it."""
        lk = self.client.lock(KEY_PREFIX + "lock:" + name, timeout=timeout, blocking_timeout=wait,
                              thread_local=False)
        if not lk.acquire(token=uuid.uuid4().hex):
            raise LockTimeout(name)
        done = threading.Event()
        if keepalive:
            threading.Thread(target=_renew, args=(lk, timeout / 3, done), name="lock-keepalive", daemon=True).start()
        try:
            yield
        finally:
            done.set()
            try:
                lk.release()
            except Exception:  # noqa: BLE001 - expired lock: nothing left to release
                pass

    @staticmethod
    def _text(value: Any) -> str:
        """A Redis reply as text."""
        return value.decode() if isinstance(value, bytes) else str(value)

    def hset(self, key: str, mapping: dict[str, str], ttl: int | None = None) -> None:
        """Set hash fields (HSET), setting the ttl when the hash is created."""
        if not mapping:
            return
        pipe = self.client.pipeline()
        pipe.hset(key, mapping={str(k): str(v) for k, v in mapping.items()})
        if ttl:
            pipe.expire(key, ttl, nx=True)
        pipe.execute()

    def hsetnx(self, key: str, field: str, value: str) -> bool:
        """Set a hash field only if absent; True when this call set it."""
        return bool(self.client.hsetnx(key, field, str(value)))

    def hget(self, key: str, field: str) -> str | None:
        """One hash field or None."""
        raw = self.client.hget(key, field)
        return None if raw is None else self._text(raw)

    def hgetall(self, key: str) -> dict[str, str]:
        """All fields of a hash."""
        return {self._text(k): self._text(v) for k, v in self.client.hgetall(key).items()}

    def hincr(self, key: str, field: str, amount: int = 1, ttl: int | None = None) -> int:
        """HINCRBY, setting the ttl when the hash is created."""
        pipe = self.client.pipeline()
        pipe.hincrby(key, field, amount)
        if ttl:
            pipe.expire(key, ttl, nx=True)
        return int(pipe.execute()[0])

    def sadd(self, key: str, *members: str) -> int:
        """Add members to a set; how many were new."""
        return int(self.client.sadd(key, *members)) if members else 0

    def srem(self, key: str, *members: str) -> int:
        """Remove members from a set; how many were there."""
        return int(self.client.srem(key, *members)) if members else 0

    def smembers(self, key: str) -> set[str]:
        """The members of a set."""
        return {self._text(m) for m in self.client.smembers(key)}

    def scard(self, key: str) -> int:
        """The size of a set."""
        return int(self.client.scard(key))

    def lpush(self, key: str, value: str, max_len: int | None = None, ttl: int | None = None) -> None:
        """Prepend to a list, trimming it to max_len and setting the ttl when it is created."""
        pipe = self.client.pipeline()
        pipe.lpush(key, str(value))
        if max_len:
            pipe.ltrim(key, 0, max_len - 1)
        if ttl:
            pipe.expire(key, ttl, nx=True)
        pipe.execute()

    def lrange(self, key: str, start: int, stop: int) -> list[str]:
        """LRANGE (stop inclusive, -1 = to the end)."""
        return [self._text(v) for v in self.client.lrange(key, start, stop)]

    def lrem(self, key: str, value: str, count: int = 0) -> int:
        """LREM: remove up to `count` occurrences of value (0 = all), from the head."""
        return int(self.client.lrem(key, count, str(value)))

    def hdel(self, key: str, *fields: str) -> int:
        """HDEL; how many fields existed."""
        return int(self.client.hdel(key, *fields)) if fields else 0

    def expire(self, key: str, ttl: int) -> bool:
        """Set a key's expiry; False when the key is missing."""
        return bool(self.client.expire(key, ttl))


def connect_redis(url: str) -> Any:
    """A Redis client that fails fast: Zalo wants the webhook's answer within 2 s even when Redis is down."""
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.retry import Retry

    # from_url only builds a pool: the first command opens the connection. One quick retry on a broken
    # connection (a restarted Redis leaves dead sockets in the pool); none on a timeout, which already cost 1 s.
    # The rq worker raises socket_timeout on its own connection for its blocking dequeue.
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1.0, health_check_interval=10,
                                retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1,
                                            supported_errors=(RedisConnectionError,)))
