"""bot.jobs.accept through the webhook: a delivery is taken exactly once even when Redis stalls (a private
redis-server hung with DEBUG SLEEP while deliveries and quick redeliveries keep coming), and a redelivery whose job is
gone is queued again."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import redis as redis_lib

from bot import create_app
from bot.jobs.queue import RqJobQueue
from bot.jobs.worker import BotWorker
from bot.ops.settings import Settings
from bot.store import turns
from bot.store.keys import taken_key
from bot.store.redis_state import RedisStateStore, connect_redis
from tests.fault_stack import RedisServer
from tests.jobs.test_reply import FakeZalo, StubDialogue
from tests.procs import now_ms
from tests.procs import signed_for as signed

URL = "/zalo/webhook"
MORE = "Chị muốn xem thêm?"


def event(user: str, msg_id: str, text: str) -> dict[str, Any]:
    """A user_send_text event as Zalo posts it."""
    return {"app_id": "app-test", "sender": {"id": user}, "user_id_by_app": "x", "recipient": {"id": "oa"},
            "event_name": "user_send_text", "message": {"text": text, "msg_id": msg_id}, "timestamp": now_ms()}


class Bot:
    """The Flask app on a Redis (a web process's fail-fast client), with the stub dialogue and a recording Zalo."""

    def __init__(self, settings: Settings, url: str, client: Any = None) -> None:
        self.redis = client or connect_redis(url)
        self.queue = RqJobQueue(self.redis, retry_intervals=[0])
        self.zalo = FakeZalo()
        self.app = create_app(settings, store=RedisStateStore(self.redis), queue=self.queue, zalo=self.zalo,
                              dialogue=StubDialogue(), library=object())
        self.services = self.app.extensions["zlb"]
        self.settings = settings

    def post(self, payload: dict[str, Any]) -> int:
        """One delivery; its HTTP status."""
        body, headers = signed(self.settings, payload)
        return self.app.test_client().post(URL, data=body, headers=headers).status_code

    def work(self) -> None:
        """Run every queued job (jobs handed back after waiting their turn included)."""
        BotWorker.for_queue(self.queue, self.services).work(burst=True)

    def texts(self, user: str) -> list[str]:
        """What one user received, in order."""
        return [m.text for u, m in self.zalo.sent if u == user]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server the test may hang."""
    s = RedisServer(tmp_path).start()
    yield s
    s.stop()


def expected(count: int) -> list[str]:
    """A user's replies to q0..q{count-1} answered once each, in order (the stub dialogue counts her turns)."""
    return [t for i in range(count) for t in (f"q{i} #{i + 1}", MORE)]


def test_deliveries_while_redis_hangs_are_each_answered_once_in_order(settings: Settings,
                                                                      server: RedisServer) -> None:
    bot = Bot(settings, server.url)
    users, per_user = [f"u{i}" for i in range(6)], 8
    statuses: list[int] = []
    stop = threading.Event()

    def deliver(user: str) -> None:
        """Zalo's side: each message until acknowledged, redelivered every 0.3 s, then once more anyway."""
        for i in range(per_user):
            payload = event(user, f"{user}-m{i}", f"q{i}")
            while True:
                status = bot.post(payload)
                statuses.append(status)
                if status == 200:
                    break
                time.sleep(0.3)
            statuses.append(bot.post(payload))
            time.sleep(0.4)

    def hang() -> None:
        """Redis hangs three times for 1.5 s (longer than the web's 1 s socket timeout)."""
        for _ in range(3):
            if stop.wait(0.2):
                return
            server.hang(1.5)

    threads = [threading.Thread(target=deliver, args=(u,)) for u in users] + [threading.Thread(target=hang)]
    for t in threads:
        t.start()
    for t in threads[:-1]:
        t.join(timeout=120)
    stop.set()
    threads[-1].join(timeout=30)
    assert 503 in statuses and set(statuses) <= {200, 503}, statuses
    bot.work()
    for user in users:
        assert bot.texts(user) == expected(per_user), (user, bot.texts(user))
    assert all(turns.pending(bot.services.store, u) == [] for u in users)


class StallingRedis(redis_lib.Redis):
    """A client whose next transaction is sent while the server sleeps: EXEC times out, Redis runs it on waking."""

    def __init__(self, server: RedisServer, **kw: Any) -> None:
        super().__init__(**kw)
        self.server = server
        self.stall_next = False

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        """A pipeline that, when armed, hangs the server just before its EXEC goes out."""
        pipe = super().pipeline(transaction, shard_hint)
        if self.stall_next and transaction:
            self.stall_next = False
            execute, server = pipe.execute, self.server

            def stalled_execute(raise_on_error: bool = True) -> Any:
                hanger = threading.Thread(target=server.hang, args=(1.5,))
                hanger.start()
                time.sleep(0.2)  # the server is asleep now
                try:
                    return execute(raise_on_error)
                finally:
                    hanger.join()

            pipe.execute = stalled_execute
        return pipe


def test_a_transaction_run_after_its_timeout_makes_the_redelivery_a_duplicate(settings: Settings,
                                                                              server: RedisServer) -> None:
    client = StallingRedis(server, port=server.port, socket_timeout=1.0, socket_connect_timeout=0.5)
    bot = Bot(settings, server.url, client)
    payload = event("u1", "late-1", "q0")
    client.stall_next = True
    assert bot.post(payload) == 503  # Zalo is told to retry...
    assert client.get(taken_key("late-1")) is not None  # ...but Redis ran the transaction when it woke up
    assert bot.post(payload) == 200 and bot.queue.rq_queue.count == 1  # the redelivery finds its job
    bot.work()
    assert bot.texts("u1") == expected(1)


def test_a_redelivery_whose_job_was_lost_is_queued_again(settings: Settings, redis_client: Any) -> None:
    from tests.conftest import REDIS_URL

    bot = Bot(settings, REDIS_URL, redis_client)
    payload = event("u1", "lost-1", "q0")
    assert bot.post(payload) == 200
    [job_id] = bot.queue.rq_queue.job_ids
    bot.queue.rq_queue.remove(job_id)
    redis_client.delete(f"rq:job:{job_id}")  # the job is gone (e.g. lost with a Redis that kept no AOF)
    turns.finish(bot.services.store, "u1", "lost-1")
    assert bot.post(payload) == 200 and bot.queue.rq_queue.count == 1
    assert bot.post(payload) == 200 and bot.queue.rq_queue.count == 1
    bot.work()
    assert bot.texts("u1") == expected(1)


def test_concurrent_deliveries_of_one_message_queue_one_job(settings: Settings, redis_client: Any) -> None:
    from tests.conftest import REDIS_URL

    bot = Bot(settings, REDIS_URL, redis_client)
    payload = event("u1", "race-1", "q0")
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(bot.post(payload))) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert statuses == [200] * 12 and bot.queue.rq_queue.count == 1
    assert turns.pending(bot.services.store, "u1") == ["race-1"]
    bot.work()
    assert bot.texts("u1") == expected(1)
