"""Every wording the console's views ask for by name is in bot/data/console.json: a key typed wrong would only fail
when an official reaches that page, so the source is read here instead."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.jobs import deadletters
from bot.web.console import wording

CONSOLE = Path(__file__).resolve().parents[2] / "bot" / "web" / "console"
LOOKUPS = ("say", "table", "label")  # the wording.py functions whose first argument names a key (label: a prefix)


def used_keys() -> list[str]:
    """The constant first arguments of say(...), table(...) and label(...) calls under bot/web/console/."""
    keys: set[str] = set()
    for path in sorted(CONSOLE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            first = node.args[0]
            if name in LOOKUPS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                keys.add(first.value)
    return sorted(keys)


def test_the_scan_sees_the_views_wording() -> None:
    """A scan that found nothing would pass every case below: make sure it reads the views."""
    assert {"flash_card_saved", "card_waits_for", "menu", "page_csrf", "signin_wrong"} <= set(used_keys())


@pytest.mark.parametrize("key", used_keys())
def test_every_wording_key_used_by_the_console_exists(key: str) -> None:
    """say("key"), table("key"): the key is in console.json; label("prefix", ...): some key has that prefix."""
    known = wording.texts().keys()
    assert key in known or any(k.startswith(f"{key}_") for k in known), key


def replay_outcomes() -> list[str]:
    """The outcomes bot.jobs.deadletters.replay returns: the string constants of its return statements."""
    tree = ast.parse(Path(deadletters.__file__).read_text(encoding="utf-8"))
    replay = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "replay")
    return sorted({n.value.value for n in ast.walk(replay) if isinstance(n, ast.Return)
                   and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)})


def test_the_replay_scan_sees_the_outcomes() -> None:
    """The outcomes the deadletters page words (a scan finding none would check nothing)."""
    assert {"queued", "answered", "missing", "busy"} <= set(replay_outcomes())


@pytest.mark.parametrize("outcome", replay_outcomes())
def test_every_replay_outcome_has_its_wording(outcome: str) -> None:
    """The replay flash is looked up by outcome (flash_replayed_<outcome>), which the scan of constant keys misses."""
    assert f"flash_replayed_{outcome}" in wording.texts()
