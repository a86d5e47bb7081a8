"""The rq worker the bot runs: a short, renewed lease on the running job, quick requeue of jobs whose worker died,
dead letters for replies that failed for good, and a run loop that outlives Redis going away."""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from typing import Any, Callable

from rq import SimpleWorker
from rq.exceptions import AbandonedJobError, StopRequested
from rq.job import Job
from rq.serializers import JSONSerializer
from rq.worker import WorkerStatus

from bot.jobs import deadletters, lawfetch
from bot.jobs.queue import FAILURE_TTL, REPLY_JOB
from bot.jobs.reply import failed_for_good

log = logging.getLogger(__name__)

MAX_ABANDONED = 3  # a job whose worker died this often is likely what kills it: dead-lettered, not run again
DEAD_LETTER_JOBS = frozenset({REPLY_JOB})
RESTART_CAP = 5.0


class ServicesJob(Job):
    """An rq Job whose function is called with `services=` the services of the worker running it."""

    services: Any = None  # set on a subclass made per worker (BotWorker.for_queue)

    def _execute(self) -> Any:
        """rq's Job._execute (rq pinned in requirements.txt) with the worker's services handed to the function."""
        if not self.func:
            raise ValueError("Cannot execute job: function is None")
        return self.func(*self.args, services=self.services, **self.kwargs)


def dead_letter_handler(services: Any, job: Any, exc_type: Any, exc_value: Any) -> bool:
    """A reply job failing for the last time (no retries left) leaves a dead letter (rq exception handler)."""
    try:
        if job.func_name not in DEAD_LETTER_JOBS or job.retries_left:
            return True  # not a reply, or rq will run it again
        error = f"{getattr(exc_type, '__name__', 'Error')}: {exc_value}"
        letter = failed_for_good(services, job.args[0], error, job_id=job.id)
        if letter:
            log.error("reply job %s failed for good: dead letter %s", job.id, letter)
            # rq files the job as failed after this handler: its copy of the message must go no later than the letter
            left = services.store.ttl(deadletters.letter_key(letter))
            if left > 0:
                job.failure_ttl = min(job.failure_ttl or left, left)
    except Exception as exc:  # noqa: BLE001 - Redis may be the reason the job failed; rq goes on regardless
        log.error("could not write a dead letter for job %s: %s", job.id, type(exc).__name__)
    return True


def _pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (on this host)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_dead_scheduler_locks(connection: Any, queue_names: list[str]) -> list[str]:
    """Free scheduler locks held by a scheduler of this host whose process is gone (else they linger ~1 min)."""
    from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler
    from rq.scripts import release_lock

    released = []
    for name in queue_names:
        key = RQScheduler.get_locking_key(name)
        holder = connection.get(key)
        if holder is None:
            continue
        owner = holder.decode() if isinstance(holder, bytes) else str(holder)
        info = {k.decode(): v.decode() for k, v in connection.hgetall(SCHEDULER_KEY_TEMPLATE % owner).items()}
        pid = int(info.get("pid") or 0)
        if info.get("hostname") == socket.gethostname() and pid and not _pid_alive(pid):
            if release_lock(connection, key, owner):
                released.append(name)
                log.info("released the scheduler lock of dead scheduler pid %d", pid)
    return released


