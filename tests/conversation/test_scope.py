"""The decision per message (bot/conversation/scope.py): subjects the library lacks are declined by name, in-library
questions that share their words are not, and the decline says where to ask."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.conversation.answering import Answerer
from bot.conversation.dialogue import Dialogue
from bot.conversation.scope import PerLibrary, Scope, main_question
from bot.knowledge.coverage import Coverage
from bot.knowledge.search.text import fold
from bot.ops.datafiles import Texts
from bot.zalo.events import TextMessage
from bot.zalo.messages import MAX_TEXT

TEXTS = Texts.load()
SCOPE = Scope()


def reply(library: Any, text: str) -> tuple[list[Any], dict[str, Any]]:
    """The bot's replies and new state for one message."""
    messages, state = Dialogue(lambda: library).handle(TextMessage("u", "m", text, "1"), None)
    return messages, state or {}


@pytest.mark.parametrize("text, subject", [
    ("Thủ tục làm sổ đỏ lần đầu cần giấy tờ gì", "dat-dai"),
    ("tòa chia đất lúc ly hôn rồi, giờ làm thủ tục sang tên sổ đỏ ở đâu", "dat-dai"),
    ("bằng lái xe máy hết hạn thì đổi ở đâu", "giao-thong"),
    ("vượt đèn đỏ bị phạt bao nhiêu", "giao-thong"),
    ("tiền thai sản có bị tính thuế thu nhập cá nhân không", "thue"),
    ("làm hộ chiếu cho con 5 tuổi cần gì", "giay-to"),
    ("con trai bao nhiêu tuổi thì phải đi nghĩa vụ quân sự", "nghia-vu-quan-su"),
    ("xin số điện thoại ủy ban xã", "lien-he-co-quan"),
])
def test_a_subject_the_library_lacks_is_declined_by_name(real_library: Any, text: str, subject: str) -> None:
    for variant in (text, fold(text)):
        found = Answerer().answer(real_library, variant)
        assert not found.answered and found.subject == subject, variant


@pytest.mark.parametrize("text", [
    "đất mua sau khi cưới mà sổ đỏ chỉ đứng tên chồng thì có phải của chung không",  # spouses' property
    "nhà riêng của chồng cho thuê, tiền thuê nhà sau khi cưới là của chung hay của riêng",  # thuê, not thuế
    "tự viết di chúc tay không đi công chứng thì có được công nhận không",  # wills
    "thầy giáo sờ mó học sinh lớp 5 thì bị xử lý thế nào",  # sexual abuse of a child
    "nghỉ đẻ được mấy tháng",
])
def test_in_library_questions_sharing_those_words_are_not_declined_for_a_subject(real_library: Any,
                                                                                 text: str) -> None:
    for variant in (text, fold(text)):
        assert Answerer().answer(real_library, variant).subject == "", variant


@pytest.mark.parametrize("text, subject", [
    # the wider vocabulary of each subject: the words people use, not the statute's
    ("xã đo lại đất nhà em, muốn xin cấp sổ thì cán bộ địa chính bảo phải nộp gì", "dat-dai"),
    ("đi xe không có bằng lái bị giam xe mấy ngày", "giao-thong"),
    ("năm nay con em 18 tuổi, bao giờ xã gọi khám tuyển", "nghia-vu-quan-su"),
    ("đầu năm trường thu quỹ hội phụ huynh 500 nghìn có đúng không", "giao-duc"),
    ("công ty cấp nước cắt nước nhà em không báo trước", "phi-gia"),
    ("tiệm cầm đồ giữ xe của em quá hạn có được bán không", "kinh-doanh"),
    ("đi làm spa tiêm filler bị hỏng mặt thì kiện ai", "y-te"),
    ("xưởng gỗ gần nhà bụi bẩn, xả khói suốt ngày", "moi-truong"),
    ("lợn nhà em bị dịch tả lợn châu phi có được hỗ trợ tiêu hủy không", "nong-nghiep"),
    ("mua trên shopee hàng lỗi mà shop không cho đổi trả hàng", "bao-ve-nguoi-tieu-dung"),
    ("chồng em đang bị tạm giam, muốn thăm gặp thì làm thủ tục gì", "to-tung-hinh-su"),
    ("em là giáo viên hợp đồng, bao giờ được thi viên chức", "cong-chuc"),
    ("quán karaoke có phải có giấy phép pccc không", "phong-chay"),
    ("bị lộ thông tin cá nhân, người lạ gọi điện suốt thì báo đâu", "an-ninh-mang"),
    ("sim điện thoại của em bị khóa 2 chiều vì chưa chuẩn hóa", "vien-thong"),
])
def test_the_everyday_words_of_a_missing_subject_decline_it(real_library: Any, text: str, subject: str) -> None:
    for variant in (text, fold(text)):
        found = Answerer().answer(real_library, variant)
        assert not found.answered and found.subject == subject, variant


