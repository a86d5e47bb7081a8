"""Reading messages: danger triggers (and what must not trigger), short intents, commands, citations."""
from __future__ import annotations

import pytest

from bot.conversation.intents import Intents
from bot.knowledge.search.text import fold


DANGER = [
    ("Chồng tôi đánh tôi suốt", "violence"),
    ("chong toi danh toi suot", "violence"),
    ("ck danh em", "violence"),
    ("ck e danh e tím mặt", "violence"),
    ("Bị chồng đánh thì làm sao?", "violence"),
    ("bi chong danh thi lam sao", "violence"),
    ("em bị đánh", "violence"),
    ("Chồng em say rượu về là đánh đập mẹ con em", "violence"),
    ("chong say ruou ve danh dap me con", "violence"),
    ("chồng bạo hành tôi", "violence"),
    ("bao hanh gia dinh", "violence"),
    ("bị bạo lực gia đình phải làm sao", "violence"),
    ("chồng hay tát em", "violence"),
    ("Chồng dọa giết cả nhà", "violence"),
    ("chong doa giet ca nha", "violence"),
    ("chồng doạ giết em", "violence"),
    ("bị chồng đuổi ra khỏi nhà giữa đêm", "violence"),
    ("Tôi muốn chết", "selfharm"),
    ("toi muon chet", "selfharm"),
    ("em không muốn sống nữa", "selfharm"),
    ("em ko muon song nua", "selfharm"),
    ("định tự tử", "selfharm"),
    ("dinh tu tu", "selfharm"),
    ("nghĩ đến chuyện uống thuốc ngủ", "selfharm"),
    ("Con tôi bị bắt cóc", "trafficking"),
    ("con toi bi bat coc", "trafficking"),
    ("em gái bị lừa bán sang Trung Quốc", "trafficking"),
    ("em gai bi lua ban sang tq", "trafficking"),
    ("chị tôi bị bán sang bên kia biên giới", "trafficking"),
    ("Con gái tôi bị xâm hại", "sexual"),
    ("con gai toi bi xam hai", "sexual"),
    ("bị hiếp dâm", "sexual"),
    ("bi hiep", "sexual"),
    ("bé nhà em bị dâm ô", "sexual"),
    ("bị sếp quấy rối", "sexual"),
    ("Cứu tôi với", "danger"),
    ("cuu em voi", "danger"),
    ("cứu em", "danger"),
    ("em đang gặp nguy hiểm", "danger"),
    ("chồng chém em chảy máu", "injury"),
    ("CHỒNG ĐÁNH EM", "violence"),
    ("chồng em lại đánh em rồi", "violence"),
    ("ck đánh vk có sao ko", "violence"),
    ("bố dượng hay đánh con em", "child"),
    ("bo duong hay danh con em", "child"),
    ("chồng bóp cổ em", "violence"),
    ("chong bop co em", "violence"),
    ("nó cầm dao dọa giết em", "danger"),
    ("no cam dao doa giet em", "danger"),
    ("em bị chồng nhốt trong nhà", "danger"),
    ("em bi nhot trong nha", "danger"),
    ("ck nguoc dai vk", "violence"),
    ("mẹ chồng hành hạ em", "violence"),
    ("me chong hanh ha em", "violence"),
    ("tôi bị chồng đánh gãy tay", "injury"),
    ("toi bi chong danh gay tay", "injury"),
    ("chong de doa em", "violence"),
    ("bi bao luc gia dinh", "violence"),
    ("ck tat e", "violence"),
    ("bị ép quan hệ", "sexual"),
    ("bi ep quan he", "sexual"),
    ("con gai em bi sam so", "sexual"),
    ("be bi hang xom dam o", "child"),
    ("bi cuong hiep", "sexual"),
    ("em bị lừa sang campuchia", "trafficking"),
    ("em bi lua sang campuchia", "trafficking"),
    ("bán con gái sang trung quốc", "trafficking"),
    ("buon nguoi", "trafficking"),
    ("em muon tu tu", "selfharm"),
    ("em dinh nhay cau", "selfharm"),
    ("em không muốn sống nữa bn ơi", "selfharm"),
    ("uong thuoc ngu", "selfharm"),
    ("cuu me con em voi", "danger"),
    ("chồng say rượu về là đánh", "violence"), ("ck e hay say ruou ve danh e", "violence"),
    # a danger about a child is in the "child" category too: the child protection line leads
    ("con gai e 13 tuoi bi thang hang xom sam so", "child"), ("bố say rượu về đánh con", "child"),
]

