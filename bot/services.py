"""Wiring: store, queue, Zalo client, dialogue and law library for one process; nothing connects at import."""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

from bot.config import Settings
from bot.redis_state import RedisStateStore
from bot.state import InMemoryStateStore, StateStore

log = logging.getLogger(__name__)


def _library_provider(settings: Settings, store: StateStore, library: Any) -> Any:
    """A callable answering the current Library: bot.library_watch's holder unless a provider or library is given."""
    from bot.library_watch import LibraryHolder, library_holder

    if library is None:
        return library_holder(settings, store)
    if isinstance(library, LibraryHolder) or callable(library):
        return library
    holder = LibraryHolder(lambda: library)
    holder()
    return holder


class Services:
    """Everything a request or a job needs; the Zalo client and dialogue are built on first use."""

    def __init__(self, settings: Settings, store: StateStore, queue: Any, *, redis: Any = None,
                 zalo: Any = None, dialogue: Any = None, library: Any = None) -> None:
        """`library` may be a provider (callable answering a Library) or a Library; None loads $LAWS_DIR."""
        self.settings = settings
        self.store = store
        self.queue = queue
        self.redis = redis
        self.library: Any = _library_provider(settings, store, library)
        self._zalo = zalo
        self._dialogue = dialogue
        self._lock = threading.Lock()

    @property
    def zalo(self) -> Any:
        """The Zalo client (bot.zalo.ZaloClient unless given)."""
        if self._zalo is None:
            with self._lock:
                if self._zalo is None:
                    from bot.zalo import ZaloClient

                    self._zalo = ZaloClient(self.settings, self.store)
        return self._zalo

    @property
    def dialogue(self) -> Any:
        """The dialogue engine (bot.dialogue.Dialogue unless given)."""
        if self._dialogue is None:
            with self._lock:
                if self._dialogue is None:
                    from bot import metrics
                    from bot.dialogue import Dialogue
                    from bot.subscriptions import current_topics

                    self._dialogue = Dialogue(self.library, on_search=metrics.observe_search,
                                              subscribed=lambda user_id: current_topics(self.store, user_id))
        return self._dialogue

    @property
    def embedded(self) -> bool:
        """True when jobs run in this process (no Redis)."""
        from bot.queue import ThreadJobQueue

        return isinstance(self.queue, ThreadJobQueue)


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


def build_services(settings: Settings, **overrides: Any) -> Services:
    """Real services: Redis store + rq with REDIS_URL, in-memory store + thread queue without."""
    from bot.queue import RqJobQueue, ThreadJobQueue

    unknown = set(overrides) - {"store", "queue", "zalo", "dialogue", "library", "redis"}
    if unknown:
        raise TypeError("unknown services: " + ", ".join(sorted(unknown)))
    redis_conn = overrides.get("redis")
    if redis_conn is None and settings.redis_url and not ("store" in overrides and "queue" in overrides):
        redis_conn = connect_redis(settings.redis_url)
    store = overrides.get("store")
    if store is None:
        store = RedisStateStore(redis_conn) if redis_conn is not None else InMemoryStateStore()
    queue = overrides.get("queue")
    if queue is None:
        queue = (RqJobQueue(redis_conn, retry_intervals=settings.job_retry_intervals,
                            lease_seconds=settings.worker_lease_seconds,
                            failure_ttl=settings.dead_letter_ttl_seconds)
                 if redis_conn is not None else ThreadJobQueue())
    services = Services(settings, store, queue, redis=redis_conn, zalo=overrides.get("zalo"),
                        dialogue=overrides.get("dialogue"), library=overrides.get("library"))
    if isinstance(queue, ThreadJobQueue) and queue.context is _default_context():
        queue.context = lambda: using(services)
    return services


def _default_context() -> Any:
    """The ThreadJobQueue's default context factory."""
    from contextlib import nullcontext

    return nullcontext


_bound: ContextVar[Services | None] = ContextVar("zlb_services", default=None)
_current: Services | None = None
_current_lock = threading.Lock()


@contextmanager
def using(services: Services) -> Iterator[Services]:
    """Make `services` current for the code run inside (embedded jobs, tests)."""
    token = _bound.set(services)
    try:
        yield services
    finally:
        _bound.reset(token)


def set_current(services: Services | None) -> None:
    """Set the process-wide services (the rq worker process sets its own)."""
    global _current
    with _current_lock:
        _current = services


def current_services() -> Services:
    """Services bound to this context, else the process-wide ones, built from the environment on first use."""
    bound = _bound.get()
    if bound is not None:
        return bound
    global _current
    with _current_lock:
        if _current is None:
            _current = build_services(Settings.from_env().require_zalo())
        return _current
