"""Abuse limits: answered messages per user per minute (one notice, then silence), admin lockout after failed logins,
the replay window on the webhook."""
from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bot import create_app
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
        assert state["query"].startswith("sa thải")
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


# --- admin brute force ----------------------------------------------------------------------------------------
def admin_app(settings: Any, redis_client: Any, **changes: Any) -> Any:
    """The app with admin endpoints on the test Redis."""
    from bot.jobs.queue import RqJobQueue

    return create_app(settings.with_(**changes), store=RedisStateStore(redis_client),
                      queue=RqJobQueue(redis_client), library=object())


def get(app: Any, token: str, ip: str = "10.0.0.1") -> Any:
    """GET /admin/subscribers with a bearer token from a client address."""
    return app.test_client().get("/admin/subscribers", headers={"Authorization": f"Bearer {token}"},
                                 environ_base={"REMOTE_ADDR": ip})


def test_admin_lockout_after_failed_logins(settings: Any, redis_client: Any) -> None:
    app = admin_app(settings, redis_client, admin_max_failures=10, admin_lockout_seconds=600)
    good = settings.admin_token
    assert get(app, good).status_code == 200
    assert [get(app, f"guess-{i}").status_code for i in range(10)] == [401] * 10
    locked = get(app, good)
    assert locked.status_code == 429 and 590 <= int(locked.headers["Retry-After"]) <= 600
    assert get(app, "guess-x").status_code == 429  # no more guesses counted while locked out
    assert get(app, good, ip="10.0.0.2").status_code == 200  # another client is not affected


def test_requests_without_credentials_are_refused_but_not_counted(settings: Any, redis_client: Any) -> None:
    app = admin_app(settings, redis_client, admin_max_failures=2)
    client = app.test_client()
    for _ in range(5):
        assert client.get("/admin/subscribers", environ_base={"REMOTE_ADDR": "10.0.0.3"}).status_code == 401
    assert get(app, settings.admin_token, ip="10.0.0.3").status_code == 200


def test_admin_lockout_ends_when_the_window_passes(settings: Any, redis_client: Any) -> None:
    app = admin_app(settings, redis_client, admin_max_failures=2, admin_lockout_seconds=1)
    assert [get(app, "bad").status_code for _ in range(3)] == [401, 401, 429]
    wait_until(lambda: get(app, settings.admin_token).status_code == 200)


def test_admin_lockout_behind_a_proxy_uses_the_forwarded_client(settings: Any, redis_client: Any) -> None:
    app = admin_app(settings, redis_client, admin_max_failures=1, trusted_proxy_hops=1)

    def call(token: str, client: str) -> int:
        return app.test_client().get("/admin/subscribers", headers={
            "Authorization": f"Bearer {token}", "X-Forwarded-For": client},
            environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code

    assert call("bad", "203.0.113.5") == 401
    assert call(settings.admin_token, "203.0.113.5") == 429
    assert call(settings.admin_token, "203.0.113.6") == 200


# --- webhook replay window ------------------------------------------------------------------------------------
def test_stale_event_is_refused_and_retries_inside_the_window_pass(stack: Stack) -> None:
    from tests.ops_stack import text_event

    old = text_event(USER, "xin chào")
    old["timestamp"] = str(int(time.time() * 1000) - (stack.settings.replay_window_seconds + 60) * 1000)
    assert stack.post(old).status_code == 401
    recent = text_event(USER, "xin chào")
    recent["timestamp"] = str(int(time.time() * 1000) - (stack.settings.replay_window_seconds - 60) * 1000)
    assert stack.post(recent).status_code == 200
