"""Answer cards in the knowledge package: numbers, references, field and article checks, the question matcher,
and cards stored with a corpus version (carried by law imports, files-only versions sharing documents and index)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from bot.knowledge.cards import checks
from bot.knowledge.cards.index import CardIndex, scope_articles
from bot.knowledge.cards.matcher import CardMatcher, MatchParams
from bot.knowledge.cards.model import (
    CardDeck,
    Example,
    card_from_fields,
    deck_files,
    load_deck,
    parse_ref,
)
from bot.knowledge.cards.numbers import missing_numbers, normalise_number, numbers_with_units, word_numbers
from bot.knowledge.corpus.store import CorpusStore
from bot.knowledge.library import load_library
from bot.knowledge.search.index import build_index
from bot.knowledge.search.lexicon import Lexicon
from bot.ops.settings import Settings
from tests.conftest import SMALL_DECK, small_card_corpus

STEPS = checks.next_steps()


def deck_fields() -> list[dict]:
    """The small deck's entries."""
    return yaml.safe_load(SMALL_DECK)


def deck() -> CardDeck:
    """The small deck as cards."""
    cards = [card_from_fields(e, "small.yaml") for e in deck_fields()]
    return CardDeck({c.id: c for c in cards})


@pytest.mark.parametrize("token, expected", [("06", "6"), ("2.340.000", "2340000"), ("2,34", "2.34"),
                                             ("1.5", "1.5"), ("2,340,000", "2340000")])
def test_normalise_number(token: str, expected: str) -> None:
    assert normalise_number(token) == expected


def test_numbers_with_units_share_a_range_unit() -> None:
    assert numbers_with_units("phạt từ 5.000.000 đến 10.000.000 đồng, nghỉ 6 tháng, 50%") == [
        ("5000000", "đồng"), ("10000000", "đồng"), ("6", "tháng"), ("50", "%")]
    assert ("6", "tháng") in word_numbers("nghỉ sáu tháng") and ("15", "năm") in word_numbers("mười lăm năm")


@pytest.mark.parametrize("answer, missing", [
    ("nghỉ 6 tháng, trước khi sinh không quá 2 tháng", []),
    ("nghỉ 7 tháng", ["7 tháng"]),
    ("được 6 ngày", ["6 ngày"]),  # the unit counts: 06 tháng does not back "6 ngày"
])
def test_missing_numbers(answer: str, missing: list[str]) -> None:
    article = "1. Lao động nữ được nghỉ thai sản 06 tháng; nghỉ trước khi sinh không quá 02 tháng."
    assert missing_numbers(answer, [article]) == missing


@pytest.mark.parametrize("key, parsed", [
    ("45/2019/QH14:139", ("45/2019/QH14", "139", "", "")),
    ("41/2024/QH15:53.2.a", ("41/2024/QH15", "53", "2", "a")),
    ("282/2025/NĐ-CP:54.1.đ", ("282/2025/NĐ-CP", "54", "1", "đ")),
    ("52/2014/QH13:217a", ("52/2014/QH13", "217a", "", "")),
])
def test_parse_ref(key: str, parsed: tuple) -> None:
    ref = parse_ref(key)
    assert ref is not None and (ref.doc, ref.article, ref.clause, ref.point) == parsed and ref.key == key


@pytest.mark.parametrize("key", ["139", "điều 139", "45/2019/QH14", "45/2019/QH14:139.1.a.b", ""])
def test_parse_ref_refuses(key: str) -> None:
    assert parse_ref(key) is None


