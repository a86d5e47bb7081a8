"""The conversation engine: questions, lists, full texts, follow-ups, danger, honest "I don't know", commands."""
from __future__ import annotations

import json
from typing import Any

import pytest

import tests.dialogue_fakes as fakes
from bot.dialogue import Dialogue
from bot.events import Follow, Ignored, OtherMessage, TextMessage, Unfollow
from bot.messages import MAX_BUTTONS, MAX_TEXT, OPEN_PHONE, QUERY_SHOW, OutMessage
from bot.texts import Texts

TEXTS = Texts.load()


def check(messages: list[OutMessage]) -> list[OutMessage]:
    """Every reply respects Zalo's limits."""
    for m in messages:
        assert 0 < len(m.text) <= MAX_TEXT
        assert len(m.buttons) <= MAX_BUTTONS
    return messages


@pytest.fixture
def library() -> fakes.FakeLibrary:
    return fakes.sample_library()


@pytest.fixture
def chat(library: fakes.FakeLibrary) -> fakes.Recorder:
    return fakes.Recorder(Dialogue(lambda: library))


def say(chat: fakes.Recorder, text: str) -> list[OutMessage]:
    return check(chat.text(text))


def test_question_gives_one_short_numbered_list(chat: fakes.Recorder) -> None:
    [reply] = say(chat, "nghỉ thai sản được mấy tháng")
    assert "1. khoản 1 Điều 139 Bộ luật Lao động số 45/2019/QH14: Nghỉ thai sản" in reply.text
    assert "\n2. " in reply.text and "\n3. " in reply.text and "\n4. " not in reply.text
    titles = [b.title for b in reply.buttons]
    assert titles == ["Xem toàn văn 1", "Xem toàn văn 2", "Xem toàn văn 3", "Xem thêm"]
    assert reply.buttons[0].payload == "#xem 45/2019/QH14:139"
    assert all(b.type == QUERY_SHOW for b in reply.buttons)
    assert chat.state is not None and chat.state["keys"][0] == "45/2019/QH14:139" and chat.state["offset"] == 3
    assert chat.state["actions"] == {"question": {"query": "nghỉ thai sản được mấy tháng", "found": True,
                                                  "keys": chat.state["keys"][:3]}}


def test_state_is_small_and_json(chat: fakes.Recorder) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    encoded = json.dumps(chat.state, ensure_ascii=False)
    assert len(encoded) < 1500
    assert json.loads(encoded) == chat.state


@pytest.mark.parametrize("choice", ["1", "xem 1", "dieu 1", "Xem toàn văn 1", "#xem 1"])
def test_number_opens_full_text(chat: fakes.Recorder, choice: str) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    [full] = say(chat, choice)
    assert full.text.startswith("Điều 139 Bộ luật Lao động số 45/2019/QH14. Nghỉ thai sản")
    assert "3. Hết thời gian nghỉ thai sản" in full.text
    payloads = [b.payload for b in full.buttons]
    assert "#xem 45/2019/QH14:140" in payloads  # related article
    assert "#tiep" in payloads


def test_button_payload_works_with_empty_state(library: fakes.FakeLibrary) -> None:
    dialogue = Dialogue(lambda: library)
    messages, state = dialogue.handle(TextMessage("u", "m1", "#xem 52/2014/QH13:81", "1700000000000"), None)
    check(messages)
    assert messages[0].text.startswith("Điều 81 Luật Hôn nhân và gia đình số 52/2014/QH13.")
    assert "Con dưới 36 tháng tuổi" in messages[-1].text
    assert state is not None and state["doc"] == "52/2014/QH13"


def test_admin_update_payload_also_opens_article(chat: fakes.Recorder) -> None:
    [full] = say(chat, "#dieu 45/2019/QH14:139")
    assert full.text.startswith("Điều 139 Bộ luật Lao động")


def test_missing_article_payload(chat: fakes.Recorder) -> None:
    [reply] = say(chat, "#xem 99/2099/QH99:1")
    assert reply.text == TEXTS.get("article_missing")