@pytest.mark.parametrize("text", [
    "bị chồng đánh muốn đến nhà tạm lánh thì liên hệ ở đâu",  # a shelter, not "nhà tạm" (housing)
    "chồng tự ý bán đất không hỏi ý kiến vợ có được không",  # "ban dat" is bán đất, not bán đắt (prices)
    "trong trường hợp nào thì con được giao cho mẹ nuôi",  # "trường hợp" is not a school
    "chồng đập phá đồ đạc trong nhà, đốt cả xe máy của em",  # đập phá đồ, not phá dỡ (construction)
    "chồng em theo đạo khác có được ép em bỏ đạo không",  # spouses' freedom of religion (marriage law)
])
def test_the_wider_vocabulary_spares_in_library_questions(real_library: Any, text: str) -> None:
    for variant in (text, fold(text)):
        assert Answerer().answer(real_library, variant).answered, variant


def test_a_generic_report_to_whom_is_not_a_subject_the_library_covers(real_library: Any) -> None:
    """"báo ai" maps to the lexicon's "tin báo, tố giác" (idk.json not_anchors): alone it anchors nothing."""
    assert not SCOPE.anchored(real_library, "tiền điện tháng này tăng gấp đôi thì báo ai")
    assert SCOPE.anchored(real_library, "bị chồng đánh thì báo ai")


def test_typed_without_diacritics_a_word_the_library_spells_otherwise_is_not_decisive(real_library: Any) -> None:
    """"thue" is thuế (tax) or thuê (rent): the corpus has both, so it only counts where nothing else is in scope."""
    assert SCOPE.missing(real_library, "nop thue thu nhap ca nhan o dau")[0].slug == "thue"
    assert SCOPE.missing(real_library, "nop thue thu nhap ca nhan o dau")[1] is True  # the phrase is long enough
    assert SCOPE.missing(real_library, "tien thue nha")[1] is False


def test_a_subject_is_no_longer_missing_once_its_law_is_imported(real_library: Any) -> None:
    names = real_library.coverage.names + ("luat dat dai so 31/2024/qh15",)
    library = replace(real_library, coverage=replace(real_library.coverage, names=names))
    assert SCOPE.missing(real_library, "làm sổ đỏ lần đầu") is not None
    assert SCOPE.missing(library, "làm sổ đỏ lần đầu") is None


@pytest.mark.parametrize("text, main", [
    ("Chồng ở tù có ủy quyền cho vợ bán nhà được không? Mức phí công chứng là bao nhiêu?",
     "Chồng ở tù có ủy quyền cho vợ bán nhà được không"),
    ("Cho em hỏi? làm sổ đỏ ở đâu ạ", " làm sổ đỏ ở đâu ạ"),
    ("nghỉ đẻ mấy tháng", "nghỉ đẻ mấy tháng"),
])
def test_the_main_question_of_a_message(text: str, main: str) -> None:
    assert main_question(text) == main


