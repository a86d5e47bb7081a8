"""The conversation engine against the real law library (../shared/laws imported once per session): questions,
lists, full texts, follow-ups, danger, citations by lookup, commands; stand-ins only where a score must be scripted."""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import tests.dialogue_fakes as fakes
from bot.conversation.answering import Answerer
from bot.conversation.dialogue import Dialogue
from bot.ops.datafiles import Texts
from bot.zalo.events import Follow, Ignored, OtherMessage, TextMessage, Unfollow
from bot.zalo.messages import MAX_BUTTONS, MAX_TEXT, OPEN_PHONE, QUERY_SHOW, OutMessage

TEXTS = Texts.load()
MATERNITY = "45/2019/QH14:139"


def check(messages: list[OutMessage]) -> list[OutMessage]:
    """Every reply respects Zalo's limits."""
    for m in messages:
        assert 0 < len(m.text) <= MAX_TEXT
        assert len(m.buttons) <= MAX_BUTTONS
    return messages


@pytest.fixture
def library(real_library: Any) -> Any:
    return real_library


@pytest.fixture
def chat(library: Any) -> fakes.Recorder:
    return fakes.Recorder(Dialogue(lambda: library))


def say(chat: fakes.Recorder, text: str) -> list[OutMessage]:
    return check(chat.text(text))


def listed(chat: fakes.Recorder) -> list[str]:
    """Keys of the results shown so far."""
    assert chat.state is not None
    return chat.state["keys"][:chat.state["offset"]]


class NoSearch:
    """An index that fails the test when searched: citations must be looked up, not searched."""

    def search(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise AssertionError(f"searched for {args!r}")


# --- questions and lists ------------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["nghỉ thai sản được mấy tháng", "nghi thai san duoc may thang",
                                      "nghi de duoc may thang", "bn oi nghi de dc may thang j"])
def test_question_gives_one_short_numbered_list(chat: fakes.Recorder, question: str) -> None:
    [reply] = say(chat, question)
    assert reply.text.startswith(TEXTS.get("list_header"))
    assert "khoản 1 Điều 139 Bộ luật Lao động số 45/2019/QH14: Nghỉ thai sản" in reply.text
    assert "\n1. " in reply.text and "\n3. " in reply.text and "\n4. " not in reply.text
    titles = [b.title for b in reply.buttons]
    assert titles == ["Xem toàn văn 1", "Xem toàn văn 2", "Xem toàn văn 3", "Đúng ý", "Chưa đúng"]
    assert all(b.type == QUERY_SHOW for b in reply.buttons)
    assert chat.state is not None and MATERNITY in listed(chat) and chat.state["offset"] == 3
    assert f"#xem {MATERNITY}" in [b.payload for b in reply.buttons]
    assert chat.state["actions"] == {"question": {"query": chat.state["query"], "found": True,
                                                  "keys": chat.state["keys"][:3]}}


@pytest.mark.parametrize("messages", [
    ["em muốn ly hôn mà chồng không chịu ký, em đang có bầu"],
    ["em muon ly hon ma chong khong chiu ky, em dang co bau"],
    ["em muốn ly hôn mà chồng không chịu ký", "nếu em đang có bầu thì sao"],  # a follow-up: her new words count
])
def test_the_list_shows_the_clause_her_words_ask_about(chat: fakes.Recorder, messages: list[str]) -> None:
    *_, reply = [say(chat, m)[-1] for m in messages]
    assert "\n1. khoản 3 Điều 51 Luật Hôn nhân và gia đình số 52/2014/QH13" in reply.text  # "đang có thai"
    assert "vợ đang có thai" in reply.text


def test_teencode_is_spelled_out_in_the_typing_style_of_the_user(chat: fakes.Recorder) -> None:
    say(chat, "bn oi nghi de dc may thang j")
    assert chat.state is not None and chat.state["query"] == "nghi de duoc may thang gi"  # "bạn ơi" is no question
    say(chat, "vk ko cho ck nuôi con dc ko")
    assert chat.state["query"] == "vợ không cho chồng nuôi con được không"
    say(chat, "ck e ko cho e ly hon")
    assert chat.state["query"] == "chong em khong cho em ly hon"
    assert "52/2014/QH13:56" in listed(chat)  # ly hôn theo yêu cầu của một bên


