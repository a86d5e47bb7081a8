"""Ranking priors: definition and fine cues, general provisions (bot/knowledge/search/priors.py, bot/data/priors.tsv)."""
from __future__ import annotations

import pytest

from bot.knowledge.corpus.model import Article, Document
from bot.knowledge.search.index import SearchIndex
from bot.knowledge.search.lexicon import Lexicon
from bot.knowledge.search.priors import Priors

PRIORS = Priors.load()


@pytest.mark.parametrize("query, field", [("bạo lực gia đình là gì", "title"), ("khai niem gia dinh", "title"),
                                          ("thế nào là tảo hôn", "title"), ("đánh vợ bị phạt bao nhiêu", "document")])
def test_cues_found_on_whole_words(query: str, field: str) -> None:
    assert [c.field for c in PRIORS.cues_in(query)] == [field]


@pytest.mark.parametrize("query", ["gia đình là gia tài", "lá gan", "nghỉ thai sản mấy tháng"])
def test_no_cue_in_ordinary_questions(query: str) -> None:
    assert PRIORS.cues_in(query) == []


def test_general_provisions_but_not_scope_nor_definitions() -> None:
    assert PRIORS.is_general("Chương I. NHỮNG QUY ĐỊNH CHUNG", "Các hành vi bị nghiêm cấm")
    assert not PRIORS.is_general("Chương I. NHỮNG QUY ĐỊNH CHUNG", "Giải thích từ ngữ")
    assert not PRIORS.is_general("Chương I. NHỮNG QUY ĐỊNH CHUNG", "Phạm vi điều chỉnh")
    assert not PRIORS.is_general("Chương II. KẾT HÔN", "Điều kiện kết hôn")


def test_definition_question_prefers_the_definitions_article() -> None:
    arts = [Article("1/2000/QH10", "3", "Giải thích từ ngữ", "1. Tảo hôn là việc lấy vợ, lấy chồng khi chưa đủ tuổi."),
            Article("1/2000/QH10", "9", "Xử lý tảo hôn", "Tảo hôn bị xử lý; tảo hôn bị hủy. Tảo hôn là trái luật.")]
    docs = {"1/2000/QH10": Document("1/2000/QH10", "Luật", "Luật Thử")}
    index = SearchIndex.build(arts, docs)
    index.lexicon = Lexicon.empty()
    assert index.search("xử lý tảo hôn")[0].article == "9"
    assert index.search("tảo hôn là gì")[0].article == "3"


@pytest.mark.parametrize("text, phrase, held", [
    ("Quyền nuôi con sau khi ly hôn", ("ly", "hon"), True),
    ("Quyền nuôi con sau khi ly hôn", ("nuoi", "con", "sau"), True),
    ("Quyền nuôi con sau khi ly hôn", ("hon",), True),
    ("Điều kiện kết hôn", ("ket",), True),
    ("Điều kiện kết hôn", ("ke",), False),  # a word's start is not the word
    ("Điều kiện kết hôn", ("kien", "hon"), False),  # the words must follow each other
    ("Tảo hôn, cưỡng ép kết hôn", ("hon", "cuong"), True),  # punctuation dropped, as before
    ("", ("hon",), False),
])
def test_holds_whole_words_in_order(text: str, phrase: tuple[str, ...], held: bool) -> None:
    assert Priors.holds(text, phrase) is held
    assert Priors.holds(text, (("khong", "co"), phrase)) is held  # one of several phrases
