"""Structured logs: one JSON object a line, a request id carried from the webhook to the reply, users as keyed hashes,
secrets and Zalo ids redacted before anything is written."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import sys
import time
import traceback
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Iterator

if TYPE_CHECKING:
    from flask import Flask, Response

    from bot.ops.settings import Settings

REQUEST_ID_HEADER = "X-Request-Id"
REDACTED = "[redacted]"
MIN_SECRET = 6  # shorter configured values would redact ordinary words

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# key=value / "key": "value" / Bearer value forms of credentials, whatever their value
_CREDENTIAL = re.compile(
    r"(?i)((?:access|refresh)[_-]?token|secret[_-]?key|app[_-]?secret|oa[_-]?secret|password|authorization"
    r"|admin[_-]?token)(['\"]?\s*[:=]\s*['\"]?)(?:bearer\s+)?([^\s'\"&,;}]+)")
_BEARER = re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9._~+/=-]{6,})")
# Zalo user, app and OA ids are 15-20 digit numbers; timestamps (13 digits) and phone numbers stay readable, and so
# do hex names (rq's worker and job ids) that happen to hold a long run of digits
_LONG_ID = re.compile(r"(?<![0-9A-Za-z.])\d{15,20}(?![0-9A-Za-z.])")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}
_PROCESS_KEY = secrets.token_bytes(32)  # hashes users when no LOG_HASH_KEY/OA secret is configured (tests, CLI)

_request_id: ContextVar[str | None] = ContextVar("zlb_request_id", default=None)
_user: ContextVar[str | None] = ContextVar("zlb_user", default=None)


def new_request_id() -> str:
    """A fresh random request id (16 hex characters)."""
    return secrets.token_hex(8)


def valid_request_id(value: Any) -> str | None:
    """The value when it is a safe request id (8-64 of letters, digits and . _ : -), else None."""
    return value if isinstance(value, str) and _VALID_ID.match(value) else None


def request_id() -> str | None:
    """The request id of the code running now, if any."""
    return _request_id.get()


def _key(settings: "Settings | None") -> bytes:
    """The hashing key: LOG_HASH_KEY (else the OA secret, see config), else a per-process random key."""
    configured = getattr(settings, "log_hash_key", "") if settings is not None else ""
    return configured.encode() if configured else _PROCESS_KEY


def user_ref(settings: "Settings | None", user_id: str) -> str:
    """A keyed hash standing for a Zalo user in logs (HMAC-SHA256, 12 hex characters): stable, not reversible."""
    return hmac.new(_key(settings), str(user_id).encode(), hashlib.sha256).hexdigest()[:12]


@contextmanager
def bound(request_id: str | None = None, user: str | None = None) -> Iterator[None]:
    """Attach a request id and a user reference (already hashed) to every log line written inside."""
    rid_token = _request_id.set(request_id or _request_id.get())
    user_token = _user.set(user or _user.get())
    try:
        yield
    finally:
        _user.reset(user_token)
        _request_id.reset(rid_token)


def bind_user(user: str | None) -> None:
    """Attach a (hashed) user reference to the rest of the current request's log lines."""
    _user.set(user)


def job_fields() -> dict[str, Any]:
    """Fields a queued job carries for tracing: the current request id and when it was queued (epoch seconds)."""
    return {"request_id": _request_id.get() or new_request_id(), "queued_at": round(time.time(), 3)}


