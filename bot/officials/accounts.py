"""Officials' accounts: name, role, a salted password hash (werkzeug's scrypt), and personal API tokens kept only as
SHA-256 digests. The console signs officials in with these; the admin API names its actor by them."""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from bot.officials import sessions
from bot.ops.errors import Explained

ACCOUNTS_KEY = "zlb:officials"  # hash: name -> JSON record
TOKEN_PREFIX = "zlb:official-token:"  # one key per token digest -> name
ROLES = ("admin", "editor")  # admin also manages officials
MIN_PASSWORD = 10
MIN_TOKEN = 32  # characters of any bearer token accepted, ADMIN_TOKEN included
_NAME = re.compile(r"^[\w.@-]{2,40}$")
# a fixed hash to check against when the name is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class AccountError(Explained, ValueError):
    """An account operation that cannot be done (bad name, short password, unknown or existing official)."""


@dataclass(frozen=True)
class Official:
    """A signed-in or listed official (never the password hash)."""

    name: str
    role: str
    created: int

    @property
    def is_admin(self) -> bool:
        """True for officials who manage other officials."""
        return self.role == "admin"


def _digest(token: str) -> str:
    """What is stored of a token: its SHA-256 (tokens are long random strings, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _record(store: Any, name: str) -> dict[str, Any] | None:
    """The stored record of one official."""
    raw = store.hget(ACCOUNTS_KEY, name)
    return json.loads(raw) if raw else None


def _save(store: Any, record: dict[str, Any]) -> None:
    """Write one official's record."""
    store.hset(ACCOUNTS_KEY, {record["name"]: json.dumps(record)})


def _check_password(password: str) -> None:
    """Refuse passwords too short to resist guessing."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters", "password_short",
                           min=MIN_PASSWORD)


def add(store: Any, name: str, password: str, role: str = "editor") -> Official:
    """Create an official; AccountError when the name is taken or invalid, the role unknown, the password short."""
    if not _NAME.match(name):
        raise AccountError("a name is 2 to 40 letters, digits, '.', '_', '@' or '-'", "account_name")
    if role not in ROLES:
        raise AccountError(f"the role is one of {', '.join(ROLES)}", "account_role", value=role)
    _check_password(password)
    if not store.hsetnx(ACCOUNTS_KEY, name, "{}"):  # claims the name atomically
        raise AccountError(f"an official named {name!r} already exists", "account_exists", name=name)
    record = {"name": name, "role": role, "created": int(time.time()),
              "password": generate_password_hash(password), "tokens": []}
    _save(store, record)
    return Official(name, role, record["created"])


def get(store: Any, name: str) -> Official | None:
    """An official by name, or None."""
    record = _record(store, name)
    if not record or "role" not in record:
        return None
    return Official(record["name"], record["role"], int(record.get("created", 0)))


def officials(store: Any) -> list[Official]:
    """Every official, by name."""
    found = [get(store, name) for name in sorted(store.hgetall(ACCOUNTS_KEY))]
    return [o for o in found if o is not None]


def remove(store: Any, name: str) -> None:
    """Delete an official, revoke their API tokens and end their console sessions; AccountError when unknown."""
    record = _record(store, name)
    if record is None:
        raise AccountError(f"no official named {name!r}", "account_unknown", name=name)
    for digest in record.get("tokens", ()):
        store.delete(TOKEN_PREFIX + digest)
    store.hdel(ACCOUNTS_KEY, name)
    sessions.close_all(store, name)


def set_password(store: Any, name: str, password: str) -> None:
    """Give an official a new password; AccountError when unknown or too short."""
    record = _record(store, name)
    if record is None or "role" not in record:
        raise AccountError(f"no official named {name!r}", "account_unknown", name=name)
    _check_password(password)
    record["password"] = generate_password_hash(password)
    _save(store, record)
    sessions.close_all(store, name)  # a changed password also ends the console sessions opened with the old one


def authenticate(store: Any, name: str, password: str) -> Official | None:
    """The official when the name and password match; None otherwise (same work either way)."""
    record = _record(store, name) if _NAME.match(name or "") else None
    stored = (record or {}).get("password") or _DUMMY_HASH
    if not check_password_hash(stored, password or "") or record is None:
        return None
    return Official(record["name"], record["role"], int(record.get("created", 0)))


def issue_token(store: Any, name: str) -> str:
    """A new personal API token for `/admin/*` (shown once; only its digest is kept)."""
    record = _record(store, name)
    if record is None or "role" not in record:
        raise AccountError(f"no official named {name!r}", "account_unknown", name=name)
    token = secrets.token_urlsafe(32)
    digest = _digest(token)
    store.set_json(TOKEN_PREFIX + digest, name)
    record["tokens"] = [*record.get("tokens", []), digest]
    _save(store, record)
    return token


def token_owner(store: Any, token: str) -> str | None:
    """The official a personal API token belongs to, or None (looked up by digest: no secret is compared)."""
    if len(token or "") < MIN_TOKEN:
        return None
    name = store.get_json(TOKEN_PREFIX + _digest(token))
    return str(name) if name and get(store, str(name)) is not None else None