@pytest.mark.parametrize("change, fragment", [
    ({"id": "Không Slug"}, "mã thẻ"),
    ({"topic": "xe-may"}, "chủ đề"),
    ({"questions": ["một câu hỏi có dấu"] * 1}, "câu hỏi mẫu"),
    ({"questions": [f"câu hỏi có dấu số {i}" for i in range(6)]}, "không dấu"),
    ({"answer": "x" * 601}, "tối đa 600"),
    ({"answer": "**Đậm** chữ"}, "markdown"),
    ({"answer": "Theo Luật 52/2014/QH13 thì được."}, "số hiệu"),
    ({"articles": []}, "1 đến 4"),
    ({"articles": ["điều 8"]}, "không đúng dạng"),
    ({"next_steps": ["bay-di"]}, "next_steps"),
    ({"colour": "đỏ"}, "trường lạ"),
])
def test_field_problems(change: dict, fragment: str) -> None:
    good = deck_fields()[0]
    assert checks.check_fields(good, STEPS) == []
    problems = checks.check_fields({**good, **change}, STEPS)
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize("articles, answer, fragment", [
    (["52/2014/QH13:8.1.a"], "nam đủ 20 tuổi", None),
    (["1/2000/QH10:1"], "x", "chưa có văn bản"),
    (["52/2014/QH13:9"], "x", "không có Điều 9"),
    (["52/2014/QH13:8.3"], "x", "không có khoản 3"),
    (["52/2014/QH13:8.1.c"], "x", "không có điểm c"),
    (["52/2014/QH13:8.1.a"], "nam đủ 21 tuổi", "con số '21 tuổi'"),
])
def test_article_problems(articles: list[str], answer: str, fragment: str | None) -> None:
    corpus = _corpus()
    card = card_from_fields({**deck_fields()[0], "articles": articles, "answer": answer})
    problems = checks.check_articles(card, corpus)
    assert (problems == []) if fragment is None else any(fragment in p for p in problems), problems


def _corpus():
    from bot.knowledge.corpus.store import Corpus

    return Corpus(small_card_corpus(), "v1")


def test_a_document_no_longer_in_force_is_a_problem() -> None:
    from dataclasses import replace

    from bot.knowledge.corpus.store import Corpus

    docs = [replace(d, status="replaced") if d.number == "45/2019/QH14" else d for d in small_card_corpus()]
    card = deck().get("thai-san-thoi-gian-nghi")
    assert any("không còn hiệu lực" in p for p in checks.check_articles(card, Corpus(docs, "v2")))


def test_review_reasons_follow_the_cited_articles() -> None:
    from dataclasses import replace

    from bot.knowledge.corpus.store import Corpus

    corpus = _corpus()
    card = deck().get("thai-san-thoi-gian-nghi")
    reviewed = replace(card, reviewed=checks.digests(card, corpus))
    assert checks.review_reasons(reviewed, corpus) == []
    assert checks.review_reasons(card, corpus)  # never checked: waits for review
    changed = [d if d.number != "45/2019/QH14" else replace(d, articles=tuple(
        replace(a, text=a.text.replace("06 tháng", "07 tháng")) for a in d.articles)) for d in small_card_corpus()]
    assert any("45/2019/QH14:139" in r for r in checks.review_reasons(reviewed, Corpus(changed, "v3")))
    reflowed = [d if d.number != "45/2019/QH14" else replace(d, articles=tuple(
        replace(a, text="  " + a.text.replace(" ", "  ")) for a in d.articles)) for d in small_card_corpus()]
    assert checks.review_reasons(reviewed, Corpus(reflowed, "v4")) == []  # whitespace is no change


@pytest.mark.parametrize("question, target", [
    ("nghỉ đẻ được mấy tháng", "card:thai-san-thoi-gian-nghi"),
    ("nghi de duoc may thang", "card:thai-san-thoi-gian-nghi"),
    ("con gái bao nhiêu tuổi thì được lấy chồng", "card:ket-hon-do-tuoi"),
    ("bao nhieu tuoi thi duoc ket hon", "card:ket-hon-do-tuoi"),
])
def test_matcher_finds_the_card_by_its_questions(question: str, target: str) -> None:
    matcher = CardMatcher.for_deck(deck())
    match = matcher.match(question)
    assert match is not None and match.target == target
    assert matcher.ranked(question)[0][0] == target


