"""bot.officials.fetch against a loopback server serving a ZIP built from ../shared: first fetch, 304, nothing
changed, one article changed, topics by heading, and broken downloads that leave the corpus exactly as it was."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bot.knowledge.corpus.store import CorpusStore
from bot.officials import fetch as law_fetch
from bot.officials import laws as law_admin
from bot.officials.fetch import FetchError, extract_topics, fetch_laws
from bot.store.redis_state import RedisStateStore
from tests.law_texts import old_and_new
from tests.phapdien_server import build_zip, closed_port_url

LABOUR = "demuc/2efd8c6f-509f-4207-84b6-6b22ff780f2a.html"  # đề mục 20.2 Lao động
EMPTY = ("<h3>Đề mục 8.5<br />Phòng, chống bạo lực gia đình</h3><div class='_content'></div>").encode()


@pytest.fixture
def store(redis_client) -> RedisStateStore:
    """The state store on the test Redis."""
    return RedisStateStore(redis_client)


@pytest.fixture
def fetching(settings, phapdien_site):
    """Settings whose PHAPDIEN_URL is the loopback site."""
    return settings.with_(phapdien_url=phapdien_site.url)


def snapshot(laws_dir: Path) -> dict[str, bytes]:
    """Every file of $LAWS_DIR (but the lock file) with its bytes."""
    return {str(p.relative_to(laws_dir)): p.read_bytes() for p in sorted(laws_dir.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def test_first_fetch_then_304_then_unchanged_then_one_changed_article(fetching, store, phapdien_site,
                                                                       demuc_pages) -> None:
    first = fetch_laws(fetching, store)
    assert first.status == "imported" and sorted(t.number for t in first.imported) == sorted(
        ["8.1", "8.2", "8.3", "8.4", "15.3", "16.1", "20.2"])
    corpus = CorpusStore(fetching.laws_dir).load()
    assert len(corpus) == 1808 and first.update.version == "000001"
    assert store.get_json(law_admin.LAST_REPORT_KEY) == first.update.report_id
    assert first.update.details.results[0].source == "phapdien.zip"  # not the temporary folder

    second = fetch_laws(fetching, store)
    assert second.status == "not_modified" and phapdien_site.requests[-1]["If-None-Match"].startswith('"')

    phapdien_site.etags = False  # a server without validators: downloaded again, compared, nothing to commit
    third = fetch_laws(fetching, store)
    assert third.status == "unchanged" and not third.update.changed and third.update.version == "000001"
    assert CorpusStore(fetching.laws_dir).versions() == ["000001"]
    assert store.get_json(law_admin.LAST_REPORT_KEY) == first.update.report_id

    pages = dict(demuc_pages)
    pages[LABOUR] = pages[LABOUR].replace("sinh con là 06 tháng".encode(), "sinh con là 07 tháng".encode())
    phapdien_site.body, phapdien_site.etags = build_zip(pages), True
    fourth = fetch_laws(fetching, store)
    assert fourth.status == "imported" and fourth.update.version == "000002"
    assert [(a.key, a.kind) for a in fourth.update.report.articles()] == [("45/2019/QH14:139", "changed")]
    assert "[-06-] {+07+}" in "\n".join(fourth.update.report.articles()[0].diff)
    assert store.get_json(law_admin.LAST_REPORT_KEY) == fourth.update.report_id


def test_topics_are_picked_by_their_heading(fetching, store, phapdien_site, demuc_pages) -> None:
    phapdien_site.body = build_zip({**demuc_pages, "demuc/empty-shell.html": EMPTY})
    outcome = fetch_laws(fetching, store, topics=("8.4", "8.5", "99.9"))
    assert [(t.number, t.articles) for t in outcome.topics] == [("8.4", True), ("8.5", False)]
    assert outcome.imported[0].name == "Hôn nhân và gia đình" and outcome.missing == ("99.9",)
    documents = CorpusStore(fetching.laws_dir).load().documents
    assert "52/2014/QH13" in documents and "45/2019/QH14" not in documents


@pytest.mark.parametrize("mode, body, message", [
    ("offline", None, "cannot reach 127.0.0.1"),
    ("404", None, "HTTP 404"),
    ("html", b"<html><body>B\xe1\xba\xa3o tr\xc3\xac</body></html>", "not a ZIP"),
    ("ok", b"PK\x03\x04" + b"\0" * 5000, "not a ZIP"),
    ("truncated", None, "cut short"),
    ("ok", b"x" * (2 * 1024 * 1024), "more than LAW_FETCH_MAX_MB"),
    ("no-length", b"x" * (2 * 1024 * 1024), "passed LAW_FETCH_MAX_MB"),
    ("ok", build_zip({"pages/a.html": b"<p class='pDieu'>x</p>"}), "no demuc/"),
    ("ok", build_zip({"demuc/a.html": b"<h3>\xc4\x90\xe1\xbb\x81 m\xe1\xbb\xa5c 99.1</h3>"}), "none of the"),
], ids=["offline", "404", "html", "zip-magic-only", "truncated", "too-big", "too-big-streamed", "no-demuc",
        "no-wanted-topic"])
def test_a_bad_download_leaves_the_corpus_exactly_as_it_was(fetching, store, phapdien_site, tmp_path,
                                                            mode: str, body: bytes | None, message: str) -> None:
    texts = old_and_new(tmp_path)
    law_admin.import_documents(fetching, store, [texts["old"], texts["new"]])
    before = snapshot(fetching.laws_dir)
    last = store.get_json(law_admin.LAST_REPORT_KEY)
    settings = fetching.with_(law_fetch_max_mb=1, phapdien_url=closed_port_url() if mode == "offline"
                              else phapdien_site.url)
    phapdien_site.mode = mode
    if body is not None:
        phapdien_site.body = body
    with pytest.raises(FetchError, match=message):
        fetch_laws(settings, store)
    assert snapshot(fetching.laws_dir) == before and store.get_json(law_admin.LAST_REPORT_KEY) == last
    assert store.get_json(law_fetch.VALIDATORS_KEY) is None


def test_a_corrupt_member_is_refused(fetching, store, phapdien_site, demuc_pages) -> None:
    body = bytearray(build_zip(demuc_pages))
    body[len(body) // 3] ^= 0xFF
    phapdien_site.body = bytes(body)
    with pytest.raises(FetchError, match="corrupt or not a ZIP"):
        fetch_laws(fetching, store)
    assert CorpusStore(fetching.laws_dir).versions() == []


@pytest.mark.parametrize("caps, message", [({"max_members": 3}, "more than 3"),
                                           ({"max_total": 100_000}, "expands past")])
def test_extraction_caps(tmp_path: Path, demuc_pages, caps: dict[str, int], message: str) -> None:
    path = tmp_path / "phapdien.zip"
    path.write_bytes(build_zip(demuc_pages))
    with pytest.raises(FetchError, match=message):
        extract_topics(path, ("8.1", "8.4", "20.2"), tmp_path / "out", **caps)
    with zipfile.ZipFile(path) as archive:
        assert len(archive.namelist()) == 8  # 7 pages and jsonData.js


def test_a_fetch_keeps_the_texts_officials_imported(fetching, store, tmp_path) -> None:
    from tests.law_texts import statute

    text = tmp_path / "binh-dang-gioi.txt"
    text.write_text(statute("73/2006/QH11", "Bình đẳng giới", "Luật này có hiệu lực từ ngày 01/07/2007."), "utf-8")
    law_admin.import_documents(fetching, store, [str(text)])
    outcome = fetch_laws(fetching, store, topics=("8.2",))
    corpus = CorpusStore(fetching.laws_dir).load()
    assert corpus.document("73/2006/QH11").source == "text" and len(corpus.document("73/2006/QH11").articles) == 2
    assert len(corpus.documents) > 1  # the đề mục's other documents came in
    notes = [(s.item, s.reason) for s in outcome.update.details.notes]
    assert ("73/2006/QH11", "kept the text copy already in the corpus") in notes
