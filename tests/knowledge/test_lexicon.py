"""bot.knowledge.search.lexicon: everyday phrases → legal terms, contiguous and with a few words inside."""
from __future__ import annotations

import pytest

from bot.knowledge.search.lexicon import Lexicon
from bot.knowledge.search.text import normalize


def words(text: str) -> list[str]:
    return normalize(text).lower().split()


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load()


@pytest.mark.parametrize("text, folded, term", [
    ("bị chồng đánh", False, "bạo lực gia đình"),                    # contiguous
    ("chồng em hay đánh em", False, "bạo lực gia đình"),             # "chồng … đánh", two words inside
    ("chong em hay danh em", True, "bạo lực gia đình"),              # the same typed without diacritics
    ("có bầu công ty có được đuổi việc không", False, "mang thai"),
    ("bỏ chồng thì con ở với ai", False, "ly hôn"),
    ("tách khẩu cho con trai đã lấy vợ", False, "tách sổ hộ khẩu"),   # the household book's everyday words
    ("nha chong doi cat khau cua em", True, "xoá đăng ký thường trú"),
])
def test_phrases_match_with_a_few_words_inside(lexicon: Lexicon, text: str, folded: bool, term: str) -> None:
    assert term in lexicon.expansions(words(text), folded)


@pytest.mark.parametrize("text, term", [
    ("chồng đi làm xa nên không về đánh giá được", "bạo lực gia đình"),  # "chồng … đánh" too far apart
    ("đánh chồng", "bạo lực gia đình"),                                    # words out of order
])
def test_far_apart_or_reordered_words_do_not_match(lexicon: Lexicon, text: str, term: str) -> None:
    assert term not in lexicon.expansions(words(text), False)


def test_a_longer_phrase_still_shadows_a_shorter_one(lexicon: Lexicon) -> None:
    found = lexicon.expansions(words("bị sàm sỡ trẻ em"), False)  # "sàm sỡ trẻ em", not also "sàm sỡ"
    assert "dâm ô đối với người dưới 16 tuổi" in found and "quấy rối tình dục" not in found


def test_each_legal_term_is_added_once(lexicon: Lexicon) -> None:
    found = lexicon.expansions(words("bị chồng đánh, chồng em hay đánh em"), False)
    assert len(found) == len(set(found))


def test_an_expansion_asked_again_is_the_same_and_cannot_be_changed_by_the_caller(lexicon: Lexicon) -> None:
    """The article search and the cards expand the same message: the second time comes from the lexicon's memory."""
    first = lexicon.expansions(words("chồng em hay đánh em"), False)
    first.append("changed by a caller")
    again = lexicon.expansions(words("chồng em hay đánh em"), False)
    assert "changed by a caller" not in again and "bạo lực gia đình" in again
    assert lexicon.expansions(words("chong em hay danh em"), True) != lexicon.expansions(
        words("chong em hay danh em"), False)  # typed and folded readings are remembered apart


def test_a_filler_typed_without_diacritics_stays_one_only_where_the_library_uses_it_so() -> None:
    lex = Lexicon({}, {}, {}, frozenset({"tôi", "có", "nha"}), frozenset({"toi", "co", "nha"}), 1)
    # articles using each accented word: "toi" is nearly always "tội" there; "co" is "có" a fair share of the time
    uses = {"tội": 560, "tối": 225, "tôi": 3, "có": 3731, "cơ": 2573, "nhà": 1115}
    assert lex.fillers_when_folded(uses) == frozenset({"co"})


def test_a_folded_query_weighs_the_crime_it_names(real_library) -> None:
    """ "toi" in "toi danh bac" is "tội" (gambling as a crime), not the filler "tôi": full weight, as typed."""
    terms = real_library.index.query_terms("toi danh bac bi phat the nao")
    assert terms["f:toi"] == terms["f:bac"] > terms["f:the"]
