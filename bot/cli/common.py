"""What the commands share: the services a command needs, who is acting (for the audit log), JSON output."""
from __future__ import annotations

import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

from bot.ops.settings import Settings

if TYPE_CHECKING:
    from bot.services import Services


def actor() -> str:
    """Who runs the command, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "cli"


def open_services(settings: Settings, need_redis: bool = False) -> "Services | None":
    """Services for a command (Redis with REDIS_URL); None after printing an error when Redis is required or down."""
    # imported here: `python -m bot worker` must set up multiprocess metrics before prometheus_client is imported
    from bot.services import build_services

    if need_redis and not settings.redis_url:
        print("error: this command needs REDIS_URL (subscribers and broadcasts live in Redis)", file=sys.stderr)
        return None
    services = build_services(settings)
    if settings.redis_url and not services.store.ping():
        print("error: Redis at REDIS_URL is not reachable", file=sys.stderr)
        return None
    return services


def print_json(data: Any) -> None:
    """JSON on stdout, readable and in Vietnamese characters."""
    print(json.dumps(data, ensure_ascii=False, indent=2))
