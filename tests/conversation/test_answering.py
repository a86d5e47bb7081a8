"""bot.conversation.answering: a message typed with diacritics on some words only is read as typed without them."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bot.conversation.answering import Answerer
from bot.knowledge.search.text import fold
from tests.fakes import StaticSearchIndex


@pytest.mark.parametrize("text, mixed", [
    ("chồng em bi danh thì em phai lam sao", True),
    ("con gai bao nhiêu tuổi thì được ket hon", True),
    ("nghỉ thai sản mấy tháng", False),
    ("nghi thai san may thang", False),  # typed without diacritics: read so already
    ("cách làm sữa chua tại nhà", False),  # one word written bare ("chua"): not enough to call it mixed
    ("chồng không chịu cấp dưỡng cho con", False),
])
def test_a_message_with_words_left_bare_is_searched_without_diacritics(real_library: Any, text: str,
                                                                       mixed: bool) -> None:
    assert Answerer.searched(real_library, text) == (fold(text) if mixed else text)


def test_an_index_that_knows_no_word_left_bare_reads_the_message_as_typed() -> None:
    library = SimpleNamespace(index=StaticSearchIndex({}))
    assert Answerer.searched(library, "chồng em bi danh lam sao") == "chồng em bi danh lam sao"


@pytest.mark.parametrize("text, expected", [
    ("chồng em bi danh thì em phai lam sao", {"13/2022/QH15:3", "13/2022/QH15:22"}),
    ("con gai bao nhiêu tuổi thì được ket hon", {"52/2014/QH13:8"}),
    ("công ty duoi viec em vì em có thai", {"45/2019/QH14:137"}),
    ("bố mẹ chồng ep em ly hon", {"52/2014/QH13:5", "100/2015/QH13:181"}),
    ("chồng không chịu cap duong cho con", {"52/2014/QH13:110", "52/2014/QH13:82", "52/2014/QH13:107"}),
    ("bị sếp quay roi tinh duc ở công ty", {"45/2019/QH14:8", "45/2019/QH14:3"}),
])
def test_a_question_typed_half_with_diacritics_is_answered(real_library: Any, text: str, expected: set[str]) -> None:
    found = Answerer().answer(real_library, text)
    assert found.answered and expected & set(found.keys[:3])
