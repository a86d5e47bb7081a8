"""The dialogue keeps her place: everyday follow-ups, paging, picking, stopping updates, English, phone numbers,
links, insults and chit-chat, written the way women type them (issue 12 item 6), against the real library.

EVERYDAY was written before the behaviour was built (5 of its 124 rows behaved right then), LATER after it (34 of 51
on its first run), FRESH later still, blind to the intents (86 of 93); `scripts/everyday_talk.py [--later | --fresh]`
prints how many rows behave right on the current code."""
from __future__ import annotations

from typing import Any, Callable

import pytest

import tests.dialogue_fakes as fakes
from bot.conversation.dialogue import Dialogue
from bot.ops.datafiles import Texts
from bot.zalo.events import TextMessage
from bot.zalo.messages import MAX_BUTTONS, MAX_TEXT, OPEN_PHONE, OutMessage

TEXTS = Texts.load()
QUESTION = "nghỉ thai sản được mấy tháng"
FAILED = "giá vàng hôm nay bao nhiêu"  # a question no article answers: the list before it must survive
SHORT_REPLY = 700  # a kind short reply, not the 648-character apology plus a list

# Contexts: none (a first message); list (she got the 3 first results of QUESTION); lost (list, then a question
# that found nothing); subscriber (subscribed to updates, then list); subscribed_now (just sent "đăng ký").
# Behaviours: more (the next page of her list); select N (item N of her list in full; "select last": the last item
# she was shown); range (a short note of the valid numbers, no search); unsubscribe (or "you are not subscribed");
# english (a short Vietnamese note, then the best attempt); kind (one short kind reply, nothing searched or stored);
# chat (no article list, no apology, nothing searched); danger (hotlines).
EVERYDAY: list[tuple[str, str, str]] = [
    # paging
    ("thêm nữa", "lost", "more"),
    ("them nua", "lost", "more"),
    ("xem tiếp đi", "lost", "more"),
    ("xem tiep di", "lost", "more"),
    ("còn nữa không", "lost", "more"),
    ("con nua ko", "lost", "more"),
    ("tiếp đi", "list", "more"),
    ("tiep di ad", "lost", "more"),
    ("xem thêm đi ạ", "lost", "more"),
    ("cho xem thêm", "lost", "more"),
    ("còn điều nào khác không", "lost", "more"),
    ("xem them cac dieu khac", "list", "more"),
    ("tiếp theo đi", "lost", "more"),
    ("còn gì nữa không", "list", "more"),
    ("next", "lost", "more"),
    ("thêm", "lost", "more"),
    ("cho e xem them vs", "list", "more"),
    ("xem tiếp các điều khác", "lost", "more"),
    # picking an item
    ("cái thứ 2", "lost", "select 2"),
    ("cai thu 2", "lost", "select 2"),
    ("hai", "lost", "select 2"),
    ("bài 2", "lost", "select 2"),
    ("bai 2", "list", "select 2"),
    ("thứ hai", "lost", "select 2"),
    ("số 2", "lost", "select 2"),
    ("xem cái 3", "lost", "select 3"),
    ("xem cai 3", "list", "select 3"),
    ("mở số 1", "lost", "select 1"),
    ("cho xem điều thứ 3", "lost", "select 3"),
    ("cái đầu tiên", "lost", "select 1"),
    ("cai dau tien", "list", "select 1"),
    ("số 1 ạ", "lost", "select 1"),
    ("2 ạ", "lost", "select 2"),
    ("xem bài số 3", "lost", "select 3"),
    ("ba", "lost", "select 3"),
    ("thứ 3", "lost", "select 3"),
    ("cái 2", "lost", "select 2"),
    ("đọc số 2", "lost", "select 2"),
    ("xem cái thứ hai", "lost", "select 2"),
    ("2", "lost", "select 2"),
    ("xem so 1 di", "lost", "select 1"),
    ("cho em xem cái số 3 với", "lost", "select 3"),
    # numbers that are not items
    ("0", "list", "range"),
    ("-1", "list", "range"),
    ("số 0", "lost", "range"),
    ("7", "lost", "range"),
    ("-2", "list", "range"),
    ("99", "list", "range"),
    ("cái thứ 5", "list", "range"),
    # stopping updates
    ("hủy", "subscriber", "unsubscribe"),
    ("huy", "subscriber", "unsubscribe"),
    ("dừng", "subscriber", "unsubscribe"),
    ("stop", "subscriber", "unsubscribe"),
    ("STOP", "subscribed_now", "unsubscribe"),
    ("hủy", "subscribed_now", "unsubscribe"),
    ("dừng lại", "subscribed_now", "unsubscribe"),
    ("hủy nhận tin", "none", "unsubscribe"),
    ("huy nhan tin", "list", "unsubscribe"),
    ("không nhận tin nữa", "none", "unsubscribe"),
    ("ko nhan tin nua", "subscriber", "unsubscribe"),
    ("thôi đừng gửi nữa", "subscriber", "unsubscribe"),
    ("thoi dung gui nua", "subscriber", "unsubscribe"),
    ("đừng gửi tin nữa", "none", "unsubscribe"),
    ("dừng nhận tin", "none", "unsubscribe"),
    ("hủy theo dõi tin", "subscriber", "unsubscribe"),
    ("ngừng gửi tin", "subscriber", "unsubscribe"),
    ("không muốn nhận tin nữa", "none", "unsubscribe"),
    ("hủy nhận thông báo", "none", "unsubscribe"),
    ("tôi không muốn nhận tin nhắn nữa", "subscriber", "unsubscribe"),
    ("hủy", "none", "chat"),
    ("dừng", "list", "chat"),
    # English or mixed
    ("hello, how long is maternity leave?", "none", "english"),
    ("can my husband take my child after divorce", "none", "english"),
    ("maternity leave bao nhiêu tháng", "none", "english"),
    ("How to get divorce", "none", "english"),
    ("I need help with my divorce", "none", "english"),
    ("what are women's rights at work", "none", "english"),
    ("my husband beats me", "none", "danger"),
    # a phone number, a link, an insult, asking for a person
    ("0912345678", "none", "kind"),
    ("0912 345 678", "list", "kind"),
    ("sdt cua em 0987654321 goi lai cho em", "none", "kind"),
    ("gọi cho tôi số 0912345678", "none", "kind"),
    ("+84 912 345 678", "none", "kind"),
    ("https://facebook.com/abc", "none", "kind"),
    ("www.youtube.com/watch?v=123", "list", "kind"),
    ("xem giúp link này zalo.me/g/abcdef", "none", "kind"),
    ("bot ngu quá", "none", "kind"),
    ("bot ngu qua", "list", "kind"),
    ("vô dụng", "none", "kind"),
    ("đồ ngu", "none", "kind"),
    ("bot gì mà ngu thế", "lost", "kind"),
    ("trả lời như cc", "none", "kind"),
    ("cho tôi nói chuyện với người thật", "none", "kind"),
    ("có ai không", "none", "kind"),
    ("co ai o do khong", "none", "kind"),
    ("chán quá hỏi mãi không được", "lost", "kind"),
    # chit-chat
    ("sao nữa", "list", "chat"),
    ("sao nua", "none", "chat"),
    ("ok", "list", "chat"),
    ("oki", "none", "chat"),
    ("hihi", "list", "chat"),
    ("hehe", "none", "chat"),
    ("haha", "none", "chat"),
    ("uk", "list", "chat"),
    ("ừm", "none", "chat"),
    ("vậy à", "list", "chat"),
    ("thật à", "list", "chat"),
    ("thứ hai", "none", "chat"),
    ("bạn là ai", "none", "chat"),
    ("bot à", "none", "chat"),
    (":)", "list", "chat"),
    ("ok cảm ơn nhé", "list", "chat"),
    ("thôi cảm ơn nhé", "list", "chat"),
    ("dạ vâng ạ", "list", "chat"),
    ("à ra vậy", "list", "chat"),
    ("hiểu rồi cảm ơn ad", "list", "chat"),
    ("ko sao", "none", "chat"),
    ("ờ", "none", "chat"),
    ("hả", "list", "chat"),
    ("sao", "list", "chat"),
    ("rồi sao nữa", "list", "chat"),
    ("ủa", "none", "chat"),
    ("hay quá", "list", "chat"),
    ("tuyệt vời", "none", "chat"),
    ("chúc ngủ ngon", "none", "chat"),
]

