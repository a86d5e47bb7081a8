"""An article's passages (its numbered clauses, as indexed) and which clause a question reads best."""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

_CLAUSE_START = re.compile(r"^(\d+[a-zđ]?)\.\s")
_PASSAGE_CHARS = 800


def passages(text: str) -> list[str]:
    """An article's numbered clauses (points stay with their clause); long runs are cut."""
    out: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if out and not _CLAUSE_START.match(line) and len(out[-1]) < _PASSAGE_CHARS:
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def passage_clauses(text: str) -> list[str]:
    """The clause number each passage of passages(text) belongs to ("" before the first numbered clause)."""
    numbers: list[str] = []
    current = ""
    for passage in passages(text):
        m = _CLAUSE_START.match(passage)
        current = m.group(1) if m else current
        numbers.append(current)
    return numbers


def passage_groups(owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each article's run of passages starts, and whose run it is (passages are stored grouped by article)."""
    if not len(owner):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    return starts, np.asarray(owner[starts], dtype=np.int64)


def first_passages(groups: tuple[np.ndarray, np.ndarray], articles: int) -> np.ndarray:
    """Per article, the position of its first passage (groups: passage_groups() of the passages' owners; -1: none)."""
    first = np.full(articles, -1, dtype=np.int64)
    starts, whose = groups
    first[whose] = starts
    return first


def best_per_article(part: np.ndarray, groups: tuple[np.ndarray, np.ndarray], articles: int) -> np.ndarray:
    """Per article, the best score among its passages (groups: passage_groups() of the passages' owners)."""
    best = np.zeros(articles, dtype=np.float32)
    starts, whose = groups
    if len(starts):
        # one pass over every passage: scores are never negative, so the untouched ones change no maximum
        best[whose] = np.maximum.reduceat(part, starts)
    return best


def clause_scores(text: str, scores: Sequence[float]) -> dict[str, float]:
    """Per clause number, the best score of its passages (scores: the passages of passages(text), in order)."""
    best: dict[str, float] = {}
    for number, score in zip(passage_clauses(text), scores):
        if number:
            best[number] = max(best.get(number, 0.0), float(score))
    return best