def test_matcher_agreement_and_thresholds() -> None:
    matcher = CardMatcher.for_deck(deck(), params=MatchParams(min_score=9.0, exact=9.0))
    plain = matcher.match("sinh con nghỉ mấy tháng")
    helped = matcher.match("sinh con nghỉ mấy tháng", hits=["45/2019/QH14:139"])
    assert plain is not None and helped is not None and not plain.confident
    assert helped.score == pytest.approx(plain.score + MatchParams().agreement, abs=1e-3)
    assert matcher.match("con mèo nhà hàng xóm kêu to quá") is None or not matcher.match(
        "con mèo nhà hàng xóm kêu to quá").confident


def test_a_taught_question_asked_again_is_trusted() -> None:
    taught = deck().with_examples([Example("quán karaoke đuổi việc chị bán hàng", article="45/2019/QH14:139")])
    matcher = CardMatcher.for_deck(taught)
    match = matcher.match("quán karaoke đuổi việc chị bán hàng")
    assert match is not None and match.confident and match.article == "45/2019/QH14:139"
    assert CardMatcher.for_deck(deck()).match("quán karaoke đuổi việc chị bán hàng") is None or not \
        CardMatcher.for_deck(deck()).match("quán karaoke đuổi việc chị bán hàng").confident


@pytest.mark.parametrize("question", ["nghỉ đẻ được mấy tháng", "tiền cấp dưỡng nuôi con bao nhiêu",
                                      "cap duong nuoi con", "chồng đánh vợ thì báo ai"])
def test_the_closest_example_is_scored_as_over_all_examples(question: str) -> None:
    """Examples that only vote are not scored for the closest example, with the idf of all examples: the closest
    example of every target a question can be matched to scores exactly as before."""
    from bot.knowledge.search.bm25 import ShortTexts

    examples = [("card:a", "nghỉ đẻ được mấy tháng"), ("card:a", "sinh con nghỉ bao lâu"),
                ("card:b", "tiền cấp dưỡng nuôi con"), ("article:1/2000/QH10:5", "cấp dưỡng nuôi con bao nhiêu tiền"),
                ("article:1/2000/QH10:6", "chồng đánh vợ báo công an xã"), ("card:c", "chồng đánh vợ thì làm gì")]
    matcher = CardMatcher(examples, {"card:a": ["1/2000/QH10:1"], "card:b": ["1/2000/QH10:9"],
                                     "card:c": ["1/2000/QH10:7"], "article:1/2000/QH10:5": ["1/2000/QH10:5"],
                                     "article:1/2000/QH10:6": ["1/2000/QH10:6"]},
                          MatchParams(), Lexicon.empty(), vote_only=["article:1/2000/QH10:5", "article:1/2000/QH10:6"])
    assert matcher.each.n == 4  # the two vote-only examples are left out
    terms = matcher.query_terms(question)
    every = ShortTexts([matcher._doc_counts(x) for x in matcher.texts], matcher.bm25).similarities(terms)
    kept = ~matcher.vote_only[matcher.owner]
    every = matcher._held(question, every[kept])  # an example trusted alone weighed by her words, as served
    _, closest = matcher.scores(question)
    for t, target in enumerate(matcher.targets):
        if not matcher.vote_only[t]:
            mine = [s for s, owner in zip(every, matcher.owner[kept]) if owner == t]
            assert closest[t] == pytest.approx(max(mine), abs=1e-6)


@pytest.mark.parametrize("question, trusted", [
    ("thời hiệu xử phạt hành chính bạo lực gia đình là mấy năm", True),  # the example asked again
    ("thoi hieu xu phat bao luc gia dinh la may nam", True),
    ("gia đình là gì", False),  # every word is in the example, most of the example is not in her question
    ("bạo lực gia đình", False),
])
def test_one_example_is_trusted_alone_only_when_it_is_her_question(question: str, trusted: bool) -> None:
    """The similarity only asks whether an example holds her words: a short question inside a long example on
    another subject must not lead with that example's card by the "asked again" rule (MatchParams.exact)."""
    matcher = CardMatcher([("card:a", "thời hiệu xử phạt hành chính bạo lực gia đình là mấy năm"),
                           ("card:b", "nghỉ đẻ được mấy tháng")], {"card:a": ["1/2000/QH10:1"]},
                          MatchParams(min_score=9.0, exact=0.4), Lexicon.empty())  # two examples: low idf
    match = matcher.match(question)
    assert match is not None and match.target == "card:a" and match.confident is trusted


