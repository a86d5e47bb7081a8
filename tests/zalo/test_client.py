"""ZaloClient against the fake Zalo server on loopback: shapes, splitting, error mapping, retries, followers."""
from __future__ import annotations

import json
import logging
import re
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
import requests

from bot.store.state import InMemoryStateStore
from bot.zalo.client import SendResult, ZaloClient, ZaloError
from bot.zalo.messages import OPEN_PHONE, OPEN_URL, Button, OutMessage, split_text
from tests.conftest import ROOT
from tests.fake_zalo import FakeZalo, fake_zalo, point_at  # noqa: F401 - fake_zalo is a fixture
from tests.fakes import RecordingZaloClient

CLAUSE = re.compile(r"^\d+\. ")


class Client:
    """A ZaloClient on the fake whose backoff sleeps are recorded, not slept."""

    def __init__(self, settings: Any, fake: FakeZalo, store: Any, timeout: float = 0.5, **kw: Any) -> None:
        self.sleeps: list[float] = []
        self.zalo = ZaloClient(point_at(settings, fake, timeout), store, sleep=self.sleeps.append, **kw)


@pytest.fixture
def client(settings: Any, fake_zalo: FakeZalo, store: Any) -> Client:  # noqa: F811
    return Client(settings, fake_zalo, store)


def test_send_text(client: Client, fake_zalo: FakeZalo) -> None:  # noqa: F811
    result = client.zalo.send_text("u1", "Xin chào chị")
    assert result == SendResult(True, 0, "Success", False, "")
    (msg,) = fake_zalo.messages
    assert msg["endpoint"] == "cs" and msg["token"] == "access-0"
    assert msg["body"] == {"recipient": {"user_id": "u1"}, "message": {"text": "Xin chào chị"}}


def test_buttons_shape(client: Client, fake_zalo: FakeZalo) -> None:  # noqa: F811
    buttons = (Button("Xem toàn văn", "#xem 1"), Button("Gọi 1900 969 680", "1900969680", OPEN_PHONE),
               Button("Trang web", "https://example.org/luat", OPEN_URL))
    assert client.zalo.send("u1", OutMessage("Điều 139. Nghỉ thai sản", buttons)).ok
    assert fake_zalo.messages[0]["body"]["message"] == {
        "text": "Điều 139. Nghỉ thai sản",
        "attachment": {"type": "template", "payload": {"buttons": [
            {"title": "Xem toàn văn", "type": "oa.query.show", "payload": "#xem 1"},
            {"title": "Gọi 1900 969 680", "type": "oa.open.phone", "payload": {"phone_code": "1900969680"}},
            {"title": "Trang web", "type": "oa.open.url", "payload": {"url": "https://example.org/luat"}}]}}}


def test_long_text_split_on_clause_boundaries(client: Client, fake_zalo: FakeZalo) -> None:  # noqa: F811
    clauses = [f"{i}. " + " ".join(["Người lao động nữ được nghỉ thai sản trước và sau khi sinh con."] * 9)
               for i in range(1, 8)]
    text = "Điều 139. Nghỉ thai sản\n" + "\n".join(clauses)
    assert len(text) > 4000
    assert client.zalo.send("u1", OutMessage(text, (Button("Tiếp", "#tiep"),))).ok
    msgs = fake_zalo.messages
    assert len(msgs) >= 3 and all(len(m["text"]) <= 2000 for m in msgs)
    assert all(CLAUSE.match(m["text"]) for m in msgs[1:])  # each later part starts at a clause
    assert [bool(m["buttons"]) for m in msgs] == [False] * (len(msgs) - 1) + [True]
    assert "\n".join(m["text"] for m in msgs) == text


@pytest.mark.parametrize("text, limit, expected", [
    ("ngắn", 2000, ["ngắn"]),
    ("Câu một. Câu hai dài hơn. Câu ba.", 20, ["Câu một.", "Câu hai dài hơn.", "Câu ba."]),
    ("dòng một\ndòng hai", 12, ["dòng một", "dòng hai"]),
    ("a b c d e f g h", 7, ["a b c d", "e f g h"]),
    ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
    ("1. aaa bbb.\n2. ccc ddd.\na) eee", 14, ["1. aaa bbb.", "2. ccc ddd.", "a) eee"]),
    ("  \n", 10, []),
])
def test_split_text(text: str, limit: int, expected: list[str]) -> None:
    assert split_text(text, limit) == expected