class BotWorker(SimpleWorker):
    """SimpleWorker whose running job stays claimed only while a thread renews its lease every lease/3 seconds."""

    lease_seconds = 30
    max_connection_wait_time = 5.0  # rq's reconnect backoff cap in the dequeue loop (60 s by default)

    services: Any = None

    @classmethod
    def for_queue(cls, queue: Any, services: Any) -> "BotWorker":
        """A worker on the bot's RqJobQueue (JSON jobs, run with `services`); maintenance and wake-ups every lease."""
        lease = max(2, int(queue.lease_seconds))
        job_class = type("BoundJob", (ServicesJob,), {"services": services})
        worker = cls([queue.rq_queue], connection=queue.redis, serializer=JSONSerializer, log_job_description=False,
                     worker_ttl=lease + 15, maintenance_interval=lease, job_class=job_class)
        worker.lease_seconds = lease
        worker.services = services
        worker.push_exc_handler(worker.dead_letter)
        return worker

    def dead_letter(self, job: Any, exc_type: Any, exc_value: Any, traceback: Any) -> bool:
        """rq exception handler: dead_letter_handler with this worker's services."""
        return dead_letter_handler(self.services, job, exc_type, exc_value)

    def handle_exception(self, job: Any, *exc_info: Any) -> None:
        """rq's walk over the exception handlers, logged without the job's arguments (user ids, message texts),
        which rq would attach to its log record."""
        self.log.error("Worker %s: job %s (%s) failed", self.name, job.id, job.func_name, exc_info=exc_info)
        for handler in self._exc_handlers:
            if handler(job, *exc_info) is False:
                break

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """rq's heartbeat, first honouring a stop request: rq raises StopRequested from its SIGTERM handler, and when
        that lands inside a log call (rq logs each failed reconnect while Redis is down) logging swallows it."""
        if self._shutdown_requested_date is not None and self.get_state() != WorkerStatus.BUSY:
            raise StopRequested()
        super().heartbeat(timeout, pipeline)

    def get_heartbeat_ttl(self, job: Any) -> int:
        """How long the started-job entry lives without renewal (rq's default is the job timeout + 60 s)."""
        return self.lease_seconds

    def execute_job(self, job: Any, queue: Any) -> None:
        """SimpleWorker.execute_job with the lease renewed in a thread while the job runs."""
        self.prepare_execution(job)
        stop = threading.Event()
        keeper = threading.Thread(target=self._renew_lease, args=(job, stop), name="rq-lease", daemon=True)
        keeper.start()
        try:
            self.perform_job(job, queue)
        finally:
            stop.set()
            keeper.join(timeout=5)
        self.set_state(WorkerStatus.IDLE)

    def _renew_lease(self, job: Any, stop: threading.Event) -> None:
        """Push the job's registry expiry (and this worker's) forward until stop is set."""
        execution = self.execution
        while not stop.wait(self.lease_seconds / 3):
            try:
                with self.connection.pipeline() as pipe:
                    pipe.expire(self.key, self.worker_ttl + 60)
                    if execution is not None:
                        execution.heartbeat(job.started_job_registry, self.lease_seconds, pipeline=pipe)
                    pipe.execute()
            except Exception as exc:  # noqa: BLE001 - Redis away: the job may be run again, which is idempotent
                log.warning("could not renew the job lease: %s", type(exc).__name__)

    def work(self, *args: Any, **kwargs: Any) -> bool:
        """rq's work loop, after freeing scheduler locks a dead local scheduler left behind."""
        try:
            release_dead_scheduler_locks(self.connection, self.queue_names())
        except Exception as exc:  # noqa: BLE001 - the lock then expires on its own
            log.warning("could not check scheduler locks: %s", type(exc).__name__)
        return super().work(*args, **kwargs)

    def run_maintenance_tasks(self) -> None:
        """Requeue jobs whose lease ran out, free dead schedulers' locks, queue the law fetch when it is due, then
        rq's own maintenance."""
        self.requeue_abandoned()
        release_dead_scheduler_locks(self.connection, self.queue_names())
        self.schedule_law_fetch()
        super().run_maintenance_tasks()

    def schedule_law_fetch(self) -> None:
        """Queue `laws fetch` once per LAW_FETCH_INTERVAL_HOURS across all workers (bot.jobs.lawfetch)."""
        if self.services is None:
            return
        try:
            lawfetch.schedule(self.services)
        except Exception as exc:  # noqa: BLE001 - replies matter more than the schedule; the next tick tries again
            log.warning("could not schedule the law fetch: %s", type(exc).__name__)

    def requeue_abandoned(self) -> int:
        """Put back at the front the jobs whose lease expired (their worker died); how many were requeued."""
        requeued = 0
        for queue in self.queues:
            registry_key = queue.started_job_registry.key
            for entry in self.connection.zrangebyscore(registry_key, 0, time.time()):
                if not self.connection.zrem(registry_key, entry):
                    continue  # another worker's maintenance took it
                job_id, _, execution_id = (entry.decode() if isinstance(entry, bytes) else str(entry)).partition(":")
                self._drop_dead_execution(job_id, execution_id)
                job = queue.fetch_job(job_id)
                if job is not None:
                    requeued += self._requeue(queue, job)
        return requeued

    def _requeue(self, queue: Any, job: Any) -> int:
        """Requeue one abandoned job, or dead-letter it when its workers keep dying; 1 when requeued."""
        abandoned = int(job.meta.get("abandoned", 0)) + 1
        job.meta["abandoned"] = abandoned
        job.save_meta()
        if abandoned > MAX_ABANDONED:
            log.error("job %s lost its worker %d times: failed for good", job.id, abandoned)
            job.retries_left = 0
            dead_letter_handler(self.services, job, AbandonedJobError, AbandonedJobError("worker died"))
            queue.failed_job_registry.add(job, ttl=job.failure_ttl or FAILURE_TTL,
                                          exc_string="abandoned by its worker too often")
            return 0
        log.warning("job %s lost its worker: queued again", job.id)
        queue.enqueue_job(job, at_front=True)
        return 1

    def _drop_dead_execution(self, job_id: str, execution_id: str) -> None:
        """Forget a dead worker's execution of a job: rq lists it a minute past its lease, and once its record has
        expired rq's success handling of the next run fails on it (and runs the job once more)."""
        if execution_id:
            with self.connection.pipeline() as pipe:
                pipe.delete(f"rq:execution:{job_id}:{execution_id}")
                pipe.zrem(f"rq:executions:{job_id}", execution_id)
                pipe.execute()