NOT_DANGER = [
    "say rượu đánh nhau bị phạt thế nào",  # no "về": a fight, not a man coming home drunk to his family
    "con gái em 15 tuổi đi làm thêm được không",  # a child named, no trigger: no danger
    "đánh giá năng lực nhân viên",
    "danh gia nang luc",
    "đánh thuế thu nhập cá nhân",
    "đánh số trang hợp đồng",
    "xe bị chết máy giữa đường",
    "xe chet may",
    "đánh máy văn bản",
    "chồng em hay đánh bài",
    "chồng đánh bạc thua hết tiền",
    "đánh dấu vào ô",
    "đánh răng",
    "nghỉ thai sản được mấy tháng",
    "nghi de may thang",
    "thủ tục ly hôn",
    "điều 3 luật phòng chống bạo lực gia đình",
    "hiệp định thương mại",
    "bí danh là gì",
    "cười chết mất",
    "luật phòng, chống mua bán người có hiệu lực khi nào",
    "lạm dụng chức vụ quyền hạn",
    "đăng ký kết hôn cần giấy tờ gì",
    "con em được mấy tuổi thì đi học",
    "danh thue dat",
    "danh may hop dong",
    "đánh rơi giấy tờ",
    "danh roi giay to",
    "đánh mất chứng minh thư",
    "bán nhà chia tài sản",
    "ban nha chia tai san",
    "hiep hoi phu nu",
    "danh bac",
    "chồng em đánh bài suốt",
    "phòng chống bạo lực gia đình là gì",
    "mua bán nhà đất",
    "tiền thuốc ngủ có được bảo hiểm không",
    "nghỉ ốm được mấy ngày",
    "đánh vần",
]


@pytest.mark.parametrize("text,category", DANGER)
def test_danger_triggers(intents: Intents, text: str, category: str) -> None:
    found = intents.danger(text)
    assert found is not None, text
    assert category in found.categories


@pytest.mark.parametrize("text", NOT_DANGER)
def test_not_danger(intents: Intents, text: str) -> None:
    assert intents.danger(text) is None


def test_danger_list_is_large_enough() -> None:
    assert len(DANGER) >= 70 and len(NOT_DANGER) >= 35
    plain = [t for t, _ in DANGER if t == fold(t)]
    assert len(plain) >= 30 and len(DANGER) - len(plain) >= 30  # typed with and without diacritics


@pytest.mark.parametrize("text,name", [
    ("chào", "greeting"), ("Xin chào!", "greeting"), ("chao ban", "greeting"), ("hi", "greeting"),
    ("alo", "greeting"), ("Chào ad ạ", "greeting"), ("hello shop", "greeting"),
    ("chúc mừng năm mới", "greeting"), ("chuc mung nam moi ca nha", "greeting"), ("chuc ngu ngon nhe", "greeting"),
    ("cảm ơn", "thanks"), ("cam on ban nhieu", "thanks"), ("thanks", "thanks"), ("tks", "thanks"),
    ("Cám ơn ạ", "thanks"), ("ok", "ack"), ("vâng ạ", "ack"),
    ("menu", "help"), ("giúp", "help"), ("hướng dẫn", "help"), ("trợ giúp", "help"), ("huong dan", "help"),
    ("xem thêm", "more"), ("xem them", "more"), ("tiếp", "more"), ("tiep", "more"), ("tiếp theo", "more"),
    ("1", "select"), ("xem 2", "select"), ("dieu 3", "select"), ("xem toàn văn 1", "select"),
    ("nghỉ thai sản được mấy tháng", "question"), ("chào bạn, cho hỏi nghỉ đẻ mấy tháng", "question"),
    ("", "empty"), ("???", "empty"),
])
def test_classify(intents: Intents, text: str, name: str) -> None:
    assert intents.classify(text).name == name


