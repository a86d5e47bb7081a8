"""`python -m bot officials ...` as an official would run it: passwords typed twice on stdin, against a real Redis."""
from __future__ import annotations

import os
import subprocess
import sys

from bot.officials import accounts, audit
from bot.store.redis_state import RedisStateStore
from tests.conftest import REDIS_URL, ROOT


def bot(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run `python -m bot` with REDIS_URL set to the test database."""
    env = {**os.environ, "REDIS_URL": REDIS_URL, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot", *argv], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=60)


def test_officials_commands(redis_client) -> None:
    store = RedisStateStore(redis_client)
    assert bot("officials", "add", "lan", "--role", "admin", stdin="mật khẩu đủ dài\nmật khẩu đủ dài\n").returncode == 0
    done = bot("officials", "add", "hoa", stdin="mật khẩu đủ dài\nkhác hẳn\n")
    assert done.returncode == 1 and "differ" in done.stderr and accounts.get(store, "hoa") is None
    assert bot("officials", "add", "lan", stdin="mật khẩu đủ dài\nmật khẩu đủ dài\n").returncode == 1
    assert bot("officials", "list").stdout.split() == ["lan", "admin"]
    assert bot("officials", "passwd", "lan", stdin="mật khẩu thứ hai\nmật khẩu thứ hai\n").returncode == 0
    assert accounts.authenticate(store, "lan", "mật khẩu thứ hai") is not None
    token = bot("officials", "token", "lan").stdout.strip()
    assert accounts.token_owner(store, token) == "lan"
    assert bot("officials", "remove", "lan").returncode == 0 and accounts.officials(store) == []
    actions = [entry["action"] for entry in audit.recent(store)]
    assert {"officials_add", "officials_passwd", "officials_token", "officials_remove"} <= set(actions)


def test_officials_need_redis() -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    done = subprocess.run([sys.executable, "-m", "bot", "officials", "list"], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=60)
    assert done.returncode == 2 and "REDIS_URL" in done.stderr