def test_state_is_small_and_json(chat: fakes.Recorder) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    encoded = json.dumps(chat.state, ensure_ascii=False)
    assert len(encoded) < 1500
    assert json.loads(encoded) == chat.state


@pytest.mark.parametrize("form", ["{n}", "xem {n}", "dieu {n}", "Xem toàn văn {n}", "#xem {n}"])
def test_number_opens_full_text(chat: fakes.Recorder, form: str) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    n = listed(chat).index(MATERNITY) + 1
    [full] = say(chat, form.format(n=n))
    assert full.text.startswith("Điều 139 Bộ luật Lao động số 45/2019/QH14. Nghỉ thai sản\n1. Lao động nữ")
    assert "sinh đôi trở lên" in full.text and "\n3. Hết thời gian nghỉ thai sản" in full.text
    payloads = [b.payload for b in full.buttons]
    assert "#xem 45/2019/QH14:140" in payloads  # Pháp điển's cross-reference
    assert payloads[-1] == "#tiep"
    assert chat.state is not None and chat.state["doc"] == "45/2019/QH14"


def test_button_payload_works_with_empty_state(library: Any) -> None:
    messages, state = Dialogue(lambda: library).handle(
        TextMessage("u", "m1", "#xem 52/2014/QH13:81", "1700000000000"), None)
    check(messages)
    assert messages[0].text.startswith("Điều 81 Luật Hôn nhân và gia đình số 52/2014/QH13.")
    assert "Con dưới 36 tháng tuổi được giao cho mẹ trực tiếp nuôi" in "\n".join(m.text for m in messages)
    assert state is not None and state["doc"] == "52/2014/QH13"


def test_law_update_broadcast_buttons_open_their_articles(library: Any) -> None:
    """The "law-update" message composed from a change report: each button opens its article in the dialogue."""
    from bot.knowledge.changes import compare
    from bot.officials.laws import law_update_message

    doc = library.corpus.document("41/2024/QH15")
    old_articles = tuple(replace(a, text=a.text.replace("tháng", "ngày", 1)) if a.number in ("53", "58") else a
                         for a in doc.articles if a.number != "62")
    report = compare({doc.number: replace(doc, articles=old_articles)}, {doc.number: doc})
    assert sorted((a.key, a.kind) for a in report.articles()) == [
        ("41/2024/QH15:53", "changed"), ("41/2024/QH15:58", "changed"), ("41/2024/QH15:62", "added")]
    message = law_update_message(report)
    assert "Điều 53, Điều 58" in message.text and "Điều 62" in message.text
    assert len(message.buttons) == 3
    dialogue = Dialogue(lambda: library)
    for button in message.buttons:
        key = button.payload.split(" ", 1)[1]
        messages, state = dialogue.handle(TextMessage("u", "m", button.payload, "1700000000000"), None)
        check(messages)
        article = library.corpus.article(key)
        assert messages[0].text.startswith(f"Điều {article.number} Luật Bảo hiểm xã hội số 41/2024/QH15. "
                                           f"{article.title}")
        assert state is not None and state["doc"] == "41/2024/QH15"


def test_missing_article_payload(chat: fakes.Recorder) -> None:
    [reply] = say(chat, "#xem 99/2099/QH99:1")
    assert reply.text == TEXTS.get("article_missing")


@pytest.mark.parametrize("more", ["xem thêm", "xem them", "tiếp", "tiep", "#tiep"])
def test_more_gives_next_results_then_says_none_left(chat: fakes.Recorder, more: str) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    keys = list(chat.state["keys"])  # type: ignore[index]
    assert len(keys) == 10
    [page2] = say(chat, more)
    assert page2.text.startswith(TEXTS.get("list_header_more"))
    assert "\n4. " in page2.text and "\n1. " not in page2.text
    assert page2.buttons[0].title == "Xem toàn văn 4" and page2.buttons[0].payload == f"#xem {keys[3]}"
    [full, *_] = say(chat, "4")
    assert full.text.startswith(f"Điều {keys[3].split(':')[1]} ")
    pages = 1
    while True:
        [page] = say(chat, more)
        if page.text == TEXTS.get("no_more"):
            break
        pages += 1
        assert pages <= 4
    assert chat.state is not None and chat.state["offset"] == 10


