"""bot.store.state: the in-process store's lock."""
from __future__ import annotations

import pytest

from bot.store.state import InMemoryStateStore, LockTimeout


def test_in_memory_lock_accepts_keepalive() -> None:
    store = InMemoryStateStore()
    with store.lock("x", timeout=0.1, wait=0.1, keepalive=True):
        with pytest.raises(LockTimeout):
            with store.lock("x", wait=0.05):
                pass
