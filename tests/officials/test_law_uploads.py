"""Upload → preview (a worker's job) → confirm (the import job) or cancel, over real Redis and a real $LAWS_DIR: the
preview writes nothing, each step runs on whichever host's worker takes it, failures carry a kind for the console."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.jobs.imports import run_import, run_preview
from bot.knowledge.corpus.store import CorpusStore
from bot.knowledge.importing import import_sources
from bot.officials import imports, law_uploads
from bot.officials.laws import LawAdminError
from bot.store.redis_state import RedisStateStore
from tests.broadcast_helpers import ListQueue

EXTRACT = "laws/text/luat-bao-hiem-xa-hoi-2024-trich-che-do-thai-san.txt"
DV_LAW = "laws/official-text/luat-phong-chong-bao-luc-gia-dinh-2022.txt"
FACTS = {"number": "13/2022/QH15", "type": "Luật", "name": "Luật Phòng, chống bạo lực gia đình",
         "effective": "01/07/2023"}


class Host:
    """A worker's services: settings (its own LAWS_DIR) and the shared store."""

    def __init__(self, settings: Any, store: Any) -> None:
        self.settings, self.store = settings, store


@pytest.fixture
def parts(settings: Any, redis_client: Any, shared_dir: Path) -> tuple[Any, Any, ListQueue]:
    """Settings whose corpus holds the social insurance extract, a real store, a queue that records jobs."""
    import_sources(settings, [str(shared_dir / EXTRACT)])
    return settings, RedisStateStore(redis_client), ListQueue()


def stage(parts: Any, name: str, data: bytes, facts: dict[str, str] | None = None) -> dict[str, Any]:
    """Stage an upload of `data` as the console does."""
    settings, store, queue = parts
    return law_uploads.stage(settings, store, queue, name, [data], facts or {}, "hoa")


def run_jobs(parts: Any, host: Any = None) -> list[str]:
    """Run the queued preview and import jobs (on `host`, else on the first host's worker)."""
    settings, store, queue = parts
    services = host or Host(settings, store)
    results = []
    while queue.jobs:
        func, args = queue.jobs.pop(0)
        job = {law_uploads.PREVIEW_JOB: run_preview, imports.IMPORT_JOB: run_import}[func]
        results.append(job(*args, services=services))
    return results


def test_a_preview_runs_as_a_job_reports_the_new_law_and_writes_nothing(parts: Any, shared_dir: Path) -> None:
    settings, store, queue = parts
    corpus = CorpusStore(settings.laws_dir)
    before = corpus.current_version()
    staged = stage(parts, "bao-luc.txt", (shared_dir / DV_LAW).read_bytes(), FACTS)
    assert staged["state"] == "queued" and queue.jobs == [(law_uploads.PREVIEW_JOB, (staged["id"],))]
    with pytest.raises(LawAdminError) as early:
        law_uploads.confirm_job(store, queue, staged["id"], "hoa")  # nothing to confirm before the preview
    assert early.value.kind == "preview_not_ready" and len(queue.jobs) == 1
    assert run_jobs(parts) == ["ready"]
    ready = law_uploads.staged(store, staged["id"])
    assert corpus.current_version() == before and corpus.versions() == [before]
    assert ready["documents"] == [{"number": "13/2022/QH15", "name": FACTS["name"] + " số 13/2022/QH15",
                                   "articles": 56}]
    assert ready["report"]["counts"]["docs_added"] == 1 and ready["base_version"] == before
    queued = law_uploads.confirm_job(store, queue, staged["id"], "lan")
    assert queued["state"] == "queued" and queued["meta"] == FACTS and queued["actor"] == "lan"
    assert law_uploads.staged(store, staged["id"]) is None
    with pytest.raises(LawAdminError) as again:
        law_uploads.confirm_job(store, queue, staged["id"], "lan")  # a second confirmation imports nothing
    assert again.value.kind == "upload_gone"
    assert run_jobs(parts) == ["done"]
    assert corpus.current_version() != before and corpus.load().document("13/2022/QH15") is not None
    assert imports.status(store, queued["id"])["report"]["counts"]["docs_added"] == 1
    assert store.keys("zlb:importfile:*") == []  # the kept file is gone
    assert [s["id"] for s in imports.recent(store)] == [queued["id"]]


def test_a_cancelled_upload_is_gone_even_while_its_preview_waits(parts: Any, shared_dir: Path) -> None:
    settings, store, queue = parts
    data = (shared_dir / DV_LAW).read_bytes()
    previewed = stage(parts, "bao-luc.txt", data, FACTS)
    run_jobs(parts)
    assert law_uploads.cancel(store, previewed["id"])
    assert law_uploads.staged(store, previewed["id"]) is None and not law_uploads.cancel(store, previewed["id"])
    waiting = stage(parts, "bao-luc.txt", data, FACTS)
    assert law_uploads.cancel(store, waiting["id"])
    assert run_jobs(parts) == ["failed"]  # its job finds nothing, and brings nothing back
    assert law_uploads.staged(store, waiting["id"]) is None
    assert store.keys("zlb:importfile:*") == [] and store.keys("zlb:upload:*") == []


