"""POST /zalo/webhook and the health endpoints, on Redis + rq and in embedded mode."""
from __future__ import annotations

import io
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import pytest
import requests
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from werkzeug.serving import make_server

from bot import create_app
from bot.jobs.queue import RqJobQueue, ThreadJobQueue
from bot.jobs.worker import BotWorker
from bot.ops.settings import ConfigError, Settings
from bot.store.keys import taken_key
from bot.store.redis_state import RedisStateStore, connect_redis
from bot.store.state import InMemoryStateStore
from bot.zalo.signature import sign
from tests.jobs.test_reply import FakeZalo, StubDialogue
from tests.procs import now_ms
from tests.procs import signed_for as signed

URL = "/zalo/webhook"


def text_payload(msg_id: str = "m1", text: str = "bị chồng đánh", ts: str | None = None) -> dict:
    """A user_send_text event as Zalo posts it."""
    return {"app_id": "app-test", "sender": {"id": "u1"}, "user_id_by_app": "x", "recipient": {"id": "oa"},
            "event_name": "user_send_text", "message": {"text": text, "msg_id": msg_id},
            "timestamp": ts or now_ms()}


class Mode:
    """One way of wiring the app, with a look into what got queued."""

    def __init__(self, name: str, settings: Settings, redis_client: Any = None) -> None:
        self.name = name
        self.zalo = FakeZalo()
        if redis_client is not None:
            self.store: Any = RedisStateStore(redis_client)
            self.queue: Any = RqJobQueue(redis_client, retry_intervals=[0])
        else:
            self.store = InMemoryStateStore()
            self.queue = ThreadJobQueue(retry_intervals=[0])
        self.app = create_app(settings, store=self.store, queue=self.queue, zalo=self.zalo,
                              dialogue=StubDialogue(), library=object())
        self.services = self.app.extensions["zlb"]

    def run_jobs(self) -> None:
        """Process what the webhook queued."""
        if isinstance(self.queue, RqJobQueue):
            BotWorker.for_queue(self.queue, self.services).work(burst=True)
        else:
            assert self.queue.join(timeout=10)

    def sent(self) -> list[str]:
        """Texts the fake Zalo received after running the jobs."""
        self.run_jobs()
        return [m.text for _, m in self.zalo.sent]


@pytest.fixture(params=["redis", "embedded"])
def mode(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Mode]:
    """The app on Redis + rq, and embedded (in-memory store, thread queue)."""
    redis_client = request.getfixturevalue("redis_client") if request.param == "redis" else None
    m = Mode(request.param, settings, redis_client)
    yield m
    if isinstance(m.queue, ThreadJobQueue):
        m.queue.stop()


def test_valid_event_is_queued_and_answered(mode: Mode, settings: Settings) -> None:
    body, headers = signed(settings, text_payload())
    response = mode.app.test_client().post(URL, data=body, headers=headers)
    assert response.status_code == 200
    assert response.json == {"ok": True}
    assert mode.sent() == ["bị chồng đánh #1", "Chị muốn xem thêm?"]


def test_duplicate_msg_id_is_answered_200_and_not_queued_again(mode: Mode, settings: Settings) -> None:
    client = mode.app.test_client()
    body, headers = signed(settings, text_payload())
    assert client.post(URL, data=body, headers=headers).status_code == 200
    again = client.post(URL, data=body, headers=headers)
    assert again.status_code == 200 and again.json["duplicate"] is True
    if isinstance(mode.queue, RqJobQueue):
        assert mode.queue.rq_queue.count == 1
    assert len(mode.sent()) == 2


def test_header_timestamp_variant(mode: Mode, settings: Settings) -> None:
    header_ts = now_ms()
    body, headers = signed(settings, text_payload(ts="1700000000000"), ts=header_ts)
    headers["X-ZEvent-Timestamp"] = header_ts
    assert mode.app.test_client().post(URL, data=body, headers=headers).status_code == 200


