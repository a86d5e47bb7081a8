"""The official texts in ../shared/laws/official-text as they come: consolidated texts, footnotes, SOURCES.tsv, .docx."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.knowledge.corpus import SourceError, read_source
from bot.knowledge.corpus.meta import doc_meta, read_sources_tsv
from bot.knowledge.corpus.model import Article, Document
from bot.knowledge.corpus.replaces import replacements
from tests.conftest import SHARED

# read from ../shared without the skipping fixture: in CI a missing file is a failure
OFFICIAL = SHARED / "laws/official-text"
DV = "luat-phong-chong-bao-luc-gia-dinh-2022.txt"
EXPECTED = {  # number: (type, title, effective, articles, repealed, amended_by)
    "13/2022/QH15": ("Luật", "Luật Phòng, chống bạo lực gia đình", "2023-07-01", 56, [], ()),
    "53/2024/QH15": ("Luật", "Luật Phòng, chống mua bán người", "2025-07-01", 63, ["52"], ("86/2025/QH15",)),
    "41/2024/QH15": ("Luật", "Luật Bảo hiểm xã hội", "2025-07-01", 141, [],
                     ("73/2025/QH15", "84/2025/QH15", "113/2025/QH15", "142/2025/QH15")),
    "11/2017/QH14": ("Luật", "Luật Trợ giúp pháp lý", "2018-01-01", 48, ["23", "29"],
                     ("53/2024/QH15", "59/2024/QH15", "05/2026/QH16")),
    "282/2025/NĐ-CP": ("Nghị định", "Nghị định quy định xử phạt vi phạm hành chính trong lĩnh vực an ninh, trật tự, "
                       "an toàn xã hội; phòng, chống tệ nạn xã hội; phòng, chống bạo lực gia đình", "2025-12-15", 71,
                       [], ()),
}


@pytest.fixture(scope="module")
def official() -> dict[str, Document]:
    """The folder read once, documents by number."""
    result = read_source(OFFICIAL)
    assert not result.skipped, result.skipped  # every count agrees with SOURCES.tsv, every row has its file
    return {d.number: d for d in result.documents}


def _articles(doc: Document) -> dict[str, Article]:
    return {a.number: a for a in doc.articles}


@pytest.mark.parametrize("number", list(EXPECTED))
def test_official_folder(official: dict[str, Document], number: str) -> None:
    kind, title, effective, count, repealed, amended_by = EXPECTED[number]
    doc = official[number]
    assert (doc.type, doc.title, doc.effective, len(doc.articles), doc.amended_by, doc.source) == (
        kind, title, effective, count, amended_by, "text")
    assert [a.number for a in doc.articles] == [str(n) for n in range(1, count + 1)]  # no footnote "Điều N." taken
    assert [a.number for a in doc.articles if a.repealed] == repealed
    assert not any(re.search(r"\[\d+\]", a.title + a.text) for a in doc.articles)  # footnote marks removed
    assert doc.issuer == ("Chính phủ" if kind == "Nghị định" else "Quốc hội")


def test_consolidated_footnotes_and_repealed(official: dict[str, Document]) -> None:
    trafficking = _articles(official["53/2024/QH15"])
    a52 = trafficking["52"]
    assert a52.repealed and a52.title == "(được bãi bỏ)" and "được bãi bỏ" in a52.note and "86/2025/QH15" in a52.note
    assert trafficking["27"].title == "Tiếp nhận, xác minh người đến trình báo" and "86/2025/QH15" in trafficking["27"].note
    assert trafficking["53"].title == "Trách nhiệm của Bộ Y tế" and not trafficking["53"].repealed
    assert official["53/2024/QH15"].issued == "2024-11-28"
    legal_aid = _articles(official["11/2017/QH14"])
    assert "ưu đãi theo quy định" in legal_aid["18"].text and legal_aid["19"].title == "Tiêu chuẩn trợ giúp viên pháp lý"
    bhxh = _articles(official["41/2024/QH15"])
    assert [c.number for c in bhxh["66"].clauses][2:5] == ["3", "3a", "4"]
    assert bhxh["66"].clauses[3].text.startswith("3a. Mức lương hưu")
    assert bhxh["140"].chapter == "Chương XI. ĐIỀU KHOẢN THI HÀNH"


def test_clauses_and_points(official: dict[str, Document]) -> None:
    dv, bhxh = _articles(official["13/2022/QH15"]), _articles(official["41/2024/QH15"])
    assert [p.letter for p in dv["3"].clauses[0].points] == "a b c d đ e g h i k l m n o p q".split()
    assert [(c.number, len(c.points)) for c in bhxh["2"].clauses] == [
        ("1", 13), ("2", 3), ("3", 0), ("4", 2), ("5", 7), ("6", 0), ("7", 3)]
    point = next(p for c in bhxh["37"].clauses for p in c.points if p.letter == "a")
    assert point.text.startswith("a) Trong trường hợp người sử dụng lao động")  # "a)[4]  Trong" read as a point


def test_replacements_from_the_texts(official: dict[str, Document]) -> None:
    found = {n: [(r.number, r.effective, r.article) for r in replacements(d)] for n, d in official.items()}
    assert found["13/2022/QH15"] == [("02/2007/QH12", "2023-07-01", "13/2022/QH15:56")]
    assert found["53/2024/QH15"] == [("66/2011/QH12", "2025-07-01", "53/2024/QH15:62")]
    assert found["11/2017/QH14"] == [("69/2006/QH11", "2018-01-01", "11/2017/QH14:47")]
    assert found["282/2025/NĐ-CP"] == [("144/2021/NĐ-CP", "2025-12-15", "282/2025/NĐ-CP:69")]
    # the laws that had amended 58/2014/QH13 (the Labour Code among them) are not ended with it
    assert found["41/2024/QH15"] == [("58/2014/QH13", "2025-07-01", "41/2024/QH15:140"),
                                     ("93/2015/QH13", "2025-07-01", "41/2024/QH15:140")]
    rows = read_sources_tsv(OFFICIAL / "SOURCES.tsv")
    for meta in rows.values():  # what SOURCES.tsv says is replaced is on the document too
        assert set(meta.replaces) <= set(official[meta.number].replaces)


def test_file_without_number(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        read_source(OFFICIAL / DV)
    assert "expected a document number line" in str(info.value) and "--number" in str(info.value)
    meta = doc_meta(number="13/2022/qh15", type="luật", name="Phòng, chống bạo lực gia đình", effective="01/07/2023")
    (doc,) = read_source(OFFICIAL / DV, meta).documents
    assert (doc.number, doc.type, doc.title, doc.effective, len(doc.articles)) == (
        "13/2022/QH15", "Luật", "Luật Phòng, chống bạo lực gia đình", "2023-07-01", 56)
    with pytest.raises(SourceError, match="single .txt or .docx"):
        read_source(OFFICIAL, meta)


def test_metadata_overrides_and_checks(tmp_path: Path) -> None:
    text = (OFFICIAL / "luat-phong-chong-mua-ban-nguoi-2024-hop-nhat-2025.txt").read_text(encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(text, encoding="utf-8")
    (folder / "SOURCES.tsv").write_text(
        "file\tnumber\ttype\tname\tpassed\teffective\ttext\tarticles\treplaces\tnotes\n"
        "a.txt\t53/2024/QH15\tLuật\t\t\t02/07/2025\t\t60\t66/2011/QH12, 1/2000/QH10\t\n"
        "gone.txt\t1/2024/QH15\tLuật\tX\t\t\t\t\t\t\n", encoding="utf-8")
    result = read_source(folder)
    (doc,) = result.documents
    assert (doc.number, doc.effective, doc.replaces) == ("53/2024/QH15", "2025-07-02", ("66/2011/QH12", "1/2000/QH10"))
    reasons = [s.reason for s in result.skipped]
    assert any("gives 60 articles; 63 found" in r for r in reasons)
    assert any("listed in SOURCES.tsv but not in the folder" in r for r in reasons)
    assert not any(s.item == "SOURCES.tsv" for s in result.skipped)  # not reported as an unsupported file
    result = read_source(folder / "a.txt", doc_meta("54/2024/QH15"))
    assert result.documents[0].number == "54/2024/QH15"
    assert [s.reason for s in result.skipped] == ["the text prints 53/2024/QH15; filed as 54/2024/QH15 (metadata)"]


@pytest.mark.parametrize("fields, bad", [
    ({"effective": "2025/07/01"}, "effective"), ({"effective": "31/02/2025"}, "effective"),
    ({"number": "Luật 13"}, "number"), ({"type": "Sắc lệnh"}, "type"), ({"articles": "năm"}, "articles"),
])
def test_bad_metadata(fields: dict[str, str], bad: str) -> None:
    with pytest.raises(SourceError) as info:
        doc_meta(**fields)
    assert str(info.value).startswith("--" + bad)


def test_bad_sources_tsv(tmp_path: Path) -> None:
    (tmp_path / "law.txt").write_text((OFFICIAL / DV).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "SOURCES.tsv").write_text("tệp\tsố\nlaw.txt\t13/2022/QH15\n", encoding="utf-8")
    with pytest.raises(SourceError, match="columns"):
        read_source(tmp_path)
    (tmp_path / "SOURCES.tsv").write_text("file\tnumber\teffective\nlaw.txt\t13/2022/QH15\t1.7.2023\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"SOURCES.tsv:2 effective: expected a date DD/MM/YYYY"):
        read_source(tmp_path)


def test_docx_takes_the_text_path(tmp_path: Path, official: dict[str, Document]) -> None:
    import docx

    document = docx.Document()
    for line in (OFFICIAL / "luat-tro-giup-phap-ly-2017-hop-nhat-2026.txt").read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    document.save(str(tmp_path / "tgpl.docx"))
    (doc,) = read_source(tmp_path / "tgpl.docx").documents
    text = official["11/2017/QH14"]
    assert (doc.number, doc.title, doc.amended_by, doc.source) == (text.number, text.title, text.amended_by, "docx")
    assert [(a.number, a.title, a.text, a.repealed) for a in doc.articles] == [
        (a.number, a.title, a.text, a.repealed) for a in text.articles]
    document = docx.Document()
    for line in (OFFICIAL / DV).read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    document.save(str(tmp_path / "dv.docx"))
    (doc,) = read_source(tmp_path / "dv.docx", doc_meta("13/2022/QH15", effective="01/07/2023")).documents
    assert (doc.number, doc.type, doc.title, len(doc.articles)) == (
        "13/2022/QH15", "Luật", "Luật Phòng, chống bạo lực gia đình", 56)


def test_search_never_offers_repealed(official: dict[str, Document]) -> None:
    from bot.knowledge.search.index import SearchIndex

    doc = official["53/2024/QH15"]
    index = SearchIndex.build(list(doc.articles), {doc.number: doc})
    assert "53/2024/QH15:52" not in index.keys and "53/2024/QH15:53" in index.keys and len(index.keys) == 62
