"""Structured logs: JSON lines, request ids from the webhook to the reply, users hashed, secrets never written."""
from __future__ import annotations

import io
import json
import logging
from typing import Any, Iterator

import pytest

from bot.ops import logs
from bot.ops.settings import Settings
from tests.ops_stack import LOG_HASH_KEY, USER, Stack, stack  # noqa: F401 - fixture

SECRET_VALUES = ("app-secret-test", "oa-secret-test", "access-0", "refresh-0", "admin-token-test-Vq3xT9kLm2Pz7sRw5YbN", LOG_HASH_KEY)


class Captured:
    """What the JSON formatter wrote during a test."""

    def __init__(self) -> None:
        self.out = io.StringIO()

    def lines(self) -> list[dict[str, Any]]:
        """Every line written so far, parsed (each must be one JSON object)."""
        return [json.loads(line) for line in self.out.getvalue().splitlines()]


@pytest.fixture
def captured() -> Iterator[Captured]:
    """Every record logged during the test, written by the JSON formatter at DEBUG."""
    capture = Captured()
    out = capture.out
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonFormatter(logs.Redactor.from_settings(
        Settings(zalo_app_secret="app-secret-test", zalo_oa_secret_key="oa-secret-test", zalo_access_token="access-0",
                 zalo_refresh_token="refresh-0", admin_token="admin-token-test-Vq3xT9kLm2Pz7sRw5YbN", log_hash_key=LOG_HASH_KEY))))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def formatted(record_msg: str, *args: Any, settings: Settings | None = None, **extra: Any) -> dict[str, Any]:
    """One record through the formatter, parsed."""
    record = logging.LogRecord("bot.test", logging.INFO, __file__, 1, record_msg, args, None)
    record.__dict__.update(extra)
    return json.loads(logs.JsonFormatter(logs.Redactor.from_settings(settings)).format(record))


def test_one_json_object_with_level_logger_and_time() -> None:
    data = formatted("hello %s", "world", outcome="ok", status=200)
    assert data["msg"] == "hello world" and data["level"] == "INFO" and data["logger"] == "bot.test"
    assert data["ts"].endswith("Z") and data["outcome"] == "ok" and data["status"] == 200
    assert "request_id" not in data


def test_request_id_and_user_come_from_the_context() -> None:
    with logs.bound("req-12345678", "abcdef123456"):
        data = formatted("inside")
    assert data["request_id"] == "req-12345678" and data["user"] == "abcdef123456"
    assert "request_id" not in formatted("outside")


def test_exceptions_are_one_line_of_json_with_the_traceback() -> None:
    try:
        raise ValueError("token access-0 refused")
    except ValueError:
        record = logging.LogRecord("bot.test", logging.ERROR, __file__, 1, "failed", None, __import__("sys").exc_info())
    settings = Settings(zalo_access_token="access-0")
    line = logs.JsonFormatter(logs.Redactor.from_settings(settings)).format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert "ValueError" in data["exc"] and "access-0" not in data["exc"] and logs.REDACTED in data["exc"]


@pytest.mark.parametrize("text", [
    "refresh with refresh-0 failed", "Authorization: Bearer admin-token-test-Vq3xT9kLm2Pz7sRw5YbN", "secret oa-secret-test",
    "app-secret-test", "key log-hash-key-test"])
def test_configured_secrets_are_redacted(settings: Settings, text: str) -> None:
    data = formatted("%s", text, settings=settings.with_(log_hash_key=LOG_HASH_KEY), detail=text)
    for secret in SECRET_VALUES:
        assert secret not in data["msg"] and secret not in data["detail"]


@pytest.mark.parametrize("text", [
    'access_token=abcDEF123456', '{"refresh_token": "zzzz-yyyy-1234"}', "Authorization: Bearer Zm9vYmFyYmF6",
    "secret_key: s3cr3t-value", "headers={'access_token': 'tok-abc-123'}"])
def test_credential_looking_values_are_redacted_even_when_not_configured(text: str) -> None:
    data = formatted("%s", text)
    assert logs.REDACTED in data["msg"]
    for value in ("abcDEF123456", "zzzz-yyyy-1234", "Zm9vYmFyYmF6", "s3cr3t-value", "tok-abc-123"):
        assert value not in data["msg"]


def test_zalo_ids_become_the_users_keyed_hash(settings: Settings) -> None:
    keyed = settings.with_(log_hash_key=LOG_HASH_KEY)
    data = formatted("sent to %s at 1700000000000, call 0912345678", USER, settings=keyed)
    assert USER not in data["msg"] and "u:" + logs.user_ref(keyed, USER) in data["msg"]
    assert "1700000000000" in data["msg"] and "0912345678" in data["msg"]


@pytest.mark.parametrize("text", [
    "user_id=USER", '"sender": {"id": "USER"}', "zlb:turns:USER", "USER-art5", "event USER_1", "(USER)"])
def test_a_zalo_id_is_hashed_wherever_it_stands(text: str) -> None:
    data = formatted("%s", text.replace("USER", USER))
    assert USER not in data["msg"] and "u:" in data["msg"]


