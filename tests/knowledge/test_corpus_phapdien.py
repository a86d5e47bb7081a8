"""Pháp điển đề mục importer: the shared pages (all 1,808 articles), ZIP and folder, cross-references, bad input."""
from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import pytest

from bot.knowledge.corpus import ImportResult, SourceError, read_source
from bot.knowledge.corpus.model import AMENDED, Article
from bot.knowledge.corpus.readers.phapdien import assemble
from bot.knowledge.corpus.readers.phapdien_notes import parse_note

PAGE = """\ufeff<link href='../lib/css/style.css' rel='stylesheet' type='text/css' />
<h3>Đề mục 8.4<br />Hôn nhân và gia đình</h3><div class='_content'>
<p class='pChuong'><a name='c1'></a>Chương V</p><p class='pChuong'>QUAN HỆ GIỮA CHA MẸ VÀ CON</p>
<p class='pDieu'><a name='A81'></a>Điều 8.4.LQ.81. Việc trông nom con sau khi ly hôn</p>
<p class='pGhiChu'><a href='http://vbpl.vn/TW/Pages/vbpq-toanvan.aspx?ItemID=36870#Dieu_81' target='_blank'>(Điều 81
Luật số 52/2014/QH13 Hôn nhân và gia đình ngày 19/06/2014 của Quốc hội, có hiệu lực thi hành kể từ ngày 01/01/2015)</a></p>
<p class='pNoiDung'><p>1. Sau khi ly hôn, cha mẹ vẫn có quyền, nghĩa vụ trông nom con.</p><p>2. Vợ, chồng thỏa thuận:</p>
<p>a) Người trực tiếp nuôi con;</p><p>b) Nghĩa vụ, quyền của mỗi bên.</p></p>
<p class='pChiDan'>(Điều này có nội dung liên quan đến <a href='#' onclick="ViewNoiDungPhapDien('A82'); return false;">Điều
8.4.LQ.82</a>; <a href='#' onclick="ViewNoiDungPhapDien('ELSEWHERE'); return false;">Điều 9.9.LQ.1</a>)</p>
<p class='pDieu'><a name='A82'></a>Điều 8.4.LQ.82. Nghĩa vụ, quyền của cha, mẹ không trực tiếp nuôi con</p>
<p class='pGhiChu'>(Điều 82&nbsp;Luật số 52/2014/QH13, có hiệu lực thi hành kể từ ngày 01/01/2015, có nội dung được sửa đổi
bởi Điều 1 Luật số 99/2099/QH99 có hiệu lực thi hành kể từ ngày 01/01/2100)</p>
<p class='pNoiDung'><p>Cha, mẹ không trực tiếp nuôi con có nghĩa vụ cấp dưỡng.</p><table><tr><td>Cột 1</td><td>Cột 2</td></tr></table></p>
<p class='pChuong'>Mục 1</p><p class='pChuong'>CĂN CỨ</p>
<p class='pChiDan'>(Mục này có nội dung liên quan đến <a href='#' onclick="ViewNoiDungPhapDien('A81');">x</a>)</p>
<p class='pDieu'><a name='N5'></a>Điều 8.4.NĐ.1.5.</p>
<p class='pGhiChu'>(Điều 5 Nghị định số 126/2014/nđ-cp Quy định chi tiết Luật Hôn nhân và gia đình ngày 31/12/2014 của
Chính phủ, có hiệu lực thi hành kể từ ngày 15/02/2015)</p>
<p class='pNoiDung'><p>Nghị định này có hiệu lực từ ngày ký. Các bộ thi hành.</p></p>
<p class='pDieu'><a name='Q1'></a>Điều 8.4.NQ.1.1. Tên</p>
<p class='pGhiChu'>(Điều 1 Nghị quyết số 01/2016/NQ.HĐTP, có hiệu lực thi hành kể từ ngày 01/08/2016)</p>
<p class='pNoiDung'><p>Nội dung.</p></p>
<p class='pDieu'><a name='X'></a>Điều 16.1.LQ.292. (bị bãi bỏ)</p>
<p class='pGhiChu'>(<a href='#'>Điều 292</a> Bộ luật số 100/2015/QH13, có hiệu lực thi hành kể từ ngày 01/01/2018, bị bãi bỏ
bởi Điều 1 Luật số 12/2017/QH14 có hiệu lực thi hành kể từ ngày 01/01/2018)</p><p class='pNoiDung'></p>
</div>"""


@pytest.fixture(scope="module")
def shared(shared_dir: Path) -> ImportResult:
    """The seven shared đề mục pages read as one folder."""
    return read_source(shared_dir / "laws/phapdien/demuc")


def _articles(result: ImportResult) -> dict[str, Article]:
    return {a.key: a for d in result.documents for a in d.articles}


