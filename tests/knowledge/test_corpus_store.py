"""CorpusStore: versioned atomic commits, failed builds leave nothing, pruning, rollback, concurrent committers."""
from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from bot.knowledge.corpus.model import Article, Clause, Document, Point
from bot.knowledge.corpus.store import KEEP_VERSIONS, Corpus, CorpusStore


def doc(number: str, *articles: tuple[str, str], title: str = "Luật Thử") -> Document:
    """A small document."""
    return Document(number=number, type="Luật", title=title, source="text", articles=tuple(
        Article(number, n, t, f"1. {t}.\na) Điểm a.", chapter="Chương I", related=(f"{number}:1",),
                clauses=(Clause("1", f"1. {t}.", (Point("a", "a) Điểm a."),)),)) for n, t in articles))


def write_marker(corpus: Corpus, index_dir: Path) -> None:
    """A trivial index: the article keys."""
    (index_dir / "keys.json").write_text(json.dumps([a.key for a in corpus.articles()]), encoding="utf-8")


def failing(corpus: Corpus, index_dir: Path) -> None:
    """An index build that fails half way."""
    (index_dir / "partial.bin").write_bytes(b"\0" * 10)
    raise RuntimeError("index build failed")


def test_empty_store(tmp_path: Path) -> None:
    store = CorpusStore(tmp_path / "laws")
    corpus = store.load()
    assert corpus.documents == {} and corpus.articles() == [] and corpus.version == ""
    assert store.current_version() is None and store.versions() == []
    with pytest.raises(LookupError):
        store.rollback()


def test_commit_and_load_round_trip(tmp_path: Path) -> None:
    store = CorpusStore(tmp_path)
    docs = [doc("52/2014/QH13", ("81", "Việc trông nom con"), ("217a", "Điều có chữ")), doc("145/2020/NĐ-CP", ("1", "X"))]
    version = store.commit(docs, write_marker)
    assert version == "000001" == store.current_version()
    corpus = store.load()
    assert list(corpus.documents) == ["52/2014/QH13", "145/2020/NĐ-CP"] and corpus.version == version
    assert corpus.documents["52/2014/QH13"] == docs[0]
    assert [a.key for a in corpus.articles()] == ["52/2014/QH13:81", "52/2014/QH13:217a", "145/2020/NĐ-CP:1"]
    assert corpus.article("52/2014/qh13:217A") == docs[0].articles[1] and corpus.article("1/2000/QH10:1") is None
    assert corpus.document("145/2020/nđ-cp") is docs[1] or corpus.document("145/2020/nđ-cp") == docs[1]
    assert json.loads((store.index_dir(version) / "keys.json").read_text())[0] == "52/2014/QH13:81"
    manifest = store.manifest(version)
    assert manifest["documents"] == 2 and manifest["articles"] == 3 and manifest["format"] == 1
    assert (tmp_path / "CURRENT").read_text().strip() == version


def test_failed_index_build_leaves_previous_version(tmp_path: Path) -> None:
    store = CorpusStore(tmp_path)
    first = store.commit([doc("1/2020/QH14", ("1", "A"))], write_marker)
    with pytest.raises(RuntimeError, match="index build failed"):
        store.commit([doc("2/2020/QH14", ("1", "B"))], failing)
    assert store.current_version() == first and store.versions() == [first]
    assert list(store.load().documents) == ["1/2020/QH14"]
    assert sorted(p.name for p in (tmp_path / "versions").iterdir()) == [first]
    assert store.commit([doc("2/2020/QH14", ("1", "B"))], write_marker) == "000002"


def test_prune_and_rollback(tmp_path: Path) -> None:
    store = CorpusStore(tmp_path)
    for i in range(KEEP_VERSIONS + 3):
        store.commit([doc(f"{i + 1}/2020/QH14", ("1", "A"))], write_marker)
    assert store.versions() == [f"{n:06d}" for n in range(4, 9)]
    assert store.rollback() == "000007" and list(store.load().documents) == ["7/2020/QH14"]
    assert store.rollback() == "000006"
    store.commit([doc("9/2020/QH14", ("1", "A"))], write_marker)
    assert store.current_version() == "000009" and "000006" in store.versions()


def _commit_many(root: str, worker: int, count: int) -> list[str]:
    store = CorpusStore(root)
    return [store.update(lambda c: list(c.documents.values()) + [doc(f"{worker}{i}/2020/QH14", ("1", "A"))],
                         write_marker) for i in range(count)]


def test_concurrent_committers_serialise(tmp_path: Path) -> None:
    # spawned, not forked: a fork copies the locks other threads of the test process hold at that moment, and a
    # forked committer once waited on one for ever (CI hung at this test)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        results = pool.starmap(_commit_many, [(str(tmp_path), w, 3) for w in range(3)])
    versions = sorted(v for r in results for v in r)
    assert versions == [f"{n:06d}" for n in range(1, 10)]
    corpus = CorpusStore(tmp_path).load()
    assert corpus.version == "000009" and len(corpus.documents) == 9  # no update lost another's documents


def test_new_fields_round_trip_and_old_data() -> None:
    from dataclasses import replace

    from bot.knowledge.corpus.model import document_from_dict, document_to_dict

    base = doc("53/2024/QH15", ("52", "(được bãi bỏ)"), ("53", "Trách nhiệm của Bộ Y tế"))
    repealed = replace(base.articles[0], repealed=True)
    full = replace(base, articles=(repealed, base.articles[1]), amended_by=("86/2025/QH15",),
                   replaces=("66/2011/QH12",))
    data = json.loads(json.dumps(document_to_dict(full)))
    assert data["amended_by"] == ["86/2025/QH15"] and data["articles"][0]["repealed"] is True
    assert document_from_dict(data) == full
    for key in ("amended_by", "replaces"):  # a corpus written before these fields existed
        del data[key]
    for a in data["articles"]:
        del a["repealed"]
    old = document_from_dict(data)
    assert (old.amended_by, old.replaces, [a.repealed for a in old.articles]) == ((), (), [False, False])
