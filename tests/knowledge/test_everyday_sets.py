"""The everyday evaluation sets (tests/data/everyday_questions*.tsv) are well formed and name articles the library
holds, so scripts/evaluate.py measures every row (a label gone astray would silently shrink the set)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
SETS = sorted(p.name for p in DATA.glob("everyday_questions*.tsv"))  # every set, those added later too


def _rows(name: str) -> list[list[str]]:
    """The data rows of a set, split into cells."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("name", SETS)
def test_rows_have_a_question_labels_and_a_topic(name: str) -> None:
    rows = _rows(name)
    assert len(rows) >= 150
    assert all(len(r) == 3 and r[0].strip() and r[2].strip() for r in rows)
    assert all(1 <= len([k for k in r[1].split(";") if k.strip()]) <= 3 for r in rows)
    assert len({r[0].strip().lower() for r in rows}) == len(rows)  # no question twice


@pytest.mark.parametrize("name", SETS)
def test_every_label_is_an_article_of_the_library(real_library: Any, name: str) -> None:
    missing = [k for r in _rows(name) for k in r[1].split(";") if k.strip()
               and real_library.corpus.article(k.strip()) is None]
    assert missing == []
