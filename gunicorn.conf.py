"""Gunicorn settings the Procfile's flags do not carry: Prometheus multiprocess metrics and JSON logs.

Gunicorn reads ./gunicorn.conf.py by itself; the Procfile's `web:` line runs from the repository root.
"""
from __future__ import annotations

from typing import Any

from bot.ops import multiproc
from bot.ops.settings import Settings

# Before any worker imports prometheus_client: every worker (and `python -m bot worker` on the same host, which picks
# the same folder) writes its samples to this folder and /metrics sums them. PROMETHEUS_MULTIPROC_DIR overrides it.
METRICS_DIR = str(multiproc.prepare(Settings.from_env()))


def child_exit(server: Any, worker: Any) -> None:
    """A worker exited: drop its live-gauge files (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, METRICS_DIR)


# gunicorn's own lines ("Booting worker", timeouts) as JSON on stderr like the app's; the app adds its root handler
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "bot.ops.logs.gunicorn_formatter"}},
    "handlers": {"json": {"class": "bot.ops.logs.StderrHandler", "formatter": "json"}},
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False},
        # no access lines: the app logs each webhook request itself (outcome, request id), without client addresses
        "gunicorn.access": {"level": "WARNING", "handlers": ["json"], "propagate": False},
    },
}
