"""End-to-end plumbing: the real Procfile processes and the standalone fake Zalo as subprocesses, Zalo-signed events.

Signing follows SPEC §3 literally (SHA-256 of app_id + raw body + timestamp + OA secret key), independently of
bot.security, so a wrong implementation in the bot cannot be mirrored by the test.
"""
from __future__ import annotations

import hashlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from bot.config import ENV_NAMES

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "3206567425609033798"
APP_SECRET = "e2e-app-secret-Qm4tV7"
OA_SECRET = "e2e-oa-secret-Xk9pL2"
ACCESS_0 = "e2e-access-token-A0"
REFRESH_0 = "e2e-refresh-token-R0"
ADMIN_TOKEN = "e2e-admin-token-Z5"
OA_ID = "579745863508352884"
SECRETS = (APP_SECRET, OA_SECRET, ACCESS_0, REFRESH_0, ADMIN_TOKEN)


def free_port() -> int:
    """A port nobody listens on right now (loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def now_ms() -> str:
    """Epoch milliseconds as Zalo writes them (a string)."""
    return str(int(time.time() * 1000))


def zalo_mac(body: bytes, timestamp: str, app_id: str = APP_ID, secret: str = OA_SECRET) -> str:
    """X-ZEvent-Signature value per SPEC §3."""
    return "mac=" + hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()


def text_event(user_id: str, msg_id: str, text: str, ts: str | None = None) -> dict[str, Any]:
    """A user_send_text event shaped like SPEC's sample."""
    return {"app_id": APP_ID, "sender": {"id": user_id}, "user_id_by_app": "552177279717587730",
            "recipient": {"id": OA_ID}, "event_name": "user_send_text",
            "message": {"text": text, "msg_id": msg_id}, "timestamp": ts or now_ms()}


def follow_event(user_id: str, ts: str | None = None) -> dict[str, Any]:
    """A follow event shaped like SPEC's sample."""
    return {"app_id": APP_ID, "oa_id": OA_ID, "user_id_by_app": "1923626015168953374", "event_name": "follow",
            "timestamp": ts or now_ms(), "source": "oa_profile", "follower": {"id": user_id}}


def signed(event: dict[str, Any] | bytes, ts: str | None = None, secret: str = OA_SECRET) -> tuple[bytes, dict[str, str]]:
    """(raw body, headers) as Zalo posts them; the timestamp is the body's unless given."""
    body = event if isinstance(event, bytes) else json.dumps(event, ensure_ascii=False).encode()
    stamp = ts or (event.get("timestamp") if isinstance(event, dict) else None) or now_ms()
    return body, {"X-ZEvent-Signature": zalo_mac(body, str(stamp), secret=secret),
                  "Content-Type": "application/json"}


