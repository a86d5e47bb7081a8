"""Wiring: store, queue, Zalo client, dialogue and law library for one process; built by the entry points (the web
factory, the worker, the commands) and handed down. Nothing connects at import."""
from __future__ import annotations

import threading
from typing import Any

from bot.conversation.dialogue import Dialogue
from bot.jobs.queue import RqJobQueue, ThreadJobQueue
from bot.jobs.reply import on_thread_failure
from bot.knowledge.library_watch import LibraryHolder, library_holder
from bot.ops import metrics
from bot.ops.settings import Settings
from bot.store.redis_state import RedisStateStore, connect_redis
from bot.store.state import InMemoryStateStore, StateStore
from bot.store.subscriptions import current_topics
from bot.zalo.client import ZaloClient

SERVICE_NAMES = frozenset({"store", "queue", "zalo", "dialogue", "library", "redis"})


def _library_provider(settings: Settings, store: StateStore, library: Any) -> Any:
    """A callable answering the current Library: a LibraryHolder on $LAWS_DIR unless a provider or library is given."""
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
        """The Zalo client (bot.zalo.client.ZaloClient unless given)."""
        if self._zalo is None:
            with self._lock:
                if self._zalo is None:
                    self._zalo = ZaloClient(self.settings, self.store)
        return self._zalo

    @property
    def dialogue(self) -> Any:
        """The dialogue engine (bot.conversation.dialogue.Dialogue unless given)."""
        if self._dialogue is None:
            with self._lock:
                if self._dialogue is None:
                    self._dialogue = Dialogue(self.library, on_search=metrics.observe_search,
                                              subscribed=lambda user_id: current_topics(self.store, user_id))
                    if isinstance(self.library, LibraryHolder):
                        # each later corpus version is ready for its first question before it serves
                        self.library.prepare = self._dialogue.warm
        return self._dialogue

    def warm(self) -> None:
        """Load the law library and ready it for the first question (a worker, before it takes jobs)."""
        self.dialogue.warm(self.library())

    @property
    def embedded(self) -> bool:
        """True when jobs run in this process (no Redis)."""
        return isinstance(self.queue, ThreadJobQueue)


def build_services(settings: Settings, **overrides: Any) -> Services:
    """Real services: Redis store + rq with REDIS_URL, in-memory store + thread queue without."""
    unknown = set(overrides) - SERVICE_NAMES
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
    if isinstance(queue, ThreadJobQueue):
        # embedded jobs run with the services of the process that queued them; a reply out of retries is a dead letter
        queue.bind(services, on_failure=lambda func, args, exc: on_thread_failure(services, func, args, exc))
    return services
