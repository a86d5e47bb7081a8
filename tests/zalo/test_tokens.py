"""OAuth v4 tokens: refresh on -216/-220, single-use refresh tokens across workers, failures, nothing logged."""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import pytest
import redis

from bot.store.redis_state import RedisStateStore
from bot.store.state import InMemoryStateStore
from bot.zalo.client import ZaloClient, ZaloError
from bot.zalo.tokens import TOKENS_KEY, TokenError, TokenManager
from tests.conftest import REDIS_URL
from tests.fake_zalo import FakeZalo, fake_zalo, point_at  # noqa: F401 - fake_zalo is a fixture

SECRETS = ("access-0", "refresh-0", "access-1", "refresh-1", "app-secret-test")


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def client_for(settings: Any, fake: FakeZalo, store: Any, **kw: Any) -> ZaloClient:
    """A client on the fake that never really sleeps."""
    return ZaloClient(point_at(settings, fake), store, sleep=lambda s: None, **kw)


@pytest.mark.parametrize("break_token, code", [(FakeZalo.revoke_token, -216), (FakeZalo.expire_token, -220)])
def test_refused_token_refreshed_and_retried_once(settings: Any, fake_zalo: FakeZalo,  # noqa: F811
                                                  redis_client: Any, break_token: Any, code: int) -> None:
    zalo = client_for(settings, fake_zalo, RedisStateStore(redis_client))
    assert zalo.send_text("u1", "một").ok
    break_token(fake_zalo)
    assert zalo.send_text("u1", "hai").ok
    assert [c["error"] for c in fake_zalo.calls] == [0, code, 0, 0]
    assert [m["token"] for m in fake_zalo.messages] == ["access-0", "access-1"]
    stored = json.loads(redis_client.get(TOKENS_KEY))
    assert (stored["access"], stored["refresh"]) == ("access-1", "refresh-1")
    assert stored["expires_at"] > time.time() + 89000 and fake_zalo.spent == {"refresh-0"}


def test_token_refused_again_after_refresh_is_not_looped(settings: Any, fake_zalo: FakeZalo,  # noqa: F811
                                                         store: Any) -> None:
    fake_zalo.fail_calls(-216, paths=["cs"])
    result = client_for(settings, fake_zalo, store).send_text("u1", "xin chào")
    assert (result.ok, result.error, result.reason) == (False, -216, "token_invalid")
    assert fake_zalo.refreshes == 1 and len(fake_zalo.calls) == 3  # send, refresh, send


def test_refresh_ahead_of_expiry(settings: Any, store: Any) -> None:
    clock = Clock()
    with FakeZalo(expires_in="1000") as fake:
        zalo = ZaloClient(point_at(settings, fake), store, clock=clock, sleep=lambda s: None)
        fake.revoke_token()
        assert zalo.send_text("u1", "một").ok and fake.refreshes == 1
        clock.now += 600  # 400 s left: still fine
        assert zalo.send_text("u1", "hai").ok and fake.refreshes == 1
        clock.now += 200  # 200 s left: refreshed before the call
        assert zalo.send_text("u1", "ba").ok and fake.refreshes == 2
        assert [c["error"] for c in fake.calls if c["endpoint"] == "cs"] == [-216, 0, 0, 0]
        assert [m["token"] for m in fake.messages] == ["access-1", "access-1", "access-2"]