@pytest.mark.parametrize("more", ["xem thêm", "xem them", "tiếp", "tiep", "#tiep"])
def test_more_gives_next_results_then_says_none_left(chat: fakes.Recorder, more: str) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    [page2] = say(chat, more)
    assert page2.text.startswith(TEXTS.get("list_header_more"))
    assert "\n4. " in page2.text and "\n1. " not in page2.text
    assert page2.buttons[0].title == "Xem toàn văn 4"
    [full] = say(chat, "4")
    assert full.text.startswith("Điều 34 Luật Bảo hiểm xã hội số 58/2014/QH13")
    [end] = say(chat, more)
    assert end.text == TEXTS.get("no_more")


def test_new_question_starts_over(chat: fakes.Recorder) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    say(chat, "xem thêm")
    [reply] = say(chat, "ly hôn ai nuôi con dưới 36 tháng tuổi")
    assert "1. khoản 3 Điều 81 Luật Hôn nhân và gia đình" in reply.text
    assert chat.state is not None and chat.state["offset"] == min(3, len(chat.state["keys"]))


def test_followup_refines_previous_question(chat: fakes.Recorder, library: fakes.FakeLibrary) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    say(chat, "còn trường hợp sinh đôi?")
    assert library.index.queries[-1] == "nghỉ thai sản được mấy tháng sinh đôi"
    say(chat, "thế còn sinh non")
    assert library.index.queries[-1] == "nghỉ thai sản được mấy tháng sinh non"


def test_followup_without_previous_question_is_a_question(chat: fakes.Recorder, library: fakes.FakeLibrary) -> None:
    say(chat, "còn trường hợp sinh đôi?")
    assert library.index.queries[-1] == "còn trường hợp sinh đôi"


def test_follow_welcomes_with_examples(library: fakes.FakeLibrary) -> None:
    messages, state = Dialogue(lambda: library).handle(Follow("u", "1700000000000"), {"keys": ["x"]})
    [welcome] = check(messages)
    assert "Trợ lý pháp luật" in welcome.text
    payloads = [b.payload for b in welcome.buttons]
    assert "Nghỉ thai sản được mấy tháng?" in payloads and "#dangky" in payloads
    assert state == {"updated": 1700000000000}


def test_unfollow_forgets(library: fakes.FakeLibrary) -> None:
    assert Dialogue(lambda: library).handle(Unfollow("u", "1"), {"keys": ["x"]}) == ([], None)


@pytest.mark.parametrize("kind", ["image", "sticker", "file", "location", "audio"])
def test_other_messages_get_a_polite_line(library: fakes.FakeLibrary, kind: str) -> None:
    messages, state = Dialogue(lambda: library).handle(OtherMessage("u", "m", kind, "5"), {"keys": ["a"]})
    assert [m.text for m in messages] == [TEXTS.get("other_message")]
    assert state is not None and state["keys"] == ["a"]


def test_ignored_changes_nothing(library: fakes.FakeLibrary) -> None:
    state = {"keys": ["a"], "offset": 1}
    assert Dialogue(lambda: library).handle(Ignored("user_seen_message"), state) == ([], state)


@pytest.mark.parametrize("text", ["Chồng em đánh em", "ck danh e", "bị chồng đánh thì làm sao"])
def test_danger_gets_hotlines_first_then_articles(chat: fakes.Recorder, text: str) -> None:
    first, *rest = say(chat, text)
    phones = [b for b in first.buttons if b.type == OPEN_PHONE]
    assert phones and phones[0].payload == "113"
    assert {"113", "1900969680", "18001744"} <= {b.payload for b in phones}
    assert "113" in first.text and "1900 96 96 80" in first.text
    assert rest and "Điều 185 Bộ luật Hình sự" in rest[0].text


def test_self_harm_gets_ambulance_and_no_random_article(chat: fakes.Recorder) -> None:
    [only] = say(chat, "em muốn chết")
    assert only.buttons[0].payload == "115"
    assert "Điều" not in only.text