def test_the_decline_names_the_subject_and_where_to_ask(real_library: Any) -> None:
    messages, state = reply(real_library, "Thủ tục làm sổ đỏ lần đầu thế nào")
    [decline] = messages
    assert "đất đai" in decline.text and len(decline.text) <= MAX_TEXT
    for place in ("bộ phận một cửa", "Trung tâm Trợ giúp pháp lý nhà nước tỉnh Thanh Hóa", "Hội"):
        assert place.lower() in decline.text.lower()
    assert "Điều" not in decline.text
    assert state["actions"]["question"] == {"query": "thủ tục làm sổ đỏ lần đầu thế nào", "keys": [],
                                            "found": False, "subject": "dat-dai"}


def test_danger_keeps_the_hotlines_first_whatever_the_subject(real_library: Any) -> None:
    messages, _ = reply(real_library, "chồng đánh em đau lắm vì em đòi làm sổ đỏ lần đầu")
    assert messages and messages[0].text.startswith(TEXTS.get("danger_intro").split(":")[0])
    assert "113" in messages[0].text


def test_without_a_coverage_or_vocabulary_the_subject_words_still_decline() -> None:
    """Stand-in libraries (tests, chat before an import) have neither: the data file alone decides."""
    class Bare:
        index = object()
        coverage = Coverage()
    found = SCOPE.missing(Bare(), "vượt đèn đỏ bị phạt bao nhiêu")
    assert found is not None and found[0].slug == "giao-thong"


@pytest.mark.parametrize("text", [
    # a weak word of a missing subject ("xe máy", "lãi suất", "ngân hàng") beside a term the library names its
    # articles with ("đặt cọc", "đánh bạc", "tài sản chung", "thế chấp"): the article's business is asked
    "đặt cọc 5 triệu mua xe máy cũ rồi người bán không bán nữa thì sao",
    "chồng tự ý mang chiếc xe máy chung đi bán lấy tiền đánh bạc",
    "vợ chồng mua ô tô chỉ đứng tên chồng thì có phải tài sản chung không",
    "cho người ta thuê xe máy, họ làm hỏng máy rồi trả lại thì có phải đền không",
    # everyday acts the Civil, Labour and Penal codes answer, worded without a legal subject
    "cho bạn mượn 50 triệu không viết giấy, giờ nó không trả thì em làm sao",
    "công ty bắt thử việc 2 tháng mà chỉ trả nửa lương có đúng không",
    "trộm mấy bao thóc của nhà hàng xóm thì bị tội gì",
    "bị nhắn tin dọa giết cả nhà",
    # the library regulates these for its own people: health cards of near-poor households, disabled pupils' fees
    "hộ cận nghèo mua bảo hiểm y tế được nhà nước hỗ trợ bao nhiêu",
    "con em bị khuyết tật đi học trường làng có được miễn học phí không",
    # a word of a missing subject that names a place or a thing, not its business ("căn cước", "quán ăn", "tai
    # biến"), or that reads another way in a phrase ("mang bầu hộ" is surrogacy, not voting for someone)
    "chị gái e ko đẻ được, nhờ e mang bầu hộ thì có được ko ạ",
    "Cty giữ căn cước bản gốc của e, còn bắt đặt cọc 2 triệu mới cho vào làm. Như vậy có đúng không?",
    "Con e 14 tuổi muốn đi làm phụ quán ăn dịp hè kiếm thêm, vậy có được phép không ạ?",
    "mẹ e đóng bh tự nguyện đc 6 năm thì mất vì tai biến, nhà e có nhận đc tiền gì ko",
    "nhà e hộ nghèo, muốn kiện mà ko có tiền thuê luật sư, có ai giúp ko",
])
def test_everyday_in_library_questions_with_words_of_missing_subjects_are_answered(real_library: Any,
                                                                                    text: str) -> None:
    for variant in (text, fold(text)):
        assert Answerer().answer(real_library, variant).answered, variant


