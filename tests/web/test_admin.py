"""/admin/*: bearer auth on every endpoint, broadcasts, subscribers, stats and the audit log over real Redis."""
from __future__ import annotations

import json

import pytest

from bot import create_app
from bot.store import stats, subscriptions
from bot.store.redis_state import RedisStateStore
from tests.broadcast_helpers import ListQueue, ScriptedZalo, drain

TOKEN = "admin-token-test-Vq3xT9kLm2Pz7sRw5YbN"
ENDPOINTS = [
    ("GET", "/admin/laws"), ("POST", "/admin/laws"), ("POST", "/admin/laws/rollback"),
    ("POST", "/admin/laws/status"), ("GET", "/admin/laws/changes/last"),
    ("POST", "/admin/broadcasts"), ("GET", "/admin/broadcasts"), ("GET", "/admin/broadcasts/x"),
    ("POST", "/admin/broadcasts/x/cancel"), ("GET", "/admin/subscribers"), ("GET", "/admin/stats"),
    ("GET", "/admin/audit"),
]


class NoDialogue:
    """The admin endpoints never talk to users."""

    def handle(self, event, state):
        raise AssertionError("not used")


@pytest.fixture
def app_parts(settings, redis_client):
    """An app on real Redis with a list queue and a scripted Zalo."""
    store = RedisStateStore(redis_client)
    zalo = ScriptedZalo()
    app = create_app(settings.with_(zalo_calls_per_minute=600_000), store=store, queue=ListQueue(), zalo=zalo,
                     dialogue=NoDialogue(), library=object())
    return app, app.extensions["zlb"], zalo


@pytest.fixture
def client(app_parts):
    """A test client sending the admin token."""
    app = app_parts[0]
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {TOKEN}"
    return test_client


@pytest.mark.parametrize("method, path", ENDPOINTS)
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x"])
def test_no_admin_call_works_without_the_token(app_parts, method, path, header) -> None:
    app, services, _ = app_parts
    headers = {"Authorization": header} if header else {}
    response = app.test_client().open(path, method=method, headers=headers, json={"text": "x"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert services.store.hgetall("zlb:sub:all") == {} and not services.queue.jobs


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_no_token_configured_answers_503(settings, redis_client, method, path) -> None:
    app = create_app(settings.with_(admin_token=""), store=RedisStateStore(redis_client), queue=ListQueue(),
                     zalo=ScriptedZalo(), dialogue=NoDialogue(), library=object())
    response = app.test_client().open(path, method=method, headers={"Authorization": "Bearer "}, json={})
    assert response.status_code == 503


def test_broadcast_lifecycle_and_audit(app_parts, client) -> None:
    _, services, zalo = app_parts
    for i in range(30):
        subscriptions.subscribe(services.store, f"u{i}", ("tre-em",) if i % 2 else ())
    response = client.post("/admin/broadcasts", json={"text": "Luật Trẻ em sửa đổi", "audience": "subscribers",
                                                      "topic": "trẻ em", "dry_run": True})
    assert response.status_code == 202
    dry = response.get_json()["id"]
    drain(services, backoff=0.0, sleep=lambda s: None)
    status = client.get(f"/admin/broadcasts/{dry}").get_json()
    assert (status["state"], status["total"], status["sent"], zalo.calls) == ("done", 30, 0, 0)

    from bot.officials import accounts

    accounts.add(services.store, "lan", "mat-khau-rat-dai", "editor")
    lan = accounts.issue_token(services.store, "lan")
    bid = client.post("/admin/broadcasts", json={"text": "Tin mới", "audience": "subscribers"},
                      headers={"Authorization": f"Bearer {lan}"}).get_json()["id"]
    assert client.get(f"/admin/broadcasts/{bid}").get_json()["state"] == "queued"
    drain(services, backoff=0.0, sleep=lambda s: None)
    status = client.get(f"/admin/broadcasts/{bid}").get_json()
    assert status["state"] == "done" and status["sent"] == status["total"] == 30
    assert status["sent"] + status["skipped"] + status["failed"] == status["total"]
    assert client.post(f"/admin/broadcasts/{bid}/cancel").get_json()["state"] == "done"
    assert client.get("/admin/broadcasts/nope").status_code == 404
    assert len(client.get("/admin/broadcasts").get_json()["broadcasts"]) == 2

    entries = client.get("/admin/audit").get_json()["entries"]
    actions = [e["action"] for e in entries]
    assert "broadcast_create" in actions and "broadcast_cancel" in actions
    created = [e for e in entries if e["action"] == "broadcast_create"][0]
    assert created["actor"] == "lan" and created["details"]["text"] == "Tin mới"
    raw = json.dumps(entries)
    assert TOKEN not in raw


@pytest.mark.parametrize("body, error", [
    ({"text": "x", "audience": "all"}, "audience"),
    ({"text": "", "audience": "subscribers"}, "empty"),
    ({"text": "x", "audience": "recent", "topic": "trẻ em"}, "subscribers"),
    ({"report": "nope", "audience": "subscribers"}, "report"),
])
def test_bad_broadcast_requests(client, body, error) -> None:
    response = client.post("/admin/broadcasts", json=body)
    assert response.status_code == 400 and error in response.get_json()["error"]


@pytest.mark.parametrize("flag, dry", [(True, True), ("true", True), ("false", False), (0, False), (None, False)])
def test_dry_run_flag(client, flag, dry) -> None:
    body = client.post("/admin/broadcasts", json={"text": "x", "dry_run": flag}).get_json()
    assert body["dry_run"] is dry


def test_bad_json_is_400(client) -> None:
    response = client.post("/admin/broadcasts", data="[1,2]", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/admin/broadcasts?limit=abc", "/admin/stats?days=x", "/admin/audit?limit=-1"])
def test_bad_query_values_are_not_errors(client, path) -> None:
    assert client.get(path).status_code == 200


def test_subscribers_and_stats(app_parts, client) -> None:
    _, services, _ = app_parts
    subscriptions.subscribe(services.store, "a")
    subscriptions.subscribe(services.store, "b", ("lao-dong-nu",))
    stats.record_question(services.store, "nghỉ đẻ mấy tháng", ["45/2019/QH14:139"], topics=["lao-dong-nu"])
    stats.record_question(services.store, "abc", [], found=False)
    stats.record_question(services.store, "làm sổ đỏ", [], found=False, subject="dat-dai")
    counts = client.get("/admin/subscribers").get_json()
    assert counts["total"] == 2 and counts["topics"]["lao-dong-nu"]["reached"] == 2
    data = client.get("/admin/stats?days=7").get_json()
    assert data["questions"] == 3 and data["unanswered"][1]["query"] == "abc"
    assert {"subject": "dat-dai", "name": "đất đai", "count": 1} in data["declined_subjects"]
    assert data["top_articles"] == [{"article": "45/2019/QH14:139", "count": 1}]


# the acceptance case (300 users through the webhook, one broadcast each across a worker kill) runs against the
# real Procfile processes and the fake Zalo API in tests/test_admin_e2e.py
