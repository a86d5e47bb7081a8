"""Upload → preview → confirm or cancel over real Redis and a real $LAWS_DIR: the preview writes nothing."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge.corpus.store import CorpusStore
from bot.knowledge.importing import import_sources
from bot.officials import law_uploads
from bot.officials.laws import LawAdminError
from bot.store.redis_state import RedisStateStore

EXTRACT = "laws/text/luat-bao-hiem-xa-hoi-2024-trich-che-do-thai-san.txt"
DV_LAW = "laws/official-text/luat-phong-chong-bao-luc-gia-dinh-2022.txt"
FACTS = {"number": "13/2022/QH15", "type": "Luật", "name": "Luật Phòng, chống bạo lực gia đình",
         "effective": "01/07/2023"}


@pytest.fixture
def parts(settings: Any, redis_client: Any, shared_dir: Path) -> tuple[Any, Any]:
    """Settings whose corpus holds the social insurance extract, and a real store."""
    import_sources(settings, [str(shared_dir / EXTRACT)])
    return settings, RedisStateStore(redis_client)


def copier(source: Path) -> Any:
    """A save(path) callable like a werkzeug FileStorage's."""
    return lambda path: shutil.copyfile(source, path)


def test_a_preview_reports_the_new_law_and_writes_nothing(parts: Any, shared_dir: Path) -> None:
    settings, store = parts
    corpus = CorpusStore(settings.laws_dir)
    before = corpus.current_version()
    staged = law_uploads.stage(settings, store, "bao-luc.txt", copier(shared_dir / DV_LAW), FACTS, "hoa")
    assert corpus.current_version() == before and corpus.versions() == [before]
    assert staged["documents"] == [{"number": "13/2022/QH15", "name": FACTS["name"] + " số 13/2022/QH15", "articles": 56}]
    assert staged["report"]["counts"]["docs_added"] == 1 and staged["report"]["counts"]["added"] == 0
    assert law_uploads.staged(store, staged["id"])["actor"] == "hoa"
    update = law_uploads.confirm(settings, store, staged["id"])
    assert corpus.current_version() != before == update.report.old_version
    assert corpus.load().document("13/2022/QH15") is not None
    assert law_uploads.staged(store, staged["id"]) is None
    assert store.keys("zlb:importfile:*") == []  # the kept file is gone
    with pytest.raises(LawAdminError):
        law_uploads.confirm(settings, store, staged["id"])  # a second confirmation imports nothing


def test_a_cancelled_upload_is_gone(parts: Any, shared_dir: Path) -> None:
    settings, store = parts
    staged = law_uploads.stage(settings, store, "bao-luc.txt", copier(shared_dir / DV_LAW), FACTS, "hoa")
    assert law_uploads.cancel(settings, store, staged["id"])
    assert law_uploads.staged(store, staged["id"]) is None and not law_uploads.cancel(settings, store, staged["id"])
    assert store.keys("zlb:importfile:*") == []


@pytest.mark.parametrize("name, content, facts, message", [
    ("law.pdf", b"%PDF", {}, "expected a Pháp điển"),
    ("law.txt", b"", {}, "empty"),
    ("law.txt", "Điều 1. Phạm vi\nNội dung.".encode(), {"number": "not a number"}, "document number"),
    ("law.txt", "Điều 1. Phạm vi\nNội dung.".encode(), {"effective": "32/13/2020"}, "date"),
    ("law.zip", b"not a zip", {}, "ZIP"),
])
def test_a_bad_upload_is_refused_with_a_reason_and_leaves_nothing(parts: Any, name: str, content: bytes,
                                                                  facts: dict[str, str], message: str) -> None:
    settings, store = parts
    before = CorpusStore(settings.laws_dir).current_version()
    with pytest.raises(LawAdminError, match=message):
        law_uploads.stage(settings, store, name, lambda path: path.write_bytes(content), facts, "hoa")
    assert CorpusStore(settings.laws_dir).current_version() == before
    assert store.keys("zlb:upload:*") == [] and store.keys("zlb:importfile:*") == []


@pytest.mark.parametrize("upload_id", ["", "../../etc", "0123456789abcdeg", "x" * 16])
def test_odd_upload_ids_find_nothing(parts: Any, upload_id: str) -> None:
    assert law_uploads.staged(parts[1], upload_id) is None


def test_an_upload_previewed_on_one_host_is_imported_by_a_worker_on_another(parts: Any, shared_dir: Path,
                                                                            tmp_path: Path) -> None:
    from bot.jobs.imports import run_import
    from bot.officials import imports
    from tests.broadcast_helpers import ListQueue

    settings, store = parts
    staged = law_uploads.stage(settings, store, "bao-luc.txt", copier(shared_dir / DV_LAW), FACTS, "hoa")
    queue = ListQueue()
    queued = law_uploads.confirm_job(store, queue, staged["id"], "lan")
    assert queued["state"] == "queued" and queued["meta"] == FACTS and law_uploads.staged(store, staged["id"]) is None
    with pytest.raises(LawAdminError):
        law_uploads.confirm_job(store, queue, staged["id"], "lan")  # taken once

    class OtherHost:
        """A worker's services on a host with its own LAWS_DIR."""

        settings = parts[0].with_(laws_dir=tmp_path / "other-host")
        store = parts[1]

    [(_, args)] = queue.jobs
    assert run_import(*args, services=OtherHost()) == "done"
    done = imports.status(store, queued["id"])
    assert done["actor"] == "lan" and done["report"]["counts"]["docs_added"] == 1
    assert CorpusStore(OtherHost.settings.laws_dir).load().document("13/2022/QH15") is not None
    assert store.keys("zlb:importfile:*") == []