@pytest.mark.parametrize("workers", [2, 8])
def test_concurrent_workers_spend_refresh_token_once(settings: Any, fake_zalo: FakeZalo,  # noqa: F811
                                                     redis_client: Any, workers: int) -> None:
    connections = [redis.Redis.from_url(REDIS_URL) for _ in range(workers)]  # one per "process"
    clients = [client_for(settings, fake_zalo, RedisStateStore(c)) for c in connections]
    assert clients[0].send_text("warm", "x").ok
    fake_zalo.expire_token()
    start = threading.Barrier(workers)
    results: dict[int, Any] = {}

    def work(i: int) -> None:
        start.wait()
        results[i] = clients[i].send_text(f"u{i}", f"tin {i}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(results[i].ok for i in range(workers))
    assert fake_zalo.refreshes == 1 and fake_zalo.reused == 0
    assert [c["refresh_token"] for c in fake_zalo.oauth_calls] == ["refresh-0"]
    assert json.loads(redis_client.get(TOKENS_KEY))["refresh"] == "refresh-1"
    for c in connections:
        c.close()


def test_concurrent_threads_in_memory(settings: Any, fake_zalo: FakeZalo) -> None:  # noqa: F811
    zalo = client_for(settings, fake_zalo, InMemoryStateStore())
    fake_zalo.revoke_token()
    threads = [threading.Thread(target=zalo.send_text, args=(f"u{i}", "x")) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert fake_zalo.wait_for(lambda m: len(m) == 6, timeout=10) and fake_zalo.refreshes == 1


def test_oauth_error_payload_keeps_the_pair(settings: Any, fake_zalo: FakeZalo, store: Any) -> None:  # noqa: F811
    zalo = client_for(settings, fake_zalo, store)
    fake_zalo.script(revoke_token=True, oauth_failures=1)
    result = zalo.send_text("u1", "x")
    assert (result.ok, result.error, result.retryable, result.reason) == (False, -216, False, "refresh_refused")
    assert "Internal error" in result.message
    assert store.get_json(TOKENS_KEY)["refresh"] == "refresh-0"  # not spent: kept for the next try
    assert zalo.send_text("u1", "x").ok and fake_zalo.spent == {"refresh-0"}


@pytest.mark.parametrize("change", [{"zalo_app_secret": "wrong-secret"}, {"zalo_app_id": "other-app"}])
def test_oauth_rejects_bad_app(settings: Any, fake_zalo: FakeZalo, store: Any, change: dict) -> None:  # noqa: F811
    zalo = ZaloClient(point_at(settings, fake_zalo).with_(**change), store, sleep=lambda s: None)
    fake_zalo.revoke_token()
    result = zalo.send_text("u1", "x")
    assert (result.ok, result.reason) == (False, "refresh_refused") and fake_zalo.refreshes == 0


def test_spent_refresh_token_reported(settings: Any, fake_zalo: FakeZalo, store: Any) -> None:  # noqa: F811
    zalo = client_for(settings, fake_zalo, store)
    zalo.refresh_access_token()
    store.set_json(TOKENS_KEY, dict(store.get_json(TOKENS_KEY), access="access-0", refresh="refresh-0"))
    with pytest.raises(ZaloError) as info:
        zalo.refresh_access_token()
    assert info.value.reason == "refresh_refused" and fake_zalo.reused == 1


def test_oauth_unreachable_is_retryable(settings: Any, fake_zalo: FakeZalo, store: Any) -> None:  # noqa: F811
    fake_zalo.script(revoke_token=True, http=[{"status": 500, "paths": ["oauth"]}])
    result = client_for(settings, fake_zalo, store).send_text("u1", "x")
    assert (result.ok, result.retryable, result.reason) == (False, True, "oauth_unreachable")
    assert store.get_json(TOKENS_KEY)["refresh"] == "refresh-0"


def test_refresh_only_settings_refresh_first(settings: Any, fake_zalo: FakeZalo, store: Any) -> None:  # noqa: F811
    zalo = client_for(settings.with_(zalo_access_token=""), fake_zalo, store)
    assert zalo.send_text("u1", "x").ok
    assert fake_zalo.messages[0]["token"] == "access-1" and [c["error"] for c in fake_zalo.calls] == [0, 0]


def test_no_tokens_configured(settings: Any, fake_zalo: FakeZalo, store: Any) -> None:  # noqa: F811
    zalo = client_for(settings.with_(zalo_access_token="", zalo_refresh_token=""), fake_zalo, store)
    result = zalo.send_text("u1", "x")
    assert (result.ok, result.retryable, result.reason) == (False, False, "no_tokens") and fake_zalo.calls == []


def test_seeding_follows_new_configured_tokens_only(settings: Any, fake_zalo: FakeZalo,  # noqa: F811
                                                    store: Any) -> None:
    client_for(settings, fake_zalo, store).refresh_access_token()  # store: access-1/refresh-1
    old_deploy = TokenManager(point_at(settings, fake_zalo), store, session=None)  # type: ignore[arg-type]
    assert old_deploy.access_token() == "access-1"  # a spent configured token never overwrites the store
    rotated = settings.with_(zalo_access_token="manual-access", zalo_refresh_token="manual-refresh")
    assert TokenManager(rotated, store, session=None).access_token() == "manual-access"  # type: ignore[arg-type]
    assert store.get_json(TOKENS_KEY)["refresh"] == "manual-refresh"


def test_tokens_never_logged(settings: Any, fake_zalo: FakeZalo, store: Any,  # noqa: F811
                             caplog: pytest.LogCaptureFixture) -> None:
    zalo = client_for(settings, fake_zalo, store)
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        fake_zalo.revoke_token()
        texts.append(repr(zalo.send_text("u1", "x")))
        fake_zalo.script(revoke_token=True, oauth_failures=1)
        texts.append(repr(zalo.send_text("u1", "x")))
        store.set_json(TOKENS_KEY, dict(store.get_json(TOKENS_KEY), refresh="refresh-0"))
        try:
            zalo.refresh_access_token()
        except TokenError as exc:
            texts.append(repr(exc) + str(exc))
        texts.append(repr(point_at(settings, fake_zalo)))
    assert fake_zalo.refreshes == 1 and len(texts) == 4 and caplog.records
    everything = caplog.text + "".join(texts)
    assert not [s for s in SECRETS if s in everything]


@pytest.mark.parametrize("script", [{"slow": [{"seconds": 1.0, "count": 1, "process": True, "paths": ["oauth"]}]},
                                    {"slow": [{"seconds": 1.0, "count": 1, "paths": ["oauth"]}]},
                                    {"http": [{"status": 502, "count": 1, "paths": ["oauth"]}]}])
def test_an_ambiguous_refresh_raises_an_alert_and_never_presents_the_token_again(
        settings: Any, fake_zalo: FakeZalo, store: Any, script: dict) -> None:  # noqa: F811
    """OAuth takes the refresh but its answer is lost (late, or a gateway's 502): the refresh token may be spent, so
    it is not presented again (Zalo would refuse it and the new pair would be lost): an alert instead."""
    from bot.ops import metrics
    from bot.zalo.tokens import clear_token_alert, token_alert

    zalo = ZaloClient(point_at(settings, fake_zalo, timeout=0.2), store, sleep=lambda s: None)
    before = metrics.TOKEN_REFRESH.labels(result="ambiguous")._value.get()
    fake_zalo.revoke_token()
    fake_zalo.script(**script)
    result = zalo.send_text("u1", "x")
    assert (result.ok, result.retryable, result.reason) == (False, False, "refresh_ambiguous")
    alert = token_alert(store)
    assert alert is not None and "ZALO_REFRESH_TOKEN" in alert["message"]
    assert metrics.TOKEN_REFRESH.labels(result="ambiguous")._value.get() == before + 1
    again = zalo.send_text("u1", "x")  # later sends do not try the refresh token again
    assert again.reason == "refresh_blocked"
    deadline = time.monotonic() + 5
    while not [c for c in fake_zalo.calls if c["endpoint"] == "oauth"]:  # recorded once its delay is over
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len([c for c in fake_zalo.calls if c["endpoint"] == "oauth"]) == 1 and fake_zalo.reused == 0
    # an operator sets the OA's new pair: the alert ends and sending works again
    fake_zalo.reset(tokens=True)
    fresh = ZaloClient(point_at(settings.with_(zalo_access_token="access-0", zalo_refresh_token="refresh-0b"),
                                fake_zalo), store, sleep=lambda s: None)
    assert fresh.send_text("u1", "x").ok and token_alert(store) is None
    clear_token_alert(store)


def test_a_refresh_that_never_left_is_retried_without_an_alert(settings: Any, store: Any) -> None:
    from bot.zalo.tokens import token_alert

    with FakeZalo() as gone:
        dead = point_at(settings, gone)
    manager = TokenManager(dead, store, session=__import__("requests").Session(), sleep=lambda s: None)
    with pytest.raises(TokenError) as info:
        manager.force_refresh()
    assert info.value.reason == "oauth_unreachable" and token_alert(store) is None