@pytest.mark.parametrize("name, content, facts, kind, message", [
    ("law.pdf", b"%PDF", {}, "file_type", "expected a Pháp điển"),
    ("law.txt", b"", {}, "empty", "empty"),
    ("law.txt", "Điều 1. Phạm vi\nNội dung.".encode(), {"number": "not a number"}, "number", "document number"),
    ("law.txt", "Điều 1. Phạm vi\nNội dung.".encode(), {"effective": "32/13/2020"}, "date", "date"),
])
def test_a_bad_upload_is_refused_at_once_with_a_kind_and_leaves_nothing(parts: Any, name: str, content: bytes,
                                                                       facts: dict[str, str], kind: str,
                                                                       message: str) -> None:
    settings, store, queue = parts
    with pytest.raises(LawAdminError, match=message) as refused:
        stage(parts, name, content, facts)
    assert refused.value.kind == kind and queue.jobs == []
    assert store.keys("zlb:upload:*") == [] and store.keys("zlb:importfile:*") == []


@pytest.mark.parametrize("name, content, kind, message", [
    ("law.zip", b"not a zip", "zip", "ZIP"),
    ("law.txt", "Luật số: 99/2024/QH15\nLời nói đầu, không có điều nào.".encode(), "no_articles", "articles"),
    ("law.txt", "Điều 1. Phạm vi\nNội dung.".encode(), "no_number", "document number"),
    ("law.docx", b"PK\x03\x04 not really a docx", "docx", ".docx"),
])
def test_a_file_the_preview_cannot_read_fails_with_a_kind_and_leaves_nothing(parts: Any, name: str, content: bytes,
                                                                            kind: str, message: str) -> None:
    settings, store, queue = parts
    before = CorpusStore(settings.laws_dir).current_version()
    staged = stage(parts, name, content)
    assert run_jobs(parts) == ["failed"]
    failed = law_uploads.staged(store, staged["id"])
    assert failed["error_kind"] == kind and message in failed["error"]
    assert CorpusStore(settings.laws_dir).current_version() == before
    assert store.keys("zlb:importfile:*") == []
    with pytest.raises(LawAdminError):
        law_uploads.confirm_job(store, queue, staged["id"], "hoa")


@pytest.mark.parametrize("upload_id", ["", "../../etc", "0123456789abcdeg", "x" * 16])
def test_odd_upload_ids_find_nothing(parts: Any, upload_id: str) -> None:
    assert law_uploads.staged(parts[1], upload_id) is None


def test_an_upload_previewed_on_one_host_is_imported_by_a_worker_on_another(parts: Any, shared_dir: Path,
                                                                            tmp_path: Path) -> None:
    settings, store, queue = parts
    staged = stage(parts, "bao-luc.txt", (shared_dir / DV_LAW).read_bytes(), FACTS)
    assert run_jobs(parts) == ["ready"]
    queued = law_uploads.confirm_job(store, queue, staged["id"], "lan")
    other = Host(settings.with_(laws_dir=tmp_path / "other-host"), store)  # its own, empty LAWS_DIR
    assert run_jobs(parts, other) == ["done"]
    done = imports.status(store, queued["id"])
    assert done["actor"] == "lan" and done["report"]["counts"]["docs_added"] == 1
    assert CorpusStore(other.settings.laws_dir).load().document("13/2022/QH15") is not None
    assert store.keys("zlb:importfile:*") == []


def test_a_preview_on_a_host_behind_compares_with_the_version_in_force(parts: Any, shared_dir: Path,
                                                                        tmp_path: Path) -> None:
    settings, store, queue = parts
    data = (shared_dir / DV_LAW).read_bytes()
    staged = stage(parts, "bao-luc.txt", data, FACTS)
    run_jobs(parts)
    first = law_uploads.confirm_job(store, queue, staged["id"], "lan")
    assert run_jobs(parts) == ["done"]
    again = stage(parts, "bao-luc.txt", data, FACTS)
    behind = Host(settings.with_(laws_dir=tmp_path / "behind"), store)  # never saw the import: it catches up first
    assert run_jobs(parts, behind) == ["ready"]
    ready = law_uploads.staged(store, again["id"])
    assert ready["base_version"] == imports.status(store, first["id"])["version"]
    assert ready["report"]["counts"]["docs_added"] == 0 and ready["report"]["counts"]["added"] == 0