@pytest.mark.parametrize("name", [
    "616db342390d440c123456789012345e",  # rq worker names are uuid4 hex: a run of 15 digits happens
    "a1234567890123456789b", "rq:job:0f1234567890123456789a"])
def test_hex_names_holding_a_long_run_of_digits_stay_readable(name: str) -> None:
    assert formatted("Worker %s: started", name)["msg"] == f"Worker {name}: started"


def test_user_ref_is_a_stable_keyed_hash() -> None:
    one, other = Settings(log_hash_key="k1"), Settings(log_hash_key="k2")
    ref = logs.user_ref(one, USER)
    assert ref == logs.user_ref(one, USER) and len(ref) == 12 and int(ref, 16) >= 0
    assert ref != logs.user_ref(other, USER) and ref != logs.user_ref(one, USER + "1")
    # no key configured: still hashed, with a key of this process
    assert USER not in logs.user_ref(Settings(), USER)


@pytest.mark.parametrize("value, ok", [
    ("abcdef12", True), ("req.1:2-3_4", True), ("short", False), ("x" * 65, False), ("bad id!", False),
    ("a\nb" * 4, False), (None, False), (12345678, False)])
def test_request_id_validation(value: Any, ok: bool) -> None:
    assert (logs.valid_request_id(value) is not None) is ok


def test_setup_is_idempotent_and_follows_log_level(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    before = root.level
    try:
        logs.setup(settings.with_(log_level="WARNING"))
        logs.setup(settings.with_(log_level="WARNING"))
        assert sum(1 for h in root.handlers if getattr(h, "_zlb", False)) == 1
        logging.getLogger("bot.test").info("not shown")
        logging.getLogger("bot.test").warning("shown with %s", settings.zalo_app_secret)
        err = capsys.readouterr().err.strip().splitlines()
        [line] = [json.loads(x) for x in err if "shown" in x]
        assert line["msg"] == f"shown with {logs.REDACTED}" and line["level"] == "WARNING"
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_zlb", False)]:
            root.removeHandler(handler)
        root.setLevel(before)


def test_log_level_setting(settings: Settings) -> None:
    from bot.ops.settings import ConfigError

    assert Settings.from_env({"LOG_LEVEL": "debug"}).log_level == "DEBUG"
    assert Settings.from_env({}).log_level == "INFO"
    with pytest.raises(ConfigError):
        Settings.from_env({"LOG_LEVEL": "chatty"})


def test_request_id_header_is_kept_or_made(stack: Stack) -> None:
    kept = stack.say("xin chào", headers={"X-Request-Id": "trace-0001"})
    assert kept.status_code == 200 and kept.headers["X-Request-Id"] == "trace-0001"
    made = stack.say("xin chào", headers={"X-Request-Id": "no good"})
    assert made.headers["X-Request-Id"] != "no good" and logs.valid_request_id(made.headers["X-Request-Id"])
    assert stack.app.test_client().get("/healthz").headers["X-Request-Id"]


def test_request_id_travels_from_webhook_to_reply(stack: Stack, captured: Captured) -> None:
    response = stack.say("nghỉ thai sản mấy tháng", headers={"X-Request-Id": "trace-0002"})
    assert response.status_code == 200
    stack.work()
    assert stack.texts(), "no reply sent"
    traced = [line for line in captured.lines() if line.get("request_id") == "trace-0002"]
    loggers = {line["logger"] for line in traced}
    assert {"bot.web.webhook", "bot.jobs.reply"} <= loggers, loggers
    answered = next(line for line in traced if line["msg"].startswith("event answered"))
    assert answered["user"] == logs.user_ref(stack.settings, USER)
    webhook = next(line for line in traced if line["logger"] == "bot.web.webhook")
    assert webhook["outcome"] == "ok" and webhook["user"] == answered["user"]


def test_a_conversation_logs_no_user_id_text_token_or_secret(stack: Stack, captured: Captured) -> None:
    """Follow, questions, a follow-up, a subscription, a token refresh and an erasure: nothing personal at INFO."""
    from tests.ops_stack import follow_event

    said = ["nghỉ thai sản mấy tháng", "1", "xem thêm", "đăng ký", "ly hôn ai nuôi con", "qwertyuiop zxcv",
            "xóa dữ liệu"]
    stack.post(follow_event(USER))
    stack.work()
    stack.fake.expire_token()  # the next send refreshes the token pair: token handling is logged too
    for text in said:
        stack.say(text)
        stack.work()
    assert len(stack.texts()) >= len(said) + 1 and set(stack.statuses) == {200}
    info = [line for line in captured.lines() if line["level"] != "DEBUG"]
    assert any(line["logger"] == "bot.zalo.client" for line in info), "the token refresh was not logged"
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in info)
    assert USER not in text
    for secret in SECRET_VALUES + ("access-1", "refresh-1"):
        assert secret not in text, secret
    for message in said:
        if len(message) > 3:
            assert message not in text, message
    assert all(line.get("request_id") for line in info if line["logger"].startswith("bot.jobs.reply"))
