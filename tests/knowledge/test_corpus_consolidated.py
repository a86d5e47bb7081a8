"""Consolidated-text headers and replacement sentences, on small made-up texts."""
from __future__ import annotations

import pytest

from bot.knowledge.corpus.model import Article, Document
from bot.knowledge.corpus.readers.textfile import parse_text
from bot.knowledge.corpus.replaces import find_replacements, replacements

VBHN = """VĂN PHÒNG QUỐC HỘI
-------
Số: 19/VBHN-VPQH
Hà Nội, ngày 10 tháng 1 năm 2026
LUẬT
VIỆC LÀM
Luật Việc làm số 74/2025/QH15 ngày 16 tháng 6 năm 2025 của Quốc hội, có hiệu lực kể từ ngày 01 tháng 01 năm 2026, \
được sửa đổi, bổ sung bởi Luật số 12/2026/QH16 ngày 1 tháng 3 năm 2026 của Quốc hội.
Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;
Quốc hội ban hành Luật Việc làm[1].
Điều 1.[2] Phạm vi điều chỉnh
Luật này quy định về việc làm.
Điều 2. (được bãi bỏ)[3]
Điều 2a. Quỹ việc làm
(Được bãi bỏ)
Điều 3. Hiệu lực thi hành
1. Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2026.
2. Luật Việc làm số 38/2013/QH13 hết hiệu lực kể từ ngày Luật này có hiệu lực thi hành.
[1] Luật số 12/2026/QH16 có căn cứ ban hành như sau: “Căn cứ Hiến pháp;
Điều 9. Hiệu lực thi hành
Luật này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2026.”.
[2] Điều này được sửa đổi theo khoản 1 Điều 1 của Luật số 12/2026/QH16.
[3] Điều này được bãi bỏ theo khoản 2 Điều 1 của Luật số 12/2026/QH16.
"""


def test_consolidated_header_under_the_offices_own_number() -> None:
    result = parse_text(VBHN, "vbhn.txt")
    (doc,) = result.documents
    assert (doc.number, doc.type, doc.title, doc.issuer, doc.issued, doc.effective, doc.amended_by) == (
        "74/2025/QH15", "Luật", "Luật Việc làm", "Quốc hội", "2025-06-16", "2026-01-01", ("12/2026/QH16",))
    assert [(a.number, a.title, a.repealed) for a in doc.articles] == [
        ("1", "Phạm vi điều chỉnh", False), ("2", "(được bãi bỏ)", True), ("2a", "Quỹ việc làm", True),
        ("3", "Hiệu lực thi hành", False)]
    assert doc.articles[0].note == "Điều này được sửa đổi theo khoản 1 Điều 1 của Luật số 12/2026/QH16."
    assert doc.replaces == ("38/2013/QH13",) and not result.skipped


def _doc(text: str, kind: str = "Luật") -> Document:
    return Document("1/2030/QH16", kind, effective="2030-07-01",
                    articles=(Article("1/2030/QH16", "9", "Hiệu lực thi hành", text),))


@pytest.mark.parametrize("text, expected", [
    ("1. Luật này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2030.\n2. Các luật sau đây hết hiệu lực kể từ ngày "
     "Luật này có hiệu lực thi hành:\na) Luật Việc làm số 38/2013/QH13;\nb) Luật Dạy nghề số 76/2006/QH11.\n3. Khác.",
     [("38/2013/QH13", "2030-07-01"), ("76/2006/QH11", "2030-07-01")]),
    ("Nghị định này có hiệu lực từ ngày 01/01/2031 và thay thế Nghị định số 145/2020/NĐ-CP ngày 14 tháng 12 năm 2020 "
     "của Chính phủ quy định chi tiết Bộ luật Lao động số 45/2019/QH14; Nghị định số 12/2022/NĐ-CP.",
     [("145/2020/NĐ-CP", "2031-01-01"), ("12/2022/NĐ-CP", "2031-01-01")]),
    ("2. Luật Thanh tra số 11/2022/QH15 hết hiệu lực kể từ ngày 01 tháng 8 năm 2030, trừ khoản 1.",
     [("11/2022/QH15", "2030-08-01")]),
    ("2. Điều 47 Nghị định số 82/2020/NĐ-CP hết hiệu lực kể từ ngày 01 tháng 1 năm 2031.", []),  # one article only
    ("Luật này hết hiệu lực kể từ ngày 01/01/2040.", []),
    ("3. Trường hợp văn bản dẫn chiếu trong Nghị định này được sửa đổi, bổ sung, thay thế thì áp dụng văn bản mới.", []),
])
def test_replacement_sentences(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(r.number, r.effective) for r in find_replacements(_doc(text))] == expected


def test_replacements_from_metadata_take_the_documents_date() -> None:
    doc = Document("1/2030/QH16", "Luật", effective="2030-07-01", replaces=("9/2000/QH10",))
    (r,) = replacements(doc)
    assert (r.number, r.by, r.effective, r.article, r.text) == ("9/2000/QH10", "1/2030/QH16", "2030-07-01", "", "")
