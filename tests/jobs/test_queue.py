"""The job queue: rq on a real Redis (incl. a killed worker) and the embedded thread queue."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zlib
from typing import Iterator

import pytest
import redis as redis_lib

from bot.jobs.queue import QUEUE_NAME, QueueUnavailable, RqJobQueue, ThreadJobQueue
from bot.jobs.worker import BotWorker
from bot.store.redis_state import connect_redis
from tests.conftest import REDIS_URL, ROOT


def _conn() -> redis_lib.Redis:
    """A fresh connection, as a job running in a worker would open."""
    return redis_lib.Redis.from_url(REDIS_URL)


def record(value: str, services: object = None) -> str:
    """Job: append value to the "t:done" list (jobs are called with the worker's services)."""
    _conn().rpush("t:done", value)
    return value


def flaky(value: str, services: object = None) -> str:
    """Job: fail the first time for each value, then record it."""
    if _conn().incr("t:tries:" + value) == 1:
        raise RuntimeError("first attempt fails")
    return record(value)


def block_then_record(value: str, services: object = None) -> str:
    """Job: say it started, wait to be released, then record."""
    conn = _conn()
    conn.rpush("t:started", value)
    if conn.blpop(["t:release"], timeout=30) is None:
        raise TimeoutError("never released")
    return record(value)


def _done(client: redis_lib.Redis) -> list[str]:
    """Values recorded by jobs."""
    return [v.decode() for v in client.lrange("t:done", 0, -1)]


def test_rq_job_lands_in_redis_and_burst_worker_runs_it(redis_client: redis_lib.Redis) -> None:
    queue = RqJobQueue(redis_client, retry_intervals=[0])
    job_id = queue.enqueue("tests.jobs.test_queue.record", "một")
    assert queue.rq_queue.job_ids == [job_id]
    assert redis_client.exists(f"rq:job:{job_id}")
    assert BotWorker.for_queue(queue, None).work(burst=True)
    assert _done(redis_client) == ["một"]
    assert queue.rq_queue.count == 0


def test_rq_job_survives_web_restart(redis_client: redis_lib.Redis) -> None:
    other = _conn()
    RqJobQueue(other).enqueue("tests.jobs.test_queue.record", "kept")
    other.close()
    queue = RqJobQueue(_conn())
    assert queue.rq_queue.count == 1
    BotWorker.for_queue(queue, None).work(burst=True)
    assert _done(redis_client) == ["kept"]


def test_rq_failed_job_is_retried(redis_client: redis_lib.Redis) -> None:
    queue = RqJobQueue(redis_client, retry_intervals=[0])
    queue.enqueue(flaky, "x")
    BotWorker.for_queue(queue, None).work(burst=True)
    assert _done(redis_client) == ["x"]
    assert int(redis_client.get("t:tries:x")) == 2


def test_rq_job_of_killed_worker_is_run_again(redis_client: redis_lib.Redis) -> None:
    queue = RqJobQueue(redis_client, retry_intervals=[0])
    queue.enqueue("tests.jobs.test_queue.block_then_record", "crash")
    code = ("import redis; from bot.jobs.queue import RqJobQueue; from bot.jobs.worker import BotWorker; "
            f"BotWorker.for_queue(RqJobQueue(redis.Redis.from_url({REDIS_URL!r}), retry_intervals=[0]), None)"
            ".work(burst=True)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert redis_client.blpop(["t:started"], timeout=20) is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _done(redis_client) == []
    # rq's maintenance finds the abandoned job once its registry entry expires; pretend that time has come
    queue.rq_queue.started_job_registry.cleanup(timestamp=time.time() + 10_000)
    assert queue.rq_queue.count == 1
    redis_client.rpush("t:release", "go")
    BotWorker.for_queue(queue, None).work(burst=True)
    assert _done(redis_client) == ["crash"]


def test_rq_enqueue_on_unreachable_redis_raises_queue_unavailable() -> None:
    queue = RqJobQueue(connect_redis("redis://127.0.0.1:1/0"))
    started = time.monotonic()
    with pytest.raises(QueueUnavailable):
        queue.enqueue("tests.jobs.test_queue.record", "lost")
    assert time.monotonic() - started < 1.5
    assert not queue.ping()


def _contents(client: redis_lib.Redis, key: bytes) -> bytes:
    """Everything a key holds (hash values inflated: rq stores job data zlib-compressed)."""
    kind = client.type(key).decode()
    if kind == "string":
        parts = [client.get(key) or b""]
    elif kind == "hash":
        parts = [v for pair in client.hgetall(key).items() for v in pair]
    elif kind == "list":
        parts = client.lrange(key, 0, -1)
    elif kind in ("set", "zset"):
        parts = list(client.smembers(key)) if kind == "set" else client.zrange(key, 0, -1)
    elif kind == "stream":
        parts = [v for _, entry in client.xrange(key) for pair in entry.items() for v in pair]
    else:
        parts = []
    inflated = []
    for part in parts:
        try:
            inflated.append(zlib.decompress(part))
        except zlib.error:
            pass
    return key + b"\n" + b"\n".join(parts + inflated)


def rq_keys_holding(client: redis_lib.Redis, *needles: str) -> list[str]:
    """rq's keys (jobs, results, registries, executions) whose name or content holds any of the needles."""
    wanted = [form for n in needles for form in (n.encode(), json.dumps(n)[1:-1].encode())]  # raw or JSON-escaped
    return sorted(key.decode() for key in client.scan_iter("rq:*")
                  if any(n in _contents(client, key) for n in wanted))


def test_finished_job_leaves_no_copy_of_its_arguments(redis_client: redis_lib.Redis) -> None:
    queue = RqJobQueue(redis_client, retry_intervals=[0])
    job_id = queue.enqueue(flaky, "user 84123456789012345 hỏi: nghỉ thai sản")  # one failed try, then done
    assert rq_keys_holding(redis_client, "nghỉ thai sản") == [f"rq:job:{job_id}"]
    BotWorker.for_queue(queue, None).work(burst=True)
    assert _done(redis_client) == ["user 84123456789012345 hỏi: nghỉ thai sản"]
    assert rq_keys_holding(redis_client, "84123456789012345", "nghỉ thai sản", job_id) == []


def test_failed_job_is_kept_for_the_configured_time_then_can_be_discarded(redis_client: redis_lib.Redis) -> None:
    queue = RqJobQueue(redis_client, retry_intervals=[], failure_ttl=600)
    job_id = queue.enqueue(flaky, "once")
    BotWorker.for_queue(queue, None).work(burst=True)
    assert job_id in queue.rq_queue.failed_job_registry.get_job_ids()
    assert 0 < redis_client.ttl(f"rq:job:{job_id}") <= 600
    queue.discard(job_id)
    queue.discard("no-such-job")
    assert rq_keys_holding(redis_client, "once", job_id) == []


def test_rq_queue_name(redis_client: redis_lib.Redis) -> None:
    assert RqJobQueue(redis_client).rq_queue.name == QUEUE_NAME == "zalo-bot"


@pytest.fixture
def thread_queue() -> Iterator[ThreadJobQueue]:
    """An embedded queue with immediate retries."""
    queue = ThreadJobQueue(retry_intervals=[0, 0])
    yield queue
    queue.stop()


def test_thread_queue_runs_jobs_in_order(thread_queue: ThreadJobQueue) -> None:
    seen: list[int] = []
    for i in range(20):
        thread_queue.enqueue(lambda n, services: seen.append(n), i)
    assert thread_queue.join(timeout=5)
    assert seen == list(range(20))


def test_thread_queue_resolves_dotted_paths(thread_queue: ThreadJobQueue, redis_client: redis_lib.Redis) -> None:
    thread_queue.enqueue("tests.jobs.test_queue.record", "dotted")
    assert thread_queue.join(timeout=5)
    assert _done(redis_client) == ["dotted"]


@pytest.mark.parametrize("failures, calls, failed", [(1, 2, 0), (2, 3, 0), (5, 3, 1)])
def test_thread_queue_retries_then_gives_up(thread_queue: ThreadJobQueue, failures: int, calls: int,
                                            failed: int) -> None:
    attempts: list[int] = []

    def job(services: object) -> None:
        attempts.append(1)
        if len(attempts) <= failures:
            raise RuntimeError("boom")

    thread_queue.enqueue(job)
    assert thread_queue.join(timeout=5)
    assert len(attempts) == calls
    assert len(thread_queue.failed) == failed


def test_thread_queue_runs_jobs_with_the_services_bound_to_it() -> None:
    seen: list[object] = []
    services = object()
    queue = ThreadJobQueue()
    queue.bind(services)
    queue.enqueue(lambda value, services: seen.append((value, services)), "x")
    assert queue.join(timeout=5)
    queue.stop()
    assert seen == [("x", services)]


def test_thread_queue_refuses_jobs_after_stop() -> None:
    queue = ThreadJobQueue()
    queue.stop()
    assert not queue.ping()
    with pytest.raises(QueueUnavailable):
        queue.enqueue(print, "x")
