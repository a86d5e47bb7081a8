"""What goes over the wire to Zalo: message bodies, 2,000-character parts, and error codes mapped to results."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.zalo.messages import MAX_BUTTONS, MAX_TEXT, OPEN_PHONE, OPEN_URL, QUERY_SHOW, Button, OutMessage, split_text

RATE_LIMITED = -32
BAD_PARAMETER = -201
TOKEN_ERRORS = frozenset({-216, -220})
# errors that no retry can fix for this user: record why and move on
STOP_REASONS = {-213: "not_follower", -227: "banned_or_inactive", -230: "outside_window",
                -232: "interaction_expired", -211: "out_of_quota", -201: "bad_parameter"}
TRANSIENT = -1  # local code: timeout, connection error, HTTP 5xx or an unreadable answer
MAYBE_SENT = "maybe_sent"  # reason of a send Zalo received but did not answer in time: never repeated blindly
PROMOTION_HEADER_MAX = 100

@dataclass(frozen=True)
class SendResult:
    """The outcome of one API call: ok, Zalo's error code, its message, whether a later retry may succeed, why."""

    ok: bool
    error: int
    message: str
    retryable: bool
    reason: str = ""


def result_for(error: int, message: str = "") -> SendResult:
    """The SendResult a final Zalo error code maps to (0 = success)."""
    if error == 0:
        return SendResult(True, 0, message or "Success", False, "")
    if error in STOP_REASONS:
        return SendResult(False, error, message, False, STOP_REASONS[error])
    if error == RATE_LIMITED:
        return SendResult(False, error, message, True, "rate_limited")
    if error in TOKEN_ERRORS:
        return SendResult(False, error, message, True, "token_invalid")
    if error == TRANSIENT:
        return SendResult(False, error, message, True, "transient")
    return SendResult(False, error, message, False, "zalo_error")


def _button(button: Button) -> dict[str, Any]:
    """One template button in Zalo's shape."""
    if button.type == QUERY_SHOW:
        return {"title": button.title, "type": QUERY_SHOW, "payload": button.payload}
    if button.type == OPEN_PHONE:
        return {"title": button.title, "type": OPEN_PHONE, "payload": {"phone_code": button.payload}}
    if button.type == OPEN_URL:
        return {"title": button.title, "type": OPEN_URL, "payload": {"url": button.payload}}
    raise ValueError(f"unsupported Zalo button type {button.type!r}")


def message_parts(message: OutMessage) -> list[OutMessage]:
    """The message as Zalo-sized parts, its buttons on the last; ValueError for what no call could carry."""
    if not message.text.strip():
        raise ValueError("empty Zalo message")
    if len(message.buttons) > MAX_BUTTONS:
        raise ValueError(f"{len(message.buttons)} buttons; Zalo allows {MAX_BUTTONS}")
    for button in message.buttons:
        _button(button)
    texts = split_text(message.text, MAX_TEXT)
    return [OutMessage(t, message.buttons if i == len(texts) - 1 else ()) for i, t in enumerate(texts)]


def message_body(user_id: str, message: OutMessage) -> dict[str, Any]:
    """The /message/cs body: plain text, or text with a button template."""
    body: dict[str, Any] = {"text": message.text}
    if message.buttons:
        body["attachment"] = {"type": "template",
                              "payload": {"buttons": [_button(b) for b in message.buttons]}}
    return {"recipient": {"user_id": str(user_id)}, "message": body}


def promotion_body(user_id: str, message: OutMessage) -> dict[str, Any]:
    """The /message/promotion body: a promotion template, the first short line as its header."""
    text = message.text
    first, _, rest = text.partition("\n")
    elements: list[dict[str, Any]] = []
    if rest.strip() and len(first.strip()) <= PROMOTION_HEADER_MAX:
        elements.append({"type": "header", "content": first.strip(), "align": "left"})
        text = rest.strip()
    elements.append({"type": "text", "content": text, "align": "left"})
    payload: dict[str, Any] = {"template_type": "promotion", "language": "VI", "elements": elements}
    if message.buttons:
        payload["buttons"] = [_button(b) for b in message.buttons]
    return {"recipient": {"user_id": str(user_id)},
            "message": {"attachment": {"type": "template", "payload": payload}}}
