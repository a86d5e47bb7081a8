"""Dead letters: written when a reply fails for good (rq, real Redis), listed without raw ids, replayed exactly once,
dropped; the CLI and /admin/deadletters."""
from __future__ import annotations

import json
import threading
import time
from typing import Any, Iterator

import pytest

from bot import create_app
from bot.cli.main import main
from bot.jobs import deadletters
from bot.jobs.queue import RqJobQueue
from bot.jobs.worker import BotWorker
from bot.ops import logs
from bot.services import Services, build_services
from bot.store.keys import conv_key, done_key, outbox_key
from bot.store.redis_state import RedisStateStore
from bot.store.state import InMemoryStateStore
from bot.zalo.events import JOB_FIELDS, TextMessage, event_to_dict
from tests.conftest import REDIS_URL
from tests.jobs.test_queue import rq_keys_holding
from tests.jobs.test_reply import FakeZalo, Result, StubDialogue

FAIL = Result(ok=False, error=-1, message="HTTP 503", retryable=True, reason="transient")


def event(msg_id: str = "m1", user: str = "u1", text: str = "nghỉ đẻ") -> dict[str, Any]:
    """A queued text event."""
    return event_to_dict(TextMessage(user, msg_id, text, "1700000000000"))


@pytest.fixture
def services(settings: Any, redis_client: Any) -> Iterator[Services]:
    """Redis store, rq queue with one immediate retry, a scripted Zalo."""
    yield build_services(settings, store=RedisStateStore(redis_client),
                         queue=RqJobQueue(redis_client, retry_intervals=[0]), zalo=FakeZalo(),
                         dialogue=StubDialogue(), library=object())


def run_jobs(services: Services) -> None:
    """Drain the queue with the bot's worker (burst)."""
    BotWorker.for_queue(services.queue, services).work(burst=True)


def sent(services: Services) -> list[str]:
    """Texts Zalo accepted."""
    return [m.text for _, m in services.zalo.sent]


def test_reply_failing_every_try_becomes_a_letter_and_replays_exactly_once(services: Services,
                                                                          settings: Any) -> None:
    services.zalo.script = [FAIL, FAIL]  # first send of each of the two tries
    services.queue.enqueue("bot.jobs.reply.process_event", event())
    run_jobs(services)
    assert sent(services) == []
    [letter] = deadletters.letters(services.store)
    assert letter["user_id"] == "u1" and letter["key"] == "m1" and letter["event"] == event()
    assert letter["outbox"]["sent"] == 0 and len(letter["outbox"]["messages"]) == 2
    assert "SendFailed" in letter["error"]
    assert 0 < services.store.ttl(deadletters.letter_key(letter["id"])) <= settings.dead_letter_ttl_seconds
    row = deadletters.summary(letter, settings)
    assert row["pending_replies"] == 2 and "u1" not in json.dumps(row)
    assert row["user"] == logs.user_ref(settings, "u1")  # the same reference as the user's log lines
    services.store.set_json(conv_key("u1"), {"turns": 7})  # the user went on talking meanwhile
    assert deadletters.replay(services, letter["id"]) == "queued"
    assert deadletters.replay(services, letter["id"]) == "missing"
    run_jobs(services)
    assert sent(services) == ["nghỉ đẻ #1", "Chị muốn xem thêm?"]
    assert services.store.get_json(conv_key("u1")) == {"turns": 7}  # not rolled back to the old plan's state
    assert services.store.get_json(done_key("m1")) and services.store.get_json(outbox_key("m1")) is None
    assert deadletters.letters(services.store) == []