def _cases(settings: Settings) -> list[tuple[str, bytes, dict[str, str], int]]:
    """(name, body, headers, expected status) for rejected requests."""
    good_body, good_headers = signed(settings, text_payload())
    old_ts = str(int(time.time() * 1000) - 2 * 3600 * 1000)
    cases = [
        ("no signature", good_body, {"Content-Type": "application/json"}, 401),
        ("wrong signature", good_body, {"X-ZEvent-Signature": "mac=" + "0" * 64}, 401),
        ("wrong secret", *signed(settings, text_payload(), secret="nope"), 401),
        ("body changed", good_body.replace(b"u1", b"u2"), good_headers, 401),
        ("replayed old event", *signed(settings, text_payload(ts=old_ts)), 401),
        ("not json, signed via header ts", b"{not json", {**signed(settings, b"{not json", ts="1")[1],
                                                          "X-ZEvent-Timestamp": "1"}, 400),
        ("not json, no timestamp", b"{not json", good_headers, 400),
        ("json array", b"[1]", good_headers, 400),
    ]
    for name, broken in [("no sender", {k: v for k, v in text_payload().items() if k != "sender"}),
                         ("no msg_id", {**text_payload(), "message": {"text": "x"}}),
                         ("bad timestamp", {**text_payload(), "timestamp": "soon"})]:
        cases.append((name, *signed(settings, broken), 400))
    return cases


@pytest.mark.parametrize("index", range(11))
def test_rejected_requests(mode: Mode, settings: Settings, index: int) -> None:
    name, body, headers, status = _cases(settings)[index]
    response = mode.app.test_client().post(URL, data=body, headers=headers)
    assert response.status_code == status, name
    assert response.is_json
    assert mode.sent() == []


def test_ignored_event_answers_200_and_queues_nothing(mode: Mode, settings: Settings) -> None:
    payload = {**text_payload(), "event_name": "oa_send_text", "sender": {"id": "oa"}, "recipient": {"id": "u1"}}
    body, headers = signed(settings, payload)
    response = mode.app.test_client().post(URL, data=body, headers=headers)
    assert response.status_code == 200 and response.json["ignored"] is True
    assert mode.sent() == []


