"""Officials' cards service over a real corpus directory and real Redis: import with a change report, edits,
retirement, flags after a law change and review, teaching that ranks from the next search, audit of each change."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.conversation.answering import Answerer
from bot.knowledge.corpus.store import CorpusStore
from bot.knowledge.library import load_library
from bot.knowledge.library_watch import published_version
from bot.knowledge.search.index import build_index
from bot.officials import audit
from bot.officials import cards as card_admin
from bot.officials import laws as law_admin
from bot.ops.settings import Settings
from bot.store import stats
from bot.store.redis_state import RedisStateStore
from tests.conftest import SMALL_DECK

WHO = "cán-bộ-test"


@pytest.fixture
def env(card_laws_dir: Path, redis_client, tmp_path: Path):
    """Settings on the small corpus, a real Redis store, the small deck written as a YAML file."""
    deck = tmp_path / "cards" / "small.yaml"
    deck.parent.mkdir()
    deck.write_text(SMALL_DECK, encoding="utf-8")
    return Settings(laws_dir=card_laws_dir), RedisStateStore(redis_client), deck


def test_import_reports_publishes_and_audits(env) -> None:
    settings, store, deck = env
    before = CorpusStore(settings.laws_dir).current_version()
    report = card_admin.import_files(settings, store, [deck.parent], WHO)
    assert report.added == ("ket-hon-do-tuoi", "thai-san-thoi-gian-nghi") and not report.flagged
    assert report.old_version == before and report.version == published_version(store) != before
    assert "2 thẻ mới" in card_admin.format_report(report)
    again = card_admin.import_files(settings, store, [deck], WHO)
    assert again.unchanged == report.added and not again.added and not again.changed
    entry = audit.recent(store, 1)[0]
    assert entry["action"] == "cards_import" and entry["actor"] == WHO and entry["details"]["version"] == again.version
    rows = card_admin.list_cards(settings)
    assert [r["id"] for r in rows] == list(report.added) and not any(r["needs_review"] for r in rows)


def test_a_malformed_card_refuses_the_whole_import(env) -> None:
    settings, store, deck = env
    entries = yaml.safe_load(SMALL_DECK)
    entries[1]["answer"] = "x" * 700
    deck.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    before = CorpusStore(settings.laws_dir).versions()
    with pytest.raises(card_admin.CardError) as failed:
        card_admin.import_files(settings, store, [deck], WHO)
    assert any("thai-san-thoi-gian-nghi" in p and "600" in p for p in failed.value.problems)
    assert CorpusStore(settings.laws_dir).versions() == before


def test_edit_changes_and_retires_by_file(env) -> None:
    settings, store, deck = env
    card_admin.import_files(settings, store, [deck], WHO)
    entries = yaml.safe_load(SMALL_DECK)
    entries[0]["answer"] = "Nam từ đủ 20 tuổi, nữ từ đủ 18 tuổi mới được kết hôn; hai người phải tự nguyện."
    deck.write_text(yaml.safe_dump(entries[:1], allow_unicode=True), encoding="utf-8")
    report = card_admin.import_files(settings, store, [deck], WHO)
    assert report.changed == ("ket-hon-do-tuoi",) and report.retired == ("thai-san-thoi-gian-nghi",)
    assert [r["id"] for r in card_admin.list_cards(settings)] == ["ket-hon-do-tuoi"]
    assert card_admin.show_card(settings, "thai-san-thoi-gian-nghi")["retired"] is True
    back = card_admin.save_card(settings, store, yaml.safe_load(SMALL_DECK)[1], WHO, "thai-san-thoi-gian-nghi")
    assert back.added == ("thai-san-thoi-gian-nghi",)
    gone = card_admin.retire_card(settings, store, "thai-san-thoi-gian-nghi", WHO)
    assert gone.retired == ("thai-san-thoi-gian-nghi",) and audit.recent(store, 1)[0]["action"] == "cards_retire"
    with pytest.raises(card_admin.CardError):
        card_admin.retire_card(settings, store, "khong-co-the-nay", WHO)


def test_a_card_citing_a_missing_article_is_imported_flagged_and_never_answers(env) -> None:
    settings, store, deck = env
    entries = yaml.safe_load(SMALL_DECK)
    entries[1]["articles"] = ["45/2019/QH14:140"]
    deck.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    report = card_admin.import_files(settings, store, [deck], WHO)
    assert list(report.flagged) == ["thai-san-thoi-gian-nghi"]
    assert "không có Điều 140" in report.flagged["thai-san-thoi-gian-nghi"][0]
    found = Answerer().answer(load_library(settings), "nghi de duoc may thang")
    assert found.card is None


def test_a_law_change_flags_the_cards_citing_it_until_reviewed(env) -> None:
    settings, store, deck = env
    card_admin.import_files(settings, store, [deck], WHO)
    library = load_library(settings)
    assert Answerer().answer(library, "nghi de duoc may thang").card.id == "thai-san-thoi-gian-nghi"
    update = law_admin.set_status(settings, store, "52/2014/QH13", "amended")  # a no-op for the labour card
    assert update.report.cards == ("ket-hon-do-tuoi",)
    card_admin.review_card(settings, store, "ket-hon-do-tuoi", WHO)

    old = CorpusStore(settings.laws_dir).load()
    changed = [d if d.number != "45/2019/QH14" else replace(d, articles=tuple(
        replace(a, text=a.text + "\n3. Khoản mới.") for a in d.articles)) for d in old.documents.values()]
    CorpusStore(settings.laws_dir).commit(changed, build_index)
    update = law_admin.after_cli_import(settings, store, old)
    assert update.report.cards == ("thai-san-thoi-gian-nghi",)
    assert "thai-san-thoi-gian-nghi" in law_admin.changes.format_report(update.report)
    library = load_library(settings)
    assert library.cards.needs_review("thai-san-thoi-gian-nghi")
    found = Answerer().answer(library, "nghi de duoc may thang")
    assert found.card is None and found.keys[0] == "45/2019/QH14:139"  # its articles only, not its text
    assert card_admin.list_cards(settings)[1]["needs_review"] is True
    card_admin.review_card(settings, store, "thai-san-thoi-gian-nghi", WHO)
    assert Answerer().answer(load_library(settings), "nghi de duoc may thang").card.id == "thai-san-thoi-gian-nghi"
    assert audit.recent(store, 1)[0]["action"] == "cards_review"


def test_review_refuses_a_card_that_still_fails(env) -> None:
    settings, store, deck = env
    entries = yaml.safe_load(SMALL_DECK)
    entries[1]["answer"] = "Chị được nghỉ 7 tháng."
    deck.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    card_admin.import_files(settings, store, [deck], WHO)
    with pytest.raises(card_admin.CardError) as failed:
        card_admin.review_card(settings, store, "thai-san-thoi-gian-nghi", WHO)
    assert any("7 tháng" in p for p in failed.value.problems)


def test_teaching_ranks_the_article_or_card_from_the_next_search(env) -> None:
    settings, store, deck = env
    card_admin.import_files(settings, store, [deck], WHO)
    question = "chồng cũ giành nuôi đứa nhỏ mới hai tuổi"
    stats.record_question(store, question, found=False)
    assert card_admin.questions(settings, store)[0] == {"date": stats.day_of(), "kind": "unanswered",
                                                        "query": question, "taught": ""}
    report = card_admin.teach(settings, store, question, WHO, article="52/2014/qh13:81")
    assert report.taught == 1 and audit.recent(store, 1)[0]["action"] == "teach"
    assert card_admin.teach(settings, store, question, WHO, article="52/2014/QH13:81").taught == 0
    found = Answerer().answer(load_library(settings), question)
    assert found.answered and found.keys[0] == "52/2014/QH13:81" and found.card is None
    assert card_admin.questions(settings, store)[0]["taught"] == "article:52/2014/QH13:81"
    card_admin.teach(settings, store, "mấy tuổi cưới vợ được", WHO, card="ket-hon-do-tuoi")
    assert Answerer().answer(load_library(settings), "mấy tuổi cưới vợ được").card.id == "ket-hon-do-tuoi"
    assert "mấy tuổi cưới vợ được" in card_admin.show_card(settings, "ket-hon-do-tuoi")["taught"]


@pytest.mark.parametrize("kwargs, fragment", [
    ({"article": "52/2014/QH13:999"}, "không có điều"),
    ({"card": "khong-co"}, "không có thẻ"),
    ({"card": "ket-hon-do-tuoi", "article": "52/2014/QH13:81"}, "chọn một"),
    ({}, "chọn một"),
])
def test_teaching_refuses_bad_targets(env, kwargs: dict, fragment: str) -> None:
    settings, store, deck = env
    card_admin.import_files(settings, store, [deck], WHO)
    with pytest.raises(card_admin.CardError, match=fragment):
        card_admin.teach(settings, store, "câu hỏi", WHO, **kwargs)


QUESTIONS = ("article\tquestion\n"
             "52/2014/QH13:81.3\tchồng cũ giành nuôi đứa nhỏ mới hai tuổi\n"
             "52/2014/QH13:81.2\tcon 8 tuoi co duoc chon o voi me khong\n"
             "45/2019/QH14:139\tnghỉ đẻ được mấy tháng\n"
             "52/2014/QH13:999\tđiều này không có\n")


def test_article_questions_import_with_the_cards_idempotently_and_keep_officials_teaching(env) -> None:
    settings, store, deck = env
    (deck.parent / "questions-test.tsv").write_text(QUESTIONS, encoding="utf-8")
    card_admin.teach(settings, store, "nuôi con sau ly hôn thế nào", WHO, article="52/2014/QH13:81")
    report = card_admin.import_files(settings, store, [deck.parent], WHO)
    assert report.questions == (3, 0, 3) and report.taught == 3
    assert any("questions-test.tsv:5" in key and "999" in p for key, ps in report.flagged.items() for p in ps)
    assert "3 mới" in card_admin.format_report(report)
    found = Answerer().answer(load_library(settings), "chồng cũ giành nuôi đứa nhỏ mới hai tuổi")
    assert found.answered and found.keys[0] == "52/2014/QH13:81"
    again = card_admin.import_files(settings, store, [deck.parent], WHO)
    assert again.questions == (0, 0, 3) and again.taught == 0
    (deck.parent / "questions-test.tsv").write_text(QUESTIONS.replace("nghỉ đẻ", "nghi de"), encoding="utf-8")
    edited = card_admin.import_files(settings, store, [deck.parent / "questions-test.tsv"], WHO)
    assert edited.questions == (1, 1, 3) and not edited.added and not edited.retired
    deck_now = load_library(settings).cards.deck
    assert len(deck_now.active()) == 2  # importing a questions file alone leaves the cards as they are
    by_source = {(e.source, e.text) for e in deck_now.examples}
    assert ("", "nuôi con sau ly hôn thế nào") in by_source and len(by_source) == 4
    assert ("questions-test.tsv", "nghi de được mấy tháng") in by_source
    assert ("questions-test.tsv", "nghỉ đẻ được mấy tháng") not in by_source


def test_a_malformed_questions_file_refuses_the_whole_import(env) -> None:
    settings, store, deck = env
    (deck.parent / "questions-bad.tsv").write_text("52/2014/QH13\tthiếu số điều\n45/2019/QH14:139\t\n",
                                                   encoding="utf-8")
    before = CorpusStore(settings.laws_dir).versions()
    with pytest.raises(card_admin.CardError) as failed:
        card_admin.import_files(settings, store, [deck.parent], WHO)
    assert any("questions-bad.tsv:1" in p for p in failed.value.problems)
    assert any("questions-bad.tsv:2" in p for p in failed.value.problems)
    assert CorpusStore(settings.laws_dir).versions() == before


WAITING_ROWS = ("13/2022/QH15:3\tbị chồng đánh thì báo ai\n"
                "13/2022/QH15:22.1\tlam sao xin lenh cam tiep xuc\n"
                "81/2006/QH11:12\tđăng ký tạm trú ở đâu\n")


@pytest.mark.parametrize("extra, flagged_lines", [
    ("", []),
    ("52/2014/QH13:999\tđiều này không có\n", ["questions-test.tsv:8"]),
])
def test_questions_waiting_for_a_document_are_summarised_per_document_not_flagged(env, extra: str,
                                                                                 flagged_lines: list[str]) -> None:
    settings, store, deck = env
    rows = QUESTIONS.rsplit("52/2014/QH13:999", 1)[0] + WAITING_ROWS + extra  # the waiting rows are lines 5-7
    (deck.parent / "questions-test.tsv").write_text(rows, encoding="utf-8")
    report = card_admin.import_files(settings, store, [deck.parent], WHO)
    assert report.questions == (3, 0, 3) and list(report.flagged) == flagged_lines
    assert report.waiting == {"13/2022/QH15": 2, "81/2006/QH11": 1}
    assert report.counts()["waiting"] == 3 and report.counts()["flagged"] == len(flagged_lines)
    text = card_admin.format_report(report)
    assert f"{len(flagged_lines)} cần xem lại" in text
    assert "3 câu hỏi theo điều luật chờ văn bản (2 văn bản" in text
    assert [line for line in text.splitlines() if "13/2022/QH15" in line] == [
        "Chưa có văn bản 13/2022/QH15: 2 câu hỏi theo điều luật chờ văn bản này được nhập (laws import)."]
    assert text.count("81/2006/QH11") == 1 and not any(f"questions-test.tsv:{n}" in text for n in (5, 6, 7))
    data = report.to_dict()
    assert data["waiting"] == report.waiting and data["counts"]["waiting"] == 3
    assert set(data["flagged"]) == set(flagged_lines) and data["questions"] == [3, 0, 3]
    examples = load_library(settings).cards.deck.examples
    assert len(examples) == 3 and not any("tam tru" in e.text or "tạm trú" in e.text for e in examples)


@pytest.mark.parametrize("articles, waiting, problems", [
    (["45/2019/QH14:139.1", "13/2022/QH15:3"], {"13/2022/QH15": ("thai-san-thoi-gian-nghi",)}, []),
    (["13/2022/QH15:3", "81/2006/QH11:12"], {"13/2022/QH15": ("thai-san-thoi-gian-nghi",),
                                              "81/2006/QH11": ("thai-san-thoi-gian-nghi",)}, []),
    (["45/2019/QH14:140", "13/2022/QH15:3"], {}, ["không có Điều 140", "chưa có văn bản 13/2022/QH15"]),
    (["52/2014/QH13:8.1", "13/2022/QH15:3"], {}, ["chưa có văn bản 13/2022/QH15", "'6 tháng'", "'2 tháng'"]),
])
def test_a_card_only_citing_a_document_not_imported_yet_is_counted_per_document_not_for_review(
        env, articles: list[str], waiting: dict[str, tuple[str, ...]], problems: list[str]) -> None:
    settings, store, deck = env
    entries = yaml.safe_load(SMALL_DECK)
    entries[1]["articles"] = articles
    deck.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    report = card_admin.import_files(settings, store, [deck], WHO)
    assert report.cards_waiting == waiting and report.counts()["cards_waiting"] == (1 if waiting else 0)
    assert list(report.flagged) == (["thai-san-thoi-gian-nghi"] if problems else [])
    listed = report.flagged.get("thai-san-thoi-gian-nghi", ())
    assert [p for p in problems if not any(p in line for line in listed)] == []
    text = card_admin.format_report(report)
    assert f"{len(report.flagged)} cần xem lại" in text
    assert len([line for line in text.splitlines() if line.startswith("!")]) == len(problems)
    assert [line for line in text.splitlines() if "thẻ trả lời chờ văn bản này" in line] == [
        f"Chưa có văn bản {doc}: 1 thẻ trả lời chờ văn bản này được nhập (laws import)." for doc in waiting]
    assert ("1 thẻ trả lời chờ văn bản" in text) == bool(waiting)
    data = report.to_dict()
    assert data["cards_waiting"] == {doc: list(ids) for doc, ids in waiting.items()}
    assert set(data["flagged"]) == set(report.flagged) and data["counts"]["flagged"] == len(report.flagged)
    # Waiting or to review, the card is stored and never shows its text, exactly as before.
    library = load_library(settings)
    assert library.cards.card("thai-san-thoi-gian-nghi") is not None
    assert library.cards.needs_review("thai-san-thoi-gian-nghi")
    assert Answerer().answer(library, "nghi de duoc may thang").card is None
    assert card_admin.list_cards(settings)[1]["needs_review"] is True
    assert audit.recent(store, 1)[0]["details"]["cards_waiting"] == (["thai-san-thoi-gian-nghi"] if waiting else [])


def test_cards_waiting_are_grouped_by_document_most_awaited_first() -> None:
    waits = {"b": ("2/2020/QH14",), "a": ("2/2020/QH14", "1/2020/QH14"), "c": ("3/2020/QH14",)}
    grouped = card_admin.by_document(waits)
    assert grouped == {"2/2020/QH14": ("a", "b"), "1/2020/QH14": ("a",), "3/2020/QH14": ("c",)}
    report = card_admin.CardReport(cards_waiting=grouped)
    assert report.waiting_card_ids() == ("a", "b", "c") and report.counts()["cards_waiting"] == 3
    assert report.waits_for("a") == ("2/2020/QH14", "1/2020/QH14") and report.waits_for("z") == ()
    assert "3 thẻ trả lời chờ văn bản (3 văn bản" in card_admin.format_report(report)