def test_greeting_prefix_is_dropped(intents: Intents) -> None:
    intent = intents.classify("chào bạn, cho hỏi nghỉ đẻ mấy tháng")
    assert intent.name == "question" and intent.text.startswith("bạn cho hỏi nghỉ đẻ")


@pytest.mark.parametrize("text,article,clause,point,doc", [
    ("điều 81 luật hôn nhân", "81", "", "", "52/2014/QH13"),
    ("Điều 81 Luật Hôn nhân và gia đình", "81", "", "", "52/2014/QH13"),
    ("Đ139 BLLĐ", "139", "", "", "45/2019/QH14"),
    ("d139 blld", "139", "", "", "45/2019/QH14"),
    ("khoản 2 điều 185 bộ luật hình sự", "185", "2", "", "100/2015/QH13"),
    ("khoan 2 dieu 185 blhs", "185", "2", "", "100/2015/QH13"),
    ("k2 đ185 blhs", "185", "2", "", "100/2015/QH13"),
    ("k.2 d.185 bo luat hinh su", "185", "2", "", "100/2015/QH13"),
    ("dieu 139 bo luat lao dong", "139", "", "", "45/2019/QH14"),
    ("điểm a khoản 2 điều 185 BLHS", "185", "2", "a", "100/2015/QH13"),
    ("điểm đ khoản 1 điều 5 luật trẻ em", "5", "1", "đ", "102/2016/QH13"),
    ("bộ luật lao động điều 139 nói gì", "139", "", "", "45/2019/QH14"),
    ("điều 3 luật phòng, chống bạo lực gia đình", "3", "", "", "13/2022/QH15"),
    ("điều 53 luật bhxh", "53", "", "", "41/2024/QH15"),
    ("điều 8 luật bình đẳng giới", "8", "", "", "73/2006/QH11"),
    ("điều 139", "139", "", "", ""),
])
def test_citation(intents: Intents, text: str, article: str, clause: str, point: str, doc: str) -> None:
    intent = intents.classify(text)
    assert intent.name in ("citation", "select")
    cite = intents.citation(text)
    assert cite is not None
    assert (cite.article, cite.clause, cite.point, cite.doc) == (article, clause, point, doc)


def test_typed_document_number(intents: Intents) -> None:
    cite = intents.citation("điều 5 nghị định 145/2020/NĐ-CP")
    assert cite is not None and cite.article == "5" and cite.typed_number == "145/2020/nd-cp"


@pytest.mark.parametrize("text", ["điều kiện kết hôn", "dieu kien ly hon", "nghị định mới về thai sản"])
def test_no_citation(intents: Intents, text: str) -> None:
    assert intents.citation(text) is None


@pytest.mark.parametrize("text,words", [
    ("còn trường hợp sinh đôi?", "sinh đôi"),
    ("thế còn lao động nam", "lao động nam"),
    ("nếu sinh non thì sao", "sinh non"),
    ("con sinh doi thi sao", "sinh doi"),
])
def test_followup(intents: Intents, text: str, words: str) -> None:
    intent = intents.classify(text)
    assert intent.name == "followup" and intent.text == words


