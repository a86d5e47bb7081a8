"""bot.conversation.answering: a message typed with diacritics on some words only is read as typed without them; a
question in a polite frame is read without it."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.conversation.answering import Answerer
from bot.knowledge.cards import checks
from bot.knowledge.cards.index import CardIndex
from bot.knowledge.cards.model import CardDeck, card_from_fields, read_yaml_cards, yaml_files
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


@pytest.fixture(scope="module")
def carded_library(real_library: Any) -> Any:
    """The real library with the starter deck (bot/data/cards), as `cards import` would store it."""
    read = [card_from_fields(e, p.name) for p in yaml_files([Path(__file__).parents[2] / "bot/data/cards"])
            for e in read_yaml_cards(p)]
    cards = [replace(c, reviewed=checks.digests(c, real_library.corpus)) for c in read]  # reviewed, as imported
    return replace(real_library, cards=CardIndex.build(CardDeck({c.id: c for c in cards}), real_library.corpus))


@pytest.mark.parametrize("bare, framed", [
    ("ly hôn thì con 2 tuổi ai nuôi", "chị ơi cho em hỏi ly hôn thì con 2 tuổi ai nuôi ạ"),
    ("ly hôn thì con 2 tuổi ai nuôi", "ly hôn thì con 2 tuổi ai nuôi ạ"),
    ("nghi de duoc may thang", "ad oi cho minh hoi nghi de duoc may thang voi a"),
])
def test_a_question_in_a_polite_frame_is_answered_as_without_it(carded_library: Any, bare: str, framed: str) -> None:
    answerer = Answerer()
    plain, polite = answerer.answer(carded_library, bare), answerer.answer(carded_library, framed)
    assert plain.card is not None  # the frame alone ("ạ") used to cost the answer card its confidence
    assert polite.query == plain.query and polite.keys == plain.keys and polite.card == plain.card
