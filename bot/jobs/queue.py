"""The job queue seam: rq on Redis (jobs survive worker crashes) or a background thread (embedded mode)."""
from __future__ import annotations

import importlib
import logging
import threading
from collections import deque
from typing import Any, Callable, Protocol, Sequence

QUEUE_NAME = "zalo-bot"
RETRY_INTERVALS = (10, 60, 300)
JOB_TIMEOUT = 120
RESULT_TTL = 0  # nothing reads a job's return value: a finished job (its args: user id, message) is deleted at once
FAILURE_TTL = 7 * 24 * 3600  # the default DEAD_LETTER_TTL_SECONDS; services pass the configured one
LEASE_SECONDS = 30  # a running job's claim, renewed while it runs: a dead worker's job is run again after this
# the reply job, by dotted path (rq stores the path); every job is called with its arguments and `services=`
REPLY_JOB = "bot.jobs.reply.process_event"
JOB_KEY_PREFIX = "rq:job:"  # rq keeps a job under rq:job:<id> while it is queued, scheduled, running or failed

log = logging.getLogger(__name__)

JobFunc = Callable[..., Any]


class QueueUnavailable(RuntimeError):
    """The job could not be queued (queue backend unreachable or stopped)."""


class JobQueue(Protocol):
    """Where the web process puts work for the worker."""

    def enqueue(self, func: str | JobFunc, *args: Any, at_front: bool = False, job_timeout: int | None = None,
                retry: bool = True) -> str:
        """Queue func(*args) (a callable or its dotted path), retried on failure unless retry=False; raises
        QueueUnavailable."""

    def ping(self) -> bool:
        """True when jobs can be queued."""

    def discard(self, job_id: str) -> None:
        """Forget a job that failed for good (its arguments hold a user id and a message)."""


def resolve(func: str | JobFunc) -> JobFunc:
    """A callable from a dotted path ("bot.jobs.reply.process_event") or the callable itself."""
    if callable(func):
        return func
    module, _, name = func.rpartition(".")
    return getattr(importlib.import_module(module), name)


