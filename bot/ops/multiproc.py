"""Where Prometheus multiprocess metrics live, chosen before prometheus_client is imported (stdlib only)."""
from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.ops.settings import Settings

ENV = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus_client itself when it is first imported
_PID = re.compile(r"_(\d+)\.db$")


def default_dir(settings: "Settings") -> Path:
    """A temp folder shared by the web and worker processes of one deployment (same REDIS_URL / LAWS_DIR)."""
    anchor = settings.redis_url or str(settings.laws_dir)
    return Path(tempfile.gettempdir()) / f"zlb-metrics-{hashlib.sha1(anchor.encode()).hexdigest()[:10]}"


def _alive(pid: int) -> bool:
    """True when a process with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_dead(path: Path) -> int:
    """Delete metric files of processes that no longer run (a previous start's), keep the live ones'."""
    removed = 0
    for file in path.glob("*.db"):
        match = _PID.search(file.name)
        if match and not _alive(int(match.group(1))):
            try:
                file.unlink()
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def prepare(settings: "Settings") -> Path:
    """Create (and tidy) the metrics folder and export it so prometheus_client runs in multiprocess mode.

    Must run before anything imports prometheus_client (gunicorn.conf.py, `python -m bot worker`)."""
    if "prometheus_client" in sys.modules:
        logging.getLogger(__name__).warning("prometheus_client was imported first: metrics stay in this process")
    path = Path(settings.metrics_dir) if settings.metrics_dir else default_dir(settings)
    path.mkdir(parents=True, exist_ok=True)
    clean_dead(path)
    # exported, not read: prometheus_client picks its value class from this variable at import time
    os.environ[ENV] = str(path)
    return path
