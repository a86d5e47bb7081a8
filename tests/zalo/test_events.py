"""Parsing Zalo webhook payloads (shapes from SPEC §3) into events, and back through the queue."""
from __future__ import annotations

import json

import pytest

from bot.zalo.events import (
    EventError,
    Follow,
    Ignored,
    OtherMessage,
    TextMessage,
    Unfollow,
    dedup_key,
    event_from_dict,
    event_to_dict,
    parse_event,
)

TEXT = {"app_id": "360846524940903967", "sender": {"id": "246845883529197922"},
        "user_id_by_app": "552177279717587730", "recipient": {"id": "388613280878808645"},
        "event_name": "user_send_text", "message": {"text": "message", "msg_id": "96d3cdf3af150460909"},
        "timestamp": "1543908534740"}
FOLLOW = {"app_id": "3206567425609033798", "oa_id": "579745863508352884", "user_id_by_app": "1923626015168953374",
          "event_name": "follow", "timestamp": "1630985527582", "source": "oa_profile",
          "follower": {"id": "8381381219617247797"}}


def _with(base: dict, **changes: object) -> dict:
    """A copy of a payload with top-level fields replaced (None removes)."""
    out = dict(base)
    for k, v in changes.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def _other(kind: str) -> dict:
    """A user_send_<kind> payload with an attachment."""
    return _with(TEXT, event_name=f"user_send_{kind}",
                 message={"msg_id": "m-" + kind, "attachments": [{"type": kind, "payload": {"url": "https://x"}}]})


def _echo(name: str) -> dict:
    """An OA-side event: sender is the OA, recipient the user."""
    return _with(TEXT, event_name=name, sender={"id": "388613280878808645"}, recipient={"id": "246845883529197922"})


@pytest.mark.parametrize("payload, expected", [
    (TEXT, TextMessage("246845883529197922", "96d3cdf3af150460909", "message", "1543908534740")),
    (_with(TEXT, message={"text": "#xem 1", "msg_id": "b1"}),
     TextMessage("246845883529197922", "b1", "#xem 1", "1543908534740")),
    (_with(TEXT, message={"text": "nghỉ đẻ được mấy tháng", "msg_id": "v1"}),
     TextMessage("246845883529197922", "v1", "nghỉ đẻ được mấy tháng", "1543908534740")),
    (FOLLOW, Follow("8381381219617247797", "1630985527582")),
    (_with(FOLLOW, event_name="unfollow"), Unfollow("8381381219617247797", "1630985527582")),
    (_other("image"), OtherMessage("246845883529197922", "m-image", "image", "1543908534740")),
    (_other("sticker"), OtherMessage("246845883529197922", "m-sticker", "sticker", "1543908534740")),
    (_other("file"), OtherMessage("246845883529197922", "m-file", "file", "1543908534740")),
    (_other("location"), OtherMessage("246845883529197922", "m-location", "location", "1543908534740")),
    (_other("audio"), OtherMessage("246845883529197922", "m-audio", "audio", "1543908534740")),
    (_other("video"), OtherMessage("246845883529197922", "m-video", "video", "1543908534740")),
    (_other("link"), OtherMessage("246845883529197922", "m-link", "link", "1543908534740")),
    (_other("business_card"), OtherMessage("246845883529197922", "m-business_card", "business_card",
                                           "1543908534740")),
    (_other("gif"), OtherMessage("246845883529197922", "m-gif", "gif", "1543908534740")),
    (_echo("oa_send_text"), Ignored("oa_send_text")),
    (_echo("oa_send_image"), Ignored("oa_send_image")),
    (_with(TEXT, event_name="user_received_message", message={"msg_id": "x"}), Ignored("user_received_message")),
    (_with(TEXT, event_name="user_seen_message", message={"msg_ids": ["x"]}), Ignored("user_seen_message")),
    (_with(TEXT, event_name="user_submit_info", info={"name": "A"}, message=None), Ignored("user_submit_info")),
    (_with(TEXT, event_name="user_send_something_new"), Ignored("user_send_something_new")),
    (_with(TEXT, event_name="anonymous_send_text"), Ignored("anonymous_send_text")),
    (_with(TEXT, timestamp=1543908534740), TextMessage("246845883529197922", "96d3cdf3af150460909", "message",
                                                       "1543908534740")),
], ids=lambda v: getattr(v, "__name__", None) or (v.get("event_name") if isinstance(v, dict) else None))
def test_parse_shapes(payload: dict, expected: object) -> None:
    assert parse_event(json.dumps(payload, ensure_ascii=False).encode()) == expected


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[1, 2]", b'"text"', b"null", b"\xff\xfe garbage", b'{"event_name": 5}', b"{}",
    json.dumps(_with(TEXT, sender=None)).encode(),
    json.dumps(_with(TEXT, sender={"id": ""})).encode(),
    json.dumps(_with(TEXT, sender={"id": None})).encode(),
    json.dumps(_with(TEXT, sender="246845883529197922")).encode(),
    json.dumps(_with(TEXT, message=None)).encode(),
    json.dumps(_with(TEXT, message={"text": "hi"})).encode(),
    json.dumps(_with(TEXT, message={"msg_id": "m"})).encode(),
    json.dumps(_with(TEXT, message={"msg_id": "m", "text": 5})).encode(),
    json.dumps(_with(TEXT, timestamp=None)).encode(),
    json.dumps(_with(TEXT, timestamp="yesterday")).encode(),
    json.dumps(_with(TEXT, timestamp=True)).encode(),
    json.dumps(_with(FOLLOW, follower=None)).encode(),
    json.dumps(_with(FOLLOW, follower={"name": "x"})).encode(),
    json.dumps(_with(FOLLOW, timestamp=None)).encode(),
    json.dumps(_other("image") | {"message": {"attachments": []}}).encode(),
])
def test_malformed_bodies_raise_event_error(body: bytes) -> None:
    with pytest.raises(EventError):
        parse_event(body)


@pytest.mark.parametrize("event", [
    TextMessage("u1", "m1", "Xin chào", "1700000000000"),
    Follow("u1", "1700000000000"),
    Unfollow("u1", "1700000000000"),
    OtherMessage("u1", "m2", "sticker", "1700000000000"),
    Ignored("oa_send_text"),
])
def test_dict_round_trip_is_json_safe(event: object) -> None:
    data = json.loads(json.dumps(event_to_dict(event)))
    assert event_from_dict(data) == event


@pytest.mark.parametrize("data", [
    {}, {"type": "nope"}, {"type": "text", "user_id": "u"}, {"type": "follow", "user_id": 1, "timestamp": "1"},
    {"type": "follow", "user_id": "u", "timestamp": "1", "extra": "x"}, [],
])
def test_event_from_dict_rejects_garbage(data: object) -> None:
    with pytest.raises(EventError):
        event_from_dict(data)  # type: ignore[arg-type]


@pytest.mark.parametrize("event, key", [
    (TextMessage("u1", "m1", "x", "1"), "m1"),
    (OtherMessage("u1", "m2", "image", "1"), "m2"),
    (Follow("u1", "5"), "follow:u1:5"),
    (Unfollow("u1", "5"), "unfollow:u1:5"),
    (Ignored("user_seen_message"), None),
])
def test_dedup_key(event: object, key: str | None) -> None:
    assert dedup_key(event) == key