def test_new_question_starts_over(chat: fakes.Recorder) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    say(chat, "xem thêm")
    [reply] = say(chat, "ly hôn ai nuôi con dưới 36 tháng tuổi")
    assert "khoản 3 Điều 81 Luật Hôn nhân và gia đình số 52/2014/QH13" in reply.text
    assert chat.state is not None and chat.state["offset"] == 3


# --- follow-ups ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("first, followup", [
    ("nghỉ thai sản được mấy tháng", "còn trường hợp sinh đôi?"),
    ("nghi thai san duoc may thang", "con truong hop sinh doi thi sao"),
    ("nghỉ đẻ được mấy tháng", "thế còn sinh đôi"),
])
def test_followup_refines_previous_question(chat: fakes.Recorder, first: str, followup: str) -> None:
    say(chat, first)
    base = chat.state["base"]  # type: ignore[index]
    [reply] = say(chat, followup)
    assert chat.state is not None and chat.state["base"] == base
    assert chat.state["query"].startswith(base) and chat.state["query"].endswith(("sinh đôi", "sinh doi"))
    # the twins clause: khoản 1 Điều 139 BLLĐ, or the social insurance article for the mother's leave
    assert {MATERNITY, "41/2024/QH15:53"} & set(listed(chat))
    assert "sinh đôi" in reply.text


def test_a_message_naming_nothing_asks_about_the_question_before(chat: fakes.Recorder) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    base = chat.state["base"]  # type: ignore[index]
    say(chat, "có được hưởng tiền không")  # alone it matched survivors' benefits
    assert chat.state is not None and chat.state["query"] == f"{base} có được hưởng tiền không"
    assert not {"41/2024/QH15:85", "41/2024/QH15:86"} & set(listed(chat))


@pytest.mark.parametrize("question, detail, keys", [
    ("em muốn ly hôn thì ai nuôi con", "con em 3 tuổi", {"52/2014/QH13:81"}),  # a child under 36 months
    # alone it asks for maternity benefits; here the Labour Code's protection of a pregnant worker
    ("công ty đuổi việc em có được không", "em có bầu 5 tháng", {"45/2019/QH14:137", "45/2019/QH14:138"}),
])
def test_a_detail_of_her_case_refines_the_question_before(chat: fakes.Recorder, question: str, detail: str,
                                                           keys: set[str]) -> None:
    say(chat, question)
    base = chat.state["base"]  # type: ignore[index]
    say(chat, detail)
    assert chat.state is not None and chat.state["query"] == f"{base} {detail}"
    assert keys & set(listed(chat)[:2])


@pytest.mark.parametrize("first, second, key", [
    ("lam giay khai sinh cho con o dau", "qua 60 ngay roi co sao ko", "60/2014/QH13:15"),
    ("hết 6 tháng thai sản e muốn nghỉ thêm ở nhà với con được ko", "thì có được hưởng lương ko", "45/2019/QH14:139"),
])
def test_a_question_soon_after_another_is_read_with_it_when_it_does_not_stand_alone(
        chat: fakes.Recorder, first: str, second: str, key: str) -> None:
    say(chat, first)
    base = chat.state["base"]  # type: ignore[index]
    say(chat, second)
    assert chat.state is not None and chat.state["base"] == base and chat.state["query"].startswith(base)
    assert key in listed(chat)[:3]
    say(chat, "giá vàng hôm nay bao nhiêu")  # declined: the question before lends it nothing
    assert chat.state["base"] == base and key in chat.state["keys"]


class LendsNothing(Answerer):
    """The bot's Answerer, but a question on leave read with one on health insurance is answered by nothing."""

    def answer(self, library: Any, text: str, top: int = 10) -> Any:
        found = super().answer(library, text, top)
        return replace(found, answered=False) if "nghi" in found.query and "bao hiem" in found.query else found