@pytest.mark.parametrize("message", [
    OutMessage("x", tuple(Button(str(i), str(i)) for i in range(6))),
    OutMessage("   "),
    OutMessage("x", (Button("a", "b", "oa.open.sms"),)),
])
def test_programming_errors_raise_before_any_call(client: Client, fake_zalo: FakeZalo,  # noqa: F811
                                                  message: OutMessage) -> None:
    with pytest.raises(ValueError):
        client.zalo.send("u1", message)
    assert fake_zalo.calls == []


def test_promotion_shape(client: Client, fake_zalo: FakeZalo) -> None:  # noqa: F811
    msg = OutMessage("Luật mới có hiệu lực\nTừ 01/7, ...", (Button("Xem", "#xem"),))
    assert client.zalo.send_promotion("u1", msg).ok
    (got,) = fake_zalo.messages
    assert got["endpoint"] == "promotion" and got["text"] == "Luật mới có hiệu lực\nTừ 01/7, ..."
    assert got["body"]["message"]["attachment"]["payload"]["template_type"] == "promotion"
    assert got["buttons"] == [{"title": "Xem", "type": "oa.query.show", "payload": "#xem"}]


def test_rate_limit_backs_off_then_succeeds(client: Client, fake_zalo: FakeZalo) -> None:  # noqa: F811
    fake_zalo.fail_calls(-32, count=2)
    assert client.zalo.send_text("u1", "xin chào").ok
    assert len(fake_zalo.messages) == 1
    assert len(client.sleeps) == 2 and 0.25 <= client.sleeps[0] <= 0.5 <= client.sleeps[1] <= 1.0


def test_rate_limit_gives_up_retryable(client: Client, fake_zalo: FakeZalo) -> None:  # noqa: F811
    fake_zalo.fail_calls(-32)
    result = client.zalo.send_text("u1", "xin chào")
    assert (result.ok, result.error, result.retryable, result.reason) == (False, -32, True, "rate_limited")
    assert len(fake_zalo.calls) == 4 and len(client.sleeps) == 3


@pytest.mark.parametrize("code, reason", [(-230, "outside_window"), (-213, "not_follower"),
                                          (-227, "banned_or_inactive"), (-232, "interaction_expired")])
def test_unreachable_user_stops_without_retry(client: Client, fake_zalo: FakeZalo, code: int,  # noqa: F811
                                              reason: str) -> None:
    fake_zalo.script(user_errors={"u2": code})
    result = client.zalo.send_text("u2", "xin chào")
    assert (result.ok, result.error, result.retryable, result.reason) == (False, code, False, reason)
    assert len(fake_zalo.calls) == 1 and client.sleeps == []
    assert client.zalo.send_text("u3", "xin chào").ok  # others still get theirs


@pytest.mark.parametrize("script", [{"http": [{"status": 500, "count": 2}]},
                                    {"http": [{"status": 502, "count": 1}]}])
def test_transient_failures_retried(settings: Any, fake_zalo: FakeZalo, store: Any,  # noqa: F811
                                    script: dict) -> None:
    client = Client(settings, fake_zalo, store, timeout=0.3)
    fake_zalo.script(**script)
    assert client.zalo.send_text("u1", "xin chào").ok
    assert fake_zalo.texts("u1") == ["xin chào"] and 1 <= len(client.sleeps) <= 2


@pytest.mark.parametrize("script", [{"http": [{"status": 500}]}])
def test_transient_failures_bounded(settings: Any, fake_zalo: FakeZalo, store: Any,  # noqa: F811
                                    script: dict) -> None:
    client = Client(settings, fake_zalo, store, timeout=0.2, max_retries=2)
    fake_zalo.script(**script)
    result = client.zalo.send_text("u1", "xin chào")
    assert (result.ok, result.retryable, result.reason) == (False, True, "transient")
    assert len(client.sleeps) == 2 and fake_zalo.messages == []


