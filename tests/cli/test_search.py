"""`python -m bot search`: one query, stdin mode, --json lines, --top, over a corpus imported into a tmp LAWS_DIR."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

_ARTICLE = ("<p class='pDieu'><a name='{anchor}'></a>Điều 8.4.LQ.{n}. {title}</p>"
            "<p class='pGhiChu'><a href='http://vbpl.vn/x' target='_blank'>(Điều {n} Luật số 52/2014/QH13 "
            "Hôn nhân và gia đình ngày 19/06/2014 của Quốc hội, có hiệu lực thi hành kể từ ngày 01/01/2015)</a></p>"
            "<p class='pNoiDung'><p>{body}</p></p>")
_ARTICLES = [
    ("8", "Điều kiện kết hôn", "1. Nam từ đủ 20 tuổi trở lên, nữ từ đủ 18 tuổi trở lên."),
    ("51", "Quyền yêu cầu giải quyết ly hôn", "Vợ, chồng hoặc cả hai người có quyền yêu cầu Tòa án giải quyết ly hôn."),
    ("107", "Nghĩa vụ cấp dưỡng", "Cha, mẹ có nghĩa vụ cấp dưỡng cho con chưa thành niên."),
]


@pytest.fixture(scope="module")
def laws_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A LAWS_DIR holding a three-article Pháp điển page, imported with `python -m bot laws import`."""
    tmp = tmp_path_factory.mktemp("search_cli")
    body = "".join(_ARTICLE.format(anchor=f"08004000000000001000{int(n):04d}0000000000000000", n=n, title=t, body=b)
                   for n, t, b in _ARTICLES)
    page = tmp / "demuc.html"
    page.write_text("<h3>Đề mục 8.4<br />Hôn nhân và gia đình</h3><div class='_content'>"
                    "<p class='pChuong'>Chương I</p>" + body + "</div>", encoding="utf-8")
    env = {**os.environ, "LAWS_DIR": str(tmp / "laws")}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "bot", "laws", "import", str(page)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return env


def _search(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "search", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_one_query_json(laws_env: dict[str, str]) -> None:
    done = _search(laws_env, "--json", "--top", "3", "điều kiện kết hôn")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["query"] == "điều kiện kết hôn"
    hits = result["hits"]
    assert 1 <= len(hits) <= 3
    assert hits[0] == {"doc": "52/2014/QH13", "article": "8", "title": hits[0]["title"], "score": hits[0]["score"]}
    assert "kết hôn" in hits[0]["title"].lower()
    assert all(h["score"] > 0 for h in hits) and [h["score"] for h in hits] == sorted(
        (h["score"] for h in hits), reverse=True)


def test_stdin_one_json_line_per_query_in_order(laws_env: dict[str, str]) -> None:
    queries = ["nghia vu cap duong", "ly hôn", "xyzzy", "ket hon"]
    done = _search(laws_env, "--json", "--top", "1", stdin="\n".join(queries) + "\n")
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["query"] for r in results] == queries
    assert [r["hits"][0]["article"] if r["hits"] else None for r in results] == ["107", "51", None, "8"]
    assert all(len(r["hits"]) <= 1 for r in results)


def test_table_output(laws_env: dict[str, str]) -> None:
    done = _search(laws_env, "cấp", "dưỡng")
    assert done.returncode == 0, done.stderr
    assert "52/2014/QH13:107" in done.stdout and "Nghĩa vụ cấp dưỡng" in done.stdout


def test_empty_corpus_answers_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "LAWS_DIR": str(tmp_path / "empty")}
    done = _search(env, "--json", "kết hôn")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"query": "kết hôn", "hits": [], "answered": False}


def test_reader_going_away_is_not_a_traceback(laws_env: dict[str, str]) -> None:
    # `python -m bot search < questions.txt | head -1`: the pipe closes while answers are still being written
    proc = subprocess.Popen([sys.executable, "-m", "bot", "search", "--json"], cwd=ROOT, env=laws_env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(("điều kiện kết hôn\n" * 2000).encode())
    proc.stdin.close()
    assert proc.stdout.readline().startswith(b'{"query"')
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 141 and "Traceback" not in err, err


MESSAGES = ["nghỉ đẻ được mấy tháng", "nghi de duoc may thang", "chồng đánh vợ bị phạt bao nhiêu",
            "Thủ tục làm sổ đỏ lần đầu thế nào", "vuot den do bi phat bao nhieu", "xin số điện thoại ủy ban xã",
            "thời tiết hôm nay thế nào", "ly hôn ai nuôi con", "làm hộ chiếu cho con cần gì",
            "tiền thuê nhà sau khi cưới là của chung hay của riêng", "kể chuyện cười đi"]


def test_answered_is_the_dialogues_decision(real_laws_dir: Path) -> None:
    """`search --json` says "answered" exactly when the dialogue answers the same message with articles."""
    from bot.conversation.dialogue import Dialogue
    from bot.knowledge.library import load_library
    from bot.ops.settings import Settings
    from bot.zalo.events import TextMessage

    env = {**os.environ, "LAWS_DIR": str(real_laws_dir)}
    env.pop("REDIS_URL", None)
    done = _search(env, "--json", stdin="\n".join(MESSAGES) + "\n")
    assert done.returncode == 0, done.stderr
    answered = [json.loads(line)["answered"] for line in done.stdout.splitlines()]
    library = load_library(Settings(laws_dir=real_laws_dir))
    dialogue = Dialogue(lambda: library)
    said = [(dialogue.handle(TextMessage("u", "m", text, "1"), None)[1] or {})["actions"]["question"]["found"]
            for text in MESSAGES]
    assert answered == said
    assert True in said and False in said  # the table holds both decisions


@pytest.mark.parametrize("text", ["xin chào", "chào bạn", "xem toàn văn", "cảm ơn", "ok", "hihi"])
def test_small_talk_is_never_answered_with_articles(real_laws_dir: Path, text: str) -> None:
    """"xin chào" shares "chào" with "chào bán" (securities fraud): the dialogue greets her and never searches, so
    `search --json` must not say the bot answers it."""
    from bot.conversation.dialogue import Dialogue
    from bot.knowledge.library import load_library
    from bot.ops.settings import Settings
    from bot.zalo.events import TextMessage

    env = {**os.environ, "LAWS_DIR": str(real_laws_dir)}
    env.pop("REDIS_URL", None)
    done = _search(env, "--json", text)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["answered"] is False
    dialogue = Dialogue(lambda: load_library(Settings(laws_dir=real_laws_dir)))
    assert "question" not in ((dialogue.handle(TextMessage("u", "m", text, "1"), None)[1] or {}).get("actions") or {})