def test_a_follow_up_only_its_own_words_answer_starts_a_new_base(carded_library: Any) -> None:
    chat = fakes.Recorder(Dialogue(lambda: carded_library, answerer=LendsNothing()))
    say(chat, "ck e co dc nghi ko")
    say(chat, "thế còn bhyt cho bé thì sao")  # a follow-up by its words, a new matter by its subject
    assert chat.state is not None and chat.state["base"] == chat.state["query"] == "bảo hiểm y tế cho bé"
    assert any(key.startswith("25/2008/QH12:") for key in listed(chat)[:3])


@pytest.mark.parametrize("followup", ["vậy em phải làm gì", "e phai bao ai"])
def test_what_to_do_now_is_asked_about_the_question_before(chat: fakes.Recorder, followup: str) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    base = chat.state["base"]  # type: ignore[index]
    [reply] = say(chat, followup)  # not small talk ("Dạ. Bạn nhắn số thứ tự…"): her question, read with the one before
    assert chat.state is not None and chat.state["base"] == base and chat.state["query"].startswith(base)
    assert MATERNITY in listed(chat)


def test_followup_after_a_long_pause_is_a_new_question(library: Any) -> None:
    chat = fakes.Recorder(Dialogue(lambda: library, followup_seconds=60))
    say(chat, "nghỉ thai sản được mấy tháng")
    chat.clock += 3_600_000
    say(chat, "còn trường hợp sinh đôi?")
    assert chat.state is not None and chat.state["query"] == "còn trường hợp sinh đôi"


def test_followup_without_previous_question_is_a_question(chat: fakes.Recorder) -> None:
    say(chat, "còn trường hợp sinh đôi?")
    assert chat.state is not None and chat.state["query"] == "còn trường hợp sinh đôi"


# --- events other than questions ----------------------------------------------------------------------
def test_follow_welcomes_with_examples_and_a_subscribe_button(library: Any) -> None:
    messages, state = Dialogue(lambda: library).handle(Follow("u", "1700000000000"), {"keys": ["x"]})
    [welcome] = check(messages)
    assert "Trợ lý pháp luật" in welcome.text
    payloads = [b.payload for b in welcome.buttons]
    assert "Nghỉ thai sản được mấy tháng?" in payloads and "#dangky" in payloads
    assert state == {"updated": 1700000000000}


def test_unfollow_forgets(library: Any) -> None:
    assert Dialogue(lambda: library).handle(Unfollow("u", "1"), {"keys": ["x"]}) == ([], None)


@pytest.mark.parametrize("kind", ["image", "sticker", "file", "location", "audio"])
def test_other_messages_get_a_polite_line(library: Any, kind: str) -> None:
    messages, state = Dialogue(lambda: library).handle(OtherMessage("u", "m", kind, "5"), {"keys": ["a"]})
    assert [m.text for m in messages] == [TEXTS.get("other_message")]
    assert state is not None and state["keys"] == ["a"]


def test_ignored_changes_nothing(library: Any) -> None:
    state = {"keys": ["a"], "offset": 1}
    assert Dialogue(lambda: library).handle(Ignored("user_seen_message"), state) == ([], state)


# --- danger first ---------------------------------------------------------------------------------------
VIOLENCE = ["Chồng em đánh em", "ck danh e", "bị chồng đánh thì làm sao", "bi chong danh thi lam sao",
            "chồng em say rượu về là đánh đập mẹ con em", "chong say ruou ve danh dap me con",
            "chồng chém em chảy máu", "CHỒNG ĐÁNH EM", "ck e hay tat e", "chồng bạo hành tôi"]


@pytest.mark.parametrize("text", VIOLENCE)
def test_danger_gets_hotlines_first_then_articles(chat: fakes.Recorder, text: str) -> None:
    first, *rest = say(chat, text)
    phones = [b.payload for b in first.buttons if b.type == OPEN_PHONE]
    assert phones[0] == "113" and {"113", "111", "1900969680", "18001744"} <= set(phones)
    for number in ("113", "111", "1900 96 96 80", "1800 1744"):
        assert number in first.text
    assert "Điều" not in first.text  # no article before the hotlines
    assert rest and rest[0].text.startswith(TEXTS.get("list_header"))
    assert "13/2022/QH15:3" in listed(chat)  # Luật Phòng, chống bạo lực gia đình: hành vi bạo lực gia đình


