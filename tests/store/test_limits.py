"""Abuse limits: answered messages per user per minute (one notice, then silence), and
the replay window on the webhook."""
from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bot.ops.datafiles import Texts
from bot.store import limits, stats
from bot.store.keys import conv_key
from bot.store.redis_state import RedisStateStore
from bot.store.state import InMemoryStateStore
from tests.ops_stack import USER, Stack, follow_event, make_stack, stack  # noqa: F401 - fixture

NOTICE = Texts.load().get("rate_limited")


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    """Poll until predicate() holds (fails after timeout)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_limit_then_one_notice_then_silence(kind: str, request: pytest.FixtureRequest) -> None:
    store: Any = RedisStateStore(request.getfixturevalue("redis_client")) if kind == "redis" else InMemoryStateStore()
    verdicts = [limits.check_user(store, USER, 3) for _ in range(6)]
    assert verdicts == ["ok", "ok", "ok", "notice", "silent", "silent"]
    assert 0 < store.ttl(limits.user_key(USER)) <= limits.USER_WINDOW
    assert limits.check_user(store, "someone-else", 3) == "ok"
    assert all(limits.check_user(store, USER, 0) == "ok" for _ in range(5))  # 0 = no limit


def test_the_window_passes(redis_client: Any) -> None:
    store = RedisStateStore(redis_client)
    assert [limits.check_user(store, USER, 1, window=1) for _ in range(3)] == ["ok", "notice", "silent"]
    wait_until(lambda: store.ttl(limits.user_key(USER)) == -2)
    assert limits.check_user(store, USER, 1, window=1) == "ok"


def test_counting_is_atomic_across_workers(redis_client: Any) -> None:
    verdicts: list[str] = []
    lock = threading.Lock()

    def hit() -> None:
        store = RedisStateStore(redis_client)
        for _ in range(10):
            verdict = limits.check_user(store, USER, 20)
            with lock:
                verdicts.append(verdict)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert verdicts.count("ok") == 20 and verdicts.count("notice") == 1 and verdicts.count("silent") == 59
    assert redis_client.ttl(limits.user_key(USER)) > 0


def test_worker_answers_the_limit_then_one_notice(settings: Any, redis_client: Any) -> None:
    from tests.fake_zalo import FakeZalo

    with FakeZalo() as fake:
        s = make_stack(settings, redis_client, fake, rate_limit_per_minute=3)
        s.post(follow_event(USER))  # a follow is not a message: not counted
        for i in range(6):
            s.say(f"nghỉ thai sản {i} tháng" if i != 2 else "sa thải khi mang thai")
        s.work()
        texts = s.texts()
        assert len(texts) == 1 + 3 + 1 and texts[-1] == NOTICE and texts.count(NOTICE) == 1
        # limited messages change nothing: the state is the third answer's, no statistics for them
        state = s.services.store.get_json(conv_key(USER))
        assert state["query"].endswith("sa thải khi mang thai")  # read with the question before it, if at all
        assert stats.report(s.services.store, days=1)["questions"] == 3
        # the window passes: answered again
        s.redis.delete(limits.user_key(USER))
        s.say("ly hôn ai nuôi con")
        s.work()
        assert len(s.texts()) == 6 and s.texts()[-1] != NOTICE


def test_limit_setting() -> None:
    from bot.ops.settings import Settings

    assert Settings.from_env({}).rate_limit_per_minute == 20
    assert Settings.from_env({"RATE_LIMIT_PER_MINUTE": "5"}).rate_limit_per_minute == 5
    assert Settings.from_env({"RATE_LIMIT_PER_MINUTE": "-1"}).rate_limit_per_minute == 0


# --- webhook replay window ------------------------------------------------------------------------------------
def test_stale_event_is_refused_and_retries_inside_the_window_pass(stack: Stack) -> None:
    from tests.ops_stack import text_event

    old = text_event(USER, "xin chào")
    old["timestamp"] = str(int(time.time() * 1000) - (stack.settings.replay_window_seconds + 60) * 1000)
    assert stack.post(old).status_code == 401
    recent = text_event(USER, "xin chào")
    recent["timestamp"] = str(int(time.time() * 1000) - (stack.settings.replay_window_seconds - 60) * 1000)
    assert stack.post(recent).status_code == 200