# Written after the tuning above and run once untouched (34 of 51 right) to see how the rules carry to new wording;
# the generic rules added then (words asking for more, messages of small-talk words only) fixed the rest.
LATER: list[tuple[str, str, str]] = [
    ("cho xem tiếp với ạ", "lost", "more"),
    ("còn điều luật nào nữa không", "lost", "more"),
    ("xem thêm mấy điều nữa", "lost", "more"),
    ("tiep tuc", "list", "more"),
    ("thêm đi", "lost", "more"),
    ("xem nốt", "lost", "more"),
    ("cái số 1", "lost", "select 1"),
    ("mở cái thứ ba", "lost", "select 3"),
    ("đọc điều thứ hai", "lost", "select 2"),
    ("xem 3 đi", "lost", "select 3"),
    ("so 2", "lost", "select 2"),
    ("bai so 1", "lost", "select 1"),
    ("cái thứ nhất", "lost", "select 1"),
    ("em chọn 2", "lost", "select 2"),
    ("xem chi tiết số 2", "lost", "select 2"),
    ("số 3 ạ", "lost", "select 3"),
    ("-3", "list", "range"),
    ("số 10", "list", "range"),
    ("xem cái thứ 8", "list", "range"),
    ("00", "list", "range"),
    ("hủy đi", "subscriber", "unsubscribe"),
    ("stop nhé", "subscriber", "unsubscribe"),
    ("dừng gửi tin nhắn", "none", "unsubscribe"),
    ("đừng nhắn tin cho tôi nữa", "none", "unsubscribe"),
    ("ko muốn nhận thông báo nữa", "none", "unsubscribe"),
    ("huỷ đăng kí", "none", "unsubscribe"),
    ("tắt thông báo đi", "none", "unsubscribe"),
    ("thôi không nhận nữa", "subscriber", "unsubscribe"),
    ("hi, can I get maternity benefits?", "none", "english"),
    ("my wife is pregnant, how many days leave for me", "none", "english"),
    ("divorce", "none", "english"),
    ("help me please", "none", "english"),
    ("Thank you so much", "list", "chat"),
    ("facebook.com/hoilhpn", "none", "kind"),
    ("sđt hội phụ nữ là bao nhiêu", "none", "kind"),
    ("0987.654.321", "list", "kind"),
    ("bot dở ẹc", "none", "kind"),
    ("toàn trả lời linh tinh", "lost", "kind"),
    ("hỏi không được gì cả", "none", "kind"),
    ("mày là đồ vô dụng", "none", "kind"),
    ("cho gặp luật sư", "none", "kind"),
    ("hihihi", "list", "chat"),
    ("😊😊", "list", "chat"),
    ("à vâng", "list", "chat"),
    ("vậy hả", "list", "chat"),
    ("ok bạn", "none", "chat"),
    ("hay đấy", "list", "chat"),
    ("thôi được rồi", "list", "chat"),
    ("không cần nữa", "list", "chat"),
    ("để em xem đã", "list", "chat"),
    ("em cảm ơn ạ", "list", "chat"),
]

