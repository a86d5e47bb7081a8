"""Zalo webhook events, parsed once into frozen values (and back to plain dicts for the job queue)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Union


class EventError(ValueError):
    """The body is not a well-formed Zalo event."""


@dataclass(frozen=True)
class TextMessage:
    """A user's text (button payloads of type oa.query.* arrive as text too)."""

    user_id: str
    msg_id: str
    text: str
    timestamp: str


@dataclass(frozen=True)
class Follow:
    """A user followed the OA."""

    user_id: str
    timestamp: str


@dataclass(frozen=True)
class Unfollow:
    """A user unfollowed the OA."""

    user_id: str
    timestamp: str


@dataclass(frozen=True)
class OtherMessage:
    """A non-text message from a user: image, sticker, file, location, audio, video, link, business card, gif."""

    user_id: str
    msg_id: str
    kind: str
    timestamp: str


@dataclass(frozen=True)
class Ignored:
    """An event the bot does not answer (OA echoes, delivery/seen receipts, unknown events)."""

    event_name: str


Event = Union[TextMessage, Follow, Unfollow, OtherMessage, Ignored]

JOB_FIELDS = ("request_id", "queued_at")
OTHER_KINDS = frozenset({"image", "gif", "link", "audio", "video", "sticker", "location", "file", "business_card"})

_TYPES: dict[str, type] = {
    "text": TextMessage, "follow": Follow, "unfollow": Unfollow, "other": OtherMessage, "ignored": Ignored,
}
_NAMES = {cls: name for name, cls in _TYPES.items()}


def _id(value: Any, what: str) -> str:
    """A non-empty id string; Zalo sends strings, but integers are tolerated."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise EventError(f"{what} missing or not a string")
    text = str(value).strip()
    if not text:
        raise EventError(f"{what} is empty")
    return text


def _timestamp(payload: dict[str, Any]) -> str:
    """The event's epoch-milliseconds timestamp as a digit string."""
    value = _id(payload.get("timestamp"), "timestamp")
    if not value.isdigit():
        raise EventError("timestamp is not a number")
    return value


def _obj(payload: dict[str, Any], name: str) -> dict[str, Any]:
    """A nested object that must be present."""
    value = payload.get(name)
    if not isinstance(value, dict):
        raise EventError(f"{name} missing")
    return value


def load_payload(body: bytes) -> dict[str, Any]:
    """Decode the JSON object of a webhook body."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: "[[[[..." nested too deep
        raise EventError("body is not JSON") from exc
    if not isinstance(payload, dict):
        raise EventError("body is not a JSON object")
    try:
        # "\ud800" escapes decode to lone surrogates, which no store or queue can encode later
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError) as exc:
        raise EventError("body holds invalid unicode") from exc
    return payload


def parse_payload(payload: dict[str, Any]) -> Event:
    """Turn a decoded webhook JSON object into an Event."""
    name = payload.get("event_name")
    if not isinstance(name, str) or not name:
        raise EventError("event_name missing")
    if name in ("follow", "unfollow"):
        user_id = _id(_obj(payload, "follower").get("id"), "follower.id")
        cls = Follow if name == "follow" else Unfollow
        return cls(user_id=user_id, timestamp=_timestamp(payload))
    if name.startswith("user_send_"):
        kind = name[len("user_send_"):]
        if kind != "text" and kind not in OTHER_KINDS:
            return Ignored(event_name=name)
        user_id = _id(_obj(payload, "sender").get("id"), "sender.id")
        message = _obj(payload, "message")
        msg_id = _id(message.get("msg_id"), "message.msg_id")
        timestamp = _timestamp(payload)
        if kind == "text":
            text = message.get("text")
            if not isinstance(text, str):
                raise EventError("message.text missing")
            return TextMessage(user_id=user_id, msg_id=msg_id, text=text, timestamp=timestamp)
        return OtherMessage(user_id=user_id, msg_id=msg_id, kind=kind, timestamp=timestamp)
    return Ignored(event_name=name)


def parse_event(body: bytes) -> Event:
    """Parse a raw webhook body; EventError for malformed JSON or missing fields."""
    return parse_payload(load_payload(body))


def dedup_key(event: Event) -> str | None:
    """What makes a delivery unique (msg_id for messages); None for events nobody acts on."""
    if isinstance(event, (TextMessage, OtherMessage)):
        return event.msg_id
    if isinstance(event, (Follow, Unfollow)):
        return f"{_NAMES[type(event)]}:{event.user_id}:{event.timestamp}"
    return None


def event_user(event: Event) -> str | None:
    """The user an event comes from (None for ignored events)."""
    return getattr(event, "user_id", None)


def event_millis(event: Event) -> int | None:
    """The event's timestamp in epoch milliseconds, when it has one."""
    raw = getattr(event, "timestamp", None)
    return int(raw) if raw else None


def event_to_dict(event: Event) -> dict[str, Any]:
    """A JSON-able dict for the job queue."""
    return {"type": _NAMES[type(event)], **asdict(event)}


def event_from_dict(data: dict[str, Any]) -> Event:
    """The inverse of event_to_dict; EventError when the dict is not an event."""
    if not isinstance(data, dict):
        raise EventError("event is not a dict")
    fields = dict(data)
    for name in JOB_FIELDS:  # tracing fields the webhook adds to a queued event (bot.ops.logs.job_fields)
        fields.pop(name, None)
    cls = _TYPES.get(fields.pop("type", None))  # type: ignore[arg-type]
    if cls is None:
        raise EventError("unknown event type")
    try:
        event = cls(**fields)
    except TypeError as exc:
        raise EventError(f"bad event fields: {exc}") from exc
    if any(not isinstance(v, str) for v in asdict(event).values()):
        raise EventError("event fields must be strings")
    return event
