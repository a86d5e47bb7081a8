"""Processes for the fault, fuzz and load tests: a private redis-server (AOF, fsync always), the standalone fake Zalo,
the Procfile's gunicorn web and `python -m bot worker`, each in its own process group with a log file."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from bot.config import ENV_NAMES
from bot.security import sign

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "fault-app-id"
APP_SECRET = "fault-app-secret-9f3k"
OA_SECRET = "fault-oa-secret-7h2m"
ACCESS_TOKEN = "fault-access-token-Q1"
REFRESH_TOKEN = "fault-refresh-token-W2"
ADMIN_TOKEN = "fault-admin-token-E3"
SECRETS = (APP_SECRET, OA_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, ADMIN_TOKEN)
OWN_ENV = ENV_NAMES


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def now_ms() -> str:
    """Epoch milliseconds as Zalo writes them."""
    return str(int(time.time() * 1000))


def text_event(user_id: str, msg_id: str, text: str, ts: str | None = None) -> dict[str, Any]:
    """A user_send_text event as Zalo posts it."""
    return {"app_id": APP_ID, "sender": {"id": user_id}, "user_id_by_app": "552177279717587730",
            "recipient": {"id": "579745863508352884"}, "event_name": "user_send_text",
            "message": {"text": text, "msg_id": msg_id}, "timestamp": ts or now_ms()}


def signed(event: dict[str, Any] | bytes, ts: str | None = None) -> tuple[bytes, dict[str, str]]:
    """(raw body, headers) signed as Zalo does."""
    body = event if isinstance(event, bytes) else json.dumps(event, ensure_ascii=False).encode()
    stamp = ts or (event.get("timestamp") if isinstance(event, dict) else None) or now_ms()
    return body, {"X-ZEvent-Signature": sign(APP_ID, body, str(stamp), OA_SECRET),
                  "Content-Type": "application/json"}


def base_env(**extra: str) -> dict[str, str]:
    """The inherited environment without the bot's settings, plus the fault stack's secrets and `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in OWN_ENV}
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), ZALO_APP_ID=APP_ID, ZALO_APP_SECRET=APP_SECRET,
               ZALO_OA_SECRET_KEY=OA_SECRET, ZALO_ACCESS_TOKEN=ACCESS_TOKEN, ZALO_REFRESH_TOKEN=REFRESH_TOKEN,
               ADMIN_TOKEN=ADMIN_TOKEN)
    env.update(extra)
    return env


class Proc:
    """A subprocess in its own process group, stdout+stderr appended to a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self, stdout: int | None = None) -> "Proc":
        """Start it (stdout piped when asked, else into the log)."""
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, start_new_session=True,
                                          stdin=subprocess.DEVNULL, stdout=stdout or log, stderr=log)
        return self

    @property
    def pid(self) -> int:
        """The leader's pid."""
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        """True while running."""
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int, group: bool = False) -> None:
        """Send a signal to the leader (or its whole group)."""
        try:
            os.killpg(self.pid, sig) if group else os.kill(self.pid, sig)
        except ProcessLookupError:
            pass

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if still running after timeout."""
        assert self.popen is not None
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """SIGKILL the whole group (a crash) and reap the leader."""
        if self.popen is not None:
            self.signal(signal.SIGKILL, group=True)
            self.popen.wait(10)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM the leader, SIGKILL the group after timeout; leftovers of the group never outlive it."""
        if self.popen is None:
            return None
        if self.alive():
            self.signal(signal.SIGTERM)
            if self.wait(timeout) is None:
                self.signal(signal.SIGKILL, group=True)
                self.popen.wait(10)
        self.signal(signal.SIGKILL, group=True)
        if self.popen.stdout is not None:
            self.popen.stdout.close()
        return self.popen.returncode

    def log_text(self) -> str:
        """What it wrote so far."""
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    def describe(self) -> str:
        """Command and log tail for assertion messages."""
        return f"{self.name}: {shlex.join(self.argv)}\n--- log tail ---\n{self.log_text()[-3000:]}"


class RedisServer(Proc):
    """A private redis-server on a spare port; every write fsynced to its AOF before the reply."""

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        data = log_dir / "redis-data"
        data.mkdir(exist_ok=True)
        argv = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(data), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--daemonize", "no", "--protected-mode", "yes"]
        super().__init__("redis", argv, dict(os.environ), log_dir)

    @property
    def url(self) -> str:
        """redis://127.0.0.1:<port>/0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, stdout: int | None = None) -> "RedisServer":
        """Start and wait until it answers PING (data reloaded from the AOF)."""
        import redis

        super().start(stdout)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(self.describe())
            try:
                if client.ping():
                    return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer\n{self.describe()}")

    def crash(self) -> None:
        """SIGKILL: what fsync-always AOF promises is exactly what survives."""
        self.kill()


class FakeZaloProc(Proc):
    """`python -m tests.fake_zalo`, restartable on the same port; remembers messages across restarts and resets."""

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        super().__init__("fake_zalo", [], env, log_dir)
        self.port = 0
        self.archived: list[dict[str, Any]] = []
        self.http = requests.Session()

    def start(self, stdout: int | None = None) -> "FakeZaloProc":
        """Start (port 0 the first time, the same port after) and read the port it prints."""
        self.argv = [sys.executable, "-m", "tests.fake_zalo", "--port", str(self.port), "--app-id", APP_ID,
                     "--app-secret", APP_SECRET, "--access-token", ACCESS_TOKEN, "--refresh-token", REFRESH_TOKEN]
        super().start(stdout=subprocess.PIPE)
        assert self.popen is not None and self.popen.stdout is not None
        line = self.popen.stdout.readline().decode().strip()
        if not line.isdigit():
            raise RuntimeError(f"fake Zalo did not print its port: {line!r}\n{self.describe()}")
        self.port = int(line)
        return self

    @property
    def base_url(self) -> str:
        """Its URL (ZALO_API_BASE and ZALO_OAUTH_BASE)."""
        return f"http://127.0.0.1:{self.port}"

    def current(self, least: int = 0, timeout: float = 0.0) -> list[dict[str, Any]]:
        """Messages this run of the fake accepted (long poll until `least` or timeout)."""
        resp = self.http.get(f"{self.base_url}/_fake/messages", params={"min": least, "timeout": timeout},
                             timeout=timeout + 10)
        resp.raise_for_status()
        return list(resp.json()["messages"])

    def messages(self) -> list[dict[str, Any]]:
        """Every message accepted since the first start."""
        return self.archived + self.current()

    def state(self) -> dict[str, Any]:
        """Tokens, counters, calls and the scripted rules with what is left of their counts."""
        resp = self.http.get(f"{self.base_url}/_fake/state", timeout=10)
        resp.raise_for_status()
        return dict(resp.json())

    def script(self, **rules: Any) -> None:
        """Make it misbehave (FakeZalo.script)."""
        self.http.post(f"{self.base_url}/_fake/script", json=rules, timeout=10).raise_for_status()

    def reset(self) -> None:
        """Forget scripts (messages are archived first)."""
        self.archived += self.current()
        self.http.post(f"{self.base_url}/_fake/reset", json={}, timeout=10).raise_for_status()

    def stop(self, timeout: float = 15.0) -> int | None:
        """Stop it, keeping what it accepted."""
        if self.alive():
            try:
                self.archived += self.current()
            except requests.RequestException:
                pass
        return super().stop(timeout)

    def texts(self, user_id: str) -> list[str]:
        """Texts one user received so far, in order."""
        return [m["text"] for m in self.messages() if m["user_id"] == user_id]

    def wait_texts(self, users: list[str], count: int, timeout: float) -> dict[str, list[str]]:
        """Each user's texts once every user has at least `count` (or the deadline passed)."""
        deadline = time.monotonic() + timeout
        while True:
            seen = len(self.current())
            got = {u: [] for u in users}
            for m in self.messages():
                if m["user_id"] in got:
                    got[m["user_id"]].append(m["text"])
            left = deadline - time.monotonic()
            if all(len(t) >= count for t in got.values()) or left <= 0:
                return got
            self.current(seen + 1, timeout=min(2.0, left))  # long poll: returns as soon as something arrives


def procfile_argv(kind: str, port: int = 0) -> list[str]:
    """The Procfile's web (bound to 127.0.0.1:port) or worker command, with this interpreter."""
    line = next(l for l in (ROOT / "Procfile").read_text().splitlines() if l.startswith(kind + ":"))
    argv = shlex.split(line[len(kind) + 1:].strip())
    if kind == "worker":
        return [sys.executable] + argv[1:]
    rest, args = [], iter(argv[1:])
    for arg in args:
        if arg in ("--bind", "-b"):
            next(args)
        elif not arg.startswith("--bind="):
            rest.append(arg)
    return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *rest]


def wait_ready(url: str, procs: list[Proc], timeout: float = 40.0) -> None:
    """Poll GET /readyz until 200; fail early when a process died."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        for proc in procs:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited\n{proc.describe()}")
        try:
            resp = requests.get(f"{url}/readyz", timeout=5)
            if resp.status_code == 200:
                return
            last = resp.status_code, resp.text[:200]
        except requests.RequestException as exc:
            last = repr(exc)
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready: {last}\n" + "\n".join(p.describe() for p in procs))


def build_laws(laws_dir: Path, env: dict[str, str], shared: Path) -> None:
    """A small corpus (the plain-text statutes of ../shared/laws/text) for the worker to search."""
    sources = sorted(str(p) for p in (shared / "laws" / "text").glob("*.txt"))
    done = subprocess.run([sys.executable, "-m", "bot", "laws", "import", *sources], cwd=ROOT,
                          env={**env, "LAWS_DIR": str(laws_dir)}, capture_output=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode()[-2000:])