# Written on 2026-11-30 before reading bot/data/intents.tsv or the rows of EVERYDAY and LATER (only the module
# docstring, the contexts and behaviours above and `behaves` were read, and the first ten rows of EVERYDAY and last
# eight of LATER glimpsed in passing), the way women type on a phone.
# Its first run, untouched (86 of 93 right): more 9/12, select 18/20, range 7/7, unsubscribe 12/14, english 8/8,
# kind 9/9, chat 18/18, danger 5/5. Wrong then: paging with "giúp" or "trang" in it or a tone left out ("xem tiêp"),
# "the last one" (written "select 3" then; the question leads with an answer card, so she sees 2 and the last is 2),
# and stopping as "thôi ko đăng ký nữa" or "bỏ theo dõi". The generic rules added then (tone-less words, "cuối",
# polite "giúp/giùm/hộ", "trang", more ways to stop following) fixed them all.
FRESH: list[tuple[str, str, str]] = [
    # paging
    ("tiếp theo", "list", "more"),
    ("tiep theo di a", "lost", "more"),
    ("cho e xem them vs", "list", "more"),
    ("còn gì nữa k ad", "list", "more"),
    ("xem tiếp giúp em với ạ", "lost", "more"),
    ("con nua khong a", "subscriber", "more"),
    ("trang sau", "list", "more"),
    ("xem trang tiep", "lost", "more"),
    ("thêm mấy điều nữa đi", "list", "more"),
    ("cho em xem các điều khác nữa ạ", "list", "more"),
    ("con nua hok", "lost", "more"),
    ("xem tiêp", "list", "more"),
    # picking an item
    ("1", "list", "select 1"),
    ("số 2 ạ", "list", "select 2"),
    ("so 3", "lost", "select 3"),
    ("cái đầu tiên", "list", "select 1"),
    ("cai dau tien a", "lost", "select 1"),
    ("thứ nhất", "list", "select 1"),
    ("thu hai", "list", "select 2"),
    ("cái thứ 3", "list", "select 3"),
    ("cái cuối", "list", "select last"),
    ("cai cuoi cung", "lost", "select last"),
    ("em chọn 2", "list", "select 2"),
    ("chon so 1 nhe", "lost", "select 1"),
    ("một", "list", "select 1"),
    ("hai ạ", "list", "select 2"),
    ("2.", "list", "select 2"),
    ("số 1 ạ", "subscriber", "select 1"),
    ("xem so 2 vs ad", "list", "select 2"),
    ("cho e xem cái thứ nhất", "list", "select 1"),
    ("mục 2", "list", "select 2"),
    ("2 a", "list", "select 2"),
    # numbers outside her list
    ("5", "list", "range"),
    ("số 0", "list", "range"),
    ("-2", "lost", "range"),
    ("cái thứ 10", "list", "range"),
    ("so 4 a", "list", "range"),
    ("số 9 ạ", "lost", "range"),
    ("cai thu 5", "subscriber", "range"),
    # stopping updates, as a subscriber and as anyone else
    ("hủy nhận tin", "subscriber", "unsubscribe"),
    ("huy nhan tin", "subscriber", "unsubscribe"),
    ("không nhận tin nữa", "subscriber", "unsubscribe"),
    ("em ko muốn nhận tin nữa ạ", "subscriber", "unsubscribe"),
    ("dừng gửi tin", "subscriber", "unsubscribe"),
    ("đừng gửi tin cho em nữa", "subscriber", "unsubscribe"),
    ("thôi ko đăng ký nữa", "subscriber", "unsubscribe"),
    ("hủy đăng ký", "subscribed_now", "unsubscribe"),
    ("huy dang ky", "subscriber", "unsubscribe"),
    ("stop", "subscribed_now", "unsubscribe"),
    ("bỏ theo dõi", "subscriber", "unsubscribe"),
    ("hủy nhận tin", "list", "unsubscribe"),
    ("ko nhan tin nua", "none", "unsubscribe"),
    ("hủy đăng ký nhận tin ạ", "none", "unsubscribe"),
    # English or mostly English
    ("how many months of maternity leave", "none", "english"),
    ("divorce procedure", "none", "english"),
    ("how to get a divorce in vietnam", "none", "english"),
    ("can I get child custody after divorce", "none", "english"),
    ("inheritance rights of daughters", "none", "english"),
    ("my boss did not pay my salary", "list", "english"),
    ("how to register marriage", "none", "english"),
    ("help me pls, maternity leave how long ạ", "none", "english"),
    # a phone number, a link, an insult
    ("0978 123 456", "none", "kind"),
    ("sdt e la 0912.345.678 ad goi lai cho e nhe", "list", "kind"),
    ("+84912345678", "none", "kind"),
    ("https://www.facebook.com/share/p/abc123", "none", "kind"),
    ("ad xem giup e link nay vs https://tiktok.com/@abc/video/123", "list", "kind"),
    ("bot ngu vl", "list", "kind"),
    ("đồ vô dụng", "none", "kind"),
    ("đm trả lời linh tinh", "lost", "kind"),
    ("bot gì mà ngu thế", "none", "kind"),
    # chit-chat
    ("chào ad", "none", "chat"),
    ("alo", "none", "chat"),
    ("em chào chị ạ", "list", "chat"),
    ("cảm ơn ad nhiều ạ", "list", "chat"),
    ("tks", "list", "chat"),
    ("camon nhe", "lost", "chat"),
    ("oki", "list", "chat"),
    ("dạ vâng", "list", "chat"),
    ("👍", "list", "chat"),
    ("❤️❤️", "none", "chat"),
    ("bạn là ai", "none", "chat"),
    ("ban la ai vay", "list", "chat"),
    ("ad là người hay máy vậy", "none", "chat"),
    ("có ai ở đó không", "none", "chat"),
    ("hihi", "list", "chat"),
    ("thank you", "list", "chat"),
    ("em hiểu rồi ạ", "list", "chat"),
    ("ok", "subscribed_now", "chat"),
    # danger
    ("chồng em say rượu về đánh em", "none", "danger"),
    ("em ko muon song nua", "list", "danger"),
    ("con gai e bi hang xom xam hai", "none", "danger"),
    ("no doa giet e", "lost", "danger"),
    ("em muốn tự tử", "none", "danger"),
]

