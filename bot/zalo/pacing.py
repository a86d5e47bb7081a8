"""Pacing calls under Zalo's per-app limit: evenly spaced in this process, capped per window across processes."""
from __future__ import annotations

import time
from typing import Any, Callable

RATE_PREFIX = "zlb:rate:"


class Pacer:
    """Blocks before each call so all broadcasting processes together stay under `per_minute` calls."""

    def __init__(self, store: Any, per_minute: int, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.store = store
        self.per_minute = max(1, int(per_minute))
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        # one-second windows keep bursts small; below 60 calls/min a second would allow none
        self.window = 1 if self.per_minute >= 60 else 60
        self.limit = max(1, self.per_minute * self.window // 60)

    def wait(self) -> None:
        """Return when the next call may go out."""
        now = self.clock()
        if self._next > now:
            self.sleep(self._next - now)
            now = self.clock()
        self._next = max(now, self._next) + 60.0 / self.per_minute
        while True:
            slot = int(now // self.window)
            used = self.store.incr(f"{RATE_PREFIX}{self.window}:{slot}", ttl=self.window * 2 + 1)
            if used <= self.limit:
                return
            self.sleep((slot + 1) * self.window - now + 0.001)
            now = self.clock()