def _page(tmp_path: Path, html: str = PAGE, name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def test_all_1808_shared_articles_have_title_and_body(shared: ImportResult, shared_dir: Path) -> None:
    pages = (shared_dir / "laws/phapdien/demuc").glob("*.html")
    headings = sum(p.read_text(encoding="utf-8-sig").count("class='pDieu'") for p in pages)
    articles = _articles(shared)
    assert headings == 1808 and shared.article_count == 1808 and len(articles) == 1808
    assert all(a.title and a.text for a in articles.values())
    assert all(unicodedata.is_normalized("NFC", a.text + a.title) for a in articles.values())
    assert not [s for s in shared.skipped if not s.imported]


@pytest.mark.parametrize("key, title", [
    ("52/2014/QH13:81", "Việc trông nom, chăm sóc, nuôi dưỡng, giáo dục con sau khi ly hôn"),
    ("45/2019/QH14:139", "Nghỉ thai sản"),
    ("100/2015/QH13:217a", "Tội vi phạm quy định về kinh doanh theo phương thức đa cấp"),
    ("102/2016/QH13:1", "Trẻ em"),
    ("73/2006/QH11:15", None),
    ("60/2014/QH13:1", None),
    ("06/2003/PL-UBTVQH11:39", "Hiệu lực của Pháp lệnh"),
    ("145/2020/NĐ-CP:1", "Phạm vi điều chỉnh"),
])
def test_shared_keys(shared: ImportResult, key: str, title: str | None) -> None:
    article = _articles(shared)[key]
    assert title is None or article.title == title


@pytest.mark.parametrize("number, kind, title, issued, effective", [
    ("52/2014/QH13", "Luật", "Luật Hôn nhân và gia đình", "2014-06-19", "2015-01-01"),
    ("45/2019/QH14", "Bộ luật", "Bộ luật Lao động", "2019-11-20", "2021-01-01"),
    ("100/2015/QH13", "Bộ luật", "Bộ luật Hình sự", "2015-11-27", "2018-01-01"),
    ("56/2017/NĐ-CP", "Nghị định", "Nghị định quy định chi tiết một số điều của Luật Trẻ em", "2017-05-09",
     "2017-07-01"),
    ("06/2003/PL-UBTVQH11", "Pháp lệnh", "Pháp lệnh Dân số", "2003-01-09", "2003-05-01"),
])
def test_shared_documents(shared: ImportResult, number: str, kind: str, title: str, issued: str,
                          effective: str) -> None:
    doc = {d.number: d for d in shared.documents}[number]
    assert (doc.type, doc.title, doc.issued, doc.effective, doc.source) == (kind, title, issued, effective, "phapdien")
    assert doc.link.startswith("http://vbpl.vn/") and "#" not in doc.link
    assert doc.issuer in ("Quốc hội", "Chính phủ", "Uỷ ban Thường vụ Quốc hội")


def test_shared_structure_and_links(shared: ImportResult) -> None:
    articles = _articles(shared)
    a139 = articles["45/2019/QH14:139"]
    assert a139.chapter.startswith("Chương X. NHỮNG QUY ĐỊNH RIÊNG ĐỐI VỚI LAO ĐỘNG NỮ")
    assert [c.number for c in a139.clauses] == ["1", "2", "3", "4", "5"]
    assert [p.letter for p in articles["100/2015/QH13:217a"].clauses[0].points] == ["a", "b", "c"]
    assert articles["100/2015/QH13:217a"].related == ("100/2015/QH13:174", "100/2015/QH13:290")
    assert sum(1 for a in articles.values() if a.related) > 800
    assert all(r in articles and r != a.key for a in articles.values() for r in a.related)
    numbers = [a.number for a in {d.number: d for d in shared.documents}["100/2015/QH13"].articles]
    assert numbers.index("217") + 1 == numbers.index("217a")
    assert len(shared.documents) == 78  # 01/2016/NQ.HĐTP (a typo in one note) joins 01/2016/NQ-HĐTP


def test_synthetic_page(tmp_path: Path) -> None:
    result = read_source(_page(tmp_path))
    docs = {d.number: d for d in result.documents}
    assert set(docs) == {"52/2014/QH13", "126/2014/NĐ-CP", "01/2016/NQ-HĐTP", "100/2015/QH13"}
    law = docs["52/2014/QH13"]
    assert law.title == "Luật Hôn nhân và gia đình" and law.status == AMENDED and "99/2099/QH99" in law.status_note
    assert law.link == "http://vbpl.vn/TW/Pages/vbpq-toanvan.aspx?ItemID=36870"
    a81, a82 = law.articles
    assert a81.related == ("52/2014/QH13:82",) and a81.refs == ("A82", "ELSEWHERE")
    assert a82.related == () and a82.text == "Cha, mẹ không trực tiếp nuôi con có nghĩa vụ cấp dưỡng.\nCột 1 | Cột 2"
    assert [(c.number, [p.letter for p in c.points]) for c in a81.clauses] == [("1", []), ("2", ["a", "b"])]
    assert a81.chapter == "Chương V. QUAN HỆ GIỮA CHA MẸ VÀ CON" and a81.anchor == "A81"
    decree = docs["126/2014/NĐ-CP"].articles[0]
    assert decree.title == "Nghị định này có hiệu lực từ ngày ký" and decree.section == "Mục 1. CĂN CỨ"
    repealed = docs["100/2015/QH13"].articles[0]
    assert repealed.number == "292" and repealed.text.startswith("Bị bãi bỏ bởi Điều 1 Luật số 12/2017/QH14")
    assert {s.item for s in result.skipped if s.imported} >= {"Điều 8.4.NĐ.1.5.", "Điều 16.1.LQ.292. (bị bãi bỏ)"}


def test_nfd_input_becomes_nfc(tmp_path: Path) -> None:
    result = read_source(_page(tmp_path, unicodedata.normalize("NFD", PAGE)))
    a81 = {a.key: a for d in result.documents for a in d.articles}["52/2014/QH13:81"]
    assert a81.title == "Việc trông nom con sau khi ly hôn"
    assert {d.number for d in result.documents} >= {"126/2014/NĐ-CP"}


def test_same_article_twice_is_merged_and_reported(tmp_path: Path) -> None:
    result = assemble([("a.html", PAGE), ("b.html", PAGE)])
    keys = [a.key for d in result.documents for a in d.articles]
    assert len(keys) == len(set(keys)) == 5
    assert sum("appears again" in s.reason for s in result.skipped) == 5


def test_zip_equals_folder(tmp_path: Path, shared_dir: Path, shared: ImportResult) -> None:
    archive = tmp_path / "phapdien.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("jsonData.js", "var jdDeMuc = [];")
        for page in sorted((shared_dir / "laws/phapdien/demuc").glob("*.html")):
            z.write(page, f"demuc/{page.name}")
    from_zip = read_source(archive)
    assert _articles(from_zip) == _articles(shared)


@pytest.mark.parametrize("name, content, expected", [
    ("missing.html", None, "no such file"),
    ("empty.html", b"", "empty file"),
    ("other.html", "<html><body><p>Xin chào</p></body></html>".encode(), "expected a Pháp điển đề mục HTML"),
    ("latin1.html", b"<p class='pDieu'>\xd0i\xea\xcc\x80u 1.</p>", "not UTF-8"),
    ("bad.zip", b"PK\x03\x04 not really a zip", "corrupt or not a ZIP"),
    ("notes.md", b"# hello", "unknown file type '.md'"),
])
def test_bad_sources(tmp_path: Path, name: str, content: bytes | None, expected: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError) as info:
        read_source(path)
    assert str(path) in str(info.value) and expected in str(info.value)


def test_zip_without_pages_and_empty_folder(tmp_path: Path) -> None:
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("jsonData.js", "[]")
    with pytest.raises(SourceError, match="demuc"):
        read_source(archive)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="folder holds no"):
        read_source(tmp_path / "empty")