# Found on 2026-11-30 by trying the chat as a user would: asking for the full text without a number ("xem toàn văn",
# "xem chi tiết"), for the list again, for an explanation, or saying the buttons do not work got the long apology or
# articles that merely share a word ("khó hiểu quá": the Civil Code's article on interpreting contracts).
# Behaviours: read (the only article she was shown in full, else which number, from 1 to what she was shown; with no
# list, how to get one); back (her list again from item 1, nothing searched). Announcing a question ("cho em hỏi") or
# asking what is new in the law got articles too: now a short reply (kind).
ABOUT_ANSWERS: list[tuple[str, str, str]] = [
    ("xem toàn văn", "list", "read"),
    ("xem toàn văn", "none", "read"),
    ("xem chi tiết", "lost", "read"),
    ("xem chi tiet", "list", "read"),
    ("chi tiết", "list", "read"),
    ("cho em xem chi tiết với", "list", "read"),
    ("xem đầy đủ", "list", "read"),
    ("đọc toàn văn", "subscriber", "read"),
    ("xem nội dung điều luật", "list", "read"),
    ("coi chi tiết ad ơi", "lost", "read"),
    ("xem full", "list", "read"),
    ("mở ra xem", "list", "read"),
    ("xem lại danh sách", "list", "back"),
    ("quay lại", "lost", "back"),
    ("xem lai", "list", "back"),
    ("danh sách lúc nãy", "list", "back"),
    ("gửi lại giúp em", "list", "back"),
    ("em chưa hiểu", "list", "kind"),
    ("khó hiểu quá", "list", "kind"),
    ("ko hieu", "list", "kind"),
    ("nói rõ hơn được không", "list", "kind"),
    ("giải thích giùm em", "lost", "kind"),
    ("vậy là sao ạ", "list", "kind"),
    ("tóm tắt giúp em", "none", "kind"),
    ("bấm không được", "list", "kind"),
    ("nut khong bam duoc", "list", "kind"),
    ("hội phụ nữ ở đâu", "none", "kind"),
    ("cho em hỏi", "list", "kind"),
    ("em hỏi cái khác nhé", "lost", "kind"),
    ("hoi them duoc ko e", "list", "kind"),
    ("có luật gì mới không", "none", "kind"),
]