class Redactor:
    """Removes configured secrets, credential-looking values and long numeric ids (as user refs) from text."""

    def __init__(self, secrets_: Iterable[str] = (), settings: "Settings | None" = None) -> None:
        self.secrets = sorted({s for s in secrets_ if s and len(s) >= MIN_SECRET}, key=len, reverse=True)
        self.settings = settings

    @classmethod
    def from_settings(cls, settings: "Settings | None") -> "Redactor":
        """A redactor for every secret of the settings."""
        if settings is None:
            return cls()
        values = (settings.zalo_app_secret, settings.zalo_oa_secret_key, settings.zalo_access_token,
                  settings.zalo_refresh_token, settings.admin_token, settings.log_hash_key)
        return cls(values, settings)

    def __call__(self, text: str) -> str:
        """The text with every secret replaced."""
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _CREDENTIAL.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
        text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
        return _LONG_ID.sub(lambda m: "u:" + user_ref(self.settings, m.group(0)), text)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, request_id, user, extras, exc; every string redacted."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor or Redactor()

    def _clean(self, value: Any) -> Any:
        """A JSON-able, redacted copy of an extra field."""
        if isinstance(value, (bool, int, float)) or value is None:
            return value
        if isinstance(value, dict):
            return {str(k): self._clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple, set)):
            return [self._clean(v) for v in value]
        return self.redactor(str(value))

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        stamp = datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
        data: dict[str, Any] = {"ts": stamp.replace("+00:00", "Z"), "level": record.levelname,
                                "logger": record.name, "msg": self.redactor(record.getMessage())}
        rid = getattr(record, "request_id", None) or _request_id.get()
        user = getattr(record, "user", None) or _user.get()
        if rid:
            data["request_id"] = str(rid)
        if user:
            data["user"] = str(user)
        for name, value in record.__dict__.items():
            if name not in _STANDARD and name not in data and not name.startswith("_"):
                data[name] = self._clean(value)
        if record.exc_info:
            data["exc"] = self.redactor("".join(traceback.format_exception(*record.exc_info)).rstrip())
        if record.stack_info:
            data["stack"] = self.redactor(record.stack_info)
        data["pid"] = record.process
        return json.dumps(data, ensure_ascii=False, default=str)


class RedactFilter(logging.Filter):
    """Redacts a record's message in place, for handlers that do not use JsonFormatter (defence in depth)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite msg (args merged in) and keep the record."""
        try:
            record.msg = self.redactor(record.getMessage())
            record.args = None
        except Exception:  # noqa: BLE001 - a badly formatted record is still logged
            pass
        return True


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler writing to whatever sys.stderr is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        """The current sys.stderr."""
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        """Ignored: the handler always follows sys.stderr."""


def gunicorn_formatter() -> JsonFormatter:
    """The JSON formatter for gunicorn's own loggers (gunicorn.conf.py's logconfig_dict)."""
    from bot.ops.settings import Settings

    try:
        return JsonFormatter(Redactor.from_settings(Settings.from_env()))
    except Exception:  # noqa: BLE001 - a bad setting is reported by the app itself; logs must still work
        return JsonFormatter()


def setup(settings: "Settings | None" = None) -> logging.Handler:
    """Send every log record to stderr as JSON at LOG_LEVEL; idempotent (replaces the handler it added before)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_zlb", False):
            root.removeHandler(handler)
    handler = StderrHandler()
    handler._zlb = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter(Redactor.from_settings(settings)))
    root.addHandler(handler)
    root.setLevel(getattr(settings, "log_level", "INFO") or "INFO")
    # urllib3 at DEBUG prints request lines; nothing there is needed to run the bot
    logging.getLogger("urllib3").setLevel(max(logging.INFO, root.level))
    return handler


def init_app(app: "Flask") -> None:
    """Give every request an id (a valid X-Request-Id header is kept) and send it back in the response."""
    from flask import g, request

    @app.before_request
    def _start_request() -> None:
        """Bind the request id (and forget the previous request's user) for this request's log lines."""
        rid = valid_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        g.zlb_log_tokens = (_request_id.set(rid), _user.set(None))

    @app.after_request
    def _tag_response(response: "Response") -> "Response":
        """Echo the request id so a client can quote it."""
        rid = _request_id.get()
        if rid:
            response.headers[REQUEST_ID_HEADER] = rid
        return response

    @app.teardown_request
    def _end_request(_exc: BaseException | None) -> None:
        """Unbind, so a thread serving the next request starts clean."""
        tokens = g.pop("zlb_log_tokens", None)
        if tokens is not None:
            try:
                _user.reset(tokens[1])
                _request_id.reset(tokens[0])
            except ValueError:  # reset from another context: just clear
                _user.set(None)
                _request_id.set(None)