@pytest.mark.parametrize("note, key, title", [
    ("(Điều 1 Bộ luật số 45/2019/QH14 Bộ Luật lao động ngày 20/11/2019 của Quốc hội, có hiệu lực thi hành kể từ "
     "ngày 01/01/2021 )", "45/2019/QH14:1", "Bộ luật Lao động"),
    ("(Điều 39\xa0Pháp lệnh số 06/2003/PL-UBTVQH11, có hiệu lực thi hành kể từ ngày 01/05/2003)",
     "06/2003/PL-UBTVQH11:39", ""),
    ("(Điều 1 Thông tư số 34/2017/TT-BYT Hướng dẫn tư vấn, sàng lọc. ngày 18/08/2017 của Bộ Y tế, có hiệu lực thi "
     "hành kể từ ngày 02/10/2017)", "34/2017/TT-BYT:1", "Thông tư hướng dẫn tư vấn, sàng lọc"),
    ("(Điều 217a Bộ luật số 100/2015/QH13, có hiệu lực thi hành kể từ ngày 01/01/2018)", "100/2015/QH13:217a", ""),
])
def test_parse_note(note: str, key: str, title: str) -> None:
    parsed = parse_note(note)
    assert parsed is not None and f"{parsed.number}:{parsed.article}" == key and parsed.title == title


def test_unrecognised_note_is_skipped_with_reason(tmp_path: Path) -> None:
    html = PAGE.replace("(Điều 5 Nghị định số", "(Ghi chú: Nghị định")
    result = read_source(_page(tmp_path, html))
    assert "126/2014/NĐ-CP" not in {d.number for d in result.documents}
    assert [s.reason for s in result.skipped if not s.imported][0].startswith("source note not understood")


def test_every_dev_eval_article_is_imported(shared: ImportResult, shared_dir: Path) -> None:
    import json

    articles = _articles(shared)
    lines = (shared_dir / "eval/dev.jsonl").read_text(encoding="utf-8").splitlines()
    wanted = {key for line in lines if line.strip() for key in json.loads(line)["relevant"]}
    assert wanted and not sorted(wanted - set(articles))
