"""Answers over everything in ../shared/laws: a domestic-violence question reaches Luật Phòng, chống bạo lực gia đình
first; a document the corpus marks replaced is flagged with its successor and the date (bot/data/replacements.tsv
for successors the library lacks)."""
from __future__ import annotations

from typing import Any

import pytest

from bot.conversation.answering import Answerer
from bot.conversation.answers import note_for
from bot.conversation.dialogue import Dialogue
from bot.ops.datafiles import Texts
from bot.zalo.events import TextMessage

DV = "13/2022/QH15"


@pytest.mark.parametrize("question", [
    "chồng em say rượu về đánh em, em có được xin cấm anh ta lại gần không",
    "chong em say ruou ve danh em, em co duoc xin cam anh ta lai gan khong",
])
def test_a_domestic_violence_question_ranks_the_dv_law_first(real_library: Any, question: str) -> None:
    keys = Answerer().answer(real_library, question).keys
    assert keys[0].startswith(DV + ":"), keys[:5]
    assert {f"{DV}:25", f"{DV}:26"} & set(keys[:5])  # cấm tiếp xúc (Chủ tịch UBND xã / Tòa án)
    messages, state = Dialogue(lambda: real_library).handle(TextMessage("u", "m", question, "1"), None)
    assert messages[0].buttons and messages[0].buttons[0].payload == "113"  # hotlines first
    assert state["keys"][0].startswith(DV + ":") and DV in messages[1].text


@pytest.mark.parametrize("number, successor, since", [
    ("81/2006/QH11", "68/2020/QH14", "01/07/2021"),  # Pháp điển's Luật Cư trú; the 2020 law is not in the library
    ("38/2013/QH13", "74/2025/QH15", "01/01/2026"),  # Luật Việc làm
    ("25/2016/TT-BLĐTBXH", "Thông tư hướng dẫn lập danh sách đối tượng tham gia bảo hiểm y tế", "12/02/2020"),
])
def test_a_replaced_document_is_flagged_with_its_successor(real_library: Any, number: str, successor: str,
                                                           since: str) -> None:
    corpus = real_library.corpus
    note = note_for(corpus, corpus.document(number), Texts.load())
    assert note.startswith(f"(văn bản này đã hết hiệu lực từ ngày {since}, được thay thế bởi ") and successor in note


def test_laws_in_force_carry_no_note(real_library: Any) -> None:
    corpus = real_library.corpus
    assert note_for(corpus, corpus.document("13/2022/QH15"), Texts.load()) == ""
