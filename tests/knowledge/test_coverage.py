"""What the library covers (bot/knowledge/coverage.py): subjects from đề mục, documents and card topics, kept with
each corpus version and shown to officials by `laws list`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.knowledge import coverage
from bot.knowledge.corpus.model import Article, Document
from bot.knowledge.corpus.store import CorpusStore
from tests.knowledge.test_importing import run_cli


def _doc(number: str, kind: str, title: str, anchors: list[str]) -> Document:
    arts = tuple(Article(number, str(i + 1), f"Điều {i + 1}", "…", anchor=a) for i, a in enumerate(anchors))
    return Document(number, kind, title, articles=arts)


DOCS = [
    _doc("52/2014/QH13", "Luật", "Luật Hôn nhân và gia đình", ["0800400000000000100000100000000000000000"] * 3),
    _doc("126/2014/NĐ-CP", "Nghị định", "Nghị định quy định chi tiết Luật Hôn nhân và gia đình",
         ["0800400000000000100000400000000000000000"]),
    _doc("102/2016/QH13", "Luật", "Luật Trẻ em", ["0800100000000000100000100000000000000000"]),
    _doc("13/2022/QH15", "Luật", "Luật Phòng, chống bạo lực gia đình", [""] * 2),
]


def test_subjects_from_demuc_documents_and_cards() -> None:
    found = coverage.compute(DOCS, "000007", card_topics=[("thua-ke", "thừa kế")])
    subjects = {(s.kind, s.code): s for s in found.subjects}
    assert subjects[("demuc", "8.4")].name == "Hôn nhân và gia đình"
    assert subjects[("demuc", "8.4")].documents == ("52/2014/QH13", "126/2014/NĐ-CP")
    assert subjects[("demuc", "8.4")].articles == 4
    assert subjects[("demuc", "8.1")].name == "Trẻ em"
    assert subjects[("document", "13/2022/QH15")].name == "Luật Phòng, chống bạo lực gia đình"
    assert subjects[("cards", "thua-ke")].name == "thừa kế"
    assert [s.code for s in found.subjects if s.kind == "demuc"] == ["8.1", "8.4"]  # by number, not as text
    assert found.types == {"Luật": 3, "Nghị định": 1}
    assert "bao luc gia dinh" in found.terms and "hon nhan va gia dinh" in found.terms


@pytest.mark.parametrize("anchor, code", [("0800400000000000100000100000000000000000", "8.4"),
                                          ("3900300000000000100000100000000000000000", "39.3"),
                                          ("0200200000", "2.2"), ("", ""), ("abc", "")])
def test_demuc_of_an_anchor(anchor: str, code: str) -> None:
    assert coverage.demuc_of(anchor) == code


@pytest.mark.parametrize("phrases, held", [(["luật hôn nhân và gia đình"], True), (["Luật Trẻ em"], True),
                                           (["luật đất đai"], False), (["luật trẻ con"], False), (["luật tr"], False)])
def test_holds_document_by_whole_words(phrases: list[str], held: bool) -> None:
    assert coverage.compute(DOCS).holds_document(phrases) is held


def test_kept_with_the_version_and_read_back(tmp_path: Path) -> None:
    found = coverage.describe_version(tmp_path, DOCS, "000003")
    assert coverage.read(tmp_path) == found
    assert json.loads((tmp_path / coverage.COVERAGE).read_text(encoding="utf-8"))["version"] == "000003"
    assert coverage.read(tmp_path / "nowhere") is None
    # an older version without the file gets it computed (and kept) when first needed
    assert coverage.of_version(tmp_path / "old", DOCS, "000001").version == "000001"


def test_an_import_keeps_the_coverage_in_the_version_folder(real_laws_dir: Path) -> None:
    store = CorpusStore(real_laws_dir)
    found = coverage.read(store.version_dir(store.current_version() or ""))
    assert found is not None and found.version == store.current_version()
    names = {s.name for s in found.subjects if s.kind == "demuc"}
    assert {"Trẻ em", "Bình đẳng giới", "Hôn nhân và gia đình", "Hộ tịch", "Hình sự", "Lao động"} <= names


def test_laws_list_shows_subjects_and_what_is_missing(real_laws_dir: Path) -> None:
    done = run_cli(real_laws_dir, "laws", "list")
    assert done.returncode == 0, done.stderr
    assert "subjects covered:" in done.stdout and "đề mục 8.4  Hôn nhân và gia đình" in done.stdout
    missing = done.stdout.split("not in the library", 1)[1]
    assert "đất đai" in missing and "giao thông" in missing and "Hôn nhân" not in missing


def test_laws_coverage_json(real_laws_dir: Path) -> None:
    done = run_cli(real_laws_dir, "laws", "coverage", "--json")
    assert done.returncode == 0, done.stderr
    cover = json.loads(done.stdout)
    assert cover["version"] == CorpusStore(real_laws_dir).current_version()
    assert {"name": "Hôn nhân và gia đình", "kind": "demuc", "code": "8.4"}.items() <= next(
        s for s in cover["subjects"] if s["code"] == "8.4").items()
    assert {"slug": "giao-thong", "name": "giao thông"} in cover["missing"]
