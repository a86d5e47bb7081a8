"""The fault suite: the Procfile's gunicorn web and `python -m bot worker` against a private redis-server and the
standalone fake Zalo, while Redis crashes, Zalo fails or vanishes, the worker is killed, and both get SIGTERM.

Cases share one stack and run in file order; each checks that every acknowledged message is answered exactly once.
"""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import redis as redis_lib
import requests

from tests.fault_stack import (
    ROOT,
    SECRETS,
    FakeZaloProc,
    Proc,
    RedisServer,
    base_env,
    build_laws,
    free_port,
    procfile_argv,
    signed,
    text_event,
    wait_ready,
)

QUESTION = "Nghỉ thai sản được mấy tháng?"
LEASE = 3



class Stack:
    """Private Redis, fake Zalo, web and worker; `reference` is the answer every new user gets to QUESTION."""

    def __init__(self, tmp: Path, shared: Path) -> None:
        self.tmp = tmp
        self.redis = RedisServer(tmp).start()
        self.fake = FakeZaloProc(tmp, base_env()).start()
        self.env = base_env(REDIS_URL=self.redis.url, LAWS_DIR=str(tmp / "laws"), ZALO_API_BASE=self.fake.base_url,
                            ZALO_OAUTH_BASE=self.fake.base_url, ZALO_TIMEOUT_SECONDS="1",
                            JOB_RETRY_INTERVALS="1,1", WORKER_LEASE_SECONDS=str(LEASE))
        build_laws(tmp / "laws", self.env, shared)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.web = Proc("web", procfile_argv("web", self.port), self.env, tmp).start()
        self.worker = self.new_worker()
        wait_ready(self.url, [self.web, self.worker])
        self.client = redis_lib.Redis.from_url(self.redis.url)
        self.http = requests.Session()
        self.counter = 0
        self.reference: list[str] = []

    def new_worker(self) -> Proc:
        """Start `python -m bot worker` (appending to one log)."""
        return Proc("worker", procfile_argv("worker"), self.env, self.tmp).start()

    def event(self, user: str, text: str = QUESTION) -> tuple[str, bytes, dict[str, str]]:
        """A fresh signed message: (msg_id, body, headers)."""
        self.counter += 1
        msg_id = f"fault-msg-{self.counter:05d}"
        return (msg_id, *signed(text_event(user, msg_id, text)))

    def post(self, body: bytes, headers: dict[str, str], timeout: float = 5.0) -> tuple[int, float]:
        """(status, seconds) of one webhook delivery; status 0 when the connection failed."""
        started = time.monotonic()
        try:
            status = self.http.post(f"{self.url}/zalo/webhook", data=body, headers=headers, timeout=timeout).status_code
        except requests.RequestException:
            status = 0
        return status, time.monotonic() - started

    def deliver(self, body: bytes, headers: dict[str, str], deadline: float = 30.0) -> None:
        """Post until acknowledged with 200, as Zalo's retries would."""
        end = time.monotonic() + deadline
        while True:
            status, _ = self.post(body, headers)
            if status == 200:
                return
            assert time.monotonic() < end, f"never acknowledged (last status {status})"
            time.sleep(0.2)

    def quiet(self, timeout: float = 30.0) -> None:
        """Wait until no reply job is queued, running, scheduled or waiting to be requeued."""
        from rq import Queue

        queue = Queue("zalo-bot", connection=self.client)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                busy = (self.client.llen(queue.key) + self.client.llen(queue.intermediate_queue_key)
                        + self.client.zcard(queue.started_job_registry.key)
                        + self.client.zcard(queue.scheduled_job_registry.key))
            except redis_lib.RedisError:
                busy = 1
            if busy == 0:
                return
            time.sleep(0.1)
        raise AssertionError("jobs still pending\n" + self.worker.describe())

    def assert_answered_once(self, users: list[str], timeout: float = 40.0) -> None:
        """Every user got the reference answer, exactly once, and nothing more is on its way."""
        got = self.fake.wait_texts(users, len(self.reference), timeout)
        self.quiet()
        got = self.fake.wait_texts(users, len(self.reference), 0)
        wrong = {u: len(t) for u, t in got.items() if t != self.reference}
        assert not wrong, f"answers per user (expected {len(self.reference)}): {wrong}\n{self.worker.describe()}"

    def dead_letters(self) -> list[dict[str, Any]]:
        """The dead letters in Redis."""
        return [json.loads(self.client.get(k)) for k in self.client.keys("zlb:dead:*")]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`python -m bot ...` against the stack."""
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=60)

    def close(self) -> None:
        """Stop everything."""
        for proc in (self.worker, self.web, self.fake, self.redis):
            proc.stop(10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Iterator[Stack]:
    """One stack for the module; the reference answer is learnt from a first, fault-free message."""
    s = Stack(tmp_path_factory.mktemp("faults"), shared_dir)
    try:
        _, body, headers = s.event("ref-user")
        s.deliver(body, headers)
        first = s.fake.wait_texts(["ref-user"], 1, 30)["ref-user"]
        assert first, s.worker.describe()
        s.quiet()
        s.reference = s.fake.texts("ref-user")
        yield s
    finally:
        s.close()


def test_redis_crash_during_a_stream(stack: Stack) -> None:
    """Redis SIGKILLed for 10 s mid-stream: acks stay under 2 s; every 200 and every retried 503 answered once."""
    sent: list[tuple[str, bytes, dict[str, str], int, float]] = []
    stop_stream = threading.Event()

    def stream() -> None:
        while not stop_stream.is_set():
            user = f"stream-{len(sent):03d}"
            _, body, headers = stack.event(user)
            status, seconds = stack.post(body, headers)
            sent.append((user, body, headers, status, seconds))
            stop_stream.wait(0.1)

    thread = threading.Thread(target=stream)
    thread.start()
    try:
        while len(sent) < 15:
            time.sleep(0.05)
        # crash while a reply is on the wire: it arrives, but the worker cannot record it until Redis is back
        stack.fake.script(slow=[{"seconds": 0.8, "count": 1, "process": True, "paths": ["cs"]}])
        deadline = time.monotonic() + 10
        while any(rule.get("count") for rule in stack.fake.state()["rules"]):
            assert time.monotonic() < deadline, "no reply was sent\n" + stack.worker.describe()
            time.sleep(0.01)
        stack.redis.crash()
        down_at = time.monotonic()
        while time.monotonic() - down_at < 10:
            time.sleep(0.1)
        stack.redis.start()
        up_at = len(sent)
        while len(sent) < up_at + 15:
            time.sleep(0.05)
    finally:
        stop_stream.set()
        thread.join()
    statuses = [s[3] for s in sent]
    assert set(statuses) <= {200, 503}, statuses
    assert statuses.count(503) >= 10 and statuses.count(200) >= 20, statuses
    assert max(s[4] for s in sent) < 2.0, max(s[4] for s in sent)
    for user, body, headers, status, _ in sent:
        if status != 200:
            stack.deliver(body, headers)  # Zalo redelivers what was refused
    stack.assert_answered_once([s[0] for s in sent])
    assert stack.worker.alive() and stack.web.alive()
    assert "could not record a sent reply" in stack.worker.log_text()
    stack.fake.reset()


def test_zalo_5xx_and_late_answers_then_recovery(stack: Stack) -> None:
    """5xx for a while: retried with backoff; sends Zalo takes but answers after the timeout: recorded "maybe sent",
    never sent twice (README "Ambiguous sends"). Each reply arrives once, no dead letter."""
    stack.fake.script(http=[{"status": 503, "count": 4, "paths": ["cs"]}],
                      slow=[{"seconds": 1.5, "count": 3, "process": True, "paths": ["cs"]}])
    users = [f"flaky-{i}" for i in range(3)]
    for user in users:
        _, body, headers = stack.event(user)
        stack.deliver(body, headers)
    stack.assert_answered_once(users)
    assert stack.dead_letters() == []
    assert "may have been delivered (Zalo answered late): not sent again" in stack.worker.log_text()


def test_zalo_down_for_good_dead_letter_then_replay(stack: Stack) -> None:
    """Every retry fails: a dead letter (user id kept, no token, user hashed in the listing), replayed once."""
    stack.fake.script(http=[{"status": 500, "count": None, "paths": ["cs"]}])
    _, body, headers = stack.event("dead-user")
    stack.deliver(body, headers)
    deadline = time.monotonic() + 40
    while not stack.dead_letters():
        assert time.monotonic() < deadline, "no dead letter\n" + stack.worker.describe()
        time.sleep(0.2)
    stack.quiet()
    [letter] = stack.dead_letters()
    assert letter["user_id"] == "dead-user" and letter["outbox"]["sent"] == 0
    raw = b"".join(stack.client.get(k) for k in stack.client.keys("zlb:dead:*"))
    assert not any(secret.encode() in raw for secret in SECRETS)
    assert 0 < stack.client.ttl(f"zlb:dead:{letter['id']}") <= 7 * 24 * 3600
    listing = stack.cli("deadletters", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    [row] = json.loads(listing.stdout)
    assert row["id"] == letter["id"] and row["pending_replies"] >= 1
    assert "dead-user" not in listing.stdout
    stack.fake.reset()
    replayed = stack.cli("deadletters", "replay", "--all")
    assert replayed.returncode == 0 and f"{letter['id']}  queued" in replayed.stdout, replayed
    stack.assert_answered_once(["dead-user"])
    again = stack.cli("deadletters", "replay", letter["id"])
    assert again.returncode == 1 and "missing" in again.stdout
    stack.quiet()
    assert stack.fake.texts("dead-user") == stack.reference and stack.dead_letters() == []


def test_fake_zalo_stopped_and_restarted(stack: Stack) -> None:
    """The Zalo API unreachable while replies are due, back on the same port: each reply delivered once."""
    stack.fake.stop()
    users = [f"gone-{i}" for i in range(3)]
    msg_ids = []
    for user in users:
        msg_id, body, headers = stack.event(user)
        msg_ids.append(msg_id)
        stack.deliver(body, headers)
    deadline = time.monotonic() + 20
    while not stack.client.exists(f"zlb:outbox:{msg_ids[0]}"):  # the worker is trying to send
        assert time.monotonic() < deadline, stack.worker.describe()
        time.sleep(0.05)
    stack.fake.start()
    stack.assert_answered_once(users)
    assert stack.dead_letters() == []


def test_worker_killed_mid_send(stack: Stack) -> None:
    """SIGKILL (worker and its scheduler) while a send hangs (and Zalo drops it): a new worker runs the job again;
    one answer."""
    stack.fake.script(slow=[{"seconds": 1.5, "count": 1, "paths": ["cs"]}])
    msg_id, body, headers = stack.event("killed-user")
    stack.deliver(body, headers)
    deadline = time.monotonic() + 20
    while any(rule.get("count") for rule in stack.fake.state()["rules"]):  # the send is at Zalo, hanging
        assert time.monotonic() < deadline, stack.worker.describe()
        time.sleep(0.02)
    assert stack.client.exists(f"zlb:outbox:{msg_id}")
    stack.worker.kill()
    assert stack.fake.texts("killed-user") == []
    stack.worker = stack.new_worker()
    stack.assert_answered_once(["killed-user"])
    assert "lost its worker: queued again" in stack.worker.log_text()


def test_sigterm_worker_finishes_its_job_and_web_drains(stack: Stack) -> None:
    """SIGTERM: the worker ends the reply it is sending (warm shutdown); gunicorn answers in-flight requests."""
    stack.fake.script(slow=[{"seconds": 0.6, "count": 1, "process": True, "paths": ["cs"]}])
    msg_id, body, headers = stack.event("term-user")
    stack.deliver(body, headers)
    deadline = time.monotonic() + 20
    while not stack.client.exists(f"zlb:outbox:{msg_id}"):
        assert time.monotonic() < deadline, stack.worker.describe()
        time.sleep(0.02)
    stack.worker.signal(signal.SIGTERM)
    assert stack.worker.wait(30) == 0, stack.worker.describe()
    assert stack.fake.texts("term-user") == stack.reference
    assert "warm shut down" in stack.worker.log_text()
    statuses: list[int] = []

    def burst() -> None:
        for _ in range(30):
            _, b, h = stack.event("drain-user", "xin chào")
            statuses.append(stack.post(b, h)[0])

    thread = threading.Thread(target=burst)
    thread.start()
    while len(statuses) < 5:
        time.sleep(0.01)
    stack.web.signal(signal.SIGTERM)
    thread.join()
    assert stack.web.wait(30) == 0, stack.web.describe()
    assert statuses[:5] == [200] * 5 and set(statuses) <= {200, 0}, statuses


def test_logs_keep_secrets_and_users_out(stack: Stack) -> None:
    """No token, secret, user id in clear or message text in the web and worker logs of the whole suite."""
    users = ["ref-user", "stream-000", "flaky-0", "dead-user", "gone-0", "killed-user", "term-user", "drain-user"]
    for proc in (stack.web, stack.worker):
        text = proc.log_text()
        leaked = [s for s in (*SECRETS, *users, QUESTION, json.dumps(QUESTION)[1:-1]) if s in text]
        assert not leaked, f"{proc.name} log leaks {leaked}"
        assert not re.search(r"access_token['\"]?\s*[:=]\s*['\"]?fault-", text)
