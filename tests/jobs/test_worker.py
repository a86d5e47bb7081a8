"""bot.jobs.worker: the job lease, requeue of jobs whose worker died, dead schedulers' locks, and the run loop that
outlives Redis (a private redis-server is crashed and restarted)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import redis as redis_lib

from bot.jobs import deadletters
from bot.jobs.queue import RqJobQueue
from bot.jobs.worker import BotWorker, release_dead_scheduler_locks
from bot.services import build_services
from bot.store.redis_state import RedisStateStore
from bot.zalo.events import TextMessage, event_to_dict
from tests.conftest import REDIS_URL, ROOT
from tests.fault_stack import RedisServer
from tests.jobs.test_reply import FakeZalo, StubDialogue
from tests.procs import Proc


def hold(url: str, value: str, services: object = None) -> str:
    """Job: say it started, wait to be released, then record."""
    conn = redis_lib.Redis.from_url(url)
    conn.rpush("t:started", value)
    deadline = time.monotonic() + 30
    while conn.blpop(["t:release"], timeout=1) is None:  # short blocks: redis-py reads time out after 5 s
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
    conn.rpush("t:done", value)
    return value


def outlive_redis(url: str, value: str, services: object = None) -> str:
    """Job: the first run waits for Redis to die and fails with it; the next run records the value."""
    conn = redis_lib.Redis.from_url(url, socket_timeout=1)
    if conn.incr("t:attempts") == 1:
        conn.rpush("t:started", value)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            conn.ping()  # raises once Redis is gone
            time.sleep(0.05)
        raise TimeoutError("Redis never went away")
    conn.rpush("t:done", value)
    return value


def _worker_proc(url: str, lease: int, tmp: Path, burst: bool) -> Proc:
    """A worker subprocess: a burst BotWorker, or bot.jobs.worker.run (what `python -m bot worker` runs)."""
    if burst:
        code = (f"from bot.jobs.queue import RqJobQueue; from bot.jobs.worker import BotWorker; "
                f"from bot.store.redis_state import connect_redis; "
                f"BotWorker.for_queue(RqJobQueue(connect_redis({url!r}), lease_seconds={lease}), None).work(burst=True)")
    else:
        code = (f"import logging, sys; logging.basicConfig(level=logging.INFO); from bot.jobs.queue import RqJobQueue; "
                f"from bot.jobs.worker import run; from bot.store.redis_state import connect_redis; "
                f"sys.exit(run(RqJobQueue(connect_redis({url!r}), lease_seconds={lease}), None))")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    return Proc("rq-worker", [sys.executable, "-c", code], env, tmp).start()


def _wait_log(proc: Proc, text: str, timeout: float = 30.0) -> None:
    """Block until the process logged `text`."""
    deadline = time.monotonic() + timeout
    while text not in proc.log_text():
        assert proc.alive() and time.monotonic() < deadline, proc.describe()
        time.sleep(0.05)


def test_lease_is_renewed_while_the_job_runs_and_lapses_when_its_worker_dies(redis_client: Any,
                                                                           tmp_path: Path) -> None:
    queue = RqJobQueue(redis_client, retry_intervals=[0], lease_seconds=2)
    job_id = queue.enqueue(hold, REDIS_URL, "kept")
    proc = _worker_proc(REDIS_URL, 2, tmp_path, burst=True)
    other = BotWorker.for_queue(queue, None)
    try:
        assert redis_client.blpop(["t:started"], timeout=20) is not None, proc.describe()
        until = time.monotonic() + 5  # two and a half leases: a renewed lease never lapses
        while time.monotonic() < until:
            assert other.requeue_abandoned() == 0
            time.sleep(0.25)
        proc.kill()
        deadline = time.monotonic() + 10
        while other.requeue_abandoned() == 0:
            assert time.monotonic() < deadline, "the dead worker's job was never requeued\n" + proc.describe()
            time.sleep(0.1)
    finally:
        proc.stop()
    assert queue.rq_queue.job_ids == [job_id]
    assert queue.rq_queue.fetch_job(job_id).meta["abandoned"] == 1
    redis_client.rpush("t:release", "go")
    BotWorker.for_queue(queue, None).work(burst=True)
    assert redis_client.lrange("t:done", 0, -1) == [b"kept"]


def test_job_abandoned_too_often_becomes_a_dead_letter(settings: Any, redis_client: Any) -> None:
    queue = RqJobQueue(redis_client, retry_intervals=[0])
    services = build_services(settings, store=RedisStateStore(redis_client), queue=queue, zalo=FakeZalo(),
                              dialogue=StubDialogue(), library=object())
    event = event_to_dict(TextMessage("u1", "m-poison", "nghỉ đẻ", "1700000000000"))
    job = queue.rq_queue.fetch_job(queue.enqueue("bot.jobs.reply.process_event", event))
    redis_client.lrem(queue.rq_queue.key, 0, job.id)
    job.meta["abandoned"] = 3
    job.save_meta()
    redis_client.zadd(queue.rq_queue.started_job_registry.key, {f"{job.id}:dead-execution": time.time() - 1})
    assert BotWorker.for_queue(queue, services).requeue_abandoned() == 0
    [letter] = deadletters.letters(services.store)
    assert letter["user_id"] == "u1" and letter["key"] == "m-poison" and "AbandonedJobError" in letter["error"]
    assert job.id in queue.rq_queue.failed_job_registry.get_job_ids()
    assert queue.rq_queue.count == 0


@pytest.mark.parametrize("host, pid_alive, released", [("same", False, True), ("same", True, False),
                                                        ("other", False, False)])
def test_scheduler_lock_of_a_dead_local_scheduler_is_released(redis_client: Any, host: str, pid_alive: bool,
                                                              released: bool) -> None:
    if pid_alive:
        pid = os.getpid()
    else:
        gone = subprocess.Popen(["true"])
        gone.wait()
        pid = gone.pid
    redis_client.set("rq:scheduler-lock:zalo-bot", "sched-x", ex=60)
    redis_client.hset("rq:scheduler:sched-x", mapping={"hostname": socket.gethostname() if host == "same" else "elsewhere",
                                                       "pid": str(pid)})
    assert release_dead_scheduler_locks(redis_client, ["zalo-bot", "other-queue"]) == (["zalo-bot"] if released else [])
    assert redis_client.exists("rq:scheduler-lock:zalo-bot") == (0 if released else 1)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of our own (AOF, fsync always) that the test may crash."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def test_run_survives_redis_dying_under_a_job(private_redis: RedisServer, tmp_path: Path) -> None:
    client = redis_lib.Redis.from_url(private_redis.url)
    RqJobQueue(client).enqueue(outlive_redis, private_redis.url, "again")
    proc = _worker_proc(private_redis.url, 2, tmp_path, burst=False)
    try:
        assert client.blpop(["t:started"], timeout=20) is not None, proc.describe()
        private_redis.crash()
        _wait_log(proc, "restarting once Redis answers")
        private_redis.start()
        client = redis_lib.Redis.from_url(private_redis.url)
        assert client.blpop(["t:done"], timeout=30) == (b"t:done", b"again"), proc.describe()
        assert "lost its worker: queued again" in proc.log_text()
        proc.signal(signal.SIGTERM)
        assert proc.wait(20) == 0, proc.describe()
    finally:
        proc.stop()


def test_sigterm_while_redis_is_down_exits_cleanly(private_redis: RedisServer, tmp_path: Path) -> None:
    proc = _worker_proc(private_redis.url, 2, tmp_path, burst=False)
    try:
        _wait_log(proc, "Listening on")
        private_redis.crash()
        _wait_log(proc, "could not connect to Redis")
        proc.signal(signal.SIGTERM)
        assert proc.wait(20) == 0, proc.describe()
    finally:
        proc.stop()


SLOW_START = """
import sys, time
from bot.jobs.worker import run

