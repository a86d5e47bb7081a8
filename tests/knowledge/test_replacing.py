"""Replacements at import: the replaced document marked (by whom, from when), remembered until it comes, officials'
table of known replacements, hand-set status kept, status moves in the change report."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import changes
from bot.knowledge.corpus import SourceError
from bot.knowledge.corpus.model import IN_FORCE, OFFICIALS, REPLACED, Article, Document
from bot.knowledge.corpus.store import CorpusStore
from bot.knowledge.importing import import_sources
from bot.knowledge.replacing import Claim, apply_replacements, known_replacements
from bot.ops.settings import Settings
from tests.law_texts import NEW, OLD, old_and_new

@pytest.fixture
def texts(tmp_path: Path) -> dict[str, str]:
    """The old law, and a new one whose final article ends it."""
    return old_and_new(tmp_path)


def doc(number: str, effective: str = "2020-01-01", **fields) -> Document:
    """A one-article document."""
    return Document(number, type="Luật", title=f"Luật {number}", effective=effective,
                    articles=(Article(number, "1", "Tiêu đề", "Nội dung."),), **fields)


def test_the_packaged_table_names_the_successors_pháp_điển_lacks() -> None:
    known = {c.number: c for c in known_replacements()}
    assert (known["81/2006/QH11"].by, known["81/2006/QH11"].since) == ("68/2020/QH14", "2021-07-01")
    assert (known["38/2013/QH13"].by, known["38/2013/QH13"].since) == ("74/2025/QH15", "2026-01-01")
    assert known["38/2013/QH13"].name == "Luật Việc làm số 74/2025/QH15"


@pytest.mark.parametrize("row, bad", [("81/2006/QH11\t\tLuật\t01/07/2021\tx", "replacements.tsv:2"),
                                      ("81/2006/QH11\t68/2020/QH14\tLuật\t31/02/2021\tx", "effective"),
                                      ("Luật Cư trú\t68/2020/QH14\tLuật\t01/07/2021\tx", "replaced")])
def test_a_bad_row_is_named(tmp_path: Path, row: str, bad: str) -> None:
    path = tmp_path / "replacements.tsv"
    path.write_text("# comment\n" + row + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=bad):
        known_replacements(path)


def test_apply_marks_what_is_present_and_remembers_the_rest() -> None:
    new = doc(NEW, "2031-01-01", replaces=(OLD, "12/2000/QH10"))
    table = [Claim("77/2010/QH12", "78/2024/QH15", "2025-07-01", "Luật Mới số 78/2024/QH15", "replacements.tsv")]
    out, moves, pending = apply_replacements([doc(OLD), new, doc("77/2010/QH12")], table)
    old = out[0]
    assert (old.status, old.replaced_by) == (REPLACED, NEW)
    assert old.status_note == f"Đã được thay thế bởi Luật {NEW} số {NEW} từ ngày 01/01/2031."
    assert out[2].status_note == "Đã được thay thế bởi Luật Mới số 78/2024/QH15 từ ngày 01/07/2025."
    assert [(m.number, m.replaced_by, m.since) for m in moves] == [
        (OLD, NEW, "2031-01-01"), ("77/2010/QH12", "78/2024/QH15", "2025-07-01")]
    assert [(c.number, c.by) for c in pending] == [("12/2000/QH10", NEW)]
    assert apply_replacements(out, table)[1] == []  # applied once: nothing moves again


@pytest.mark.parametrize("old, why", [
    (doc(OLD, status=IN_FORCE, status_by=OFFICIALS), "officials set it by hand"),
    (doc(OLD, effective="2032-01-01"), "it came after its 'successor': a misread sentence"),
])
def test_claims_that_do_not_apply(old: Document, why: str) -> None:
    out, moves, _ = apply_replacements([old, doc(NEW, "2031-01-01", replaces=(OLD,))])
    assert out[0] == old and moves == [], why


@pytest.mark.parametrize("order", [("old", "new"), ("new", "old")])
def test_either_import_order_ends_with_the_old_law_replaced(settings: Settings, texts: dict[str, str],
                                                            order: tuple[str, str]) -> None:
    first = import_sources(settings, [texts[order[0]]])
    before = CorpusStore(settings.laws_dir).load()
    second = import_sources(settings, [texts[order[1]]])
    corpus = CorpusStore(settings.laws_dir).load()
    old = corpus.document(OLD)
    assert (old.status, old.replaced_by) == (REPLACED, NEW) and "từ ngày 01/01/2031" in old.status_note
    if order[0] == "new":  # the new law came first: it remembered the replacement until the old one came
        assert [(c.number, c.by) for c in first.pending if c.by == NEW] == [(OLD, NEW)]
    assert [(m.number, m.replaced_by, m.since) for m in second.status_moves] == [(OLD, NEW, "2031-01-01")]
    report = changes.compare_corpora(before, corpus)
    assert report.counts()["docs_replaced"] == 1
    assert f"bị thay thế ({NEW}) — Đã được thay thế bởi" in changes.format_report(report)


def test_nothing_changed_makes_no_version(settings: Settings, texts: dict[str, str]) -> None:
    first = import_sources(settings, [texts["old"], texts["new"]])
    again = import_sources(settings, [texts["new"], texts["old"]])
    assert first.changed and not again.changed and again.version == first.version
    assert CorpusStore(settings.laws_dir).versions() == [first.version]
