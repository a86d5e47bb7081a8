"""The whole-array steps of scoring (bot/knowledge/search/bm25.py, passages.py) against plain loops over postings."""
from __future__ import annotations

import numpy as np
import pytest

from bot.knowledge.search.bm25 import accumulate
from bot.knowledge.search.passages import best_per_article, first_passages, passage_groups

# 4 terms over 5 units in CSC-like arrays: term 0 → units 0, 2; term 1 → none; term 2 → units 1, 2, 4; term 3 → 3
INDPTR = np.asarray([0, 2, 2, 5, 6], dtype=np.int64)
INDICES = np.asarray([0, 2, 1, 2, 4, 3], dtype=np.int32)
DATA = np.asarray([1.0, 2.0, 0.5, 1.5, 3.0, 4.0], dtype=np.float32)


def naive(terms: list[tuple[int, float]], n: int) -> np.ndarray:
    """Weight × posting summed one posting at a time."""
    out = np.zeros(n, dtype=np.float64)
    for col, w in terms:
        if col + 1 < len(INDPTR):
            for k in range(INDPTR[col], INDPTR[col + 1]):
                out[INDICES[k]] += w * DATA[k]
    return out


@pytest.mark.parametrize("terms", [
    [],
    [(1, 2.0)],  # a term no unit holds
    [(0, 1.0)],
    [(0, 0.5), (2, 2.0)],
    [(2, 1.0), (0, 1.0), (3, 0.25), (1, 9.0)],  # order does not matter
    [(0, 1.0), (7, 1.0)],  # a column the arrays do not have
    [(0, 1.0), (0, 1.0)],  # a term twice counts twice
])
def test_accumulate_sums_every_posting_once(terms: list[tuple[int, float]]) -> None:
    got = accumulate(terms, INDPTR, INDICES, DATA, 5)
    assert got.dtype == np.float32 and got.shape == (5,)
    assert np.allclose(got, naive(terms, 5))


@pytest.mark.parametrize("owner, part, expected", [
    ([0, 0, 1, 3, 3, 3], [0.5, 2.0, 0.0, 1.0, 0.0, 4.0], [2.0, 0.0, 0.0, 4.0]),  # article 2 has no passage
    ([1, 1], [0.0, 0.0], [0.0, 0.0, 0.0, 0.0]),
    ([], [], [0.0, 0.0, 0.0, 0.0]),
])
def test_best_passage_per_article(owner: list[int], part: list[float], expected: list[float]) -> None:
    groups = passage_groups(np.asarray(owner, dtype=np.int32))
    got = best_per_article(np.asarray(part, dtype=np.float32), groups, 4)
    assert got.tolist() == expected


def test_first_passage_of_each_article() -> None:
    groups = passage_groups(np.asarray([0, 0, 1, 3, 3, 3], dtype=np.int32))
    assert first_passages(groups, 4).tolist() == [0, 2, -1, 3]
