"""`python -m bot worker` and `serve`: the worker needs Redis, runs queued jobs, stops cleanly on SIGTERM; the
command line loads no metrics library before the worker has set up multiprocess metrics."""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from typing import Any

import pytest

from bot.cli.run import cmd_worker
from bot.jobs.queue import RqJobQueue
from tests.conftest import REDIS_URL, ROOT


def test_command_line_imports_no_metrics_before_the_worker_sets_them_up() -> None:
    code = "import sys, bot.cli.main; print('prometheus_client' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_worker_needs_redis(settings: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_worker(settings.with_(redis_url=""), argparse.Namespace()) == 2
    assert "REDIS_URL" in capsys.readouterr().err


def test_worker_runs_queued_jobs_and_stops_on_sigterm(settings: Any, redis_client: Any, tmp_path: Any) -> None:
    RqJobQueue(redis_client).enqueue("tests.jobs.test_queue.record", "from the worker command")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REDIS_URL": REDIS_URL, "LAWS_DIR": str(tmp_path / "laws"),
           "ZALO_APP_ID": "a", "ZALO_APP_SECRET": "b", "ZALO_OA_SECRET_KEY": "c"}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert redis_client.blpop(["t:done"], timeout=30) == (b"t:done", "from the worker command".encode())
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"warm shut down" in err