def _discard(worker: Any) -> None:
    """Stop what a worker that died with Redis left running (pubsub thread, scheduler process)."""
    thread = getattr(worker, "pubsub_thread", None)
    if thread is not None:
        try:
            thread.stop()
        except Exception:  # noqa: BLE001 - best effort
            pass
    process = getattr(getattr(worker, "scheduler", None), "_process", None)
    if process is not None and process.is_alive():
        process.terminate()
        process.join(timeout=5)


class StopSignal(Exception):
    """SIGTERM/SIGINT arrived while rq's own handlers were not installed yet."""


def _stop_on_signals(stop: threading.Event, interrupt: bool) -> None:
    """SIGTERM/SIGINT set `stop`; with `interrupt` they also raise StopSignal, because rq logs "Listening" and
    starts its scheduler (which waits on Redis) before it installs its handlers, and the default would kill us."""
    def on_signal(signum: int, frame: Any) -> None:
        """Stop waiting, or stop rq's start-up."""
        stop.set()
        if interrupt:
            raise StopSignal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)


def wait_for_redis(connection: Any, stop: threading.Event, cap: float = RESTART_CAP) -> bool:
    """Ping Redis with backoff until it answers (True) or `stop` is set (False)."""
    delay = 0.25
    while not stop.is_set():
        try:
            if connection.ping():
                return True
        except Exception:  # noqa: BLE001 - still down
            pass
        stop.wait(delay)
        delay = min(cap, delay * 2)
    return False


def run(queue: Any, services: Any, make_worker: Callable[[Any, Any], Any] | None = None) -> int:
    """Work the bot's RqJobQueue with `services` until SIGTERM/SIGINT (the current job finishes first); when Redis
    goes away, wait and start afresh. `make_worker(queue, services)` builds each worker (BotWorker.for_queue)."""
    stop = threading.Event()
    failures = 0
    while True:
        _stop_on_signals(stop, interrupt=True)
        worker = (make_worker or BotWorker.for_queue)(queue, services)
        started = time.monotonic()
        try:
            worker.work(with_scheduler=True)
        except StopSignal:
            pass
        except Exception as exc:  # noqa: BLE001 - redis errors, also from rq's teardown on a dead connection
            log.warning("worker loop broke: %s", type(exc).__name__)
        _stop_on_signals(stop, interrupt=False)
        _discard(worker)
        if worker._shutdown_requested_date is not None or worker._stop_requested or stop.is_set():
            return 0
        failures = 0 if time.monotonic() - started > 60 else failures + 1
        log.warning("rq worker stopped without a stop request; restarting once Redis answers")
        if stop.wait(min(RESTART_CAP, 0.25 * 2 ** failures)) or not wait_for_redis(queue.redis, stop):
            return 0