def _chat(library: Any, context: str) -> tuple[fakes.Recorder, list[str], int]:
    """A conversation brought to the context, the keys of her list (if any) and how many of them she was shown."""
    subscribed: Callable[[str], Any] = (lambda user_id: ()) if context == "subscriber" else (lambda user_id: None)
    chat = fakes.Recorder(Dialogue(lambda: library, subscribed=subscribed))
    keys: list[str] = []
    shown = 0
    if context in ("list", "lost", "subscriber"):
        chat.text(QUESTION)
        keys = list((chat.state or {}).get("keys") or [])
        shown = int((chat.state or {}).get("offset", 0))
    if context == "lost":
        chat.text(FAILED)
        assert not answered(chat), "the failing question found something: pick another"
    if context == "subscribed_now":
        chat.dialogue.subscribed = lambda user_id: ()  # the caller stored the subscription
        chat.text("đăng ký")
    return chat, keys, shown


def answered(chat: fakes.Recorder) -> bool:
    """Whether the last message was answered with articles (False: declined, or nothing found)."""
    return bool(((chat.state or {}).get("actions") or {}).get("question", {}).get("found", True))


def _texts(messages: list[OutMessage]) -> str:
    return "\n".join(m.text for m in messages)


def behaves(library: Any, text: str, context: str, expected: str) -> tuple[bool, str]:
    """Whether the dialogue does what the row expects; a short reason when not."""
    chat, keys, shown = _chat(library, context)
    messages = chat.text(text)
    state = chat.state or {}
    actions = state.get("actions") or {}
    joined = _texts(messages)
    for m in messages:
        if not 0 < len(m.text) <= MAX_TEXT or len(m.buttons) > MAX_BUTTONS:
            return False, "breaks Zalo's limits"
    listed = TEXTS.get("list_header") in joined
    apology = TEXTS.get("idk") in joined
    if expected == "more":
        ok = joined.startswith(TEXTS.get("list_header_more")) and state.get("keys") == keys and keys
        return bool(ok), "" if ok else f"not the next page: {joined[:80]!r}"
    if expected == "select last":
        expected = f"select {shown}"  # "cái cuối": the last article she was shown, however many that was
    if expected.startswith("select") and int(expected.split()[1]) > shown:
        expected = "range"  # an answer card led with fewer articles than the list of three: item 3 is past it
    if expected == "read" and shown == 1:
        expected = "select 1"
    if expected.startswith("select"):
        n = int(expected.split()[1])
        article = library.corpus.article(keys[n - 1])
        ok = joined.startswith(f"Điều {article.number} ") and article.title in messages[0].text
        return ok, "" if ok else f"not item {n}: {joined[:80]!r}"
    if expected == "read":
        ok = (len(messages) == 1 and "question" not in actions and state.get("keys", []) == keys
              and (f"1 đến {shown}" in joined if shown else joined == TEXTS.get("no_list")))
        return ok, "" if ok else f"not which article: {joined[:80]!r}"
    if expected == "back":
        first = library.corpus.article(keys[0])
        ok = (joined.startswith(TEXTS.get("list_header")) and f"Điều {first.number} " in joined.split("\n\n")[1]
              and "question" not in actions and state.get("keys") == keys)
        return ok, "" if ok else f"not her list again: {joined[:80]!r}"
    if expected == "range":
        ok = (len(messages) == 1 and f"1 đến {shown}" in joined and "question" not in actions
              and state.get("keys") == keys)
        return ok, "" if ok else f"not a range note: {joined[:80]!r}"
    if expected == "unsubscribe":
        # someone who never subscribed is told so (nothing to stop): the request was understood
        ok = ("unsubscribe" in actions or joined == TEXTS.get("not_subscribed")) and not listed
        return ok, "" if ok else f"not unsubscribed: {joined[:80]!r}"
    if expected == "english":
        ok = joined.startswith(TEXTS.get("english_note")) if "english_note" in TEXTS else False
        ok = ok and "question" in actions and not apology
        return ok, "" if ok else f"no Vietnamese note: {joined[:80]!r}"
    if expected == "kind":
        ok = (len(messages) == 1 and len(joined) <= SHORT_REPLY and not listed and not apology
              and "question" not in actions and state.get("keys", []) == keys)
        return ok, "" if ok else f"not a short kind reply: {joined[:80]!r}"
    if expected == "chat":
        ok = (not listed and not apology and "question" not in actions and len(joined) <= SHORT_REPLY
              and state.get("keys", []) == keys)
        return ok, "" if ok else f"not chit-chat: {joined[:80]!r}"
    if expected == "danger":
        ok = bool(messages) and any(b.type == OPEN_PHONE for b in messages[0].buttons)
        return ok, "" if ok else f"no hotlines: {joined[:80]!r}"
    raise ValueError(expected)


