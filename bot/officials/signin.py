"""Signing officials in to the console, with guessing slowed down but nobody locked out by someone else.

The choice (README "Officials' console"): wrong passwords are counted twice.
- Per account and client address: after PAIR_LIMIT wrong passwords that address may not try that account for
  PAIR_SECONDS. An attacker locks only herself out; the official at her own address is unaffected.
- Per account, from every address: after ACCOUNT_FREE wrong passwords within ACCOUNT_WINDOW each further attempt
  waits a delay that doubles per failure up to DELAY_CAP. Never a hard lock, and a browser that signed in to that
  account before (a signed "device" cookie, checked by the web layer) skips this delay, so an attacker spreading
  guesses over many addresses is slowed to one guess per DELAY_CAP while the official still gets in from her
  usual browser.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.officials import accounts, sessions

PAIR_LIMIT = 5
PAIR_SECONDS = 15 * 60
ACCOUNT_FREE = 10
ACCOUNT_WINDOW = 3600
DELAY_CAP = 300


@dataclass(frozen=True)
class SignIn:
    """The outcome of one attempt: the official and a session id, or a wait in seconds (0: a wrong password)."""

    official: accounts.Official | None = None
    session: str = ""
    wait: int = 0


def _who(name: str) -> str:
    """The name as a key part (whatever was typed, bounded)."""
    return re.sub(r"[^\w.@-]", "_", name or "")[:40] or "_"


def _pair_key(name: str, client: str) -> str:
    """Store key counting wrong passwords for one account from one client address."""
    return f"zlb:signin:pair:{_who(name)}:{client[:64]}"


def _account_key(name: str) -> str:
    """Store key counting wrong passwords for one account from anywhere."""
    return f"zlb:signin:acct:{_who(name)}"


def _slow_key(name: str) -> str:
    """Store key that exists while untrusted browsers must wait before trying the account again."""
    return f"zlb:signin:slow:{_who(name)}"


def retry_after(store: Any, name: str, client: str, trusted: bool = False) -> int:
    """Seconds before this client may try this account again (0: now)."""
    pair = store.get_json(_pair_key(name, client))
    if isinstance(pair, int) and pair >= PAIR_LIMIT:
        return max(1, store.ttl(_pair_key(name, client)))
    if not trusted and store.get_json(_slow_key(name)) is not None:
        return max(1, store.ttl(_slow_key(name)))
    return 0


def _failed(store: Any, name: str, client: str) -> None:
    """Count a wrong password against the pair and the account; past ACCOUNT_FREE start (or double) the delay."""
    store.incr(_pair_key(name, client), ttl=PAIR_SECONDS)
    count = store.incr(_account_key(name), ttl=ACCOUNT_WINDOW)
    if count >= ACCOUNT_FREE:
        store.set_json(_slow_key(name), 1, ttl=min(DELAY_CAP, 2 ** min(count - ACCOUNT_FREE, 16)))


def sign_in(store: Any, name: str, password: str, client: str, trusted: bool = False) -> SignIn:
    """Check a name and password unless this client must wait; a session for the official on success."""
    wait = retry_after(store, name, client, trusted)
    if wait:
        return SignIn(wait=wait)
    official = accounts.authenticate(store, name, password)
    if official is None:
        _failed(store, name, client)
        return SignIn()
    store.delete(_pair_key(name, client), _account_key(name), _slow_key(name))
    return SignIn(official, sessions.open_session(store, official.name))
