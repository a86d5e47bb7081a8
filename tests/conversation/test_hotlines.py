"""Hotline facts per number (bot/data/hotlines.tsv, SPEC §4) and the danger message stating them line by line."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.conversation.hotlines import HotlineError, facts, hotline_message, load_hotlines, pick_hotlines
from bot.ops.datafiles import Texts

TEXTS = Texts.load()
LINES = {h.number: h for h in load_hotlines()}
LINE_RE = re.compile(r"^• (?P<number>[\d ]+) \((?P<facts>[^)]*)\): (?P<description>.+)$", re.M)


# SPEC §4: 111, 113, 115 free; 1800... free for the caller; 1900... charged to the caller;
# "24/7" only of a line whose operator says so (111 and 1900 96 96 80)
@pytest.mark.parametrize("number, cost, hours", [
    ("113", "free", ""),
    ("111", "free", "24/7"),
    ("115", "free", ""),
    ("1900 96 96 80", "charged", "24/7"),
    ("1800 1744", "free", ""),
])
def test_each_line_carries_the_facts_spec_gives(number: str, cost: str, hours: str) -> None:
    line = LINES[number]
    assert (line.cost, line.hours) == (cost, hours)


def test_the_number_plan_decides_who_pays_and_only_two_lines_say_24_7() -> None:
    for line in LINES.values():
        if line.dial.startswith("1900"):
            assert line.cost == "charged", line.number
        if line.dial.startswith("1800") or line.dial in ("111", "113", "115"):
            assert line.cost == "free", line.number
    assert {n for n, h in LINES.items() if h.hours == "24/7"} == {"111", "1900 96 96 80"}


def test_descriptions_and_intros_claim_no_cost_or_hours_of_their_own() -> None:
    for line in LINES.values():
        assert "24/7" not in line.description and "miễn phí" not in line.description, line.number
    for key in ("danger_intro", "danger_intro_selfharm", "danger_outro", "danger_outro_no_articles"):
        assert "24/7" not in TEXTS.get(key) and "miễn phí" not in TEXTS.get(key), key


@pytest.mark.parametrize("categories", [("violence",), ("sexual",), ("trafficking",), ("child",), ("selfharm",),
                                        ("injury",), ("danger",), ("violence", "injury"), ()])
def test_danger_message_states_each_lines_own_facts(categories: tuple[str, ...]) -> None:
    message = hotline_message(TEXTS, list(LINES.values()), categories, with_articles=True)
    shown = {m["number"]: m for m in LINE_RE.finditer(message.text)}
    chosen = pick_hotlines(list(LINES.values()), categories)
    assert list(shown) == [h.number for h in chosen] and chosen
    for number, match in shown.items():
        line = LINES[number]
        said = match["facts"].split(", ")
        assert said[0] == TEXTS.get("hotline_free" if line.cost == "free" else "hotline_charged")
        assert ("24/7" in said) == (line.hours == "24/7"), number
        assert match["description"] == line.description
    assert [b.payload for b in message.buttons] == [h.dial for h in chosen]
    assert "(miễn phí, 24/7):" not in message.text.splitlines()[0]


def test_the_1900_line_is_never_called_free() -> None:
    line = LINES["1900 96 96 80"]
    assert facts(TEXTS, line) == "người gọi trả cước, 24/7"
    message = hotline_message(TEXTS, list(LINES.values()), ("sexual",), with_articles=False)
    [row] = [r for r in message.text.splitlines() if "1900 96 96 80" in r]
    assert "miễn phí" not in row


@pytest.mark.parametrize("cost, hours", [("maybe", ""), ("free", "always"), ("", "24/7")])
def test_a_row_with_unknown_facts_is_refused(tmp_path: Path, cost: str, hours: str) -> None:
    (tmp_path / "hotlines.tsv").write_text(f"999\tGọi 999\tThử\tviolence\t\t{cost}\t{hours}\n", encoding="utf-8")
    with pytest.raises(HotlineError, match="999"):
        load_hotlines(tmp_path)
