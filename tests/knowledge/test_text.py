"""bot.knowledge.search.text: normalization, folding, tokens that must stay findable, chunking, pyvi parity."""
from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.search import text
from bot.knowledge.search.text import fold, has_diacritics, normalize, syllables, tokenize


@pytest.mark.parametrize("raw, expected", [
    ("Nghỉ Thai Sản", "nghỉ thai sản"),
    (unicodedata.normalize("NFD", "Nghỉ Thai Sản"), "nghỉ thai sản"),
    ("ĐIỀU 139", "điều 139"),
])
def test_normalize_nfc_lower(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("Điều", "dieu"),
    ("nghỉ đẻ mấy tháng", "nghi de may thang"),
    (unicodedata.normalize("NFD", "Bạo lực gia đình"), "bao luc gia dinh"),
    ("145/2020/NĐ-CP", "145/2020/nd-cp"),
    ("already plain", "already plain"),
])
def test_fold(raw: str, expected: str) -> None:
    assert fold(raw) == expected


@pytest.mark.parametrize("word, marked", [("điều", True), ("đ", True), ("con", False), ("dieu", False)])
def test_has_diacritics(word: str, marked: bool) -> None:
    assert has_diacritics(word) is marked


@pytest.mark.parametrize("raw, must_contain", [
    ("Điều 139 Bộ luật Lao động", ["điều", "139"]),
    ("theo Luật số 52/2014/QH13", ["52/2014/qh13"]),
    ("Nghị định 145/2020/NĐ-CP", ["145/2020/nđ-cp"]),
    ("hưởng 20% mức lương", ["20%"]),
    ("Điều 217a", ["217a"]),
    ("mức 1.000.000 đồng", ["1.000.000"]),
])
def test_tokens_stay_findable(raw: str, must_contain: list[str]) -> None:
    for tokenizer in (tokenize, syllables):
        assert all(t in tokenizer(raw) for t in must_contain), tokenizer(raw)


def test_tokenize_segments_words_and_drops_punctuation() -> None:
    assert tokenize("Lao động nữ được nghỉ thai sản, trước và sau khi sinh con.") == [
        "lao_động", "nữ", "được", "nghỉ", "thai_sản", "trước", "và", "sau", "khi", "sinh", "con"]


def test_segmentation_matches_pyvi() -> None:
    from pyvi.ViTokenizer import ViTokenizer

    sentence = "Người lao động có quyền đơn phương chấm dứt hợp đồng lao động trong trường hợp bị quấy rối tình dục"
    assert tokenize(sentence) == ViTokenizer.tokenize(sentence).lower().split()


def test_long_text_is_chunked_and_stays_fast() -> None:
    sentence = "Người sử dụng lao động không được sa thải lao động nữ vì lý do kết hôn, mang thai. "
    long_text = sentence * 400  # ~34,000 characters
    chunks = text._chunks(text.units(long_text))
    assert len(chunks) > 100 and max(len(c) for c in chunks) <= text._CHUNK_UNITS
    t0 = time.perf_counter()
    words = tokenize(long_text)
    assert time.perf_counter() - t0 < 5.0
    assert words.count("sa_thải") == 400


def test_query_analysis_is_fast() -> None:
    query = "vợ đẻ thì chồng được nghỉ mấy ngày theo luật bảo hiểm xã hội"
    tokenize(query)
    t0 = time.perf_counter()
    for _ in range(200):
        tokenize(query)
    assert (time.perf_counter() - t0) / 200 < 0.002


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_analysis_never_crashes_and_fold_is_idempotent(s: str) -> None:
    tokenize(s)
    syllables(s)
    once = fold(normalize(s))
    assert fold(once) == once
    assert normalize(normalize(s)) == normalize(s)