def test_connection_refused_is_retryable(settings: Any, store: Any) -> None:
    with FakeZalo() as gone:
        dead = point_at(settings, gone)
    client = ZaloClient(dead, store, sleep=lambda s: None)
    result = client.send_text("u1", "xin chào")
    assert (result.ok, result.retryable, result.reason) == (False, True, "transient")


def test_list_followers_pages(client: Client, fake_zalo: FakeZalo) -> None:  # noqa: F811
    fake_zalo.script(followers=[f"f{i:03d}" for i in range(120)])
    pages = [client.zalo.list_followers(offset, 50) for offset in (0, 50, 100)]
    assert [len(ids) for ids, _ in pages] == [50, 50, 20] and {t for _, t in pages} == {120}
    assert sum((ids for ids, _ in pages), []) == [f"f{i:03d}" for i in range(120)]
    with pytest.raises(ValueError):
        client.zalo.list_followers(0, 51)


def test_list_followers_error_raises(client: Client, fake_zalo: FakeZalo) -> None:  # noqa: F811
    fake_zalo.fail_calls(-211, paths=["getlist"])
    with pytest.raises(ZaloError) as info:
        client.zalo.list_followers(0, 50)
    assert info.value.code == -211 and not info.value.retryable


def test_user_detail(client: Client, fake_zalo: FakeZalo) -> None:  # noqa: F811
    assert client.zalo.user_detail("follower1")["user_is_follower"] is True
    with pytest.raises(ZaloError):
        client.zalo.user_detail("stranger")


@pytest.mark.parametrize("path, kwargs, code", [
    ("/v3.0/oa/message/cs", {"json": {"recipient": {"user_id": "u"}, "message": {"text": "x"}}}, -216),
    ("/v3.0/oa/message/cs", {"json": {"recipient": {"user_id": "u"}, "message": {"text": "x" * 2001}},
                             "headers": {"access_token": "access-0"}}, -201),
    ("/v3.0/oa/message/cs", {"json": {"recipient": {"user_id": "u"}, "message": {"text": "x", "attachment": {
        "type": "template", "payload": {"buttons": [{"title": "b", "type": "oa.query.show", "payload": "p"}] * 6}}}},
        "headers": {"access_token": "access-0"}}, -201),
    ("/v3.0/oa/message/cs", {"data": b"{not json", "headers": {"access_token": "access-0"}}, -201),
    ("/v3.0/oa/message/cs", {"json": {"recipient": {"user_id": "u"}, "message": {"text": "x"}},
                             "headers": {"access_token": "forged"}}, -216),
])
def test_fake_validates_requests(fake_zalo: FakeZalo, path: str, kwargs: dict, code: int) -> None:  # noqa: F811
    answer = requests.post(fake_zalo.base_url + path, timeout=5, **kwargs)
    assert answer.status_code == 200 and answer.json()["error"] == code
    assert fake_zalo.messages == []


def test_fake_getlist_enforces_count(fake_zalo: FakeZalo) -> None:  # noqa: F811
    query = {"data": json.dumps({"offset": 0, "count": 51, "is_follower": True})}
    answer = requests.get(fake_zalo.base_url + "/v3.0/oa/user/getlist", params=query,
                          headers={"access_token": "access-0"}, timeout=5)
    assert answer.json()["error"] == -201


def test_no_user_data_in_info_logs(client: Client, fake_zalo: FakeZalo,  # noqa: F811
                                   caplog: pytest.LogCaptureFixture) -> None:
    fake_zalo.script(user_errors={"user-secret-id": -230})
    fake_zalo.fail_calls(-32, count=1)
    with caplog.at_level(logging.INFO):
        client.zalo.send_text("user-secret-id", "bí mật riêng tư")
        client.zalo.send_text("other-user-id", "bí mật riêng tư")
    assert caplog.records and "user-secret-id" not in caplog.text and "other-user-id" not in caplog.text
    assert "bí mật" not in caplog.text


