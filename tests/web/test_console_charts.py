"""The statistics page's SVG charts: one bar per day split answered/unanswered, labels escaped, scale from the data."""
from __future__ import annotations

import re

import pytest

from bot.web.console.charts import bars, per_day, share


def test_per_day_draws_two_stacked_bars_a_day_oldest_first() -> None:
    rows = [{"date": "2026-11-03", "questions": 10, "no_match": 4}, {"date": "2026-11-02", "questions": 5,
                                                                      "no_match": 0},
            {"date": "2026-11-01", "questions": 0, "no_match": 0}]
    svg = str(per_day(rows, "Câu hỏi"))
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert len(heights) == 6
    assert heights[-2] + heights[-1] == max(h1 + h2 for h1, h2 in zip(heights[::2], heights[1::2]))
    assert heights[-2] / heights[-1] == pytest.approx(6 / 4)  # the newest day: 6 answered under 4 unanswered
    assert re.findall(r'middle">(\d\d)</text>', svg) == ["01", "02", "03"]
    assert 'role="img"' in svg and "<title>Câu hỏi</title>" in svg


def test_labels_are_escaped_and_bars_scale_to_the_largest() -> None:
    svg = str(bars([("<script>", 8), ("b & c", 2)], "Chủ đề"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "b &amp; c" in svg
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths[0] == 4 * widths[1]


def test_share_splits_the_width() -> None:
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', str(share(3, 1, "x", width=400)))]
    assert widths == [300.0, 100.0]