@pytest.mark.parametrize("text, subject", [
    # the same words asked about the missing subject's own business stay declined
    ("xe máy không có gương chiếu hậu bị phạt bao nhiêu", "giao-thong"),
    ("gửi tiết kiệm 6 tháng ở ngân hàng thì lãi suất bao nhiêu", "ngan-hang"),
    ("mở quán karaoke ở nhà cần giấy phép gì", "kinh-doanh"),
    ("thu nhập bao nhiêu một tháng thì được vào hộ cận nghèo", "ho-ngheo"),
    ("học phí mầm non công lập năm nay bao nhiêu một tháng", "giao-duc"),
    ("hàng xóm xây nhà 4 tầng có cần xin giấy phép không", "xay-dung"),
    ("làm lại căn cước bị mất ở đâu", "giay-to"),
    ("mở nhà thuốc cần giấy phép gì", "y-te"),
    ("bỏ phiếu hộ cho bố mẹ có được không", "bau-cu"),
])
def test_the_same_words_on_the_missing_subject_are_still_declined(real_library: Any, text: str,
                                                                  subject: str) -> None:
    for variant in (text, fold(text)):
        found = Answerer().answer(real_library, variant)
        assert not found.answered and found.subject == subject, variant


@pytest.mark.parametrize("text, hit, term", [
    ("đặt cọc mua xe máy rồi người bán không bán", "91/2015/QH13:328", ("đặt", "cọc")),  # title "Đặt cọc"
    ("dat coc mua xe may roi nguoi ban khong ban", "91/2015/QH13:328", ("dat", "coc")),  # folded, matched folded
    ("chồng mang xe máy đi bán lấy tiền đánh bạc", "100/2015/QH13:321", ("đánh", "bạc")),  # "Tội đánh bạc"
])
def test_a_title_term_of_a_top_article_anchors_the_question(real_library: Any, text: str, hit: str,
                                                            term: tuple[str, ...]) -> None:
    from bot.knowledge.search.hits import Hit
    doc, article = hit.rsplit(":", 1)
    query = Answerer().intents.content_words(text)
    found = SCOPE.title_anchor(real_library, text, query, [Hit(doc, article, "", 30.0)])
    assert found is not None and found.term == term and found.key == hit


@pytest.mark.parametrize("text, hit", [
    # words articles use in passing, not names of articles: "giá trị", "dân cư", "điện thoại" (naming share < 0.2)
    ("bản sao chứng thực có giá trị trong bao lâu", "60/2014/QH13:75"),
    ("nuôi lợn trong khu dân cư có bị cấm không", "13/2022/QH15:32"),
    ("vừa đi xe máy vừa nghe điện thoại bị phạt bao nhiêu", "100/2015/QH13:159"),
    # the missing subject's own words never anchor: "xe máy" shares nothing with "Tội đua xe trái phép"
    ("xe máy cũ chạy bao nhiêu năm thì bị cấm", "100/2015/QH13:266"),
    # pairs holding a stop word name nothing ("bị cấm")
    ("nuoi lon sat nha hang xom thi co bi cam khong", "52/2010/QH12:13"),
])
def test_words_articles_only_use_in_passing_anchor_nothing(real_library: Any, text: str, hit: str) -> None:
    from bot.knowledge.search.hits import Hit
    doc, article = hit.rsplit(":", 1)
    query = Answerer().intents.content_words(text)
    assert SCOPE.title_anchor(real_library, text, query, [Hit(doc, article, "", 30.0)]) is None


@pytest.mark.parametrize("text, subject", [
    ("cách nấu canh chua cá cho ngon", "nau-an"),
    ("tối nay có bóng đá không", "giai-tri"),
    ("âm lịch hôm nay là ngày bao nhiêu", "ngay-gio"),
    ("điện thoại bị đơ phải làm sao", "cong-nghe"),
    ("bón phân cho cây lúa khi nào", "trong-trot"),
])
def test_a_question_that_is_not_law_gets_a_short_note_not_articles(real_library: Any, text: str,
                                                                    subject: str) -> None:
    for variant in (text, fold(text)):
        found = Answerer().answer(real_library, variant)
        assert not found.answered and found.subject == subject and not found.subject_legal, variant
    messages, state = reply(real_library, text)
    [note] = messages
    assert "Điều" not in note.text and "pháp luật" in note.text and len(note.text) <= MAX_TEXT
    assert "subject" not in state["actions"]["question"]  # not a law officials could import