@pytest.mark.parametrize("text,lead", [("em gái bị lừa bán sang Trung Quốc", "111"),
                                       ("con tôi bị xâm hại", "111"), ("con gái tôi bị bắt cóc", "113")])
def test_hotline_order_follows_the_danger(chat: fakes.Recorder, text: str, lead: str) -> None:
    [first, *_] = say(chat, text)
    assert first.buttons[0].payload == lead


def test_weak_score_is_an_honest_idk(library: fakes.FakeLibrary) -> None:
    weak = fakes.sample_library(fixed={"thời tiết hôm nay": [("45/2019/QH14:139", 0.4)]})
    dialogue = Dialogue(lambda: weak, min_score=1.0)
    messages, state = dialogue.handle(TextMessage("u", "m", "thời tiết hôm nay", "1"), None)
    [idk] = check(messages)
    assert idk.text == TEXTS.get("idk") and "Trợ giúp pháp lý" in idk.text
    assert "Điều 139" not in idk.text
    assert [b.payload for b in idk.buttons][0].startswith("#chude ")
    assert state is not None and state["keys"] == []
    assert state["actions"] == {"question": {"query": "thời tiết hôm nay", "keys": [], "found": False}}


def test_low_coverage_is_an_honest_idk(chat: fakes.Recorder) -> None:
    [idk] = say(chat, "thủ tục mua bán xe máy cũ sang tên đổi chủ")
    assert idk.text == TEXTS.get("idk")


def test_no_hits_is_an_honest_idk(chat: fakes.Recorder) -> None:
    [idk] = say(chat, "qwertyuiop")
    assert idk.text == TEXTS.get("idk")


def test_empty_library_says_so() -> None:
    empty = fakes.empty_library()
    messages, _ = Dialogue(lambda: empty).handle(TextMessage("u", "m", "nghỉ thai sản", "1"), None)
    assert messages[0].text == TEXTS.get("library_empty")


def test_replaced_document_is_flagged(chat: fakes.Recorder) -> None:
    say(chat, "lao động nam được nghỉ mấy ngày khi vợ sinh con bảo hiểm xã hội")
    text = "\n".join(m.text for m in chat.sent)
    assert "Luật Bảo hiểm xã hội số 58/2014/QH13" in text
    assert "(văn bản này đã hết hiệu lực, được thay thế bởi Luật Bảo hiểm xã hội số 41/2024/QH15)" in text
    [full] = say(chat, "#xem 58/2014/QH13:34")
    assert "được thay thế bởi Luật Bảo hiểm xã hội số 41/2024/QH15" in full.text


@pytest.mark.parametrize("text", ["khoản 2 điều 185 bộ luật hình sự", "khoan 2 dieu 185 blhs"])
def test_citation_with_clause(chat: fakes.Recorder, text: str) -> None:
    [reply] = say(chat, text)
    assert reply.text.startswith("Khoản 2 Điều 185 Bộ luật Hình sự số 100/2015/QH13.")
    assert "2. Phạm tội thuộc một trong các trường hợp sau đây" in reply.text
    assert "1. Người nào" not in reply.text
    assert [b.payload for b in reply.buttons] == ["#xem 100/2015/QH13:185"]


@pytest.mark.parametrize("text", ["điều 81 luật hôn nhân", "Đ139 BLLĐ", "dieu 139 bo luat lao dong"])
def test_citation_of_whole_article(chat: fakes.Recorder, text: str) -> None:
    [reply] = say(chat, text)
    assert reply.text.startswith("Điều ")
    assert chat.state is not None and len(chat.state["keys"]) == 1


def test_citation_uses_document_in_context(chat: fakes.Recorder) -> None:
    say(chat, "Đ139 BLLĐ")
    [reply] = say(chat, "điều 137")
    assert reply.text.startswith("Điều 137 Bộ luật Lao động số 45/2019/QH14")