class Exploding(io.RawIOBase):
    """A request body that must never be read."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise AssertionError("the body was read")


def test_oversized_content_length_rejected_before_reading(mode: Mode) -> None:
    environ = {"CONTENT_LENGTH": str(64 * 1024 + 1), "wsgi.input": Exploding()}
    response = mode.app.test_client().post(URL, environ_overrides=environ, headers={"X-ZEvent-Signature": "mac=00"})
    assert response.status_code == 413
    assert response.headers["Connection"] == "close"


def test_body_at_the_limit_is_read(mode: Mode, settings: Settings) -> None:
    payload = text_payload()
    filler = 64 * 1024 - len(json.dumps({**payload, "pad": ""}, ensure_ascii=False).encode())
    body, headers = signed(settings, {**payload, "pad": "x" * filler})
    assert len(body) == 64 * 1024
    assert mode.app.test_client().post(URL, data=body, headers=headers).status_code == 200
    over, headers = signed(settings, {**payload, "pad": "x" * (filler + 1)})
    assert mode.app.test_client().post(URL, data=over, headers=headers).status_code == 413


@pytest.fixture(params=["redis", "embedded"])
def live(request: pytest.FixtureRequest, settings: Settings) -> Iterator[tuple[str, Mode]]:
    """The app behind a real threaded HTTP server on 127.0.0.1, in both modes."""
    redis_client = request.getfixturevalue("redis_client") if request.param == "redis" else None
    m = Mode(request.param, settings, redis_client)
    server = make_server("127.0.0.1", 0, m.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", m
    server.shutdown()
    thread.join(timeout=5)
    if isinstance(m.queue, ThreadJobQueue):
        m.queue.stop()


def test_chunked_body_without_content_length_is_capped(live: tuple[str, Mode]) -> None:
    base, _ = live

    def chunks() -> Iterator[bytes]:
        for _ in range(200):
            yield b"x" * 1024

    response = requests.post(base + URL, data=chunks(), headers={"X-ZEvent-Signature": "mac=00"}, timeout=10)
    assert response.status_code == 413


def test_a_burst_from_eight_connections_is_each_taken_once(live: tuple[str, Mode], settings: Settings) -> None:
    """200 deliveries at once are each acknowledged and queued once; how fast is a benchmark
    (scripts/load_webhook.py, README "Webhook throughput"), not a test: it depends on the machine."""
    base, m = live
    m.services.settings = m.services.settings.with_(rate_limit_per_minute=0)  # one user, 200 messages: no limit
    requests_ = [signed(settings, text_payload(f"burst-{i}", f"câu hỏi {i}", ts=None)) for i in range(200)]
    local = threading.local()

    def post(item: tuple[bytes, dict[str, str]]) -> int:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        return session.post(base + URL, data=item[0], headers=item[1], timeout=10).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, requests_))
    assert statuses == [200] * 200
    assert len(m.sent()) == 400


def test_queue_down_answers_503_and_releases_the_dedup_mark(settings: Settings, redis_client: Any) -> None:
    store = RedisStateStore(redis_client)
    down = create_app(settings, store=store, queue=RqJobQueue(connect_redis("redis://127.0.0.1:1/0")),
                      zalo=FakeZalo(), dialogue=StubDialogue(), library=object())
    body, headers = signed(settings, text_payload())
    assert down.test_client().post(URL, data=body, headers=headers).status_code == 503
    assert store.get_json(taken_key("m1")) is None
    # Zalo's retry reaches a healthy process and is processed
    up = Mode("redis", settings, redis_client)
    assert up.app.test_client().post(URL, data=body, headers=headers).status_code == 200
    assert len(up.sent()) == 2


def test_embedded_queue_stopped_answers_503(settings: Settings) -> None:
    mode = Mode("embedded", settings)
    mode.queue.stop()
    body, headers = signed(settings, text_payload())
    assert mode.app.test_client().post(URL, data=body, headers=headers).status_code == 503
    assert mode.store.get_json(taken_key("m1")) is None


def test_store_down_answers_503(settings: Settings) -> None:
    app = create_app(settings, store=RedisStateStore(connect_redis("redis://127.0.0.1:1/0")),
                     queue=ThreadJobQueue(), zalo=FakeZalo(), dialogue=StubDialogue(), library=object())
    body, headers = signed(settings, text_payload())
    client = app.test_client()
    assert client.post(URL, data=body, headers=headers).status_code == 503
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["store"] is False


def test_healthz_readyz_metrics(mode: Mode) -> None:
    client = mode.app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["index"] is True and ready.json["store"] is True
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and b"zlb_webhook_seconds" in metrics.data


def test_readyz_503_when_library_fails_to_load(settings: Settings) -> None:
    def broken() -> Any:
        raise FileNotFoundError("no index")

    app = create_app(settings, store=InMemoryStateStore(), queue=ThreadJobQueue(), library=broken)
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.json["index"] is False


@pytest.mark.parametrize("method, path, status", [
    ("get", URL, 405), ("put", URL, 405), ("get", "/nope", 404), ("post", "/healthz", 405),
])
def test_other_routes_are_4xx_json(mode: Mode, method: str, path: str, status: int) -> None:
    response = getattr(mode.app.test_client(), method)(path)
    assert response.status_code == status and response.is_json


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                      st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                                   lambda kids: st.lists(kids, max_size=4)
                                   | st.dictionaries(st.sampled_from(["event_name", "sender", "message", "id",
                                                                      "msg_id", "text", "timestamp", "follower"]),
                                                     kids, max_size=5),
                                   max_leaves=12).map(lambda v: json.dumps(v).encode())),
       header_ts=st.one_of(st.none(), st.text(max_size=15)), sign_it=st.booleans())
def test_garbage_never_5xx(settings: Settings, body: bytes, header_ts: str | None, sign_it: bool) -> None:
    app = _garbage_app(settings)
    headers = {"X-ZEvent-Signature": "mac=" + "ab" * 32}
    if header_ts is not None and header_ts.isprintable() and header_ts.isascii():
        headers["X-ZEvent-Timestamp"] = header_ts
        if sign_it:
            headers["X-ZEvent-Signature"] = sign(settings.zalo_app_id, body, header_ts.strip(),
                                                 settings.zalo_oa_secret_key)
    response = app.test_client().post(URL, data=body, headers=headers)
    assert response.status_code < 500


_APPS: dict[int, Any] = {}


def _garbage_app(settings: Settings) -> Any:
    """One embedded app per settings object for the fuzz test."""
    key = id(settings)
    if key not in _APPS:
        _APPS.clear()
        _APPS[key] = create_app(settings, store=InMemoryStateStore(), queue=ThreadJobQueue(), zalo=FakeZalo(),
                                dialogue=StubDialogue(), library=object())
    return _APPS[key]


def test_missing_secrets_fail_fast(tmp_path: Any) -> None:
    with pytest.raises(ConfigError):
        create_app(Settings(laws_dir=tmp_path))
