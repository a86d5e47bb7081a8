"""Formatting: trimming, splitting to 2,000 characters, citations, list messages."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tests.dialogue_fakes as fakes
from bot.conversation.replies import (
    ELLIPSIS,
    ListItem,
    article_title,
    citation,
    clause_text,
    cut,
    list_message,
    split_text,
    status_note,
    trim,
)
from bot.knowledge.corpus.model import Article, Clause, Document, Point
from bot.zalo.messages import MAX_TEXT, Button

WORDS = st.text(alphabet=st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềểễệ"), min_size=1, max_size=12)
SEPARATORS = st.sampled_from([" ", " ", " ", "\n", ". ", "; ", "\n1. ", "\n2. ", "\na) "])


@st.composite
def legal_texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(WORDS, SEPARATORS), min_size=1, max_size=900))
    return "".join(w + s for w, s in parts)


@given(legal_texts(), st.sampled_from([40, 120, 500, MAX_TEXT]))
@settings(max_examples=150, deadline=None)
def test_split_parts_fit_and_keep_words(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert " ".join(parts).split() == text.split()


@given(st.text(min_size=0, max_size=5000), st.sampled_from([10, 100, MAX_TEXT]))
@settings(max_examples=150, deadline=None)
def test_split_any_text_keeps_every_character(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)


def test_split_prefers_clause_boundaries() -> None:
    clauses = [f"{n}. " + ("Lao động nữ được nghỉ thai sản theo quy định. " * 12).strip() for n in range(1, 6)]
    parts = split_text("\n".join(clauses), 1300)
    assert len(parts) > 1
    for part in parts:
        assert re.match(r"^\d\. ", part)


def test_short_text_is_one_part() -> None:
    assert split_text("  ngắn gọn  ") == ["ngắn gọn"]
    assert split_text("   ") == []


@given(st.text(min_size=0, max_size=1000), st.integers(min_value=5, max_value=400))
@settings(max_examples=200, deadline=None)
def test_trim_fits(text: str, limit: int) -> None:
    out = trim(text, limit)
    assert len(out) <= limit
    if len(" ".join(text.split())) <= limit:
        assert out == " ".join(text.split())
    else:
        assert out.endswith(ELLIPSIS)


def test_trim_cuts_on_word_boundary() -> None:
    text = "Lao động nữ được nghỉ thai sản trước và sau khi sinh con là 06 tháng"
    out = trim(text, 30)
    assert out.endswith(ELLIPSIS)
    assert text.startswith(out[:-1])
    assert text[len(out) - 1] == " "


@given(st.text(min_size=0, max_size=3000), st.integers(min_value=5, max_value=2000))
@settings(max_examples=100, deadline=None)
def test_cut_fits(text: str, limit: int) -> None:
    assert len(cut(text, limit)) <= limit


DOC = Document("45/2019/QH14", "Bộ luật", "Bộ luật Lao động")
ART = Article("45/2019/QH14", "139", "Nghỉ thai sản", "1. a\n2. b")


@pytest.mark.parametrize("clause,point,expected", [
    (None, None, "Điều 139 Bộ luật Lao động số 45/2019/QH14"),
    ("1", None, "khoản 1 Điều 139 Bộ luật Lao động số 45/2019/QH14"),
    ("2", "a", "điểm a khoản 2 Điều 139 Bộ luật Lao động số 45/2019/QH14"),
])
def test_citation_smallest_unit_first(clause: str | None, point: str | None, expected: str) -> None:
    assert citation(ART, DOC, clause, point) == expected


def test_citation_of_plan_section_and_missing_document() -> None:
    section = Article("125/KH-UBND", "II.3", "Nhiệm vụ", "…")
    plan = Document("125/KH-UBND", "Kế hoạch", "Kế hoạch thực hiện bình đẳng giới")
    assert citation(section, plan) == "mục II.3 Kế hoạch thực hiện bình đẳng giới số 125/KH-UBND"
    assert citation(ART, None) == "Điều 139 45/2019/QH14"


def test_status_note() -> None:
    old = next(d for d in fakes.sample_documents() if d.number == "58/2014/QH13")
    new = next(d for d in fakes.sample_documents() if d.number == "41/2024/QH15")
    assert status_note(old, new) == ("(văn bản này đã hết hiệu lực, được thay thế bởi "
                                     "Luật Bảo hiểm xã hội số 41/2024/QH15)")
    assert "41/2024/QH15" in status_note(old, None)
    assert status_note(DOC) == ""


def test_status_note_names_the_date_officials_set() -> None:
    from dataclasses import replace

    from bot.knowledge.changes import status_note as officials_note

    decree = Document("144/2021/NĐ-CP", "Nghị định", "Nghị định xử phạt", status="replaced",
                      replaced_by="282/2025/NĐ-CP",
                      status_note=officials_note("replaced", "282/2025/NĐ-CP", "15/12/2025"))
    assert status_note(decree) == ("(văn bản này đã hết hiệu lực từ ngày 15/12/2025, được thay thế bởi "
                                   "282/2025/NĐ-CP)")
    expired = replace(decree, status="expired", replaced_by="", status_note="Đã hết hiệu lực từ ngày 01/07/2025.")
    assert status_note(expired) == "(văn bản này đã hết hiệu lực từ ngày 01/07/2025)"


def test_clause_text_adds_number_and_points() -> None:
    clause = Clause("2", "Phạm tội thuộc một trong các trường hợp sau đây:", (Point("a", "Đối với trẻ em;"),))
    assert clause_text(clause) == "2. Phạm tội thuộc một trong các trường hợp sau đây:\na) Đối với trẻ em;"
    assert clause_text(Clause("1", "1. Có sẵn số.")) == "1. Có sẵn số."


def test_title_without_article_prefix() -> None:
    assert article_title(Article("x", "81", "Điều 81. Việc nuôi con", "")) == "Việc nuôi con"


def test_list_message_always_fits() -> None:
    items = [ListItem(n, "khoản 1 Điều 5 Bộ luật Lao động số 45/2019/QH14", "Tiêu đề rất dài " * 40,
                      "Nội dung " * 400, "(văn bản này đã hết hiệu lực)") for n in range(1, 4)]
    buttons = [Button(f"Xem toàn văn {n}", f"#xem k{n}") for n in range(1, 8)]
    message = list_message(items, "Đầu", "Cuối", buttons)
    assert len(message.text) <= MAX_TEXT
    assert len(message.buttons) == 5
    assert "1. khoản 1 Điều 5" in message.text and "3. khoản 1 Điều 5" in message.text