class RqJobQueue:
    """rq queue "zalo-bot" on Redis; jobs are JSON-serialised, retried, and kept in Redis until done."""

    def __init__(self, redis_conn: Any, name: str = QUEUE_NAME,
                 retry_intervals: Sequence[int] = RETRY_INTERVALS, job_timeout: int = JOB_TIMEOUT,
                 lease_seconds: int = LEASE_SECONDS, failure_ttl: int = FAILURE_TTL) -> None:
        """Wrap an rq Queue on redis_conn (a redis.Redis); nothing is sent to Redis yet. Failed jobs are kept
        failure_ttl seconds (no longer than their dead letter, which holds everything a replay needs)."""
        from rq import Queue
        from rq.serializers import JSONSerializer

        self.redis = redis_conn
        self.lease_seconds = lease_seconds
        self.retry_intervals = list(retry_intervals)
        self.job_timeout = job_timeout
        self.failure_ttl = max(1, int(failure_ttl))
        self.rq_queue = Queue(name, connection=redis_conn, serializer=JSONSerializer)

    def enqueue(self, func: str | JobFunc, *args: Any, at_front: bool = False, job_timeout: int | None = None,
                retry: bool = True, pipeline: Any = None, job_id: str | None = None) -> str:
        """Queue func(*args); raises QueueUnavailable when Redis cannot take it. With `pipeline` (a redis-py
        transaction, left in MULTI mode) the job is written only when the caller executes it, with whatever else the
        caller adds: one atomic step."""
        from redis.exceptions import RedisError
        from rq import Retry

        policy = (Retry(max=len(self.retry_intervals), interval=self.retry_intervals)
                  if self.retry_intervals and retry else None)
        try:
            # a fixed description keeps message text out of Redis metadata and rq's logs
            job = self.rq_queue.enqueue_call(func, args=args, retry=policy, timeout=job_timeout or self.job_timeout,
                                             result_ttl=RESULT_TTL, failure_ttl=self.failure_ttl, at_front=at_front,
                                             description="zalo-bot job", pipeline=pipeline, job_id=job_id)
        except (RedisError, OSError) as exc:
            raise QueueUnavailable(str(exc)) from exc
        return job.id

    def exists(self, job_id: str) -> bool:
        """True while rq keeps the job (queued, scheduled, running, or failed and not yet forgotten)."""
        return bool(self.redis.exists(JOB_KEY_PREFIX + job_id))

    def ping(self) -> bool:
        """True when Redis answers."""
        try:
            return bool(self.redis.ping())
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            return False

    def discard(self, job_id: str) -> None:
        """Delete a job that failed for good, with its entry in the failed registry (and its results)."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job, JobStatus
        from rq.results import Result

        try:
            job = Job.fetch(job_id, connection=self.redis, serializer=self.rq_queue.serializer)
        except NoSuchJobError:
            return
        if job.get_status(refresh=False) == JobStatus.FAILED:  # a queued or running job is left alone
            job.delete()
            Result.delete_all(job)  # the failure's record (traceback) is kept apart from the job


class ThreadJobQueue:
    """Embedded mode: one background thread runs jobs in this process, with the same retry policy."""

    def __init__(self, retry_intervals: Sequence[float] = RETRY_INTERVALS, services: Any = None) -> None:
        """Jobs are called with `services=` the services bound here (bind(), done by build_services)."""
        self.retry_intervals = list(retry_intervals)
        self.services = services
        # called as on_failure(func, args, exc) when a job fails for good (bound by build_services: dead letters)
        self.on_failure: Callable[[JobFunc, tuple[Any, ...], BaseException], None] | None = None
        self._jobs: deque[tuple[JobFunc, tuple[Any, ...], int]] = deque()
        self._cond = threading.Condition()
        self._pending = 0
        self._stopped = False
        self._timers: set[threading.Timer] = set()
        self._thread: threading.Thread | None = None
        self._counter = 0
        self.failed: list[tuple[str, BaseException]] = []

    def _ensure_thread(self) -> None:
        """Start the runner on first use, so building services starts nothing."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="zlb-jobs", daemon=True)
            self._thread.start()

    def enqueue(self, func: str | JobFunc, *args: Any, at_front: bool = False, job_timeout: int | None = None,
                retry: bool = True) -> str:
        """Queue func(*args) for the background thread (job_timeout is not enforced in a thread)."""
        target = resolve(func)
        with self._cond:
            if self._stopped:
                raise QueueUnavailable("job queue stopped")
            self._counter += 1
            self._pending += 1
            entry = (target, args, 0 if retry else len(self.retry_intervals))
            self._jobs.appendleft(entry) if at_front else self._jobs.append(entry)
            self._ensure_thread()
            self._cond.notify_all()
            return f"thread-{self._counter}"

    def exists(self, job_id: str) -> bool:
        """Jobs live as long as this process: every job id handed out is live until it ends."""
        return True

    def bind(self, services: Any,
             on_failure: Callable[[JobFunc, tuple[Any, ...], BaseException], None] | None = None) -> None:
        """The services every job of this queue runs with (those of the process that owns the queue), and what to
        call when a job fails for good."""
        self.services = services
        self.on_failure = on_failure

    def ping(self) -> bool:
        """True while the queue accepts jobs."""
        return not self._stopped

    def discard(self, job_id: str) -> None:
        """Nothing to forget: failed jobs are not kept (only their function name and exception, in `failed`)."""

    def _run(self) -> None:
        """The runner loop: take a job, run it, retry it later on failure."""
        while True:
            with self._cond:
                while not self._jobs and not self._stopped:
                    self._cond.wait()
                if self._stopped and not self._jobs:
                    return
                func, args, attempt = self._jobs.popleft()
            self._execute(func, args, attempt)

    def _execute(self, func: JobFunc, args: tuple[Any, ...], attempt: int) -> None:
        """Run one attempt; schedule a retry or record the failure."""
        try:
            func(*args, services=self.services)
        except Exception as exc:  # noqa: BLE001 - a failing job must not kill the runner
            if attempt < len(self.retry_intervals) and not self._stopped:
                log.warning("job %s failed (attempt %d), retrying: %s", func.__name__, attempt + 1,
                            type(exc).__name__)
                self._schedule_retry(func, args, attempt + 1, self.retry_intervals[attempt])
                return
            log.error("job %s failed for good: %s", func.__name__, type(exc).__name__)
            self.failed.append((func.__name__, exc))
            if self.on_failure is not None:
                try:
                    self.on_failure(func, args, exc)
                except Exception as handler_exc:  # noqa: BLE001 - the runner must go on
                    log.error("failure handler raised %s", type(handler_exc).__name__)
        self._finish()

    def _schedule_retry(self, func: JobFunc, args: tuple[Any, ...], attempt: int, delay: float) -> None:
        """Put the job back after delay seconds without blocking the runner."""
        def requeue() -> None:
            """Timer callback: back in line unless the queue was stopped."""
            with self._cond:
                if timer not in self._timers:
                    return
                self._timers.discard(timer)
                self._jobs.append((func, args, attempt))
                self._cond.notify_all()

        timer = threading.Timer(delay, requeue)
        timer.daemon = True
        with self._cond:
            self._timers.add(timer)
        timer.start()

    def _finish(self) -> None:
        """One job is over (done or failed for good)."""
        with self._cond:
            self._pending -= 1
            self._cond.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every queued job (with its retries) is over; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout=timeout)

    def stop(self, timeout: float | None = 5.0) -> None:
        """Finish queued jobs and stop the thread; pending retries are dropped."""
        with self._cond:
            self._stopped = True
            timers = list(self._timers)
            self._timers.clear()
            self._pending -= len(timers)
            self._cond.notify_all()
        for timer in timers:
            timer.cancel()
        if self._thread is not None:
            self._thread.join(timeout)
