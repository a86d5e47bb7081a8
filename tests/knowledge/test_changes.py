"""Change reports: exactly the changed articles, readable diffs, status moves, the law-update message."""
from __future__ import annotations

import pytest

from bot.knowledge import changes
from bot.knowledge.changes import ChangeReport, compare
from bot.knowledge.corpus.model import REPLACED, Article, Document
from bot.officials.laws import law_update_message

LD = "45/2019/QH14"


def art(number: str, text: str, title: str = "", doc: str = LD) -> Article:
    """An article of the labour code."""
    return Article(doc=doc, number=number, title=title or f"Tiêu đề {number}", text=text)


def labour(*articles: Article, **fields) -> Document:
    """The labour code holding the given articles."""
    return Document(number=LD, type="Bộ luật", title="Bộ luật Lao động", articles=articles, **fields)


BASE = [art("139", "1. Lao động nữ được nghỉ thai sản trước và sau khi sinh con là 06 tháng.\n"
                   "2. Trường hợp sinh đôi trở lên thì tính từ con thứ 02 trở đi, cứ mỗi con, người mẹ được "
                   "nghỉ thêm 01 tháng."),
        art("140", "Bảo đảm việc làm cho lao động nữ nghỉ thai sản."),
        art("141", "Trợ cấp trong thời gian chăm sóc con ốm.")]


def test_reports_exactly_the_changed_articles() -> None:
    new = [art("139", BASE[0].text.replace("06 tháng", "07 tháng")),
           art("140", "  Bảo đảm việc làm cho   lao động nữ nghỉ thai sản. "),  # reflowed only: no change
           art("142", "Điều mới.")]
    report = compare({LD: labour(*BASE)}, {LD: labour(*new)}, "v1", "v2")
    assert [(a.key, a.kind) for a in report.articles()] == [
        (f"{LD}:139", "changed"), (f"{LD}:142", "added"), (f"{LD}:141", "removed")]
    diff = report.articles("changed")[0].diff
    assert diff == ("~ 1. Lao động nữ được … sau khi sinh con là [-06-] {+07+} tháng.",)  # long context elided
    assert report.counts() == {"docs_added": 0, "docs_changed": 1, "docs_removed": 0, "docs_replaced": 0,
                               "docs_status": 0, "added": 1, "changed": 1, "removed": 1}


def test_same_documents_report_nothing() -> None:
    report = compare({LD: labour(*BASE)}, {LD: labour(*BASE)})
    assert report.empty and "Không có thay đổi" in changes.format_report(report)


def test_added_removed_and_replaced_documents() -> None:
    decree = Document(number="144/2021/NĐ-CP", type="Nghị định", title="Nghị định xử phạt",
                      articles=(art("52", "Phạt tiền.", doc="144/2021/NĐ-CP"),))
    replaced = Document(number="144/2021/NĐ-CP", type="Nghị định", title="Nghị định xử phạt", status=REPLACED,
                        replaced_by="282/2025/NĐ-CP", status_note="Đã được thay thế bởi 282/2025/NĐ-CP từ ngày 15/12/2025.",
                        articles=decree.articles)
    children = Document(number="102/2016/QH13", title="Luật Trẻ em", articles=(art("1", "x", doc="102/2016/QH13"),))
    report = compare({LD: labour(*BASE), decree.number: decree},
                     {decree.number: replaced, children.number: children})
    kinds = {d.number: (d.kind, d.status_changed) for d in report.documents}
    assert kinds == {"144/2021/NĐ-CP": ("changed", True), "102/2016/QH13": ("added", False), LD: ("removed", False)}
    assert report.counts()["docs_replaced"] == 1
    text = changes.format_report(report)
    assert "282/2025/NĐ-CP" in text and "Luật Trẻ em số 102/2016/QH13" in text
    assert set(changes.report_topics(report)) == {"hon-nhan-gia-dinh", "tre-em", "lao-dong-nu"}


def test_readable_text_report_lists_articles_and_diffs() -> None:
    new = [art("139", BASE[0].text.replace("06 tháng", "07 tháng"), title="Nghỉ thai sản"), BASE[1], BASE[2]]
    text = changes.format_report(compare({LD: labour(*BASE)}, {LD: labour(*new)}, "v1", "v2"))
    assert "v1 → v2" in text and "~ Bộ luật Lao động số 45/2019/QH14" in text
    assert "~ Điều 139. Nghỉ thai sản" in text and "[-06-] {+07+}" in text and "[-Tiêu đề 139-]" in text


def test_round_trip_through_json() -> None:
    new = [art("139", "khác hẳn"), BASE[1]]
    report = compare({LD: labour(*BASE)}, {LD: labour(*new)}, "a", "b")
    assert ChangeReport.from_dict(report.to_dict()) == report


@pytest.mark.parametrize("count", [1, 7, 400])
def test_law_update_message_fits_zalo(count: int) -> None:
    old = labour(*[art(str(i), "cũ") for i in range(1, count + 1)])
    new = labour(*[art(str(i), "mới") for i in range(1, count + 1)])
    others = {f"{i}/2020/QH14": Document(number=f"{i}/2020/QH14", title=f"Luật {i}") for i in range(count)}
    message = law_update_message(compare({LD: old}, {LD: new, **others}))
    assert message.text.startswith("📢 Cập nhật pháp luật") and len(message.text) <= 2000
    assert len(message.buttons) == min(count, 5)
    assert message.buttons[0].payload == f"#xem {LD}:1" and "Điều 1" in message.buttons[0].title


def test_status_note() -> None:
    note = changes.status_note(REPLACED, "282/2025/NĐ-CP", "15/12/2025")
    assert note == "Đã được thay thế bởi 282/2025/NĐ-CP từ ngày 15/12/2025."


def test_an_old_law_imported_already_replaced_is_no_news() -> None:
    old = Document(number="81/2006/QH11", type="Luật", title="Luật Cư trú", status=REPLACED,
                   replaced_by="68/2020/QH14", status_note="Đã được thay thế bởi Luật Cư trú số 68/2020/QH14 từ ngày "
                                                           "01/07/2021.", articles=(art("1", "x", doc="81/2006/QH11"),))
    report = compare({}, {old.number: old, LD: labour(*BASE)})
    assert report.counts()["docs_replaced"] == 1 and report.documents[0].arrived_replaced
    assert "! Luật Cư trú số 81/2006/QH11: còn hiệu lực → bị thay thế (68/2020/QH14)" in changes.format_report(report)
    message = law_update_message(report).text
    assert "Bộ luật Lao động" in message and "Cư trú" not in message
