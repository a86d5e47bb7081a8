"""Two hosts on one Redis, nothing lost: host A and host B each run the Procfile's gunicorn web and `python -m bot
worker` with a LAWS_DIR of their own (B starts empty), on one private redis-server (AOF, fsync always) and the
standalone fake Zalo. Every event is delivered to both hosts, Zalo-style redeliveries come every 0.2 s while a host
answers anything but 200; worker A is SIGKILLed mid-stream; a law imported through host B is answered by host A's
worker; Redis hangs (DEBUG SLEEP) while deliveries keep coming. Every message is answered once, in order.

Each user asks for articles of the social insurance law by citation ("điều 52 luật bảo hiểm xã hội"): the answer
names the article, so the order and the count of answers can be read from what she received.
"""
from __future__ import annotations

import re
import signal
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from tests.fault_stack import (
    ADMIN_TOKEN,
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

USERS = [f"two-host-{i}" for i in range(6)]
FIRST_ARTICLE = 50
HEADER = re.compile(r"^Điều (\d+) Luật Bảo hiểm xã hội số 41/2024/QH15")
GENDER = "bình đẳng giới là gì"
GENDER_LAW = "Luật Bình đẳng giới số 73/2006/QH11"


class Host:
    """One host: its LAWS_DIR, metrics folder, web on a port of its own and a worker."""

    def __init__(self, name: str, tmp: Path, common: dict[str, str]) -> None:
        self.name = name
        self.tmp = tmp
        self.laws = tmp / f"laws-{name}"
        metrics = tmp / f"metrics-{name}"  # each host has its own /metrics folder
        metrics.mkdir()
        self.env = {**common, "LAWS_DIR": str(self.laws), "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.web = Proc(f"web-{name}", procfile_argv("web", self.port), self.env, tmp)
        self.worker = self.new_worker()
        self.http = requests.Session()

    def new_worker(self) -> Proc:
        """A `python -m bot worker` of this host (one log across restarts)."""
        return Proc(f"worker-{self.name}", procfile_argv("worker"), self.env, self.tmp)

    def restart_worker(self) -> None:
        """Start a new worker and wait until it listens (its log is shared with the ones before)."""
        before = self.worker.log_text().count("*** Listening on")
        self.worker = self.new_worker().start()
        deadline = time.monotonic() + 60
        while self.worker.log_text().count("*** Listening on") <= before:
            assert self.worker.alive() and time.monotonic() < deadline, self.worker.describe()
            time.sleep(0.1)

    def start(self) -> None:
        """Web and worker."""
        self.web.start()
        self.worker.start()

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        """One webhook delivery; 0 when the connection failed."""
        try:
            return self.http.post(f"{self.url}/zalo/webhook", data=body, headers=headers, timeout=5).status_code
        except requests.RequestException:
            return 0

    def ready(self) -> dict[str, Any]:
        """GET /readyz."""
        return dict(self.http.get(f"{self.url}/readyz", timeout=10).json())

    def stop(self) -> None:
        """Stop web and worker."""
        for proc in (self.worker, self.web):
            proc.stop(10)


class TwoHosts:
    """Redis, the fake Zalo and hosts A and B."""

    def __init__(self, tmp: Path, shared: Path) -> None:
        self.tmp = tmp
        self.redis = RedisServer(tmp).start()
        self.fake = FakeZaloProc(tmp, base_env()).start()
        common = base_env(REDIS_URL=self.redis.url, ZALO_API_BASE=self.fake.base_url,
                          ZALO_OAUTH_BASE=self.fake.base_url, ZALO_TIMEOUT_SECONDS="2",
                          JOB_RETRY_INTERVALS="1,1,2", WORKER_LEASE_SECONDS="3")
        self.a, self.b = Host("a", tmp, common), Host("b", tmp, common)
        build_laws(self.a.laws, self.a.env, shared)  # imported on A (published to Redis); B's LAWS_DIR is empty
        for host in (self.a, self.b):
            host.start()
        for host in (self.a, self.b):
            wait_ready(host.url, [host.web, host.worker], timeout=90)
        self.acks: list[int] = []

    def deliver(self, event: dict[str, Any]) -> None:
        """Deliver an event to both hosts at once, each redelivered every 0.2 s until it answers 200."""
        body, headers = signed(event)

        def to(host: Host) -> None:
            deadline = time.monotonic() + 60
            while True:
                status = host.post(body, headers)
                self.acks.append(status)
                if status == 200:
                    return
                assert time.monotonic() < deadline, f"host {host.name} never acknowledged (last {status})"
                time.sleep(0.2)

        threads = [threading.Thread(target=to, args=(h,)) for h in (self.a, self.b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=90)

    def ask(self, first: int, count: int, before: Any = None) -> None:
        """Each user asks for `count` articles from `first` on, one after the other; `before(i)` runs just before
        round i's deliveries (a fault that must be on by then)."""
        for i in range(count):
            if before is not None:
                before(i)
            threads = [threading.Thread(target=self.deliver, args=(
                text_event(user, f"{user}-art{first + i}", f"điều {first + i} luật bảo hiểm xã hội"),))
                for user in USERS]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)

    def running(self, pid: int) -> bool:
        """True while the rq worker of this pid runs a job (its execution is in the started registry)."""
        import redis

        client = redis.Redis.from_url(self.redis.url)
        names = {n for n in client.smembers("rq:workers") if client.hget(n, "pid") == str(pid).encode()}
        for entry in client.zrange("rq:wip:zalo-bot", 0, -1):
            name = client.hget(f"rq:execution:{entry.decode()}", "worker_name")
            if name is not None and b"rq:worker:" + name in names:
                return True
        return False

    def articles(self, user: str) -> list[int]:
        """The articles a user received, in the order received."""
        return [int(m.group(1)) for m in (HEADER.match(t) for t in self.fake.texts(user)) if m]

    def close(self) -> None:
        """Stop everything."""
        for host in (self.a, self.b):
            host.stop()
        self.fake.stop(10)
        self.redis.stop(10)


@pytest.fixture
def hosts(tmp_path: Path, shared_dir: Path) -> Iterator[TwoHosts]:
    """The two hosts, stopped after the test."""
    stack = TwoHosts(tmp_path, shared_dir)
    try:
        yield stack
    finally:
        stack.close()


def wait_for(predicate: Any, timeout: float, what: str, stack: TwoHosts) -> None:
    """Poll until predicate() holds, else fail with the workers' logs."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached in {timeout}s\n{stack.a.worker.describe()}\n"
                                 f"{stack.b.worker.describe()}")
        time.sleep(0.1)


def test_two_hosts_on_one_redis_answer_every_message_once_in_order(hosts: TwoHosts, shared_dir: Path) -> None:
    started = time.monotonic()
    a, b = hosts.a, hosts.b
    # host B started empty and caught up by itself: both serve the version published by A's import
    ready_a, ready_b = a.ready(), b.ready()
    assert ready_b["version"] == ready_a["version"] == ready_b["published"] and ready_b["articles"] == 13

    # 1. a stream of questions, every event to both hosts; worker A SIGKILLed while it sends a reply (Zalo is slow
    # then drops it, so the reply never arrived), then started again
    def kill_worker_a(round_: int) -> None:
        if round_ == 1:
            hosts.fake.script(slow=[{"seconds": 1.0, "count": 12, "paths": ["cs"]}])
            deadline = time.monotonic() + 30
            while not hosts.running(a.worker.pid):  # worker A is inside a (slow) send
                assert time.monotonic() < deadline, a.worker.describe()
                time.sleep(0.02)
            a.worker.kill()
        if round_ == 2:
            a.restart_worker()

    hosts.ask(FIRST_ARTICLE, 4, kill_worker_a)
    wait_for(lambda: "lost its worker: queued again" in a.worker.log_text() + b.worker.log_text(), 30,
             "the killed worker's job queued again", hosts)

    # 2. a law imported through host B (B's worker alone is up) is answered by host A's worker
    a.worker.signal(signal.SIGTERM)
    assert a.worker.wait(30) == 0, a.worker.describe()
    html = next(p for p in sorted((shared_dir / "laws/phapdien/demuc").glob("*.html"))
                if "Đề mục 8.2" in p.read_text(encoding="utf-8", errors="replace")[:200_000])
    queued = b.http.post(f"{b.url}/admin/laws", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                         files={"file": (html.name, html.read_bytes())}, timeout=30)
    assert queued.status_code == 202, queued.text
    status: dict[str, Any] = {}

    def imported() -> bool:
        status.update(b.http.get(f"{b.url}{queued.json()['url']}", headers={
            "Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10).json())
        return status["state"] in ("done", "failed")

    wait_for(imported, 60, "the import", hosts)
    assert status["state"] == "done", status
    b.worker.signal(signal.SIGTERM)
    assert b.worker.wait(30) == 0, b.worker.describe()
    a.restart_worker()
    hosts.deliver(text_event("two-host-law", "two-host-law-1", GENDER))
    wait_for(lambda: hosts.fake.texts("two-host-law"), 60, "the answer from the imported law", hosts)
    assert GENDER_LAW in hosts.fake.texts("two-host-law")[0]
    wait_for(lambda: a.ready().get("version") == status["version"], 30, "host A's web on the new version", hosts)
    b.restart_worker()

    # 3. Redis hangs three times for 1.5 s (past the web's 1 s timeout) while deliveries and redeliveries go on; each
    # round's deliveries start once it hangs (started alongside, they could all be answered before it did)
    def hang(round_: int) -> None:
        if round_ < 3:
            hosts.redis.hang_started(1.5)

    hosts.ask(FIRST_ARTICLE + 4, 4, before=hang)
    assert 503 in hosts.acks or 0 in hosts.acks, "Redis never hung under a delivery"

    expected = list(range(FIRST_ARTICLE, FIRST_ARTICLE + 8))
    wait_for(lambda: all(len(hosts.articles(u)) >= len(expected) for u in USERS), 90, "every answer", hosts)
    client = __import__("redis").Redis.from_url(hosts.redis.url)
    wait_for(lambda: client.llen("rq:queue:zalo-bot") + client.zcard("rq:wip:zalo-bot")
             + client.zcard("rq:scheduled:zalo-bot") == 0, 30, "an empty queue", hosts)
    for user in USERS:
        assert hosts.articles(user) == expected, (user, hosts.articles(user))
    assert client.keys("zlb:parked:*") == [] and all(client.llen(k) == 0 for k in client.keys("zlb:turns:*"))
    print(f"two hosts: {len(USERS) * len(expected) + 1} messages, {len(hosts.acks)} deliveries "
          f"({hosts.acks.count(503) + hosts.acks.count(0)} refused while Redis hung), "
          f"{time.monotonic() - started:.0f} s")