class Proc:
    """A subprocess in its own process group, output to a log file, stopped group-wide."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self, stdout: int | None = None) -> "Proc":
        """Start it (stdout to a pipe when asked, else with stderr into the log, appended across restarts)."""
        log = open(self.log_path, "ab")
        try:
            self.popen = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, start_new_session=True,
                                          stdin=subprocess.DEVNULL, stdout=stdout or log, stderr=log)
        finally:
            log.close()
        return self

    def alive(self) -> bool:
        """True while running."""
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the whole group, SIGKILL it after `timeout`; the exit code."""
        if self.popen is None:
            return None
        pgid = self.popen.pid
        if self.popen.poll() is None:
            _killpg(pgid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                _killpg(pgid, signal.SIGKILL)
                self.popen.wait(5)
        # leftovers of the group (gunicorn workers) must not outlive the test
        _killpg(pgid, signal.SIGKILL)
        if self.popen.stdout is not None:
            self.popen.stdout.close()
        return self.popen.returncode

    def log_text(self) -> str:
        """What it wrote so far."""
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    def describe(self) -> str:
        """Command line and log tail, for assertion messages."""
        return f"{self.name}: {shlex.join(self.argv)}\n--- log tail ---\n{self.log_text()[-3000:]}"


def _killpg(pgid: int, sig: int) -> None:
    """killpg ignoring a group that is already gone."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class FakeZaloProc(Proc):
    """`python -m tests.fake_zalo --port 0` and its /_fake admin API."""

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        super().__init__("fake_zalo", [sys.executable, "-m", "tests.fake_zalo", "--port", "0", "--app-id", APP_ID,
                                       "--app-secret", APP_SECRET, "--access-token", ACCESS_0,
                                       "--refresh-token", REFRESH_0], env, log_dir)
        self.base_url = ""
        self.http = requests.Session()

    def start(self, stdout: int | None = None) -> "FakeZaloProc":
        """Start and read the port it prints on its first line."""
        super().start(stdout=subprocess.PIPE)
        assert self.popen is not None and self.popen.stdout is not None
        line = self.popen.stdout.readline().decode().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"fake Zalo did not print its port: {line!r}\n{self.describe()}")
        self.base_url = f"http://127.0.0.1:{int(line)}"
        return self

    def messages(self, least: int = 0, timeout: float = 0.0) -> list[dict[str, Any]]:
        """Accepted messages, waiting (long poll) until there are at least `least` or `timeout` passes."""
        resp = self.http.get(f"{self.base_url}/_fake/messages", params={"min": least, "timeout": timeout},
                             timeout=timeout + 10)
        resp.raise_for_status()
        return list(resp.json()["messages"])

    def state(self) -> dict[str, Any]:
        """Tokens, counters, calls."""
        resp = self.http.get(f"{self.base_url}/_fake/state", timeout=10)
        resp.raise_for_status()
        return dict(resp.json())

    def script(self, **rules: Any) -> dict[str, Any]:
        """Make it misbehave (see FakeZalo.script)."""
        resp = self.http.post(f"{self.base_url}/_fake/script", json=rules, timeout=10)
        resp.raise_for_status()
        return dict(resp.json())

    def wait_user(self, user_id: str, count: int = 1, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Messages to one user once there are at least `count` (long polls until the deadline)."""
        deadline = time.monotonic() + timeout
        total = 0
        while True:
            everything = self.messages(total + 1, timeout=max(0.0, min(5.0, deadline - time.monotonic())))
            total = len(everything)
            mine = [m for m in everything if m["user_id"] == user_id]
            if len(mine) >= count or time.monotonic() >= deadline:
                return mine


def wait_ready(base_url: str, procs: list[Proc], timeout: float = 40.0) -> dict[str, Any]:
    """Poll GET /readyz until 200 (index loaded, store reachable); fail early if a process died."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        for proc in procs:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited with {proc.popen and proc.popen.returncode}\n"
                                   f"{proc.describe()}")
        try:
            resp = requests.get(f"{base_url}/readyz", timeout=5)
            last = resp.status_code, resp.text[:300]
            if resp.status_code == 200:
                return dict(resp.json())
        except requests.RequestException as exc:
            last = repr(exc)
        time.sleep(0.1)
    raise RuntimeError(f"{base_url}/readyz not ready after {timeout}s: {last}\n" +
                       "\n".join(p.describe() for p in procs))


def process_env(**extra: str) -> dict[str, str]:
    """The inherited environment minus the bot's own settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def procfile_web_argv(port: int) -> list[str]:
    """The Procfile's web: command, bound to 127.0.0.1:<port> instead of 0.0.0.0:$PORT."""
    line = next(l for l in (ROOT / "Procfile").read_text().splitlines() if l.startswith("web:"))
    argv = shlex.split(line[len("web:"):].strip())
    assert argv[0] == "gunicorn", line
    rest: list[str] = []
    args = iter(argv[1:])
    for arg in args:
        if arg in ("--bind", "-b"):
            next(args)  # the Procfile binds 0.0.0.0:$PORT; the test keeps to loopback
        elif not arg.startswith("--bind="):
            rest.append(arg)
    return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *rest]


def procfile_worker_argv() -> list[str]:
    """The Procfile's worker: command (python = this interpreter)."""
    line = next(l for l in (ROOT / "Procfile").read_text().splitlines() if l.startswith("worker:"))
    argv = shlex.split(line[len("worker:"):].strip())
    assert argv[:3] == ["python", "-m", "bot"], line
    return [sys.executable] + argv[1:]
