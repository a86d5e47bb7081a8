"""The audit log of officials' actions: who did what when, kept in the store, never with secrets."""
from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone
from typing import Any

log = logging.getLogger("bot.officials.audit")

AUDIT_KEY = "zlb:audit"
MAX_ENTRIES = 10_000
MAX_VALUE = 200
_SECRET_WORDS = ("token", "secret", "password", "authorization", "cookie", "key")


def _clean(value: Any, depth: int = 0) -> Any:
    """A JSON-able, size-limited copy with secret-looking fields dropped."""
    if isinstance(value, dict):
        if depth > 2:
            return "…"
        return {str(k): _clean(v, depth + 1) for k, v in list(value.items())[:30]
                if not any(w in str(k).lower() for w in _SECRET_WORDS)}
    if isinstance(value, (list, tuple, set)):
        items = list(value)
        cleaned = [_clean(v, depth + 1) for v in items[:20]]
        return cleaned + ([f"… +{len(items) - 20}"] if len(items) > 20 else [])
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


def record(store: Any, actor: str, action: str, **details: Any) -> dict[str, Any]:
    """Append one entry (newest first) and log it; details are cleaned of secrets."""
    entry = {"at": datetime.fromtimestamp(time.time(), timezone.utc).isoformat(timespec="seconds"),
             "actor": _clean(actor), "action": action, "details": _clean(details)}
    try:
        store.lpush(AUDIT_KEY, json.dumps(entry, ensure_ascii=False), max_len=MAX_ENTRIES)
    except Exception:  # noqa: BLE001 - the action itself must not fail because the audit store is down
        log.error("audit entry not stored: %s by %s", action, entry["actor"])
    log.info("admin %s by %s", action, entry["actor"])
    return entry


def recent(store: Any, limit: int = 100) -> list[dict[str, Any]]:
    """The newest entries first."""
    return [json.loads(raw) for raw in store.lrange(AUDIT_KEY, 0, max(0, limit - 1))]
