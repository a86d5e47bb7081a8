"""Abuse limits kept in the state store: answered messages per user per minute, failed admin logins per client."""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

USER_WINDOW = 60  # seconds: RATE_LIMIT_PER_MINUTE answered messages per fixed window
OK, NOTICE, SILENT = "ok", "notice", "silent"


def user_key(user_id: str) -> str:
    """Store key counting a user's messages in the current window (expires with the window)."""
    return f"zlb:userrate:{user_id}"  # apart from bot.zalo.pacing's app-wide "zlb:rate:" windows


def admin_key(client: str) -> str:
    """Store key counting a client address's failed admin logins (expires with the lockout window)."""
    return f"zlb:adminfail:{client}"


def check_user(store: Any, user_id: str, limit: int, window: int = USER_WINDOW) -> str:
    """Count one message: "ok" up to `limit` a window, then "notice" once, then "silent" (limit 0 = no limit)."""
    if limit <= 0:
        return OK
    # INCR and EXPIRE NX in one MULTI (RedisStateStore.incr): the window starts with the first message
    count = store.incr(user_key(user_id), ttl=window)
    if count <= limit:
        return OK
    return NOTICE if count == limit + 1 else SILENT


def admin_retry_after(store: Any, client: str, max_failures: int) -> int:
    """Seconds a client must wait before trying admin again (0 = not locked out; max_failures 0 = no lockout)."""
    if max_failures <= 0:
        return 0
    try:
        failures = store.get_json(admin_key(client))
        if isinstance(failures, int) and failures >= max_failures:
            return max(1, store.ttl(admin_key(client)))
    except Exception as exc:  # noqa: BLE001 - store down: the token check still guards admin
        log.error("admin lockout check unavailable: %s", type(exc).__name__)
    return 0


def admin_failed(store: Any, client: str, window: int) -> int:
    """Count a failed admin login from a client; the count in the current window (0 when the store is down)."""
    try:
        return store.incr(admin_key(client), ttl=window)
    except Exception as exc:  # noqa: BLE001 - store down: nothing to count with
        log.error("admin lockout count unavailable: %s", type(exc).__name__)
        return 0
