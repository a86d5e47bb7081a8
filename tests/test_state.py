"""bot.state: the in-process store's lock; RedisStateStore still importable from here."""
from __future__ import annotations

import pytest

from bot.state import InMemoryStateStore, LockTimeout


def test_in_memory_lock_accepts_keepalive() -> None:
    store = InMemoryStateStore()
    with store.lock("x", timeout=0.1, wait=0.1, keepalive=True):
        with pytest.raises(LockTimeout):
            with store.lock("x", wait=0.05):
                pass


def test_redis_store_still_importable_from_bot_state() -> None:
    from bot import redis_state, state

    assert state.RedisStateStore is redis_state.RedisStateStore
    with pytest.raises(AttributeError):
        state.NoSuchStore  # noqa: B018