@pytest.mark.parametrize("text,key,fields", [
    ("điều 139", "citation_need_doc", {"article": "139"}),
    ("điều 3 luật trẻ em", "citation_doc_missing", {"doc": "102/2016/QH13"}),
    ("điều 999 bộ luật lao động", "citation_not_found", {"article": "999", "doc": "Bộ luật Lao động số 45/2019/QH14"}),
])
def test_citation_problems(chat: fakes.Recorder, text: str, key: str, fields: dict[str, Any]) -> None:
    [reply] = say(chat, text)
    assert reply.text == TEXTS.get(key, **fields)


def test_unknown_clause_shows_whole_article(chat: fakes.Recorder) -> None:
    note, full = say(chat, "khoản 9 điều 81 luật hôn nhân")
    assert "khoản 9" in note.text
    assert full.text.startswith("Điều 81 Luật Hôn nhân")


def test_long_article_is_split_on_clause_boundaries(chat: fakes.Recorder) -> None:
    messages = say(chat, "#xem 45/2019/QH14:5")
    assert len(messages) == 3
    assert messages[0].text.startswith("Điều 5 Bộ luật Lao động số 45/2019/QH14")
    for m in messages[1:]:
        assert m.text[:2] in ("2.", "3.")
    assert all(not m.buttons for m in messages[:-1])


@pytest.mark.parametrize("text,key", [("chào", "greeting"), ("xin chao ban", "greeting"), ("menu", "help"),
                                      ("hướng dẫn", "help"), ("#menu", "help")])
def test_greeting_and_help_offer_topics(chat: fakes.Recorder, text: str, key: str) -> None:
    [reply] = say(chat, text)
    assert reply.text == TEXTS.get(key)
    assert len(reply.buttons) == 5 and all(b.payload.startswith("#chude ") for b in reply.buttons)


@pytest.mark.parametrize("text", ["cảm ơn", "cam on", "thanks", "tks"])
def test_thanks(chat: fakes.Recorder, text: str) -> None:
    [reply] = say(chat, text)
    assert reply.text == TEXTS.get("thanks")


def test_topic_button_lists_example_questions(chat: fakes.Recorder) -> None:
    [reply] = say(chat, "#chude lao-dong-nu")
    assert "Nghỉ thai sản được mấy tháng?" in [b.payload for b in reply.buttons]


@pytest.mark.parametrize("text,action", [
    ("đăng ký", {"subscribe": {"topics": []}}),
    ("#dangky", {"subscribe": {"topics": []}}),
    ("dang ky lao dong nu", {"subscribe": {"topics": ["lao-dong-nu"]}}),
    ("hủy đăng ký", {"unsubscribe": {"topics": []}}),
    ("huy dang ky", {"unsubscribe": {"topics": []}}),
])
def test_subscription_leaves_an_action(chat: fakes.Recorder, text: str, action: dict[str, Any]) -> None:
    [reply] = say(chat, text)
    assert chat.state is not None and chat.state["actions"] == action
    assert "đăng ký" in reply.text
    say(chat, "cảm ơn")
    assert chat.state is not None and "actions" not in chat.state


def test_register_marriage_is_a_question_not_a_subscription(chat: fakes.Recorder) -> None:
    say(chat, "đăng ký kết hôn cần giấy tờ gì")
    assert chat.state is not None and list(chat.state["actions"]) == ["question"]


@pytest.mark.parametrize("text,key", [("1", "no_list"), ("xem thêm", "no_list"), ("", "empty")])
def test_commands_without_a_list(chat: fakes.Recorder, text: str, key: str) -> None:
    [reply] = say(chat, text)
    assert reply.text == TEXTS.get(key)


def test_number_out_of_range(chat: fakes.Recorder) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    [reply] = say(chat, "7")
    assert reply.text == TEXTS.get("select_out_of_range", count=3)


def test_deterministic(library: fakes.FakeLibrary) -> None:
    def run() -> list[Any]:
        rec = fakes.Recorder(Dialogue(lambda: library))
        for text in ("nghỉ thai sản được mấy tháng", "2", "xem thêm", "ck danh em", "điều 81 luật hôn nhân"):
            rec.text(text)
        return [rec.sent, rec.state]
    assert run() == run()