@pytest.mark.parametrize("text, lead, key", [
    ("em gái bị lừa bán sang Trung Quốc", "111", "53/2024/QH15:3"),  # Luật Phòng, chống mua bán người: cấm mua bán người
    ("em gai bi lua ban sang tq", "111", "53/2024/QH15:3"),
    ("con tôi bị xâm hại", "111", "102/2016/QH13:25"),  # quyền được bảo vệ để không bị xâm hại tình dục
    # a child named beside a sexual trigger: 111 before the line that leads for sexual violence (1900, charged)
    ("con gai e 13 tuoi bi thang hang xom sam so", "111", "102/2016/QH13:25"),
])
def test_hotline_order_and_articles_follow_the_danger(chat: fakes.Recorder, text: str, lead: str, key: str) -> None:
    first, *rest = say(chat, text)
    assert first.buttons[0].payload == lead and all(b.type == OPEN_PHONE for b in first.buttons)
    assert rest and key in listed(chat)


@pytest.mark.parametrize("text", ["em muốn chết", "toi khong muon song nua", "định tự tử", "cứu em với",
                                  "em đang gặp nguy hiểm"])
def test_self_harm_and_bare_danger_get_hotlines_and_no_random_article(chat: fakes.Recorder, text: str) -> None:
    [only] = say(chat, text)
    assert all(b.type == OPEN_PHONE for b in only.buttons) and only.buttons
    assert "Điều" not in only.text
    assert only.text.endswith(TEXTS.get("danger_outro_no_articles"))
    assert chat.state is not None and "actions" not in chat.state  # such a message is not kept in the statistics


def test_self_harm_leads_with_the_ambulance(chat: fakes.Recorder) -> None:
    [only] = say(chat, "em muốn chết")
    assert only.buttons[0].payload == "115"


@pytest.mark.parametrize("text", ["đánh giá năng lực nhân viên", "danh thue thu nhap ca nhan", "đánh máy văn bản",
                                  "chồng em hay đánh bài"])
def test_must_not_trigger_gets_no_hotlines(chat: fakes.Recorder, text: str) -> None:
    for message in say(chat, text):
        assert not any(b.type == OPEN_PHONE for b in message.buttons)


# --- honest "I don't know" ----------------------------------------------------------------------------
def test_weak_score_is_an_honest_idk() -> None:
    """A scripted score below the threshold (the threshold itself is calibrated elsewhere)."""
    weak = fakes.sample_library(fixed={"chuyện lạ hôm nay": [("45/2019/QH14:139", 0.4)]})
    dialogue = Dialogue(lambda: weak, min_score=1.0)
    messages, state = dialogue.handle(TextMessage("u", "m", "chuyện lạ hôm nay", "1"), None)
    [idk] = check(messages)
    assert idk.text == TEXTS.get("idk") and "Trợ giúp pháp lý" in idk.text
    assert "Điều 139" not in idk.text
    assert [b.payload for b in idk.buttons][0].startswith("#chude ")
    assert state is not None and state["keys"] == []
    assert state["actions"] == {"question": {"query": "chuyện lạ hôm nay", "keys": [], "found": False}}


def test_no_hits_is_an_honest_idk(chat: fakes.Recorder) -> None:
    [idk] = say(chat, "qwertyuiop")
    assert idk.text == TEXTS.get("idk")
    assert chat.state is not None and chat.state["actions"]["question"]["found"] is False


def test_empty_library_says_so(tmp_path: Path) -> None:
    from bot.knowledge.library import load_library
    from bot.ops.settings import Settings

    empty = load_library(Settings(laws_dir=tmp_path / "laws"))
    messages, _ = Dialogue(lambda: empty).handle(TextMessage("u", "m", "nghỉ thai sản", "1"), None)
    assert messages[0].text == TEXTS.get("library_empty")