def test_failed_job_goes_no_later_than_its_letter(services: Services, redis_client: Any) -> None:
    services.zalo.script = [FAIL, FAIL, FAIL, FAIL]
    job_id = services.queue.enqueue("bot.jobs.reply.process_event", event("m1", "84123456789012345", "bí mật"))
    run_jobs(services)
    [letter] = deadletters.letters(services.store)
    assert letter["job"] == job_id and job_id in services.queue.rq_queue.failed_job_registry.get_job_ids()
    for key in (f"rq:job:{job_id}", f"rq:results:{job_id}"):
        assert 0 < redis_client.ttl(key) <= services.store.ttl(deadletters.letter_key(letter["id"]))
    assert deadletters.replay(services, letter["id"]) == "queued"  # fails again: a new letter, a new job
    assert rq_keys_holding(redis_client, job_id) == []
    run_jobs(services)
    [again] = deadletters.letters(services.store)
    assert again["job"] not in (None, job_id)
    assert deadletters.drop(services.store, again["id"], services.queue)
    assert rq_keys_holding(redis_client, "84123456789012345", "bí mật") == []


def test_replay_queues_under_a_new_request_id_and_queue_time(services: Services) -> None:
    stale = {**event("m1"), "request_id": "webhook-rid-1", "queued_at": 1700000000.0}
    other = {**event("m2", "u2"), "request_id": "webhook-rid-2", "queued_at": 1700000000.0}
    ids = [deadletters.record(services.store, e, "SendFailed", services.settings) for e in (stale, other)]
    before = round(time.time(), 3)  # queue times are kept to the millisecond (rounding never goes backwards)
    with logs.bound("admin-request-1"):
        assert [deadletters.replay(services, lid) for lid in ids] == ["queued", "queued"]
    queued = [job.args[0] for job in services.queue.rq_queue.jobs]
    rids = [q["request_id"] for q in queued]
    assert len(set(rids)) == 2 and all(logs.valid_request_id(r) for r in rids)
    assert not set(rids) & {"webhook-rid-1", "webhook-rid-2", "admin-request-1"}
    assert all(before <= q["queued_at"] <= time.time() + 1 for q in queued)
    assert [{k: v for k, v in q.items() if k not in JOB_FIELDS} for q in queued] == [event("m1"), event("m2", "u2")]


def test_replay_resumes_after_the_replies_already_sent(services: Services) -> None:
    services.zalo.script = [Result(ok=True), FAIL, FAIL]
    services.queue.enqueue("bot.jobs.reply.process_event", event())
    run_jobs(services)
    assert sent(services) == ["nghỉ đẻ #1"]
    [letter] = deadletters.letters(services.store)
    assert deadletters.summary(letter, services.settings)["pending_replies"] == 1
    services.store.delete(outbox_key("m1"))  # the outbox expired: the letter's copy is used
    assert deadletters.replay(services, letter["id"]) == "queued"
    run_jobs(services)
    assert sent(services) == ["nghỉ đẻ #1", "Chị muốn xem thêm?"]


def test_concurrent_replays_queue_once(services: Services) -> None:
    services.zalo.script = [FAIL, FAIL]
    services.queue.enqueue("bot.jobs.reply.process_event", event())
    run_jobs(services)
    [letter] = deadletters.letters(services.store)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def go() -> None:
        barrier.wait()
        outcomes.append(deadletters.replay(services, letter["id"]))

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert outcomes.count("queued") == 1 and set(outcomes) <= {"queued", "busy", "missing"}
    assert services.queue.rq_queue.count == 1
    run_jobs(services)
    assert sent(services) == ["nghỉ đẻ #1", "Chị muốn xem thêm?"]


def test_letter_of_an_answered_message_is_dropped_on_replay(services: Services) -> None:
    lid = deadletters.record(services.store, event(), "boom", services.settings)
    services.store.set_json(done_key("m1"), 1)
    assert deadletters.replay(services, lid) == "answered"
    assert deadletters.letters(services.store) == []
    assert deadletters.record(services.store, event(), "boom", services.settings) is None