@pytest.mark.parametrize("text, context, expected", EVERYDAY + LATER + FRESH + ABOUT_ANSWERS)
def test_everyday_message(real_library: Any, text: str, context: str, expected: str) -> None:
    ok, reason = behaves(real_library, text, context, expected)
    assert ok, reason


def test_the_table_is_large_and_varied() -> None:
    assert len(EVERYDAY) >= 60
    kinds = {expected.split()[0] for _, _, expected in EVERYDAY}
    assert kinds == {"more", "select", "range", "unsubscribe", "english", "kind", "chat", "danger"}


def test_her_place_survives_questions_that_find_nothing(real_library: Any) -> None:
    chat = fakes.Recorder(Dialogue(lambda: real_library))
    chat.text(QUESTION)
    keys = list(chat.state["keys"])  # type: ignore[index]
    chat.text(FAILED)
    assert not answered(chat)
    [full, *_] = chat.text("2")
    assert full.text.startswith(f"Điều {keys[1].split(':')[1]} ")
    [page] = chat.text("xem tiếp đi")
    assert page.text.startswith(TEXTS.get("list_header_more")) and "\n4. " in page.text
    chat.text("thời tiết hôm nay thế nào")
    assert not answered(chat)
    [full, *_] = chat.text("cái thứ 4")
    assert full.text.startswith(f"Điều {keys[3].split(':')[1]} ")
    assert chat.state is not None and chat.state["keys"] == keys and chat.state["offset"] == 6


