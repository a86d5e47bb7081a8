"""Process plumbing shared by the suites that run real processes (e2e, admin e2e, faults, fuzz, metrics, rq worker):
ports, the environment a child gets, subprocesses in their own process group, the standalone fake Zalo, the Procfile's
commands, readiness, and Zalo-signed webhook bodies.

Signing follows SPEC §3 literally (SHA-256 of app_id + raw body + timestamp + OA secret key), independently of
bot.zalo.signature, so a wrong implementation in the bot cannot be mirrored by the tests.
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

from bot.ops.settings import ENV_NAMES

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def now_ms() -> str:
    """Epoch milliseconds as Zalo writes them (a string)."""
    return str(int(time.time() * 1000))


def zalo_mac(body: bytes, timestamp: str, app_id: str, secret: str) -> str:
    """X-ZEvent-Signature value per SPEC §3."""
    return "mac=" + hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()


def signed(event: dict[str, Any] | bytes, app_id: str, secret: str,
           ts: str | None = None) -> tuple[bytes, dict[str, str]]:
    """(raw body, headers) as Zalo posts them; the timestamp is the body's unless given."""
    body = event if isinstance(event, bytes) else json.dumps(event, ensure_ascii=False).encode()
    stamp = ts or (event.get("timestamp") if isinstance(event, dict) else None) or now_ms()
    return body, {"X-ZEvent-Signature": zalo_mac(body, str(stamp), app_id, secret),
                  "Content-Type": "application/json"}


def signed_for(settings: Any, event: dict[str, Any] | bytes, ts: str | None = None,
               secret: str | None = None) -> tuple[bytes, dict[str, str]]:
    """signed() with the app id and OA secret of a bot.ops.settings.Settings (another secret when given)."""
    return signed(event, settings.zalo_app_id, secret or settings.zalo_oa_secret_key, ts)


