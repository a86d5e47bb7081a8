"""Processes for the fault, fuzz and load tests: a private redis-server (AOF, fsync always), the standalone fake Zalo,
the Procfile's gunicorn web and `python -m bot worker`, each in its own process group with a log file."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests import procs

# the process plumbing is tests.procs; the suites import it from here too
from tests.procs import ROOT, Proc, free_port, now_ms, process_env, procfile_argv, wait_ready  # noqa: F401

APP_ID = "fault-app-id"
APP_SECRET = "fault-app-secret-9f3k"
OA_SECRET = "fault-oa-secret-7h2m"
ACCESS_TOKEN = "fault-access-token-Q1"
REFRESH_TOKEN = "fault-refresh-token-W2"
ADMIN_TOKEN = "fault-admin-token-E3-7fQk2mXp9LzR4tWv"
SECRETS = (APP_SECRET, OA_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, ADMIN_TOKEN)


def text_event(user_id: str, msg_id: str, text: str, ts: str | None = None) -> dict[str, Any]:
    """A user_send_text event as Zalo posts it."""
    return {"app_id": APP_ID, "sender": {"id": user_id}, "user_id_by_app": "552177279717587730",
            "recipient": {"id": "579745863508352884"}, "event_name": "user_send_text",
            "message": {"text": text, "msg_id": msg_id}, "timestamp": ts or now_ms()}


def signed(event: dict[str, Any] | bytes, ts: str | None = None) -> tuple[bytes, dict[str, str]]:
    """(raw body, headers) signed as Zalo does for the fault stack's app."""
    return procs.signed(event, APP_ID, OA_SECRET, ts)


def base_env(**extra: str) -> dict[str, str]:
    """The inherited environment without the bot's settings, plus the fault stack's secrets and `extra`."""
    return process_env(**{"PYTHONPATH": str(ROOT), "ZALO_APP_ID": APP_ID, "ZALO_APP_SECRET": APP_SECRET,
                          "ZALO_OA_SECRET_KEY": OA_SECRET, "ZALO_ACCESS_TOKEN": ACCESS_TOKEN,
                          "ZALO_REFRESH_TOKEN": REFRESH_TOKEN, "ADMIN_TOKEN": ADMIN_TOKEN, **extra})


class RedisServer(Proc):
    """A private redis-server on a spare port; every write fsynced to its AOF before the reply; DEBUG allowed from
    loopback (DEBUG SLEEP hangs it like a stalled Redis)."""

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        data = log_dir / "redis-data"
        data.mkdir(exist_ok=True)
        argv = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(data), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--daemonize", "no", "--protected-mode", "yes", "--enable-debug-command", "local"]
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

    def hang(self, seconds: float) -> None:
        """Stall the server for `seconds` (DEBUG SLEEP from a connection of its own; returns when it wakes)."""
        import redis

        redis.Redis(port=self.port, socket_timeout=seconds + 10).execute_command("DEBUG", "SLEEP", str(seconds))

    def hang_started(self, seconds: float) -> threading.Thread:
        """Stall the server for `seconds` from a thread, returning once it is stalled (a PING goes unanswered), so
        that what runs next meets the stall however loaded the machine is."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        stall = threading.Thread(target=self.hang, args=(seconds,), daemon=True)
        # no retries: redis-py retries a timed-out command by default, which would wait the stall out
        probe = redis.Redis(port=self.port, socket_timeout=0.05, retry=Retry(NoBackoff(), 0))
        probe.ping()  # connected before the stall
        stall.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                probe.ping()
            except redis.TimeoutError:
                return stall
        raise RuntimeError("redis-server never stalled")


class FakeZaloProc(procs.FakeZaloProc):
    """The standalone fake Zalo holding the fault stack's credentials."""

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        super().__init__(log_dir, env, APP_ID, APP_SECRET, ACCESS_TOKEN, REFRESH_TOKEN)


def build_laws(laws_dir: Path, env: dict[str, str], shared: Path) -> None:
    """A small corpus (the plain-text statutes of ../shared/laws/text) for the worker to search."""
    sources = sorted(str(p) for p in (shared / "laws" / "text").glob("*.txt"))
    done = subprocess.run([sys.executable, "-m", "bot", "laws", "import", *sources], cwd=ROOT,
                          env={**env, "LAWS_DIR": str(laws_dir)}, capture_output=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode()[-2000:])