def test_votes_go_to_the_articles_of_the_cards_a_question_resembles() -> None:
    matcher = CardMatcher.for_deck(deck(), params=MatchParams())
    votes = matcher.votes("nghỉ đẻ được mấy tháng")
    assert max(votes, key=votes.__getitem__) == "45/2019/QH14:139"
    assert votes["45/2019/QH14:139"] == pytest.approx(MatchParams().votes * matcher.similar("nghỉ đẻ được mấy tháng")[
        1].max(), rel=1e-4)  # the best card votes its similarity × votes
    assert votes.get("52/2014/QH13:8", 0.0) < votes["45/2019/QH14:139"] / 2  # a far card votes little
    assert CardMatcher.for_deck(deck(), params=MatchParams(votes=0.0)).votes("nghỉ đẻ được mấy tháng") == {}
    assert matcher.votes("   ") == {}


def test_a_cards_later_articles_get_fewer_votes() -> None:
    keys = ["1/2000/QH10:1", "1/2000/QH10:2", "1/2000/QH10:3"]
    matcher = CardMatcher([("card:a", "nghỉ đẻ được mấy tháng"), ("card:b", "tiền cấp dưỡng nuôi con")],
                          {"card:a": keys, "card:b": ["1/2000/QH10:9"]}, MatchParams(), Lexicon.empty())
    votes = matcher.votes("nghỉ đẻ mấy tháng")
    decay = MatchParams().vote_decay
    assert votes[keys[1]] == pytest.approx(votes[keys[0]] * decay) and votes[keys[2]] == pytest.approx(
        votes[keys[0]] * decay ** 2)
    assert "1/2000/QH10:9" not in votes  # a card the question shares no word with does not vote


def test_an_article_several_similar_cards_cite_gets_their_votes_together() -> None:
    examples = [("card:a", "nghỉ đẻ được mấy tháng"), ("card:b", "nghỉ đẻ có được trả lương")]
    articles = {"card:a": ["1/2000/QH10:1"], "card:b": ["1/2000/QH10:2", "1/2000/QH10:1"]}
    both = CardMatcher(examples, articles, MatchParams(vote_sum=1.0), Lexicon.empty()).votes("nghỉ đẻ mấy tháng")
    best = CardMatcher(examples, articles, MatchParams(vote_sum=0.0), Lexicon.empty()).votes("nghỉ đẻ mấy tháng")
    a, b = both["1/2000/QH10:1"], best["1/2000/QH10:1"]
    assert a > b > 0 and both["1/2000/QH10:2"] == pytest.approx(best["1/2000/QH10:2"])  # cited once: as before


def test_a_scope_or_definitions_article_votes_less_unless_she_asks_what_something_is() -> None:
    keys = ["1/2000/QH10:3", "1/2000/QH10:9"]
    scope = {"1/2000/QH10:3": "Giải thích từ ngữ"}
    plain = CardMatcher([("card:a", "bạo lực gia đình")], {"card:a": keys}, MatchParams(scope_vote=1.0),
                        Lexicon.empty(), scope)
    lowered = CardMatcher([("card:a", "bạo lực gia đình")], {"card:a": keys}, MatchParams(scope_vote=0.7),
                          Lexicon.empty(), scope)
    question, asks = "chồng đánh vợ có phải bạo lực gia đình", "bạo lực gia đình là gì"
    assert lowered.votes(question)[keys[0]] == pytest.approx(0.7 * plain.votes(question)[keys[0]])
    assert lowered.votes(question)[keys[1]] == pytest.approx(plain.votes(question)[keys[1]])  # not a scope article
    assert lowered.votes(asks)[keys[0]] == pytest.approx(plain.votes(asks)[keys[0]])  # "là gì" asks for it