# --- a document replaced by officials -----------------------------------------------------------------
DECREE_144 = """CHÍNH PHỦ
-------
Nghị định số: 144/2021/NĐ-CP

NGHỊ ĐỊNH
QUY ĐỊNH XỬ PHẠT VI PHẠM HÀNH CHÍNH TRONG LĨNH VỰC AN NINH, TRẬT TỰ, AN TOÀN XÃ HỘI; PHÒNG, CHỐNG TỆ NẠN XÃ HỘI; \
PHÒNG CHÁY, CHỮA CHÁY; CỨU NẠN, CỨU HỘ; PHÒNG, CHỐNG BẠO LỰC GIA ĐÌNH

(Trích: Chương III, Mục 1)

Điều 52. Hành vi xâm hại sức khỏe thành viên gia đình
1. Phạt tiền từ 5.000.000 đồng đến 10.000.000 đồng đối với hành vi đánh đập gây thương tích cho thành viên gia đình.
2. Phạt tiền từ 10.000.000 đồng đến 20.000.000 đồng đối với một trong những hành vi sau đây:
a) Sử dụng các công cụ, phương tiện hoặc các vật dụng khác gây thương tích cho thành viên gia đình;
b) Không kịp thời đưa nạn nhân đi cấp cứu điều trị trong trường hợp nạn nhân cần được cấp cứu kịp thời hoặc không \
chăm sóc nạn nhân trong thời gian nạn nhân điều trị chấn thương, trừ trường hợp nạn nhân từ chối.
3. Biện pháp khắc phục hậu quả:
Buộc chịu mọi chi phí cho việc khám bệnh, chữa bệnh cho nạn nhân đối với hành vi quy định tại khoản 1 và khoản 2 \
Điều này.
"""
# the corpus holds Nghị định 282/2025/NĐ-CP (../shared/laws/official-text): the note names it in full
REPLACED_NOTE = ("(văn bản này đã hết hiệu lực từ ngày 15/12/2025, được thay thế bởi Nghị định quy định xử phạt vi "
                 "phạm hành chính trong lĩnh vực an ninh, trật tự, an toàn xã hội; phòng, chống tệ nạn xã hội; phòng, "
                 "chống bạo lực gia đình số 282/2025/NĐ-CP)")