@pytest.mark.parametrize("text, name", [
    ("có được hưởng tiền không", "followup"),  # names nothing of its own: about what she asked before
    ("phạt bao nhiêu", "followup"),
    ("nop don o dau", "followup"),
    ("báo ai ạ", "followup"), ("thế báo ai ạ", "followup"),  # "báo" is no "bao" (bao nhiêu) when typed with marks
    ("mất bao lâu ạ", "question"),  # "mất" names something (a loss, a death)
    ("tiền thai sản được bao nhiêu", "question"),
    ("không cần nữa", "chat"),
    ("con em 3 tuổi", "followup"),  # a number and her case's people: a detail of the question before
    ("con e 2t", "followup"),
    ("em có bầu 5 tháng", "followup"),
    ("em làm được 8 tháng rồi", "followup"),
    ("con em 15 tuổi bị đánh", "question"),  # says what happened: a question of its own
    ("bao nhiêu tuổi thì được đi làm", "question"),  # "đi làm" is all stop words, yet it names her subject
    ("bao nhieu tuoi thi duoc di lam", "question"),
    ("mấy tuổi được làm việc", "question"),
    ("em đi làm được 8 tháng rồi", "followup"),  # with a number, "đi làm" is a detail of her case
    ("chồng em đánh em", "question"),
    ("con 14 tuổi đi làm căn cước được chưa", "question"),  # "con" is her child, not "còn"
    ("con gái 15 tuổi bị dụ dỗ quan hệ", "question"),
    ("con ốm thì mẹ được nghỉ chăm con mấy ngày", "question"),
    ("con truong hop sinh doi thi sao", "followup"),  # plain "con" with a suffix: "còn…"
    # what to do, whom to tell (what_now), about what she just asked; "làm gì" alone is small talk
    ("vậy em phải làm gì", "followup"), ("vay e phai lam gi", "followup"), ("e phai bao ai", "followup"),
    ("giờ e phải làm thế nào", "followup"), ("thế giờ làm sao ạ", "followup"), ("hỏi ai bây giờ", "followup"),
    ("bạn đang làm gì đấy", "chat"),
    # a date of birth is a detail of her case ("e sinh nam 1975" after the retirement age); a birth itself is not
    ("e sinh nam 1975", "followup"), ("con e sinh tháng 3", "followup"),
    ("sinh con thứ 3 có bị phạt không", "question"), ("sinh năm 2008 đã được kết hôn chưa", "question"),
    ("điện thoại bị đơ phải làm sao", "question"), ("ck đánh em phải làm sao", "question"),
])
def test_a_message_naming_nothing_refers_back(intents: Intents, text: str, name: str) -> None:
    assert intents.classify(text).name == name


def test_teencode_expansion(intents: Intents) -> None:
    assert [w for w, _, _ in intents.expand("ck e ko cho e ly hon")] == ["chồng", "em", "không", "cho", "em",
                                                                          "ly", "hon"]


@pytest.mark.parametrize("text, spelled", [
    ("ck e ko cho e ly hon", "chong em khong cho em ly hon"),
    ("vk dc nghi may ngay", "vo duoc nghi may ngay"),
    ("ck đánh vk có sao ko", "chồng đánh vợ có sao không"),
    ("nghỉ đẻ dc bn tháng", "nghỉ đẻ được bao nhiêu tháng"),
    ("bn oi nghi de dc may thang j", "ban oi nghi de duoc may thang gi"),
    ("cam on bn", "cam on ban"),
    ("bn cho mình hỏi", "bạn cho mình hỏi"),
    ("mất j", "mất gì"),
    ("e mới đóng bh được 5 tháng", "em mới đóng bảo hiểm được 5 tháng"),  # "bh" is no word of any article
    ("ck dong bhxh 16 nam", "chong dong bao hiem xa hoi 16 nam"),
])
def test_teencode_spelled_out_in_the_users_style(intents: Intents, text: str, spelled: str) -> None:
    assert intents.spell_out(text) == spelled


def test_spell_out_extra_words_follow_the_users_style(intents: Intents) -> None:
    assert intents.spell_out("ck danh e", "bạo lực gia đình") == "chong danh em bao luc gia dinh"
    assert intents.spell_out("chồng đánh em", "bạo lực gia đình") == "chồng đánh em bạo lực gia đình"


def test_danger_hints_and_quiet_categories_come_from_the_data_file(intents: Intents) -> None:
    assert {"selfharm"} <= intents.quiet and "violence" not in intents.quiet
    assert "mua bán người" in intents.hints["trafficking"]


@pytest.mark.parametrize("text, name", [
    ("xem tiêp", "more"), ("tiêp theo", "more"),  # the tone left out, other marks kept: still "tiếp"
    ("xem trang tiep", "more"), ("xem tiếp giúp em với ạ", "more"),
    ("dừng", "halt"), ("dùng", "question"),  # a word typed with another tone is another word
])
def test_a_word_missing_only_its_tone_is_still_read(intents: Intents, text: str, name: str) -> None:
    assert intents.classify(text).name == name


def test_the_last_one_is_the_last_item_shown(intents: Intents) -> None:
    from bot.conversation.intents import LAST_ITEM
    for text in ("cái cuối", "cai cuoi cung", "xem cái sau cùng"):
        intent = intents.classify(text)
        assert (intent.name, intent.number) == ("select", LAST_ITEM)
    assert intents.classify("tháng cuối").name != "select"
