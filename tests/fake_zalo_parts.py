"""FakeZalo's pieces: Zalo's request rules (-201 cases) and the HTTP handler."""
from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

PATHS = {"/v3.0/oa/message/cs": "cs", "/v3.0/oa/message/promotion": "promotion",
         "/v3.0/oa/user/getlist": "getlist", "/v3.0/oa/user/detail": "detail", "/v4/oa/access_token": "oauth"}
BUTTON_TYPES = {"oa.query.show": str, "oa.query.hide": str, "oa.open.url": "url", "oa.open.phone": "phone_code"}
MAX_TEXT = 2000
MAX_BUTTONS = 5


class BadRequest(Exception):
    """A request Zalo would refuse with -201."""


def success(data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": 0, "message": "Success", "data": data or {}}


def failure(code: int, message: str) -> dict[str, Any]:
    return {"error": code, "message": message}


def check_buttons(buttons: Any) -> list[dict[str, Any]]:
    """Zalo's button rules: a list of 1..5, known types, payload shaped for the type."""
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise BadRequest("buttons: 1 to 5")
    for b in buttons:
        kind = BUTTON_TYPES.get(b.get("type")) if isinstance(b, dict) else None
        if kind is None or not isinstance(b.get("title"), str) or not b["title"]:
            raise BadRequest("bad button")
        payload = b.get("payload")
        if kind is str and not isinstance(payload, str) or kind is not str and not (
                isinstance(payload, dict) and isinstance(payload.get(kind), str) and payload[kind]):
            raise BadRequest("bad button payload")
    return buttons


def check_message(endpoint: str, body: Any) -> tuple[str, str, list[dict[str, Any]]]:
    """(user_id, text, buttons) of a valid cs/promotion body, else BadRequest."""
    if not isinstance(body, dict) or not isinstance(body.get("recipient"), dict):
        raise BadRequest("recipient")
    user_id, message = body["recipient"].get("user_id"), body.get("message")
    if not isinstance(user_id, str) or not user_id or not isinstance(message, dict):
        raise BadRequest("recipient.user_id / message")
    attachment = message.get("attachment")
    if attachment is not None and (not isinstance(attachment, dict) or attachment.get("type") != "template"
                                   or not isinstance(attachment.get("payload"), dict)):
        raise BadRequest("attachment")
    payload = attachment["payload"] if attachment else {}
    if endpoint == "promotion":
        elements = payload.get("elements")
        if payload.get("template_type") != "promotion" or not isinstance(elements, list) or not elements:
            raise BadRequest("promotion template")
        texts = [e.get("content") for e in elements if isinstance(e, dict) and e.get("type") in ("header", "text")]
        if not texts or not all(isinstance(t, str) and 0 < len(t) <= MAX_TEXT for t in texts):
            raise BadRequest("promotion text")
        text = "\n".join(texts)
    else:
        text = message.get("text")
        if not isinstance(text, str) or not text or len(text) > MAX_TEXT:
            raise BadRequest("text: 1 to 2000 characters")
    buttons = check_buttons(payload["buttons"]) if "buttons" in payload else []
    return user_id, text, buttons


class Handler(BaseHTTPRequestHandler):
    """Routes /_fake/* to FakeZalo.admin and everything else to FakeZalo.handle."""

    owner: Any

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        query = parse_qs(parts.query)
        try:
            if parts.path.startswith("/_fake/"):
                status, answer = self.owner.admin(method, parts.path, query, raw)
            else:
                status, answer = self.owner.handle(method, parts.path, query, self.headers, raw)
        except Exception as exc:  # noqa: BLE001 - a fake bug must show up as an answer, not a hung client
            status, answer = 500, {"error": -1, "message": f"fake crashed: {exc!r}"}
        payload = json.dumps(answer, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up (timeout test)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def log_message(self, *args: Any) -> None:
        pass
