"""Two hosts, each with its own LAWS_DIR, on one Redis: an import, a status change or a rollback made on either
reaches the other through the store (bot.knowledge.corpus.replica), version numbers never collide, a host that starts
empty catches up, imports run as jobs from an upload kept in the store, and a killed importer frees the corpus lock."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.jobs.imports import run_import
from bot.knowledge.corpus import replica
from bot.knowledge.corpus.store import CorpusStore
from bot.knowledge.library_watch import library_holder, published_version
from bot.officials import imports
from bot.officials import laws as law_admin
from bot.ops.settings import Settings
from bot.store.redis_state import RedisStateStore
from tests.broadcast_helpers import ListQueue
from tests.conftest import REDIS_URL, ROOT

DOC = "41/2024/QH15"


@pytest.fixture
def statute(shared_dir: Path) -> Path:
    """The plain-text extract of the social insurance law (Điều 50-62)."""
    return shared_dir / "laws/text/luat-bao-hiem-xa-hoi-2024-trich-che-do-thai-san.txt"


@pytest.fixture
def hosts(settings: Settings, tmp_path: Path, redis_client: Any) -> tuple[Settings, Settings, Any]:
    """Settings of host A and host B (their own LAWS_DIR) and the store they share."""
    return (settings.with_(laws_dir=tmp_path / "a"), settings.with_(laws_dir=tmp_path / "b"),
            RedisStateStore(redis_client))


def amended(statute: Path, tmp_path: Path) -> Path:
    """The same law with Điều 53 changed."""
    text = statute.read_text(encoding="utf-8")
    head, sep, tail = text.partition("Điều 53.")
    path = tmp_path / "bhxh-amended.txt"
    path.write_text(head + sep + tail.replace("06 tháng", "07 tháng", 1), encoding="utf-8")
    return path


def test_an_import_on_one_host_is_served_by_an_empty_host(hosts: Any, statute: Path) -> None:
    a, b, store = hosts
    update = law_admin.import_documents(a, store, [str(statute)])
    holder = library_holder(b, store)
    library = holder()  # host B starts empty: it pulls the published version, builds its index, serves it
    assert library.version == update.version == published_version(store)
    assert library.corpus.article(f"{DOC}:53") is not None
    local, remote = CorpusStore(a.laws_dir), CorpusStore(b.laws_dir)
    assert remote.current_version() == update.version and any(remote.index_dir(update.version).iterdir())
    assert remote.files(update.version) == local.files(update.version)
    assert library.index.search("trợ cấp thai sản", 3)[0].doc == DOC  # its own index, built on host B


def test_every_file_of_a_version_but_its_index_travels(hosts: Any, statute: Path) -> None:
    a, b, store = hosts
    version = law_admin.import_documents(a, store, [str(statute)]).version
    extra = CorpusStore(a.laws_dir).version_dir(version)
    (extra / "cards.jsonl").write_text('{"id": "thai-san-1"}\n', encoding="utf-8")
    (extra / "more").mkdir()
    (extra / "more" / "notes.txt").write_text("ghi chú", encoding="utf-8")
    replica.forget(store, version)
    record = replica.publish(store, CorpusStore(a.laws_dir), version)
    assert {"cards.jsonl", "documents.jsonl", "manifest.json", "more/notes.txt"} <= set(record["files"])
    replica.sync(store, CorpusStore(b.laws_dir), version, lambda corpus, folder: None)
    pulled = CorpusStore(b.laws_dir).version_dir(version)
    assert (pulled / "cards.jsonl").read_text(encoding="utf-8") == '{"id": "thai-san-1"}\n'
    assert (pulled / "more" / "notes.txt").read_text(encoding="utf-8") == "ghi chú"


def test_a_damaged_published_version_is_refused_and_the_old_one_served(hosts: Any, statute: Path) -> None:
    a, b, store = hosts
    version = law_admin.import_documents(a, store, [str(statute)]).version
    store.client.delete(f"{replica.CHUNK_PREFIX}{version}:documents.jsonl:0")
    with pytest.raises(replica.ReplicaError):
        replica.pull(store, CorpusStore(b.laws_dir), version, lambda corpus, folder: None)
    assert not CorpusStore(b.laws_dir).has(version)
    assert library_holder(b, store)().version == ""  # nothing to serve yet, and nothing half-written


def test_changes_on_either_host_build_on_the_version_in_force(hosts: Any, statute: Path, tmp_path: Path) -> None:
    a, b, store = hosts
    first = law_admin.import_documents(a, store, [str(statute)])
    # host B has never pulled; its change starts from A's version and takes the next number
    second = law_admin.set_status(b, store, DOC, "replaced", "99/2030/QH16", "01/01/2031")
    assert int(second.version) == int(first.version) + 1
    assert CorpusStore(b.laws_dir).load().document(DOC).status == "replaced"
    third = law_admin.import_documents(a, store, [str(amended(statute, tmp_path))])
    assert int(third.version) == int(second.version) + 1
    assert [a.key for d in third.report.documents for a in d.articles] == [f"{DOC}:53"]
    assert CorpusStore(a.laws_dir).load().document(DOC).status == "replaced"  # B's change was kept
    assert replica.versions(store) == [first.version, second.version, third.version]


def test_a_rollback_on_one_host_moves_every_host(hosts: Any, statute: Path, tmp_path: Path) -> None:
    a, b, store = hosts
    first = law_admin.import_documents(a, store, [str(statute)])
    law_admin.import_documents(a, store, [str(amended(statute, tmp_path))])
    holder_a = library_holder(a, store, check_every=0)
    assert holder_a().version != first.version
    back = law_admin.rollback(b, store)
    assert back.version == first.version == published_version(store)
    assert holder_a.refresh(block=True) and holder_a().version == first.version
    assert "07 tháng" not in holder_a().corpus.article(f"{DOC}:53").text


def test_an_upload_queued_on_one_host_is_imported_by_a_worker_on_another(hosts: Any, statute: Path) -> None:
    a, b, store = hosts
    queue = ListQueue()
    data = statute.read_bytes()
    queued = imports.submit(store, queue, (data[i:i + 4096] for i in range(0, len(data), 4096)), "bhxh.txt",
                            "lan", max_bytes=10 * 1024 * 1024)
    assert queued["state"] == "queued" and queued["size"] == len(data)
    [(func, args)] = queue.jobs
    assert func == imports.IMPORT_JOB

    class HostB:
        settings, store = b, hosts[2]

    assert run_import(*args, services=HostB()) == "done"
    final = imports.status(store, queued["id"])
    assert final["state"] == "done" and final["progress"] == "done" and final["version"] == published_version(store)
    assert final["report"]["counts"]["docs_added"] == 1 and final["actor"] == "lan"
    assert CorpusStore(b.laws_dir).current_version() == final["version"]
    assert store.keys(imports.UPLOAD_PREFIX + "*") == []  # the upload is gone once imported
    assert run_import(*args, services=HostB()) == "done"  # run again after its worker died: nothing more
    assert library_holder(a, store)().version == final["version"]


def test_an_upload_over_the_cap_is_refused_and_nothing_kept(hosts: Any) -> None:
    _, _, store = hosts
    queue = ListQueue()
    with pytest.raises(imports.UploadTooLarge):
        imports.submit(store, queue, iter([b"x" * 600_000] * 4), "big.zip", "lan", max_bytes=2_000_000)
    assert queue.jobs == [] and store.keys("zlb:upload:*") == [] and store.keys("zlb:import:*") == []


KILLED_IMPORTER = """
import sys, time
from bot.officials.laws import corpus_lock
from bot.ops.settings import Settings
from bot.store.redis_state import RedisStateStore, connect_redis
with corpus_lock(Settings(worker_lease_seconds=2), RedisStateStore(connect_redis(sys.argv[1]))):
    print("held", flush=True)
    time.sleep(120)
