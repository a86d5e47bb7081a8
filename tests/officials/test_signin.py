"""Console sign-in over real Redis: sessions that end (sign-out, idle, age, removal) and guessing slowed per
account and client address without a hard lock."""
from __future__ import annotations

import time
from typing import Any

import pytest

from bot.officials import accounts, sessions, signin
from bot.store.redis_state import RedisStateStore

PASSWORD = "mat-khau-dai-2026"


@pytest.fixture
def store(redis_client: Any) -> RedisStateStore:
    """A real Redis store with one official."""
    found = RedisStateStore(redis_client)
    accounts.add(found, "hoa", PASSWORD)
    return found


def test_a_session_names_its_official_until_closed(store: Any) -> None:
    outcome = signin.sign_in(store, "hoa", PASSWORD, "10.0.0.1")
    assert outcome.official is not None and outcome.official.name == "hoa"
    assert sessions.session_owner(store, outcome.session) == "hoa"
    assert 0 < store.ttl(next(iter(store.keys("zlb:console:session:*")))) <= sessions.IDLE_SECONDS
    assert outcome.session not in str(store.keys("zlb:console:*"))  # only its digest is stored
    sessions.close_session(store, outcome.session)
    assert sessions.session_owner(store, outcome.session) is None


def test_a_session_ends_after_its_maximum_age_even_when_used(store: Any) -> None:
    sid = sessions.open_session(store, "hoa")
    assert sessions.session_owner(store, sid, now=time.time() + sessions.MAX_SECONDS - 60) == "hoa"
    assert sessions.session_owner(store, sid, now=time.time() + sessions.MAX_SECONDS + 1) is None
    assert sessions.session_owner(store, sid) is None  # and it is gone


@pytest.mark.parametrize("sid", ["", "x", "a" * 500])
def test_unknown_session_ids_name_nobody(store: Any, sid: str) -> None:
    assert sessions.session_owner(store, sid) is None


def test_close_all_ends_every_session_of_one_official(store: Any) -> None:
    accounts.add(store, "lan", PASSWORD)
    hers = [sessions.open_session(store, "hoa") for _ in range(3)]
    other = sessions.open_session(store, "lan")
    assert sessions.close_all(store, "hoa") == 3
    assert [sessions.session_owner(store, s) for s in hers] == [None] * 3
    assert sessions.session_owner(store, other) == "lan"


def test_the_pair_lock_counts_one_address_against_one_account(store: Any) -> None:
    for _ in range(signin.PAIR_LIMIT):
        assert signin.sign_in(store, "hoa", "wrong-password", "198.51.100.1") == signin.SignIn()
    locked = signin.sign_in(store, "hoa", PASSWORD, "198.51.100.1")
    assert locked.official is None and 0 < locked.wait <= signin.PAIR_SECONDS
    assert signin.sign_in(store, "hoa", PASSWORD, "198.51.100.2").official is not None


def test_the_account_delay_doubles_caps_and_spares_trusted_browsers(store: Any) -> None:
    waits = []
    for i in range(signin.ACCOUNT_FREE + 12):
        signin.sign_in(store, "hoa", "wrong-password", f"203.0.113.{i}")  # a new address each time
        waits.append(signin.retry_after(store, "hoa", "192.0.2.1"))
        store.delete("zlb:signin:slow:hoa")  # let the next guess through to see the next delay
    assert waits[:signin.ACCOUNT_FREE - 1] == [0] * (signin.ACCOUNT_FREE - 1)
    assert waits[signin.ACCOUNT_FREE - 1:signin.ACCOUNT_FREE + 3] == [1, 2, 4, 8]
    assert max(waits) == signin.DELAY_CAP
    signin.sign_in(store, "hoa", "wrong-password", "203.0.113.250")
    assert signin.sign_in(store, "hoa", PASSWORD, "192.0.2.1").wait > 0
    assert signin.sign_in(store, "hoa", PASSWORD, "192.0.2.1", trusted=True).official is not None
    assert signin.retry_after(store, "hoa", "192.0.2.1") == 0  # her success clears the counts


def test_guessing_one_account_leaves_the_others_alone(store: Any) -> None:
    accounts.add(store, "lan", PASSWORD)
    for i in range(signin.ACCOUNT_FREE + 5):
        signin.sign_in(store, "hoa", "wrong-password", f"203.0.113.{i}")
    assert signin.sign_in(store, "lan", PASSWORD, "203.0.113.1").official is not None
