"""Console sessions kept in the store: the browser holds only a random id (in a signed cookie), so signing out,
removing an official or changing a password ends the session everywhere at once."""
from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

IDLE_SECONDS = 2 * 3600  # a session unused this long ends
MAX_SECONDS = 12 * 3600  # and none lasts longer than a working day, used or not
_PREFIX = "zlb:console:session:"
_INDEX = "zlb:console:sessions:"  # set of one official's session digests


def _key(sid: str) -> str:
    """Store key of a session: the id's digest, so the store never holds a usable id."""
    return _PREFIX + hashlib.sha256(sid.encode()).hexdigest()


def open_session(store: Any, name: str) -> str:
    """Start a session for an official; the id to put in the cookie."""
    sid = secrets.token_urlsafe(32)
    store.set_json(_key(sid), {"name": name, "created": int(time.time())}, ttl=IDLE_SECONDS)
    store.sadd(_INDEX + name, _key(sid))
    store.expire(_INDEX + name, MAX_SECONDS)
    return sid


def session_owner(store: Any, sid: str, now: float | None = None) -> str | None:
    """The official a live session belongs to (its idle time restarts), or None when unknown or expired."""
    if not sid or len(sid) > 100:
        return None
    record = store.get_json(_key(sid))
    if not isinstance(record, dict):
        return None
    if (time.time() if now is None else now) - int(record.get("created", 0)) > MAX_SECONDS:
        close_session(store, sid)
        return None
    store.expire(_key(sid), IDLE_SECONDS)
    return str(record.get("name") or "") or None


def close_session(store: Any, sid: str) -> None:
    """End one session (sign-out)."""
    record = store.get_json(_key(sid)) if sid else None
    store.delete(_key(sid))
    if isinstance(record, dict) and record.get("name"):
        store.srem(_INDEX + str(record["name"]), _key(sid))


def close_all(store: Any, name: str) -> int:
    """End every session of an official (removed, or given a new password); how many there were."""
    keys = sorted(store.smembers(_INDEX + name))
    ended = store.delete(*keys) if keys else 0
    store.delete(_INDEX + name)
    return int(ended)
