"""bot.store.redis_state locks on a real Redis: a short lock kept alive while held, and lapsing when its holder is gone."""
from __future__ import annotations

import time
from typing import Any

import pytest

from bot.store.redis_state import RedisStateStore
from bot.store.state import LockTimeout


def test_keepalive_lock_outlives_its_timeout_while_held(redis_client: Any) -> None:
    store = RedisStateStore(redis_client)
    with store.lock("user:u1", timeout=1.0, wait=0.1, keepalive=True):
        until = time.monotonic() + 2.5  # two and a half timeouts
        while time.monotonic() < until:
            with pytest.raises(LockTimeout):
                with store.lock("user:u1", timeout=1.0, wait=0.05):
                    pass
            time.sleep(0.2)
    with store.lock("user:u1", timeout=1.0, wait=0.1):
        pass


def test_lock_without_keepalive_lapses_after_its_timeout(redis_client: Any) -> None:
    store = RedisStateStore(redis_client)
    with store.lock("user:u2", timeout=0.5, wait=0.1):
        # a holder that stopped renewing (its process died): the next job gets the lock once it lapses
        with store.lock("user:u2", timeout=0.5, wait=3.0):
            pass
