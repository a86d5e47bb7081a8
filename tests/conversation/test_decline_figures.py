"""The decline figures of the README (scripts/calibrate_idk.py) hold over everything in ../shared/laws: a regression
either way fails. Targets (issue 15): ≥ 80 % of out-of-library questions declined, ≥ 95 % of in-library everyday
questions answered, typed and without diacritics; no dev question whose article is in the top 5 declined."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.conversation.answering import Answerer
from bot.knowledge.search.text import fold
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"


def _questions(*names: str) -> list[str]:
    """First column of the data files' question lines."""
    return [ln.split("\t")[0].strip() for name in names for ln in (DATA / name).read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.startswith("#")]


@pytest.mark.parametrize("make", [lambda q: q, fold], ids=["typed", "no-diacritics"])
def test_out_of_library_declined_in_library_answered(real_library: Any, make: Any) -> None:
    answerer = Answerer()
    inside = [answerer.answer(real_library, make(q)).answered
              for q in _questions("everyday_questions.tsv", "ontopic_short.txt", "everyday.tsv")]
    outside = [answerer.answer(real_library, make(q)) for q in _questions("outofscope_questions.tsv")]
    assert len(inside) >= 150 and sum(inside) / len(inside) >= 0.95
    assert len(outside) >= 150 and sum(not a.answered for a in outside) / len(outside) >= 0.80
    declined = [a for a in outside if not a.answered]
    assert sum(bool(a.subject) for a in declined) / len(declined) >= 0.9  # and the subject is named


def test_no_dev_question_with_its_article_in_the_top_5_declined(real_library: Any, shared_dir: Path) -> None:
    answerer = Answerer()
    rows = [json.loads(line) for line in (shared_dir / "eval/dev.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    for row in rows:
        for text in (row["question"], fold(row["question"])):
            found = answerer.answer(real_library, text)
            if set(found.keys[:5]) & set(row["relevant"]):
                assert found.answered, text


@pytest.mark.parametrize("make", [lambda q: q, fold], ids=["typed", "no-diacritics"])
def test_the_tuning_set_of_everyday_wording_keeps_its_figures(real_library: Any, make: Any) -> None:
    """scope_tuning2.tsv (issue 15): measured 0.838 / 0.846 answered and 0.952 / 0.905 declined; the floors catch a
    return to the 0.53 answered of the rule before title anchors, or a loss of the declines."""
    rows = [ln.split("\t") for ln in (DATA / "scope_tuning2.tsv").read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.startswith("#")]
    answerer = Answerer()
    inside = [answerer.answer(real_library, make(r[0])).answered for r in rows if r[1] == "in"]
    outside = [answerer.answer(real_library, make(r[0])).answered for r in rows if r[1] == "out"]
    assert len(inside) >= 120 and sum(inside) / len(inside) >= 0.80
    assert len(outside) >= 60 and sum(not a for a in outside) / len(outside) >= 0.90
