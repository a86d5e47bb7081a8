"""bot.conversation.answering: a message typed with diacritics on some words only is read as typed without them; a
question in a polite frame is read without it; a second message that does not stand alone is read with the one
before."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bot.conversation.answering import Answer, Answerer, fused
from bot.knowledge.search.hits import Hit
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


@pytest.mark.parametrize("text, expected", [
    # when it happened weighs in no match ("lúc nửa đêm": the card's examples say "giữa đêm")
    ("Tối qua ck đuổi e với con ra khỏi nhà lúc nửa đêm", {"282/2025/NĐ-CP:45"}),
    ("sáng nay ck đuổi e với con ra khỏi nhà", {"282/2025/NĐ-CP:45"}),
    # "ép e lấy người …": forced marriage in her words, with a word inside the phrase
    ("bố mẹ e ép e lấy người e ko yêu, e có phải nghe ko", {"100/2015/QH13:181", "52/2014/QH13:3"}),
])
def test_everyday_wording_of_a_covered_matter_is_answered(carded_library: Any, text: str, expected: set[str]) -> None:
    found = Answerer().answer(carded_library, text)
    assert found.answered and expected & set(found.keys[:3])


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


def test_rankings_are_fused_by_reciprocal_rank() -> None:
    a, b, c, d = (Hit("52/2014/QH13", n, "", 1.0) for n in ("1", "2", "3", "4"))
    assert [h.key for h in fused([[a, b, c], [c, d]])] == [c.key, a.key, b.key, d.key]  # in both lists: first


@pytest.mark.parametrize("before, second, expected", [
    # answered on its own, but by articles the question before shows are not hers
    ("ly hôn thì ai nuôi con", "nếu e ko có việc làm ổn định thì sao", {"52/2014/QH13:81"}),
    ("di kham thai co duoc nghi lam ko", "nhung ngay nghi do co duoc tra tien ko",
     {"41/2024/QH15:51", "41/2024/QH15:59"}),
    ("bi bao luc gia dinh co duoc luat su giup mien phi ko", "nha e ko phai ho ngheo", {"11/2017/QH14:7"}),
])
def test_a_second_message_that_does_not_stand_alone_is_read_with_the_one_before(
        carded_library: Any, before: str, second: str, expected: set[str]) -> None:
    answerer = Answerer()
    alone = answerer.answer(carded_library, second)
    found, refined = answerer.in_context(carded_library, answerer.prepare(before), second)
    assert refined and found.answered and found.query.endswith(answerer.prepare(second))
    assert rank(found, expected) < min(rank(alone, expected), 5) and rank(found, expected) < 3, (found.keys, alone.keys)
    assert found.keys[0] == alone.keys[0] or found.keys[0] in expected  # her own words' best article keeps a tie


@pytest.mark.parametrize("before, second, expected", [
    ("ck duoi e voi con ra khoi nha giua dem", "phat bao nhieu", {"282/2025/NĐ-CP:45"}),
    ("nghi thai san duoc bao lau", "e sinh doi thi sao", {"45/2019/QH14:139", "41/2024/QH15:53"}),
    ("con đang ở với bố nó sau ly hôn, e muốn giành lại nuôi được ko", "thì phải làm ở đâu", {"52/2014/QH13:84"}),
])
def test_a_second_message_declined_alone_is_answered_with_the_one_before_when_its_articles_hold_its_words(
        carded_library: Any, before: str, second: str, expected: set[str]) -> None:
    answerer = Answerer()
    assert not answerer.answer(carded_library, second).answered
    found, refined = answerer.in_context(carded_library, answerer.prepare(before), second)
    assert refined and found.answered and rank(found, expected) < 3, found.keys
    # ranked as the two read together: her words alone, declined, lend the ranking nothing
    both = answerer.answer(carded_library, f"{answerer.prepare(before)} {second}")
    assert found.keys == both.keys[:len(found.keys)]


class Scripted(Answerer):
    """An Answerer whose answer() answers exactly the texts given (no hits): the decisions built on it, alone."""

    def __init__(self, answered: set[str]) -> None:
        super().__init__()
        self.answered = answered

    def answer(self, library: Any, text: str, top: int = 10) -> Answer:
        return Answer(text, [], text in self.answered)


@pytest.mark.parametrize("answered, query, merged, ok", [
    ({"ly hôn con 2 tuổi", "con 2 tuổi"}, "ly hôn con 2 tuổi", True, True),  # read with the question it refines
    ({"con 2 tuổi"}, "con 2 tuổi", False, True),  # only her own words answer: alone
    (set(), "ly hôn con 2 tuổi", True, False),  # nothing answers: declined, as a follow-up
])
def test_a_follow_up_is_read_with_the_question_it_refines_or_alone_when_only_its_own_words_answer(
        answered: set[str], query: str, merged: bool, ok: bool) -> None:
    found, refined = Scripted(answered).refined(None, "ly hôn", "con 2 tuổi")
    assert (found.query, refined, found.answered) == (query, merged, ok)


def rank(found: Any, expected: set[str]) -> int:
    """The place of the first expected article among the answer's (99: not among them)."""
    return next((i for i, k in enumerate(found.keys) if k in expected), 99)


@pytest.mark.parametrize("before, second", [
    ("nghỉ thai sản được mấy tháng", "ly hôn thì con 2 tuổi ai nuôi ạ"),  # an answer card fits it
    ("nghỉ thai sản được mấy tháng",  # long: a question of its own
     "chồng em đi làm ăn xa rồi mất tích bốn năm nay không liên lạc gì, em muốn ly hôn thì làm thế nào"),
    ("ck e say rượu về là đánh e", "vậy có bị phạt ko"),  # the fines for violence find themselves
    # declined on its own: the question before must not lend it an answer
    ("nghỉ thai sản được mấy tháng", "giá vàng hôm nay bao nhiêu"),
    ("ly hôn thì ai nuôi con", "mèo nhà em bỏ ăn mấy hôm nay"),
    # the articles of both hold one of its words, not all
    ("thuê người đẻ hộ trả tiền thì có phạm pháp không", "hôm nay bạn khỏe không"),
    ("e bi ung thu, dang dong bhxh tu nguyen, co rut 1 lan ngay duoc khong", "tuổi mình năm nay có tốt không"),
])
def test_a_second_message_that_stands_alone_is_searched_alone(carded_library: Any, before: str, second: str) -> None:
    answerer = Answerer()
    found, refined = answerer.in_context(carded_library, answerer.prepare(before), second)
    alone = answerer.answer(carded_library, second)
    assert not refined and found.keys == alone.keys and found.answered == alone.answered