def test_letter_never_holds_secrets(settings: Any) -> None:
    store = InMemoryStateStore()
    error = f"token {settings.zalo_access_token} refused, secret {settings.zalo_app_secret}"
    lid = deadletters.record(store, event(), error, settings)
    raw = json.dumps(store.get_json(deadletters.letter_key(lid)))
    for secret in (settings.zalo_access_token, settings.zalo_app_secret):
        assert secret not in raw
    assert "[redacted]" in raw


def test_same_message_failing_again_replaces_its_letter(settings: Any) -> None:
    store = InMemoryStateStore()
    first = deadletters.record(store, event(), "one", settings)
    assert deadletters.record(store, event(), "two", settings) == first
    [letter] = deadletters.letters(store)
    assert letter["failures"] == 2 and letter["error"] == "two"


def test_drop_and_bad_ids(settings: Any) -> None:
    store = InMemoryStateStore()
    lid = deadletters.record(store, event(), "x", settings)
    assert not deadletters.drop(store, "../zlb:conv:u1") and deadletters.get(store, "ZZ") is None
    assert deadletters.drop(store, lid) and not deadletters.drop(store, lid)


def test_cli_list_replay_drop(services: Services, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in {"REDIS_URL": REDIS_URL, "ZALO_APP_ID": "app-test", "ZALO_APP_SECRET": "app-secret-test",
                       "ZALO_OA_SECRET_KEY": "oa-secret-test"}.items():
        monkeypatch.setenv(key, value)
    a = deadletters.record(services.store, event("m1", "u1"), "SendFailed: zalo error -1", services.settings)
    b = deadletters.record(services.store, event("m2", "u2"), "SendFailed: zalo error -1", services.settings)
    assert main(["deadletters", "list"]) == 0
    listing = capsys.readouterr().out
    assert a in listing and b in listing and "u1" not in listing
    assert main(["deadletters", "list", "--json"]) == 0
    assert {row["id"] for row in json.loads(capsys.readouterr().out)} == {a, b}
    assert main(["deadletters", "drop", b]) == 0 and main(["deadletters", "drop", b]) == 1
    capsys.readouterr()
    assert main(["deadletters", "replay", a]) == 0
    assert f"{a}  queued" in capsys.readouterr().out
    assert main(["deadletters", "replay", a]) == 1
    assert main(["deadletters", "replay", "--all"]) == 0
    assert capsys.readouterr().out.strip().endswith("missing")
    assert services.queue.rq_queue.count == 1
    assert main(["deadletters", "list"]) == 0 and "no dead letters" in capsys.readouterr().out
    actions = [json.loads(e)["action"] for e in services.store.lrange("zlb:audit", 0, -1)]
    assert "deadletter_replay" in actions and "deadletter_drop" in actions


def test_admin_endpoints(services: Services) -> None:
    app = create_app(services.settings, services=services)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {services.settings.admin_token}"}
    lid = deadletters.record(services.store, event(), "SendFailed", services.settings)
    assert client.get("/admin/deadletters").status_code == 401
    assert client.post(f"/admin/deadletters/{lid}/replay").status_code == 401
    listing = client.get("/admin/deadletters", headers=auth)
    assert listing.status_code == 200 and [r["id"] for r in listing.json["deadletters"]] == [lid]
    assert "u1" not in listing.get_data(as_text=True)
    assert listing.json["ttl_seconds"] == services.settings.dead_letter_ttl_seconds
    replayed = client.post(f"/admin/deadletters/{lid}/replay", headers=auth)
    assert replayed.status_code == 202 and replayed.json["result"] == "queued"
    assert client.post(f"/admin/deadletters/{lid}/replay", headers=auth).status_code == 404
    other = deadletters.record(services.store, event("m9"), "x", services.settings)
    assert client.delete(f"/admin/deadletters/{other}", headers=auth).status_code == 200
    assert client.delete(f"/admin/deadletters/{other}", headers=auth).status_code == 404
    run_jobs(services)
    assert sent(services) == ["nghỉ đẻ #1", "Chị muốn xem thêm?"]