@pytest.fixture(scope="module")
def replaced_library(real_laws_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real corpus plus Nghị định 144/2021/NĐ-CP, then marked replaced with the officials' commands."""
    from bot.cli.main import main
    from bot.knowledge.library import load_library
    from bot.ops.settings import Settings

    work = tmp_path_factory.mktemp("replaced")
    laws_dir = work / "laws"
    shutil.copytree(real_laws_dir, laws_dir, symlinks=True)
    source = work / "nd-144-2021.txt"
    source.write_text(DECREE_144, encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LAWS_DIR", str(laws_dir))
        env.delenv("REDIS_URL", raising=False)
        assert main(["laws", "import", str(source)]) == 0
        assert main(["laws", "status", "144/2021/NĐ-CP", "replaced", "--replaced-by", "282/2025/NĐ-CP",
                     "--date", "15/12/2025"]) == 0
    return load_library(Settings(laws_dir=laws_dir))


@pytest.mark.parametrize("text", ["phạt tiền hành vi xâm hại sức khỏe thành viên gia đình",
                                  "điều 52 nghị định 144/2021/NĐ-CP", "#xem 144/2021/NĐ-CP:52"])
def test_answers_citing_a_replaced_document_say_so(replaced_library: Any, text: str) -> None:
    chat = fakes.Recorder(Dialogue(lambda: replaced_library))
    reply = "\n".join(m.text for m in say(chat, text))
    assert "144/2021/NĐ-CP" in reply
    assert REPLACED_NOTE in reply


def test_a_danger_answer_citing_a_replaced_document_says_so(replaced_library: Any) -> None:
    chat = fakes.Recorder(Dialogue(lambda: replaced_library))
    first, *rest = say(chat, "chồng đánh đập gây thương tích cho em")
    assert first.buttons[0].type == OPEN_PHONE
    if "144/2021/NĐ-CP:52" in listed(chat):
        assert REPLACED_NOTE in "\n".join(m.text for m in rest)


# --- citations: looked up, not searched -------------------------------------------------------------------
@pytest.mark.parametrize("text", ["khoản 2 điều 185 bộ luật hình sự", "khoan 2 dieu 185 bo luat hinh su",
                                  "khoan 2 dieu 185 blhs", "Khoản 2 Điều 185 BLHS", "k2 đ185 blhs"])
def test_citation_with_clause(library: Any, text: str) -> None:
    chat = fakes.Recorder(Dialogue(lambda: fakes.FakeLibrary(library.corpus, NoSearch())))
    [reply] = say(chat, text)
    assert reply.text.startswith("Khoản 2 Điều 185 Bộ luật Hình sự số 100/2015/QH13.")
    assert "2. Phạm tội thuộc một trong các trường hợp sau đây" in reply.text
    assert "1. Người nào" not in reply.text
    assert [b.payload for b in reply.buttons] == ["#xem 100/2015/QH13:185"]
    assert chat.state is not None and chat.state["keys"] == ["100/2015/QH13:185"]
    assert chat.state["actions"]["question"]["keys"] == ["100/2015/QH13:185"]


@pytest.mark.parametrize("text, key", [
    ("điều 81 luật hôn nhân", "52/2014/QH13:81"), ("dieu 81 luat hon nhan", "52/2014/QH13:81"),
    ("Điều 81 Luật Hôn nhân và gia đình", "52/2014/QH13:81"), ("Đ139 BLLĐ", MATERNITY), ("d139 blld", MATERNITY),
    ("dieu 139 bo luat lao dong", MATERNITY), ("bộ luật lao động điều 139 nói gì", MATERNITY),
    ("điều 53 luật bhxh", "41/2024/QH15:53"), ("điều 185 blhs", "100/2015/QH13:185"),
])
def test_citation_of_whole_article(library: Any, text: str, key: str) -> None:
    chat = fakes.Recorder(Dialogue(lambda: fakes.FakeLibrary(library.corpus, NoSearch())))
    messages = say(chat, text)
    article = library.corpus.article(key)
    assert messages[0].text.startswith(f"Điều {article.number} ")
    assert article.title in messages[0].text
    assert chat.state is not None and chat.state["keys"] == [key]
    assert chat.state["actions"] == {"question": {"query": "", "keys": [key], "found": True}}  # counted in stats


def test_citation_uses_document_in_context(chat: fakes.Recorder) -> None:
    say(chat, "Đ139 BLLĐ")
    [reply] = say(chat, "điều 137")
    assert reply.text.startswith("Điều 137 Bộ luật Lao động số 45/2019/QH14")


@pytest.mark.parametrize("text,key,fields", [
    ("điều 139", "citation_need_doc", {"article": "139"}),
    ("điều 3 luật cư trú", "citation_doc_missing", {"doc": "68/2020/QH14"}),  # the 2006 law it replaced is in
    ("điều 999 bộ luật lao động", "citation_not_found", {"article": "999", "doc": "Bộ luật Lao động số 45/2019/QH14"}),
])
def test_citation_problems(chat: fakes.Recorder, text: str, key: str, fields: dict[str, Any]) -> None:
    [reply] = say(chat, text)
    assert reply.text == TEXTS.get(key, **fields)


def test_unknown_clause_shows_whole_article(chat: fakes.Recorder) -> None:
    note, full, *_ = say(chat, "khoản 9 điều 81 luật hôn nhân")
    assert "khoản 9" in note.text
    assert full.text.startswith("Điều 81 Luật Hôn nhân")


def test_long_article_is_split_on_clause_boundaries(chat: fakes.Recorder, library: Any) -> None:
    article = library.corpus.article("145/2020/NĐ-CP:8")
    assert len(article.text) > 4 * MAX_TEXT
    messages = say(chat, "#xem 145/2020/NĐ-CP:8")
    assert len(messages) >= 5
    assert messages[0].text.startswith("Điều 8 ")
    starts = [m.text[:3] for m in messages[1:]]
    assert sum(bool(re.match(r"\d+\.|[a-zđ]\)", s)) for s in starts) >= len(starts) // 2
    assert all(not m.buttons for m in messages[:-1])
    joined = " ".join(" ".join(m.text.split()) for m in messages)
    assert all(" ".join(c.text.split())[:60] in joined for c in article.clauses)


# --- short intents and commands -------------------------------------------------------------------------
@pytest.mark.parametrize("text,key", [("chào", "greeting"), ("xin chao ban", "greeting"), ("chào bn", "greeting"),
                                      ("menu", "help"), ("hướng dẫn", "help"), ("huong dan", "help"),
                                      ("#menu", "help")])
def test_greeting_and_help_offer_topics(chat: fakes.Recorder, text: str, key: str) -> None:
    [reply] = say(chat, text)
    assert reply.text == TEXTS.get(key)
    assert len(reply.buttons) == 5 and all(b.payload.startswith("#chude ") for b in reply.buttons)


@pytest.mark.parametrize("text", ["cảm ơn", "cam on", "thanks", "tks", "cam on bn"])
def test_thanks(chat: fakes.Recorder, text: str) -> None:
    [reply] = say(chat, text)
    assert reply.text == TEXTS.get("thanks")


def test_topic_button_lists_example_questions_that_find_articles(chat: fakes.Recorder) -> None:
    [reply] = say(chat, "#chude lao-dong-nu")
    examples = [b.payload for b in reply.buttons]
    assert "Nghỉ thai sản được mấy tháng?" in examples
    [answer] = say(chat, "Nghỉ thai sản được mấy tháng?")
    assert answer.text.startswith(TEXTS.get("list_header"))


@pytest.mark.parametrize("text,action", [
    ("đăng ký", {"subscribe": {"topics": []}}),
    ("dang ky", {"subscribe": {"topics": []}}),
    ("#dangky", {"subscribe": {"topics": []}}),
    ("dang ky lao dong nu", {"subscribe": {"topics": ["lao-dong-nu"]}}),
    ("đăng ký nhận tin về trẻ em và hình sự", {"subscribe": {"topics": ["tre-em", "hinh-su"]}}),
    ("hủy đăng ký", {"unsubscribe": {"topics": []}}),
    ("huy dang ky", {"unsubscribe": {"topics": []}}),
    ("#huydangky", {"unsubscribe": {"topics": []}}),
])
def test_subscription_is_confirmed_and_leaves_an_action(chat: fakes.Recorder, text: str,
                                                        action: dict[str, Any]) -> None:
    [reply] = say(chat, text)
    assert chat.state is not None and chat.state["actions"] == action
    assert "đăng ký" in reply.text
    say(chat, "cảm ơn")
    assert chat.state is not None and "actions" not in chat.state


def test_register_marriage_is_a_question_not_a_subscription(chat: fakes.Recorder) -> None:
    say(chat, "đăng ký kết hôn cần giấy tờ gì")
    assert chat.state is not None and list(chat.state["actions"]) == ["question"]
    assert any(k.startswith(("52/2014/QH13:", "60/2014/QH13:", "123/2015/NĐ-CP:")) for k in listed(chat))


@pytest.mark.parametrize("text,key", [("1", "no_list"), ("xem thêm", "no_list"), ("", "empty")])
def test_commands_without_a_list(chat: fakes.Recorder, text: str, key: str) -> None:
    [reply] = say(chat, text)
    assert reply.text == TEXTS.get(key)


def test_number_out_of_range(chat: fakes.Recorder) -> None:
    say(chat, "nghỉ thai sản được mấy tháng")
    [reply] = say(chat, "7")
    assert reply.text == TEXTS.get("select_out_of_range", count=3)


def test_deterministic(library: Any) -> None:
    def run() -> list[Any]:
        rec = fakes.Recorder(Dialogue(lambda: library))
        for text in ("nghỉ thai sản được mấy tháng", "2", "xem thêm", "ck danh em", "điều 81 luật hôn nhân"):
            rec.text(text)
        return [rec.sent, rec.state]
    assert run() == run()
