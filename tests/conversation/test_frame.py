"""bot.conversation.phrases.Frame, read through Intents.unframed: the polite frame around a question is dropped
before it is searched, and only the frame ("da mặt" is skin, "bán nha" typed without marks may be a house); so are
the words of when it happened ("tối qua"), never "2 tháng trước khi sinh"."""
from __future__ import annotations

import pytest

from bot.conversation.intents import Intents


@pytest.mark.parametrize("text, question", [
    ("chị ơi cho em hỏi ly hôn thì con 2 tuổi ai nuôi ạ", "ly hôn thì con 2 tuổi ai nuôi"),
    ("dạ em chào chị, em muốn hỏi là nghỉ đẻ được mấy tháng ạ", "nghỉ đẻ được mấy tháng"),
    ("cho e hoi ck e ko gui tien nuoi con voi a", "ck e ko gui tien nuoi con"),  # typed as she typed it
    ("em chào ad ạ. Em có câu hỏi muốn nhờ tư vấn: nghỉ đẻ mấy tháng", "nghỉ đẻ mấy tháng"),
    ("Xin chào Hội, tôi muốn được tư vấn về chia tài sản khi ly hôn", "chia tài sản khi ly hôn"),
    ("nho ad tu van giup e ve viec ly hon a", "ly hon"),
    ("trời ơi chồng em đánh em", "chồng em đánh em"),
    ("cho em hỏi việc làm cho người khuyết tật", "việc làm cho người khuyết tật"),  # "việc" alone is hers
    # nothing framed, or nothing left but the frame: the message as typed
    ("nghỉ đẻ được mấy tháng?", "nghỉ đẻ được mấy tháng?"),
    ("em muốn ly hôn", "em muốn ly hôn"),
    ("chồng em muốn hỏi vợ cũ", "chồng em muốn hỏi vợ cũ"),
    ("cho em hỏi", "cho em hỏi"),
    ("hỏi chút ạ", "hỏi chút ạ"),
    # one word at an end counts only typed as listed; without any marks, only words that cannot be hers
    ("da mat bi mun nen dung gi", "da mat bi mun nen dung gi"),
    ("bà bầu ăn gì tốt cho thai nhi", "bà bầu ăn gì tốt cho thai nhi"),
    ("chong ban nha", "chong ban nha"),
    ("chồng bán nhà nha", "chồng bán nhà"),
    ("ly hon thi con ai nuoi voi a", "ly hon thi con ai nuoi"),
    ("vang bac co phai tai san chung khong", "vang bac co phai tai san chung khong"),
])
def test_the_polite_frame_around_a_question_is_dropped(intents: Intents, text: str, question: str) -> None:
    assert intents.unframed(text) == question


@pytest.mark.parametrize("text, question", [
    ("Tối qua ck đuổi e với con ra khỏi nhà lúc nửa đêm", "ck đuổi e với con ra khỏi nhà"),
    ("chị ơi cho em hỏi tối qua ck đánh em ạ", "ck đánh em"),
    ("toi qua ck danh e", "ck danh e"),
    ("hôm kia ck e bỏ đi ko về nhà", "ck e bỏ đi ko về nhà"),
    # "2 tháng trước khi sinh" is law; "hôm nay" is kept (small talk about today stays small talk); a message of
    # nothing else is kept whole
    ("hôm nay bạn khỏe không", "hôm nay bạn khỏe không"),
    ("nghỉ 2 tháng trước khi sinh", "nghỉ 2 tháng trước khi sinh"),
    ("cty nợ lương e 2 tháng rồi", "cty nợ lương e 2 tháng rồi"),
    ("đóng bảo hiểm 12 tháng trước khi sinh", "đóng bảo hiểm 12 tháng trước khi sinh"),
    ("làm ca đêm có được không", "làm ca đêm có được không"),
    ("hôm qua", "hôm qua"),
])
def test_when_it_happened_is_dropped_before_the_search(intents: Intents, text: str, question: str) -> None:
    assert intents.unframed(text) == question