"""


def test_an_importer_killed_holding_the_corpus_lock_frees_it_within_its_hold(settings: Settings,
                                                                            redis_client: Any) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_IMPORTER, REDIS_URL], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"held"
        time.sleep(7)  # longer than the 6 s hold: the heartbeat kept it
        assert redis_client.exists("zlb:lock:" + law_admin.CORPUS_LOCK)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        started = time.monotonic()
        with law_admin.corpus_lock(settings.with_(worker_lease_seconds=2), RedisStateStore(redis_client)):
            waited = time.monotonic() - started
        assert waited <= 6.5
    finally:
        proc.kill()
        proc.wait(10)


def test_a_change_of_cards_on_one_host_reaches_the_other_without_rebuilding_its_index(hosts: Any,
                                                                                     statute: Path) -> None:
    a, b, store = hosts
    first = law_admin.import_documents(a, store, [str(statute)]).version
    assert library_holder(b, store)().version == first  # B has the documents and their index
    built: list[str] = []
    version = law_admin.change_files(a, store, lambda corpus, folder: {"cards.jsonl": '{"id": "thai-san"}\n'})
    assert int(version) == int(first) + 1 and published_version(store) == version
    replica.sync(store, CorpusStore(b.laws_dir), version, lambda corpus, folder: built.append(str(folder)))
    remote = CorpusStore(b.laws_dir)
    assert (remote.version_dir(version) / "cards.jsonl").read_text(encoding="utf-8") == '{"id": "thai-san"}\n'
    assert built == [] and any(remote.index_dir(version).iterdir())  # same documents: B's index is shared
