"""`python -m bot cards|teach` and `search --json` with cards, as subprocesses over a corpus directory (no Redis)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SMALL_DECK


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """One command."""
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_import_list_show_teach_and_search(card_laws_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "LAWS_DIR": str(card_laws_dir)}
    env.pop("REDIS_URL", None)
    deck = tmp_path / "deck"
    deck.mkdir()
    (deck / "small.yaml").write_text(SMALL_DECK, encoding="utf-8")
    done = run(env, "cards", "import", str(deck))
    assert done.returncode == 0, done.stderr
    assert "2 thẻ mới" in done.stdout and "version in force: 000002" in done.stdout
    listed = json.loads(run(env, "cards", "list", "--json").stdout)
    assert [c["id"] for c in listed] == ["ket-hon-do-tuoi", "thai-san-thoi-gian-nghi"]
    assert "articles:\n  - 45/2019/QH14:139.1" in run(env, "cards", "show", "thai-san-thoi-gian-nghi").stdout
    assert run(env, "cards", "show", "khong-co").returncode == 1
    line = json.loads(run(env, "search", "--json", "nghi de duoc may thang").stdout)
    assert line["answered"] and line["hits"][0]["card"] == "thai-san-thoi-gian-nghi"
    assert all("card" not in h for h in line["hits"][1:])
    taught = run(env, "teach", "đứa nhỏ mới hai tuổi ai giữ", "--article", "52/2014/QH13:81")
    assert taught.returncode == 0, taught.stderr
    line = json.loads(run(env, "search", "--json", "đứa nhỏ mới hai tuổi ai giữ").stdout)
    assert line["hits"][0]["article"] == "81" and "card" not in line["hits"][0]
    bad = run(env, "teach", "x", "--card", "khong-co")
    assert bad.returncode == 1 and "không có thẻ" in bad.stderr
    assert run(env, "cards", "retire", "ket-hon-do-tuoi").returncode == 0
    assert run(env, "cards", "review", "thai-san-thoi-gian-nghi").returncode == 0


def test_import_summarises_article_questions_waiting_for_a_document(card_laws_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "LAWS_DIR": str(card_laws_dir)}
    env.pop("REDIS_URL", None)
    deck = tmp_path / "deck"
    deck.mkdir()
    (deck / "small.yaml").write_text(SMALL_DECK, encoding="utf-8")
    waiting = "".join(f"13/2022/QH15:{n}\tcâu hỏi số {n} về bạo lực gia đình\n" for n in range(1, 41))
    (deck / "questions-test.tsv").write_text(waiting + "52/2014/QH13:999\tđiều này không có\n"
                                             "45/2019/QH14:139\tnghỉ đẻ được mấy tháng\n", encoding="utf-8")
    done = run(env, "cards", "import", str(deck))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if "13/2022/QH15" in line] == [
        "Chưa có văn bản 13/2022/QH15: 40 câu hỏi theo điều luật chờ văn bản này được nhập (laws import)."]
    assert [line for line in lines if line.startswith("!")] == [
        "! questions-test.tsv:41: 52/2014/QH13:999: văn bản 52/2014/QH13 không có Điều 999"]
    assert "1 cần xem lại" in done.stdout and "40 câu hỏi theo điều luật chờ văn bản" in done.stdout


def test_import_summarises_cards_waiting_for_a_document(card_laws_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "LAWS_DIR": str(card_laws_dir)}
    env.pop("REDIS_URL", None)
    deck = tmp_path / "deck"
    deck.mkdir()
    waiting = SMALL_DECK.replace("[45/2019/QH14:139.1]", "[45/2019/QH14:139.1, 13/2022/QH15:3, 13/2022/QH15:22.1]")
    (deck / "small.yaml").write_text(waiting.replace("[52/2014/QH13:8.1.a, 52/2014/QH13:8.1.b]",
                                                     "[52/2014/QH13:999, 13/2022/QH15:3]"), encoding="utf-8")
    done = run(env, "cards", "import", str(deck))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if "thẻ trả lời chờ văn bản" in line][1:] == [
        "Chưa có văn bản 13/2022/QH15: 1 thẻ trả lời chờ văn bản này được nhập (laws import)."]
    assert [line for line in lines if line.startswith("!")] == [
        "! ket-hon-do-tuoi: 52/2014/QH13:999: văn bản 52/2014/QH13 không có Điều 999",
        "! ket-hon-do-tuoi: 13/2022/QH15:3: kho luật chưa có văn bản 13/2022/QH15"]
    assert "1 cần xem lại" in done.stdout and "1 thẻ trả lời chờ văn bản (1 văn bản" in done.stdout
    listed = {c["id"]: c["needs_review"] for c in json.loads(run(env, "cards", "list", "--json").stdout)}
    assert listed == {"ket-hon-do-tuoi": True, "thai-san-thoi-gian-nghi": True}