def test_a_card_index_knows_which_of_its_articles_state_a_scope_or_definitions() -> None:
    class Titles:
        """A corpus stand-in: article titles by key."""

        def article(self, key: str) -> object | None:
            """An object with the title, or None."""
            titles = {"52/2014/QH13:3": "Giải thích từ ngữ", "52/2014/QH13:8": "Điều kiện kết hôn"}
            return type("A", (), {"title": titles[key]})() if key in titles else None

    fields = {**deck_fields()[0], "articles": ["52/2014/QH13:3", "52/2014/QH13:8.1.a"]}
    cards = CardDeck().with_cards([card_from_fields(fields, "small.yaml")])
    assert scope_articles(cards, Titles()) == {"52/2014/QH13:3": "Giải thích từ ngữ"}
    assert scope_articles(deck(), Titles()) == {}


def test_a_taught_question_votes_for_its_article() -> None:
    taught = deck().with_examples([Example("quán karaoke đuổi việc chị bán hàng", article="45/2019/QH14:139")])
    votes = CardMatcher.for_deck(taught, params=MatchParams.load()).votes("karaoke đuổi việc chị bán hàng")
    assert max(votes, key=votes.__getitem__) == "45/2019/QH14:139"
    assert CardIndex.build(taught, _corpus()).votes("karaoke đuổi việc chị bán hàng") == votes  # match.json's values
    assert CardIndex().votes("karaoke đuổi việc") == {}


def test_deck_files_round_trip(tmp_path: Path) -> None:
    d = deck().with_examples([Example("câu hỏi", card="ket-hon-do-tuoi", added="t", added_by="cán bộ")])
    for name, text in deck_files(d).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert load_deck(tmp_path) == d and load_deck(tmp_path / "none") == CardDeck()


def test_cards_ride_along_with_law_imports_and_edits_share_the_index(card_laws_dir: Path) -> None:
    store = CorpusStore(card_laws_dir)
    first = store.current_version()
    files = deck_files(deck())
    second = store.update_files(lambda corpus, folder: files)
    old, new = store.version_dir(first), store.version_dir(second)
    assert (new / "cards.jsonl").read_text(encoding="utf-8") == files["cards.jsonl"]
    assert os.path.samefile(old / "documents.jsonl", new / "documents.jsonl")  # not rebuilt: shared
    assert all(os.path.samefile(p, new / "index" / p.name) for p in (old / "index").iterdir())
    assert store.manifest(second)["based_on"] == first
    third = store.commit(small_card_corpus(), build_index)  # a law import carries the cards forward
    assert load_deck(store.version_dir(third)) == deck()
    store.rollback()
    store.rollback()
    assert store.current_version() == first and load_deck(store.version_dir(first)) == CardDeck()


def test_update_files_needs_a_corpus_and_refuses_odd_names(tmp_path: Path, card_laws_dir: Path) -> None:
    with pytest.raises(LookupError):
        CorpusStore(tmp_path / "empty").update_files(lambda c, f: {"cards.jsonl": ""})
    store = CorpusStore(card_laws_dir)
    before = store.versions()
    for name in ("documents.jsonl", "../x", "index"):
        with pytest.raises(ValueError):
            store.update_files(lambda c, f, name=name: {name: "x"})
    assert store.versions() == before


def test_library_loads_the_cards_of_its_version(card_laws_dir: Path) -> None:
    store = CorpusStore(card_laws_dir)
    corpus = store.load()
    checked = [c.__class__(**{**c.__dict__, "reviewed": checks.digests(c, corpus)}) for c in deck().active()]
    store.update_files(lambda c, f: deck_files(CardDeck({c.id: c for c in checked})))
    library = load_library(Settings(laws_dir=card_laws_dir))
    assert isinstance(library.cards, CardIndex) and len(library.cards) == 2 and library.cards.flagged == {}
    assert library.cards.match("nghi de duoc may thang").card_id == "thai-san-thoi-gian-nghi"