def test_recording_client() -> None:
    zalo = RecordingZaloClient(followers=[f"f{i}" for i in range(70)])
    zalo.fail("u2", -230)
    zalo.fail("u3", -32, always=True)
    assert zalo.send("u1", OutMessage("a" * 2500, (Button("b", "c"),))).ok
    assert zalo.send_text("u2", "x").reason == "outside_window" and zalo.send_text("u2", "x").ok
    assert zalo.send_promotion("u3", OutMessage("x")).retryable and zalo.send_text("u3", "y").error == -32
    assert [len(m.text) for _, m in zalo.sent if _ == "u1"] == [2000, 500]
    assert zalo.texts("u2") == ["x"] and zalo.texts("u3") == []
    assert zalo.list_followers(50, 50) == ([f"f{i}" for i in range(50, 70)], 70)
    with pytest.raises(ValueError):
        zalo.send("u1", OutMessage("x", tuple(Button(str(i), "p") for i in range(6))))


@pytest.mark.parametrize("process", [True, False])
def test_a_send_answered_too_late_is_maybe_sent_never_repeated(settings: Any, fake_zalo: FakeZalo, store: Any,  # noqa: F811
                                                              process: bool) -> None:
    """Zalo takes the request and answers after the timeout (it delivered it, or not): one call, no second copy."""
    client = Client(settings, fake_zalo, store, timeout=0.2)
    fake_zalo.slow(1, 1.0, process=process)
    result = client.zalo.send_text("u1", "x")
    assert (result.ok, result.error, result.message, result.retryable, result.reason) == (
        False, -1, "ReadTimeout", False, "maybe_sent")
    assert client.sleeps == []  # the client returned at once, with no retry left to come
    deadline = time.monotonic() + 5
    while not fake_zalo.calls and time.monotonic() < deadline:  # the fake records the call when its delay ends
        time.sleep(0.05)
    assert [c["endpoint"] for c in fake_zalo.calls] == ["cs"]
    assert len(fake_zalo.messages) == (1 if process else 0)


def test_the_parts_after_a_maybe_sent_part_still_go(settings: Any, fake_zalo: FakeZalo, store: Any) -> None:  # noqa: F811
    client = Client(settings, fake_zalo, store, timeout=0.2)
    fake_zalo.slow(1, 1.0, process=True)
    text = "\n".join(f"{i}. " + "chữ " * 150 for i in range(1, 5))
    result = client.zalo.send_text("u1", text)
    assert result.reason == "maybe_sent"
    assert fake_zalo.wait_for(lambda m: len(m) >= 2, timeout=3)
    assert len(fake_zalo.texts("u1")) == len([c for c in fake_zalo.calls if c["endpoint"] == "cs"])


def test_read_timeouts_retried_when_asked_and_for_reads(settings: Any, fake_zalo: FakeZalo, store: Any) -> None:  # noqa: F811
    client = Client(settings, fake_zalo, store, timeout=0.2, retry_read_timeouts=True)
    fake_zalo.slow(2, 1.0)
    assert client.zalo.send_text("u1", "x").ok and len(client.sleeps) == 2
    fake_zalo.script(followers=["f1"], slow=[{"seconds": 1.0, "count": 1, "paths": ["getlist"]}])
    reader = Client(settings, fake_zalo, store, timeout=0.2)
    assert reader.zalo.list_followers(0, 50) == (["f1"], 1)


def test_standalone_fake_scripted_over_http(settings: Any) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "tests.fake_zalo", "--port", "0", "--followers", "3"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        assert requests.post(base + "/_fake/script", json={"expire_token": True, "user_errors": {"u9": -230}},
                             timeout=5).json()["token_state"] == "expired"
        live = settings.with_(zalo_api_base=base, zalo_oauth_base=base)
        zalo = ZaloClient(live, InMemoryStateStore(), sleep=lambda s: None)
        assert zalo.send_text("u1", "xin chào").ok and zalo.send_text("u9", "x").reason == "outside_window"
        assert zalo.list_followers(0, 50) == (["follower0", "follower1", "follower2"], 3)
        got = requests.get(base + "/_fake/messages", params={"min": 1, "timeout": 5}, timeout=10).json()
        assert [(m["user_id"], m["text"], m["token"]) for m in got["messages"]] == [("u1", "xin chào", "access-1")]
        state = requests.get(base + "/_fake/state", timeout=5).json()
        assert state["refreshes"] == 1 and state["refresh_token"] == "refresh-1"
        requests.post(base + "/_fake/reset", json={}, timeout=5)
        assert requests.get(base + "/_fake/messages", timeout=5).json() == {"messages": []}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