def test_a_question_that_finds_nothing_is_still_counted_unanswered(real_library: Any) -> None:
    chat = fakes.Recorder(Dialogue(lambda: real_library))
    chat.text(QUESTION)
    chat.text(FAILED)
    assert chat.state is not None and chat.state["actions"]["question"]["found"] is False
    assert chat.state["actions"]["question"]["keys"] == []


@pytest.mark.parametrize("text", ["0", "-1", "7"])
def test_numbers_outside_her_list_say_the_range(real_library: Any, text: str) -> None:
    chat = fakes.Recorder(Dialogue(lambda: real_library))
    chat.text(QUESTION)
    assert [m.text for m in chat.text(text)] == [TEXTS.get("select_out_of_range", count=3)]


@pytest.mark.parametrize("text", ["0", "-1", "thứ hai"])
def test_numbers_without_a_list_are_no_question(real_library: Any, text: str) -> None:
    chat = fakes.Recorder(Dialogue(lambda: real_library))
    assert [m.text for m in chat.text(text)] == [TEXTS.get("no_list")]
    assert chat.state is not None and "actions" not in chat.state


def test_small_talk_reminds_her_of_her_list_only_when_she_has_one(real_library: Any) -> None:
    chat = fakes.Recorder(Dialogue(lambda: real_library))
    assert [m.text for m in chat.text("sao nữa")] == [TEXTS.get("chat")]
    chat.text(QUESTION)
    assert [m.text for m in chat.text("sao nữa")] == [TEXTS.get("chat_with_list")]


@pytest.mark.parametrize("text", ["0912345678", "sdt cua em 0987654321 goi lai cho em",
                                  "chồng không cho ly hôn thì làm sao, sđt em 0912 345 678"])
def test_a_phone_number_is_never_kept(real_library: Any, text: str) -> None:
    chat = fakes.Recorder(Dialogue(lambda: real_library))
    messages = chat.text(text)
    kept = repr(chat.state)
    assert "0912" not in kept and "0987" not in kept and "345" not in kept
    first = messages[0].text
    assert first in (TEXTS.get("phone_note"), TEXTS.get("kind_phone", reach=TEXTS.get("reach_people")))


def test_english_that_finds_nothing_gets_the_note_alone(real_library: Any) -> None:
    chat = fakes.Recorder(Dialogue(lambda: real_library))
    [note] = chat.text("what is the weather like today")
    assert note.text == TEXTS.get("english_note") and note.buttons
    assert chat.state is not None and chat.state["actions"]["question"]["found"] is False


@pytest.mark.parametrize("text", ["hủy", "dừng", "stop", "huy"])
def test_bare_stop_unsubscribes_a_subscriber_and_asks_anyone_else(text: str) -> None:
    subscriber = Dialogue(lambda: None, subscribed=lambda user_id: ("tre-em",))
    messages, state = subscriber.handle(TextMessage("u1", "m1", text, "1700000000000"), {"keys": ["a:1"]})
    assert [m.text for m in messages] == [TEXTS.get("unsubscribe_all")]
    assert state is not None and state["actions"] == {"unsubscribe": {"topics": []}} and state["keys"] == ["a:1"]
    stranger = Dialogue(lambda: None, subscribed=lambda user_id: None)
    messages, state = stranger.handle(TextMessage("u2", "m2", text, "1700000000000"), None)
    assert [m.text for m in messages] == [TEXTS.get("halt_unknown")]
    assert state is not None and "actions" not in state


def test_asking_for_the_full_text_when_one_article_was_shown_opens_it(real_library: Any) -> None:
    chat = fakes.Recorder(Dialogue(lambda: real_library))
    chat.text("điều 139 bộ luật lao động")
    assert (chat.state or {}).get("keys") == ["45/2019/QH14:139"] and (chat.state or {}).get("offset") == 1
    messages = chat.text("xem chi tiết")
    assert messages[0].text.startswith("Điều 139 Bộ luật Lao động") and "Nghỉ thai sản" in messages[0].text
