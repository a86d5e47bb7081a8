"""Card answers in the dialogue: the short answer leads, its articles cited smallest unit first (the one her question
ranks highest first) with buttons, ≤2,000 characters and ≤5 buttons; cards vote in the ranking when none leads;
"Đúng ý" / "Chưa đúng" by button or typed, counted with the question kept for teaching and erased by "xóa dữ
liệu"; a follow-up finding the card or the articles just shown lists the articles at her new words' clause."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.conversation.answering import Answerer
from bot.conversation.dialogue import Dialogue
from bot.jobs.actions import apply_actions
from bot.knowledge.cards.index import CardIndex
from bot.knowledge.cards.matcher import CardMatcher, MatchParams
from bot.knowledge.library import load_library
from bot.officials import cards as card_admin
from bot.ops.datafiles import Texts
from bot.ops.settings import Settings
from bot.store import privacy, stats
from bot.store.redis_state import RedisStateStore
from bot.store.state import InMemoryStateStore
from tests.conftest import SMALL_DECK
from tests.dialogue_fakes import Recorder

TEXTS = Texts.load()


@pytest.fixture
def library(card_laws_dir: Path, tmp_path: Path):
    """The small corpus with the small deck imported."""
    deck = tmp_path / "small.yaml"
    deck.write_text(SMALL_DECK, encoding="utf-8")
    settings = Settings(laws_dir=card_laws_dir)
    card_admin.import_files(settings, InMemoryStateStore(), [deck], "test")
    return load_library(settings)


@pytest.fixture
def chat(library) -> Recorder:
    """A conversation over that library."""
    return Recorder(Dialogue(lambda: library))


@pytest.mark.parametrize("question", ["nghỉ đẻ được mấy tháng", "nghi de duoc may thang"])
def test_a_matching_card_leads_the_reply(chat: Recorder, question: str) -> None:
    [reply] = chat.text(question)
    assert reply.text.startswith("Chị được nghỉ thai sản 6 tháng")
    assert "1. khoản 1 Điều 139 Bộ luật Lao động số 45/2019/QH14" in reply.text
    assert len(reply.text) <= 2000 and len(reply.buttons) <= 5
    assert [b.payload for b in reply.buttons] == ["#xem 45/2019/QH14:139", "#dungy", "#chuadung"]
    assert chat.state["keys"][0] == "45/2019/QH14:139" and chat.state["offset"] == 1
    assert chat.state["actions"]["question"]["card"] == "thai-san-thoi-gian-nghi"
    full = chat.text("1")
    assert full[0].text.startswith("Điều 139 Bộ luật Lao động số 45/2019/QH14. Nghỉ thai sản")


def test_points_of_one_article_are_cited_together(chat: Recorder) -> None:
    [reply] = chat.text("bao nhieu tuoi thi duoc ket hon")
    assert "1. điểm a khoản 1, điểm b khoản 1 Điều 8 Luật Hôn nhân và gia đình số 52/2014/QH13" in reply.text
    assert TEXTS.get("card_step_commune") in reply.text


def test_a_list_answer_carries_the_feedback_buttons(chat: Recorder) -> None:
    [reply] = chat.text("con dưới 36 tháng tuổi sau khi ly hôn ai nuôi")
    assert reply.text.startswith(TEXTS.get("list_header"))
    assert [b.title for b in reply.buttons][-2:] == ["Đúng ý", "Chưa đúng"]


@pytest.mark.parametrize("followup", ["vậy nghỉ trước khi sinh được mấy tháng", "thế còn trước khi sinh thì sao",
                                      "vay nghi truoc khi sinh duoc may thang"])
def test_a_followup_leading_with_the_card_just_read_lists_its_articles_instead(chat: Recorder,
                                                                              followup: str) -> None:
    [card] = chat.text("nghỉ đẻ được mấy tháng")
    [again] = chat.text(followup)
    assert chat.state["card"] == "thai-san-thoi-gian-nghi"  # the search led with the same card
    assert again.text != card.text and again.text.startswith(TEXTS.get("list_header_again"))
    assert "1. khoản 1 Điều 139 Bộ luật Lao động số 45/2019/QH14" in again.text
    assert [b.payload for b in again.buttons][-2:] == ["#dungy", "#chuadung"]
    assert chat.state["answer"]["card"] == "" and "card" not in chat.state["actions"]["question"]
    [later] = chat.text("nghi de duoc may thang")  # still the same thread: not the card a third time
    assert later.text.startswith(TEXTS.get("list_header_again"))


def test_the_card_a_thread_led_with_is_not_shown_again_after_a_list_in_it(chat: Recorder) -> None:
    chat.text("nghỉ đẻ được mấy tháng")
    [listed] = chat.text("có được hưởng tiền không")  # read with the question before: a list, the card still leads
    assert listed.text.startswith(TEXTS.get("list_header")) and chat.state["card"] == "thai-san-thoi-gian-nghi"
    [again] = chat.text("vay nghi truoc khi sinh duoc may thang")
    assert again.text.startswith(TEXTS.get("list_header_again"))


def test_a_followup_finding_the_articles_just_listed_says_so(chat: Recorder) -> None:
    [first] = chat.text("con dưới 36 tháng tuổi sau khi ly hôn ai nuôi")
    listed = chat.state["answer"]["keys"]
    assert first.text.startswith(TEXTS.get("list_header"))
    [again] = chat.text("con e mới 2 tuổi")
    assert chat.state["answer"]["keys"] == listed and again.text.startswith(TEXTS.get("list_header_again"))


def test_the_card_shows_again_for_a_question_asked_later(chat: Recorder) -> None:
    [card] = chat.text("nghỉ đẻ được mấy tháng")
    chat.clock += 3_600_000  # past the follow-up window: a question of its own
    [again] = chat.text("nghỉ đẻ được mấy tháng")
    assert again.text == card.text


@pytest.mark.parametrize("said", ["#dungy", "đúng ý", "dung y", "đúng rồi"])
def test_helpful(chat: Recorder, said: str) -> None:
    chat.text("nghỉ đẻ được mấy tháng")
    [reply] = chat.text(said)
    assert reply.text == TEXTS.get("feedback_thanks")
    assert chat.state["actions"] == {"feedback": {"helpful": True, "card": "thai-san-thoi-gian-nghi",
                                                  "keys": ["45/2019/QH14:139"], "query": ""}}
    [again] = chat.text(said)  # rated once
    assert again.text == TEXTS.get("thanks") and "actions" not in chat.state


@pytest.mark.parametrize("said", ["#chuadung", "chưa đúng", "khong dung", "sai rồi"])
def test_unhelpful_offers_the_next_results_and_legal_aid(chat: Recorder, said: str) -> None:
    chat.text("nghỉ đẻ được mấy tháng")
    messages = chat.text(said)
    assert TEXTS.get("feedback_legal_aid") in messages[0].text
    action = chat.state["actions"]["feedback"]
    assert action["helpful"] is False and action["query"] == "nghỉ đẻ được mấy tháng"
    assert all(len(m.text) <= 2000 and len(m.buttons) <= 5 for m in messages)


def test_changing_her_mind_to_unhelpful_still_offers_the_next_results_and_reaches_the_officials(
        chat: Recorder) -> None:
    chat.text("nghỉ đẻ được mấy tháng")
    chat.text("đúng ý")
    messages = chat.text("chưa đúng")
    assert TEXTS.get("feedback_legal_aid") in messages[0].text
    assert messages[1].text.startswith(TEXTS.get("list_header_more"))
    assert chat.state["actions"]["feedback"]["query"] == "nghỉ đẻ được mấy tháng"
    again = chat.text("chưa đúng")  # said twice: the results go on, counted once
    assert TEXTS.get("feedback_legal_aid") in again[0].text and "actions" not in chat.state


def test_feedback_without_an_answer(chat: Recorder) -> None:
    [reply] = chat.text("chưa đúng")
    assert reply.text == TEXTS.get("feedback_none") and "actions" not in (chat.state or {})


def test_feedback_is_counted_and_erased_with_the_user(redis_client) -> None:
    store = RedisStateStore(redis_client)
    apply_actions(store, "u1", {"question": {"query": "nghỉ đẻ", "keys": ["45/2019/QH14:139"], "found": True,
                                             "card": "thai-san"}})
    apply_actions(store, "u1", {"feedback": {"helpful": False, "card": "thai-san", "keys": [], "query": "nghỉ đẻ"}})
    apply_actions(store, "u2", {"feedback": {"helpful": True, "card": "", "keys": ["52/2014/QH13:81"], "query": ""}})
    apply_actions(store, "u2", {"feedback": {"helpful": False, "card": "", "keys": ["52/2014/QH13:81"],
                                             "query": "ly hôn ai nuôi con, gọi 0912345678"}})
    data = stats.report(store, days=1)
    assert data["top_cards"] == [{"card": "thai-san", "count": 1}]
    assert {"target": "article:52/2014/QH13:81", "helpful": 1, "unhelpful": 1} in data["feedback"]
    assert {"target": "card:thai-san", "helpful": 0, "unhelpful": 1} in data["feedback"]
    kinds = {(q["kind"], q["query"]) for q in stats.questions(store)}
    assert kinds == {("unhelpful", "nghỉ đẻ"), ("unhelpful", "ly hôn ai nuôi con, gọi [số điện thoại]")}
    privacy.erase_user(store, "u1")
    assert [q["query"] for q in stats.questions(store)] == ["ly hôn ai nuôi con, gọi [số điện thoại]"]


TWO_ARTICLES = """\
- id: me-nuoi-con-nho
  topic: hon-nhan-gia-dinh
  title: Sinh con xong, ly hôn thì con nhỏ ở với ai?
  questions:
    - Sinh con xong mới ly hôn thì con dưới 36 tháng ai nuôi?
    - nghi sinh xong ly hon con nho o voi ai
    - Đang nghỉ sinh mà ly hôn thì con ở với mẹ không?
    - Đẻ xong bỏ chồng thì con nhỏ giao cho ai ạ?
    - ly hon luc con con nho xiu thi ai nuoi
    - Mẹ đang nghỉ thai sản ly hôn được nuôi con không?
  answer: Con dưới 36 tháng tuổi được giao cho mẹ trực tiếp nuôi; chị vẫn được nghỉ thai sản 6 tháng.
  articles: [45/2019/QH14:139.1, 52/2014/QH13:81.3]
