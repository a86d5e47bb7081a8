"""The admin door (bot.web.admin_auth, bot.web.access): ADMIN_TOKEN or an official's own token names the actor; a
valid token always gets in, so no lockout can be turned against officials; wrong tokens are throttled per client and
overall, and a forged X-Forwarded-For counts only behind a trusted proxy; short tokens fail fast; /metrics stays on
the private network."""
from __future__ import annotations

import time
from typing import Any

import pytest

from bot import create_app
from bot.jobs.queue import RqJobQueue
from bot.officials import accounts
from bot.ops.settings import ConfigError
from bot.store.redis_state import RedisStateStore


def admin_app(settings: Any, redis_client: Any, **changes: Any) -> Any:
    """The app with admin endpoints on the test Redis."""
    return create_app(settings.with_(**changes), store=RedisStateStore(redis_client),
                      queue=RqJobQueue(redis_client), library=object())


def get(app: Any, token: str, ip: str = "10.0.0.1", forwarded: str | None = None, path: str = "/admin/subscribers",
        ) -> Any:
    """GET an admin path with a bearer token from a peer address (and an X-Forwarded-For, when given)."""
    headers = {"Authorization": f"Bearer {token}"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    return app.test_client().get(path, headers=headers, environ_base={"REMOTE_ADDR": ip})


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    """Poll until predicate() holds (fails after timeout)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_wrong_tokens_are_throttled_but_the_right_one_always_gets_in(settings: Any, redis_client: Any) -> None:
    app = admin_app(settings, redis_client, admin_max_failures=10, admin_lockout_seconds=600)
    good = settings.admin_token
    assert [get(app, f"guess-{i}").status_code for i in range(10)] == [401] * 10
    locked = get(app, "guess-x")
    assert locked.status_code == 429 and 590 <= int(locked.headers["Retry-After"]) <= 600
    assert get(app, good).status_code == 200  # the attacker's lockout does not lock the officials out
    assert get(app, "guess-y", ip="10.0.0.2").status_code == 401  # another client keeps its own budget


def test_requests_without_credentials_are_refused_but_not_counted(settings: Any, redis_client: Any) -> None:
    app = admin_app(settings, redis_client, admin_max_failures=2)
    client = app.test_client()
    for _ in range(5):
        assert client.get("/admin/subscribers", environ_base={"REMOTE_ADDR": "10.0.0.3"}).status_code == 401
    assert get(app, "bad", ip="10.0.0.3").status_code == 401


def test_the_throttle_ends_when_the_window_passes(settings: Any, redis_client: Any) -> None:
    app = admin_app(settings, redis_client, admin_max_failures=2, admin_lockout_seconds=1)
    assert [get(app, "bad").status_code for _ in range(3)] == [401, 401, 429]
    wait_until(lambda: get(app, "bad").status_code == 401)


def test_forged_forwarded_for_from_a_direct_client_changes_nothing(settings: Any, redis_client: Any) -> None:
    app = admin_app(settings, redis_client, admin_max_failures=3, trusted_proxy_hops=1)
    statuses = [get(app, "bad", ip="203.0.113.9", forwarded=f"198.51.100.{i}").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429]  # counted against the real peer, whatever it claims


def test_behind_a_trusted_proxy_each_client_is_counted_apart(settings: Any, redis_client: Any) -> None:
    app = admin_app(settings, redis_client, admin_max_failures=1, trusted_proxy_hops=1)
    assert get(app, "bad", ip="127.0.0.1", forwarded="203.0.113.5").status_code == 401
    assert get(app, "bad", ip="127.0.0.1", forwarded="203.0.113.5").status_code == 429
    assert get(app, "bad", ip="127.0.0.1", forwarded="203.0.113.6").status_code == 401
    assert get(app, settings.admin_token, ip="127.0.0.1", forwarded="203.0.113.5").status_code == 200


def test_wrong_tokens_from_many_addresses_meet_the_overall_budget(settings: Any, redis_client: Any) -> None:
    app = admin_app(settings, redis_client, admin_max_failures=1)
    assert [get(app, "bad", ip=f"10.9.0.{i}").status_code for i in range(10)] == [401] * 10
    assert get(app, "bad", ip="10.9.1.1").status_code == 429  # a fresh address, but the whole door is throttled
    assert get(app, settings.admin_token, ip="10.9.1.1").status_code == 200


def test_an_officials_own_token_names_the_actor(settings: Any, redis_client: Any) -> None:
    app = admin_app(settings, redis_client)
    store = app.extensions["zlb"].store
    accounts.add(store, "lan", "mat-khau-rat-dai", "editor")
    token = accounts.issue_token(store, "lan")
    client = app.test_client()
    assert client.get("/admin/subscribers", headers={"Authorization": f"Bearer {token}",
                                                     "X-Admin-User": "someone-else"}).status_code == 200
    assert client.get("/admin/subscribers", headers={"Authorization": f"Bearer {settings.admin_token}",
                                                     "X-Admin-User": "lan"}).status_code == 200
    actors = [e["actor"] for e in client.get("/admin/audit", headers={
        "Authorization": f"Bearer {token}"}).get_json()["entries"] if e["action"] == "view"]
    assert actors[:2] == ["admin", "lan"]  # newest first; the self-declared header is ignored
    accounts.remove(store, "lan")
    assert get(app, token).status_code == 401


@pytest.mark.parametrize("token", ["short", "x" * (accounts.MIN_TOKEN - 1)])
def test_a_short_admin_token_fails_at_start_up(settings: Any, token: str) -> None:
    with pytest.raises(ConfigError, match=f"at least {accounts.MIN_TOKEN} characters"):
        create_app(settings.with_(admin_token=token))


@pytest.mark.parametrize("peer, forwarded, token, status", [
    ("127.0.0.1", None, None, 200), ("10.1.2.3", None, None, 200), ("192.168.7.8", None, None, 200),
    ("203.0.113.7", None, None, 403), ("127.0.0.1", "203.0.113.7", None, 403),
])
def test_metrics_stay_on_the_private_network(settings: Any, redis_client: Any, peer: str, forwarded: str | None,
                                             token: str | None, status: int) -> None:
    app = admin_app(settings, redis_client)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    assert app.test_client().get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": peer}
                                 ).status_code == status


def test_metrics_token_when_configured(settings: Any, redis_client: Any) -> None:
    app = admin_app(settings, redis_client, metrics_token="metrics-token-" + "m" * 20)
    client = app.test_client()
    assert client.get("/metrics").status_code == 403
    ok = client.get("/metrics", headers={"Authorization": "Bearer metrics-token-" + "m" * 20},
                    environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert ok.status_code == 200 and b"zlb_webhook_requests" in ok.data