@pytest.mark.parametrize("text", [
    "nghỉ tết âm lịch được mấy ngày",  # a holiday of the Labour Code, though "âm lịch" is a calendar word
    "làm ở khách sạn bị quản lý sờ mó thì báo ai",
    "con bị sốt phải nghỉ làm chăm con có được hưởng bảo hiểm không",
])
def test_everyday_words_do_not_decline_a_question_of_law(real_library: Any, text: str) -> None:
    for variant in (text, fold(text)):
        assert Answerer().answer(real_library, variant).subject_legal, variant


@pytest.mark.parametrize("text", ["chi oi chi an com chua", "ke chuyen cuoi di"])
def test_typed_without_marks_a_word_read_two_ways_anchors_nothing(real_library: Any, text: str) -> None:
    """"chua" is "chửa" (pregnant) and "chưa" (not yet), "cuoi" "cưới" (marry) and "cười" (laugh)."""
    assert not SCOPE.anchored(real_library, text)
    assert SCOPE.anchored(real_library, "chị ơi em đang có chửa thì có bị đuổi việc không")



@pytest.mark.parametrize("text", [
    "ca chep kho tuong lam the nao",  # các, chép, kho, tường: each word in some article, never two side by side
    "ban co biet hat khong",
    "tuan nay co bao ve khong ban",
])
def test_a_message_whose_words_the_articles_hold_only_apart_is_not_answered(real_library: Any, text: str) -> None:
    assert not Answerer().answer_message(real_library, text).answered


@pytest.mark.parametrize("text", [
    "luong huu co duoc tang theo nam khong",
    "doi ten cho con duoi 14 tuoi lam o dau, mat may ngay",
    "nguoi gia di tau hoa, may bay co duoc giam gia ve khong a",
    "dat bo me de cho rieng em sau khi cuoi co phai tai san chung khong",
])
def test_a_question_naming_no_covered_subject_is_answered_when_an_article_holds_its_words_together(
        real_library: Any, text: str) -> None:
    found = Answerer().answer_message(real_library, text)
    assert found.answered and not SCOPE.anchored(real_library, found.query), found.query


def test_what_is_read_once_per_library_is_read_again_for_the_next_one() -> None:
    """Remembered per library object, not per id: a freed library's id is often handed to the next one."""
    class Stub:
        def __init__(self, n: int) -> None:
            self.n = n

    calls: list[int] = []
    cache: PerLibrary[int] = PerLibrary(lambda lib: calls.append(lib.n) or lib.n)
    for n in range(50):  # each stub is freed before the next is made, so ids repeat
        assert cache.get(Stub(n)) == n
    kept = Stub(99)
    assert cache.get(kept) == 99 and cache.get(kept) == 99 and calls.count(99) == 1


def test_the_library_serving_keeps_its_value_while_the_next_one_is_read() -> None:
    """A new corpus version is warmed up in a thread while questions still go to the old one: neither evicts the
    other's word lists, and no value is ever paired with the wrong library."""
    class Stub:
        def __init__(self, n: int) -> None:
            self.n = n

    calls: list[int] = []
    cache: PerLibrary[int] = PerLibrary(lambda lib: calls.append(lib.n) or lib.n)
    serving, incoming = Stub(1), Stub(2)
    assert cache.get(serving) == 1 and cache.get(incoming) == 2 and cache.get(serving) == 1
    assert cache.get(incoming) == 2 and calls == [1, 2]


def test_warming_reads_the_word_lists_before_the_first_question(real_library) -> None:
    class Counting(Scope):
        reads = 0

        def _spelled_two_ways(self, library: Any) -> Any:
            Counting.reads += 1
            return super()._spelled_two_ways(library)

    searches: list[float] = []
    answerer = Answerer(on_search=searches.append, scope=Counting())
    answerer.warm(real_library)
    assert Counting.reads == 1 and searches == []  # a warm-up is no search of hers in the metrics
    assert answerer.answer(real_library, "chong danh vo thi bi phat the nao").answered
    assert Counting.reads == 1 and len(searches) == 1