"""


def test_a_leading_card_lists_first_the_article_her_question_ranks_highest(card_laws_dir: Path,
                                                                           tmp_path: Path) -> None:
    deck = tmp_path / "two.yaml"
    deck.write_text(TWO_ARTICLES, encoding="utf-8")
    settings = Settings(laws_dir=card_laws_dir)
    card_admin.import_files(settings, InMemoryStateStore(), [deck], "test")
    library = load_library(settings)
    # votes weak enough for her words to order the card's two articles (the card's first gets the most votes)
    library = replace(library, cards=CardIndex(library.cards.deck, CardMatcher.for_deck(
        library.cards.deck, params=replace(MatchParams.load(), votes=0.5))))
    question = "Sinh con xong mới ly hôn thì con dưới 36 tháng ai nuôi?"  # one of its questions: confident
    found = Answerer().answer(library, question)
    assert found.card is not None and found.placed == 2
    assert found.keys[:2] == ["52/2014/QH13:81", "45/2019/QH14:139"]  # the card lists 139 first
    chat = Recorder(Dialogue(lambda: library))
    [reply] = chat.text(question)
    assert "1. khoản 3 Điều 81 Luật Hôn nhân và gia đình" in reply.text and "2. khoản 1 Điều 139" in reply.text
    assert chat.state["keys"][:2] == found.keys[:2]


def test_cards_vote_in_the_ranking_without_matching_confidently(library) -> None:
    params = MatchParams(min_score=9.0, exact=9.0, votes=3.0)  # never confident, votes strong
    cards = CardIndex(library.cards.deck, CardMatcher.for_deck(library.cards.deck, params=params))
    voting = replace(library, cards=cards)
    question = "con bao nhiêu tuổi thì được cưới"
    plain, served = Answerer.ranked(voting, Answerer().prepare(question), 3)
    assert [h.key for h in plain] == Answerer().answer(replace(library, cards=CardIndex()), question).keys
    found = Answerer().answer(voting, question)
    assert found.card is None and found.placed == 0 and found.keys == [h.key for h in served]
    assert served[0].key == "52/2014/QH13:8" and served[0].score > plain[0].score
    weak = replace(library, cards=CardIndex(library.cards.deck, CardMatcher.for_deck(
        library.cards.deck, params=replace(params, votes=0.0))))
    assert Answerer().answer(weak, question).keys == [h.key for h in plain]
    capped = replace(library, cards=CardIndex(library.cards.deck, CardMatcher.for_deck(
        library.cards.deck, params=replace(params, vote_cap=1e-6))))  # votes a share of a score near nothing
    assert Answerer().answer(capped, question).keys[:3] == [h.key for h in plain]
