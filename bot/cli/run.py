"""`python -m bot worker` (the rq worker) and `python -m bot serve` (the web app on the development server)."""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from bot.ops import logs, multiproc
from bot.ops.settings import Settings

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add `worker` and `serve` to the top-level subparsers."""
    sub.add_parser("worker", help="run the background worker").set_defaults(run=cmd_worker)
    sub.add_parser("serve", help="run the web app (development server; embedded worker without REDIS_URL)"
                   ).set_defaults(run=cmd_serve)


def _resume_broadcasts(services: Any) -> None:
    """Queue again the broadcasts a killed worker left unfinished."""
    from bot.officials.broadcasts import resume_stalled

    try:
        resumed = resume_stalled(services.store, services.queue)
    except Exception:  # noqa: BLE001 - replies must flow even if broadcasts cannot be resumed
        log.exception("could not resume broadcasts")
        return
    if resumed:
        log.info("resumed %d unfinished broadcast(s)", len(resumed))


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    """`python -m bot worker`: an rq worker on the "zalo-bot" queue (SIGTERM finishes the current job first)."""
    if not settings.redis_url:
        print("error: `python -m bot worker` needs REDIS_URL (e.g. redis://127.0.0.1:6379/0); "
              "without Redis, `python -m bot serve` runs jobs inside the web process", file=sys.stderr)
        return 2
    settings.require_zalo()
    logs.setup(settings)
    # before prometheus_client is imported (by the imports below): the worker's samples join the web's /metrics
    multiproc.prepare(settings)
    from bot.jobs import worker
    from bot.jobs.queue import RqJobQueue
    from bot.services import build_services

    services = build_services(settings)
    if not services.store.ping():
        print("error: Redis at REDIS_URL is not reachable", file=sys.stderr)
        return 1
    try:
        services.warm()
    except Exception:  # noqa: BLE001 - jobs will retry loading; the worker must still drain the queue
        log.exception("law library could not be loaded")
    if not isinstance(services.queue, RqJobQueue):
        print("error: the worker needs the rq queue", file=sys.stderr)
        return 2
    _resume_broadcasts(services)
    return worker.run(services.queue, services)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """`python -m bot serve`: the web app on the development server (jobs in a thread without REDIS_URL)."""
    from bot.web.app import create_app

    logs.setup(settings)
    app = create_app(settings)
    services = app.extensions["zlb"]
    mode = "embedded: jobs run in this process" if services.embedded else \
        "jobs go to Redis: run `python -m bot worker` too"
    print(f"serving on http://0.0.0.0:{settings.port} ({mode})", file=sys.stderr)
    app.run(host="0.0.0.0", port=settings.port, threaded=True, use_reloader=False)
    return 0