def process_env(**extra: str) -> dict[str, str]:
    """The inherited environment minus the bot's own settings (a developer's shell never leaks in), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


class Proc:
    """A subprocess in its own process group, stdout and stderr appended to a log file, stopped group-wide.

    stop() sends SIGTERM to the leader (term_group: to the whole group) and SIGKILLs the group after stop_timeout.
    """

    term_group = False
    stop_timeout = 15.0

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self, stdout: int | None = None) -> "Proc":
        """Start it (stdout piped when asked, else with stderr into the log, appended across restarts)."""
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, start_new_session=True,
                                          stdin=subprocess.DEVNULL, stdout=stdout or log, stderr=log)
        return self

    @property
    def pid(self) -> int:
        """The leader's pid (the process group's id too)."""
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        """True while running."""
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int, group: bool = False) -> None:
        """Send a signal to the leader (or its whole group); a process already gone is ignored."""
        try:
            os.killpg(self.pid, sig) if group else os.kill(self.pid, sig)
        except (ProcessLookupError, PermissionError):
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

    def stop(self, timeout: float | None = None) -> int | None:
        """SIGTERM, SIGKILL the group after timeout (stop_timeout); leftovers of the group (gunicorn workers) never
        outlive it. The exit code."""
        if self.popen is None:
            return None
        if self.alive():
            self.signal(signal.SIGTERM, group=self.term_group)
            if self.wait(self.stop_timeout if timeout is None else timeout) is None:
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
        """Command line and log tail, for assertion messages."""
        return f"{self.name}: {shlex.join(self.argv)}\n--- log tail ---\n{self.log_text()[-3000:]}"


class GroupProc(Proc):
    """A Proc whose stop() sends SIGTERM to the whole group at once (gunicorn's master and workers alike), SIGKILL
    after 10 s."""

    term_group = True
    stop_timeout = 10.0


class FakeZaloProc(Proc):
    """`python -m tests.fake_zalo` and its /_fake admin API; restartable on the same port, and remembers what it
    accepted across restarts and resets."""

    def __init__(self, log_dir: Path, env: dict[str, str], app_id: str, app_secret: str, access_token: str,
                 refresh_token: str) -> None:
        super().__init__("fake_zalo", [], env, log_dir)
        self.credentials = ["--app-id", app_id, "--app-secret", app_secret, "--access-token", access_token,
                            "--refresh-token", refresh_token]
        self.port = 0
        self.archived: list[dict[str, Any]] = []
        self.http = requests.Session()

    def start(self, stdout: int | None = None) -> "FakeZaloProc":
        """Start (port 0 the first time, the same port after) and read the port it prints on its first line."""
        self.argv = [sys.executable, "-m", "tests.fake_zalo", "--port", str(self.port), *self.credentials]
        super().start(stdout=subprocess.PIPE)
        assert self.popen is not None and self.popen.stdout is not None
        line = self.popen.stdout.readline().decode().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"fake Zalo did not print its port: {line!r}\n{self.describe()}")
        self.port = int(line)
        return self

    @property
    def base_url(self) -> str:
        """Its URL (ZALO_API_BASE and ZALO_OAUTH_BASE)."""
        return f"http://127.0.0.1:{self.port}"

    def current(self, least: int = 0, timeout: float = 0.0) -> list[dict[str, Any]]:
        """Messages this run of the fake accepted (long poll until there are `least` or timeout passes)."""
        resp = self.http.get(f"{self.base_url}/_fake/messages", params={"min": least, "timeout": timeout},
                             timeout=timeout + 10)
        resp.raise_for_status()
        return list(resp.json()["messages"])

    def messages(self, least: int = 0, timeout: float = 0.0) -> list[dict[str, Any]]:
        """Every message accepted since the first start, waiting (long poll) until there are at least `least`."""
        return self.archived + self.current(max(0, least - len(self.archived)), timeout)

    def state(self) -> dict[str, Any]:
        """Tokens, counters, calls and the scripted rules with what is left of their counts."""
        resp = self.http.get(f"{self.base_url}/_fake/state", timeout=10)
        resp.raise_for_status()
        return dict(resp.json())

    def script(self, **rules: Any) -> dict[str, Any]:
        """Make it misbehave (see FakeZalo.script)."""
        resp = self.http.post(f"{self.base_url}/_fake/script", json=rules, timeout=10)
        resp.raise_for_status()
        return dict(resp.json())

    def reset(self) -> None:
        """Forget scripts (messages are archived first)."""
        self.archived += self.current()
        self.http.post(f"{self.base_url}/_fake/reset", json={}, timeout=10).raise_for_status()

    def stop(self, timeout: float | None = None) -> int | None:
        """Stop it, keeping what it accepted."""
        if self.alive() and self.port:
            try:
                self.archived += self.current()
            except requests.RequestException:
                pass
        return super().stop(timeout)

    def texts(self, user_id: str) -> list[str]:
        """Texts one user received so far, in order."""
        return [m["text"] for m in self.messages() if m["user_id"] == user_id]

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

    def wait_texts(self, users: list[str], count: int, timeout: float) -> dict[str, list[str]]:
        """Each user's texts once every user has at least `count` (or the deadline passed)."""
        deadline = time.monotonic() + timeout
        while True:
            seen = len(self.current())
            got: dict[str, list[str]] = {u: [] for u in users}
            for m in self.messages():
                if m["user_id"] in got:
                    got[m["user_id"]].append(m["text"])
            left = deadline - time.monotonic()
            if all(len(t) >= count for t in got.values()) or left <= 0:
                return got
            self.current(seen + 1, timeout=min(2.0, left))  # long poll: returns as soon as something arrives


def procfile_argv(kind: str, port: int | None = None) -> list[str]:
    """The Procfile's `kind` command with this interpreter; the web one bound to 127.0.0.1:port instead of
    0.0.0.0:$PORT (unbound when port is None)."""
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith(kind + ":"))
    argv = shlex.split(line[len(kind) + 1:].strip())
    if argv[0] == "python":
        assert argv[:3] == ["python", "-m", "bot"], line
        return [sys.executable, *argv[1:]]
    assert argv[0] == "gunicorn", line
    rest: list[str] = []
    args = iter(argv[1:])
    for arg in args:
        if arg in ("--bind", "-b"):
            next(args)  # the test keeps to loopback
        elif not arg.startswith("--bind="):
            rest.append(arg)
    bind = [] if port is None else ["--bind", f"127.0.0.1:{port}"]
    return [sys.executable, "-m", "gunicorn", *bind, *rest]


# seconds a running stack may take to serve a new corpus version: a few on an idle machine, but every process loads
# the whole library again, which on 2 busy cores takes much longer; waited for, never slept
NEW_VERSION_WITHIN = 90.0


def wait_ready(base_url: str, procs: list[Proc], timeout: float = 120.0, path: str = "/readyz") -> dict[str, Any]:
    """Poll GET path (/readyz: index loaded, store reachable) until 200, its JSON; fail early if a process died.
    The deadline is generous: each gunicorn worker loads the whole library, which takes a while on 2 busy cores."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        for proc in procs:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited with {proc.popen and proc.popen.returncode}\n"
                                   f"{proc.describe()}")
        try:
            resp = requests.get(f"{base_url}{path}", timeout=5)
            last = resp.status_code, resp.text[:300]
            if resp.status_code == 200:
                return dict(resp.json())
        except requests.RequestException as exc:
            last = repr(exc)
        time.sleep(0.1)
    raise RuntimeError(f"{base_url}{path} not ready after {timeout}s: {last}\n" +
                       "\n".join(p.describe() for p in procs))
