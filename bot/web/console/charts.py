"""Small server-side SVG charts for the statistics page (no script, no outside library): bars per day, answered and
unanswered stacked, and horizontal bars for the most asked topics and articles. They scale to the page width."""
from __future__ import annotations

from typing import Any, Sequence

from markupsafe import Markup, escape

from bot.web.console.wording import say

ANSWERED, UNANSWERED, BAR = "#2e7d5b", "#d9822b", "#3b6ea8"


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    """An accessible SVG element (role img, a title) that scales with its container."""
    return Markup(f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
                  f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>')


def per_day(rows: Sequence[dict[str, Any]], title: str, width: int = 480, height: int = 180) -> Markup:
    """One bar per day, oldest left: answered (green) under unanswered (orange); the day of month underneath."""
    rows = list(reversed(rows))  # the report lists the newest day first
    top = max([r["questions"] for r in rows] + [1])
    left, bottom, plot = 30, 18, height - 18 - 8
    step = (width - left) / max(1, len(rows))
    bar = max(1.0, step * 0.7)
    body = [f'<line x1="{left}" y1="{8 + plot}" x2="{width}" y2="{8 + plot}" stroke="#999"/>',
            f'<text x="{left - 4}" y="14" font-size="11" text-anchor="end">{top}</text>',
            f'<text x="{left - 4}" y="{8 + plot}" font-size="11" text-anchor="end">0</text>']
    for i, row in enumerate(rows):
        x = left + i * step + (step - bar) / 2
        missed = min(row["no_match"], row["questions"])
        answered_h = plot * (row["questions"] - missed) / top
        missed_h = plot * missed / top
        base = 8 + plot
        tip = escape(say("chart_day_tip", date=row["date"], questions=row["questions"], missed=missed))
        body.append(f'<g><title>{tip}</title>'
                    f'<rect x="{x:.1f}" y="{base - answered_h:.1f}" width="{bar:.1f}" height="{answered_h:.1f}" '
                    f'fill="{ANSWERED}"/>'
                    f'<rect x="{x:.1f}" y="{base - answered_h - missed_h:.1f}" width="{bar:.1f}" '
                    f'height="{missed_h:.1f}" fill="{UNANSWERED}"/></g>')
        if len(rows) <= 14 or i % max(1, len(rows) // 10) == 0:
            body.append(f'<text x="{x + bar / 2:.1f}" y="{height - 4}" font-size="10" text-anchor="middle">'
                        f'{escape(row["date"][8:10])}</text>')
    return _svg(width, height, title, body)


def share(answered: int, unanswered: int, title: str, width: int = 480, height: int = 24) -> Markup:
    """One bar split between answered and unanswered questions."""
    total = max(1, answered + unanswered)
    split = width * answered / total
    return _svg(width, height, title, [
        f'<rect x="0" y="0" width="{split:.1f}" height="{height}" fill="{ANSWERED}"/>',
        f'<rect x="{split:.1f}" y="0" width="{width - split:.1f}" height="{height}" fill="{UNANSWERED}"/>'])


def bars(items: Sequence[tuple[str, int]], title: str, width: int = 480, row: int = 28) -> Markup:
    """Horizontal bars, largest first, the label above each bar and its count at its end."""
    top = max([n for _, n in items] + [1])
    height = max(row, row * len(items))
    body = []
    for i, (label, count) in enumerate(items):
        y = i * row
        length = max(2.0, (width - 60) * count / top)
        body.append(f'<text x="0" y="{y + 10}" font-size="11">{escape(label)}</text>'
                    f'<rect x="0" y="{y + 13}" width="{length:.1f}" height="9" fill="{BAR}"/>'
                    f'<text x="{length + 6:.1f}" y="{y + 22}" font-size="11">{count}</text>')
    return _svg(width, height, title, body)
