"""Webhook signature (plain SHA-256 over raw bytes), replay window and the admin bearer check."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from bot.web import admin_auth
from bot.web.admin_auth import check_bearer
from bot.zalo.signature import is_fresh, sign, to_millis, verify_any, verify_signature

APP = "360846524940903967"
SECRET = "oa-secret"
BODY = ('{"app_id":"360846524940903967","event_name":"user_send_text","message":{"text":"nghỉ đẻ",'
        '"msg_id":"m1"},"sender":{"id":"u1"},"timestamp":"1543908534740"}').encode()
TS = "1543908534740"
GOOD = "mac=" + hashlib.sha256(APP.encode() + BODY + TS.encode() + SECRET.encode()).hexdigest()


def test_sign_is_plain_sha256_of_concatenation() -> None:
    assert sign(APP, BODY, TS, SECRET) == GOOD
    # a known vector, computed independently of the code under test
    assert sign("a", b"{}", "1", "k") == "mac=" + hashlib.sha256(b"a{}1k").hexdigest()
    assert sign("a", b"{}", "1", "k") != "mac=" + hmac.new(b"k", b"a{}1", hashlib.sha256).hexdigest()


@pytest.mark.parametrize("header, ok", [
    (GOOD, True),
    (GOOD.upper().replace("MAC=", "mac="), True),
    (GOOD[4:], True),
    ("  " + GOOD + " ", True),
    (GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1"), False),
    ("mac=", False),
    ("", False),
    (None, False),
    ("mac=" + "0" * 64, False),
    ("mac=ẞ" + GOOD[5:], False),
])
def test_verify_signature_header_forms(header: str | None, ok: bool) -> None:
    assert verify_signature(APP, BODY, TS, SECRET, header) is ok


@pytest.mark.parametrize("app_id, body, ts, secret", [
    ("other-app", BODY, TS, SECRET),
    (APP, BODY + b" ", TS, SECRET),
    (APP, BODY, "1543908534741", SECRET),
    (APP, BODY, TS, "wrong"),
    (APP, BODY, TS, ""),
    (APP, BODY, "", SECRET),
])
def test_verify_signature_rejects_any_change(app_id: str, body: bytes, ts: str, secret: str) -> None:
    assert not verify_signature(app_id, body, ts, secret, GOOD)


def test_raw_bytes_not_reserialised_json() -> None:
    # same JSON, different bytes: the signature covers the exact bytes received
    spaced = BODY.replace(b",", b", ")
    assert not verify_signature(APP, spaced, TS, SECRET, GOOD)
    assert verify_signature(APP, spaced, TS, SECRET, sign(APP, spaced, TS, SECRET))


def test_header_timestamp_variant_accepted() -> None:
    header_ts = "1700000000123"
    header = sign(APP, BODY, header_ts, SECRET)
    assert verify_any([APP], BODY, [header_ts, TS], SECRET, header) == header_ts
    assert verify_any([APP], BODY, [header_ts, TS], SECRET, GOOD) == TS
    assert verify_any([APP], BODY, [header_ts], SECRET, GOOD) is None
    assert verify_any(["cfg-app", APP], BODY, [TS], SECRET, GOOD) == TS


def test_constant_time_compare_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(admin_auth.hmac, "compare_digest", spy)
    assert verify_signature(APP, BODY, TS, SECRET, GOOD)
    assert check_bearer("Bearer tok", "tok")
    assert len(calls) == 2


@pytest.mark.parametrize("ts, now_ms, window, fresh", [
    ("1700000000000", 1700000000000, 3600, True),
    ("1700000000000", 1700000000000 + 3600_000, 3600, True),
    ("1700000000000", 1700000000000 + 3600_001, 3600, False),
    ("1700000000000", 1700000000000 - 3600_001, 3600, False),
    ("1700000000", 1700000000000 + 1000, 3600, True),
    ("1543908534740", 1700000000000, 3600, False),
    ("1543908534740", 1700000000000, 0, True),
    ("soon", 1700000000000, 3600, False),
])
def test_replay_window(ts: str, now_ms: int, window: int, fresh: bool) -> None:
    assert is_fresh(ts, now_ms, window) is fresh


def test_to_millis_units() -> None:
    assert to_millis("1700000000") == 1700000000000
    assert to_millis("1700000000000") == 1700000000000
    assert to_millis("x") is None


@pytest.mark.parametrize("header, token, ok", [
    ("Bearer s3cret", "s3cret", True),
    ("bearer s3cret", "s3cret", True),
    ("Bearer  s3cret ", "s3cret", True),
    ("Bearer s3cre", "s3cret", False),
    ("Basic s3cret", "s3cret", False),
    ("s3cret", "s3cret", False),
    ("Bearer ", "", False),
    ("Bearer x", "", False),
    (None, "s3cret", False),
    ("Bearer mật", "s3cret", False),
])
def test_check_bearer(header: str | None, token: str, ok: bool) -> None:
    assert check_bearer(header, token) is ok
