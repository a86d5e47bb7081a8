"""Property-based tests (hypothesis): the webhook parser and the text pipeline hold for any input.

Parser: any bytes or JSON give a frozen event or a clean EventError, never another exception. Text: NFC and NFD
inputs are the same input, folding is idempotent, nothing crashes on arbitrary unicode. Bounded: ~200 examples each.
"""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.knowledge.search.analysis import Params, query_features, runs, text_features
from bot.knowledge.search.text import fold, normalize, syllables, tokenize, units
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
    load_payload,
    parse_event,
    parse_payload,
)
from tests.conftest import ROOT

BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EVENTS = (TextMessage, Follow, Unfollow, OtherMessage, Ignored)
VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=4),
    max_leaves=15)
ids = st.one_of(st.text(max_size=20), st.integers(), st.none(), st.booleans(), json_values)
NAMES = ["user_send_text", "user_send_image", "user_send_sticker", "follow", "unfollow", "oa_send_text",
         "user_seen_message", "user_send_unknown", ""]


@st.composite
def event_like(draw: Any) -> dict[str, Any]:
    """Something shaped like a Zalo event with any field replaced, dropped or of the wrong type."""
    payload: dict[str, Any] = {
        "app_id": draw(ids), "event_name": draw(st.sampled_from(NAMES) | st.text(max_size=20) | json_values),
        "sender": draw(st.fixed_dictionaries({"id": ids}) | json_values),
        "follower": draw(st.fixed_dictionaries({"id": ids}) | json_values),
        "message": draw(st.fixed_dictionaries({"text": st.text() | json_values, "msg_id": ids}) | json_values),
        "timestamp": draw(st.integers(min_value=0).map(str) | ids),
    }
    for key in draw(st.lists(st.sampled_from(sorted(payload)), max_size=3)):
        payload.pop(key, None)
    return payload


def check_event(event: Any) -> None:
    """A parsed event: frozen, string fields, a stable dict form, a dedup key that is a string or None."""
    assert isinstance(event, EVENTS)
    field = dataclasses.fields(event)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(event, field, "changed")
    assert all(isinstance(v, str) for v in dataclasses.asdict(event).values())
    assert event_from_dict(json.loads(json.dumps(event_to_dict(event)))) == event
    key = dedup_key(event)
    assert key is None or (isinstance(key, str) and key)


def parse_or_error(raw: bytes) -> None:
    """parse_event gives an event or an EventError; nothing else escapes."""
    try:
        event = parse_event(raw)
    except EventError as exc:
        assert str(exc)
        return
    check_event(event)


@BOUNDED
@given(st.binary(max_size=500))
def test_any_bytes_parse_or_fail_cleanly(raw: bytes) -> None:
    parse_or_error(raw)


@BOUNDED
@given(json_values)
def test_any_json_parses_or_fails_cleanly(value: Any) -> None:
    parse_or_error(json.dumps(value).encode())


@BOUNDED
@given(event_like())
def test_mutated_events_parse_or_fail_cleanly(payload: dict[str, Any]) -> None:
    parse_or_error(json.dumps(payload).encode())
    try:
        event = parse_payload(payload)
    except EventError:
        return
    check_event(event)


@BOUNDED
@given(st.text(), st.text(min_size=1, max_size=30).filter(str.strip), st.integers(min_value=0, max_value=10**13))
def test_valid_text_event_keeps_the_text_exactly(text: str, msg_id: str, ts: int) -> None:
    raw = json.dumps({"event_name": "user_send_text", "sender": {"id": "u1"}, "timestamp": str(ts),
                      "message": {"text": text, "msg_id": msg_id}}, ensure_ascii=bool(ts % 2)).encode()
    event = parse_event(raw)
    assert isinstance(event, TextMessage) and event.text == text and event.msg_id == msg_id.strip()
    check_event(event)


@BOUNDED
@given(json_values)
def test_event_from_dict_rejects_junk_cleanly(value: Any) -> None:
    try:
        event = event_from_dict(value)
    except EventError:
        return
    check_event(event)


@BOUNDED
@given(st.binary(max_size=200))
def test_load_payload_is_a_dict_or_an_error(raw: bytes) -> None:
    try:
        assert isinstance(load_payload(raw), dict)
    except EventError:
        pass


# --- text pipeline --------------------------------------------------------------------------------------
vietnamese = st.text(alphabet=st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + " .,;:?!0123456789/-\n"),
                     max_size=200)
any_text = st.one_of(st.text(max_size=300), vietnamese)


def nfd(s: str) -> str:
    """The decomposed form (what some keyboards and phones send)."""
    return unicodedata.normalize("NFD", s)


@BOUNDED
@given(any_text)
def test_nfc_and_nfd_are_the_same_input(s: str) -> None:
    assert normalize(nfd(s)) == normalize(s) == normalize(unicodedata.normalize("NFC", s))
    assert fold(nfd(s)) == fold(s)
    assert syllables(nfd(s)) == syllables(s)
    assert units(nfd(s)) == units(s)
    assert runs(nfd(s)) == runs(s)


@BOUNDED
@given(any_text)
def test_folding_is_idempotent_and_drops_vietnamese_marks(s: str) -> None:
    once = fold(s)
    assert fold(once) == once
    assert fold(normalize(s)) == once


@BOUNDED
@given(vietnamese)
def test_folded_vietnamese_is_plain_ascii(s: str) -> None:
    assert fold(s).isascii()


@BOUNDED
@given(any_text, st.booleans())
def test_features_never_crash_and_ignore_the_normal_form(s: str, folded: bool) -> None:
    p = Params()
    assert tokenize(s) == tokenize(nfd(s))
    assert text_features(s, p) == text_features(nfd(s), p)
    features = query_features(s, p, folded)
    assert features == query_features(nfd(s), p, folded)
    assert all(w > 0 for w in features.values())


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Any:
    """The search index of the small plain-text corpus in ../shared/laws/text."""
    from bot.knowledge.library import load_library
    from bot.ops.settings import Settings

    laws_dir = tmp_path_factory.mktemp("laws")
    sources = sorted(str(p) for p in (shared_dir / "laws" / "text").glob("*.txt"))
    env = {"PATH": "/usr/bin:/bin", "LAWS_DIR": str(laws_dir), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "bot", "laws", "import", *sources], env=env, check=True,
                   capture_output=True, timeout=120)
    return load_library(Settings(laws_dir=laws_dir)).index


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(any_text)
def test_search_takes_any_query(index: Any, s: str) -> None:
    hits = index.search(s, top=5)
    assert len(hits) <= 5
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert [(h.doc, h.article) for h in index.search(nfd(s), top=5)] == [(h.doc, h.article) for h in hits]


@BOUNDED
@given(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), st.text(max_size=5), st.booleans())
def test_lone_surrogates_are_refused_cleanly(surrogate: str, around: str, in_text: bool) -> None:
    junk = around + surrogate + around
    message = {"text": junk if in_text else "hi", "msg_id": "m1" if in_text else junk}
    raw = json.dumps({"event_name": "user_send_text", "sender": {"id": "u1"}, "timestamp": "1",
                      "message": message}).encode()
    with pytest.raises(EventError):
        parse_event(raw)


@BOUNDED
@given(st.integers(min_value=1, max_value=40_000), st.sampled_from(["[", '{"a":']))
def test_any_nesting_depth_parses_or_fails_cleanly(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    parse_or_error((opener * depth + "1" + closer * depth).encode())