class SlowStart:
    # rq logs "Listening" and starts its scheduler before it installs its signal handlers
    _shutdown_requested_date = None
    _stop_requested = False
    def work(self, with_scheduler):
        print("starting", flush=True)
        time.sleep(30)
        return True

sys.exit(run(None, None, make_worker=lambda queue, services: SlowStart()))
"""


def test_sigterm_before_rq_installs_its_handlers_exits_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = Proc("slow-start", [sys.executable, "-c", SLOW_START], env, tmp_path).start()
    try:
        _wait_log(proc, "starting")
        proc.signal(signal.SIGTERM)
        assert proc.wait(10) == 0, proc.describe()
    finally:
        proc.stop()


def test_a_requeued_job_finishes_cleanly_after_its_dead_workers_execution_expired(redis_client: Any,
                                                                                 tmp_path: Path) -> None:
    """The dead worker's execution record expires with its lease (here: at once, as when Redis was away) while rq
    still lists its id: the next run must succeed once (rq's success handling used to fail on the missing record,
    file the job as failed and run it again)."""
    queue = RqJobQueue(redis_client, retry_intervals=[0], lease_seconds=2)
    job_id = queue.enqueue(hold, REDIS_URL, "once")
    proc = _worker_proc(REDIS_URL, 2, tmp_path, burst=True)
    try:
        assert redis_client.blpop(["t:started"], timeout=20) is not None, proc.describe()
        proc.kill()
    finally:
        proc.stop()
    for raw in redis_client.zrange(f"rq:executions:{job_id}", 0, -1):
        redis_client.delete(f"rq:execution:{job_id}:{raw.decode()}")  # expired with the lease
    other = BotWorker.for_queue(queue, None)
    deadline = time.monotonic() + 10
    while other.requeue_abandoned() == 0:
        assert time.monotonic() < deadline, "never requeued"
        time.sleep(0.1)
    redis_client.rpush("t:release", "go")
    BotWorker.for_queue(queue, None).work(burst=True)
    assert redis_client.lrange("t:done", 0, -1) == [b"once"]
    assert queue.rq_queue.failed_job_registry.count == 0 and queue.rq_queue.scheduled_job_registry.count == 0
    assert redis_client.exists(f"rq:job:{job_id}") == 0  # finished and deleted, not failed and retried
