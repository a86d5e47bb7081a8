"""What `laws import` and `laws fetch` print: each source's documents, skipped items, replacements, the report."""
from __future__ import annotations

import sys
from typing import Any

from bot.knowledge.changes import format_report
from bot.knowledge.importing import ImportReport
from bot.knowledge.replacing import dmy
from bot.officials.laws import LawUpdate

PENDING_SHOWN = 10


def short(text: str, width: int) -> str:
    """Cut to width with an ellipsis."""
    return text if len(text) <= width else text[:width - 1] + "…"


def print_report(report: ImportReport, out: Any = None) -> None:
    """Per source and document: number, title, articles found; then skipped items and why."""
    out = out or sys.stdout
    for result in report.results:
        print(f"{result.source}:", file=out)
        for d in result.documents:
            again = " (replaces the copy in the corpus)" if d.number in report.replaced else ""
            print(f"  {d.number}  {short(d.title or d.type, 70)}  — {len(d.articles)} articles{again}", file=out)
        for s in result.skipped:
            print(f"  {'note' if s.imported else 'skipped'} {s.item}: {s.reason}", file=out)
    for s in report.notes:
        print(f"note: {s.source}: {s.item}: {s.reason}", file=out)
    for number in report.kept_status:
        print(f"note: {number}: kept the status set by officials (replaced/expired)", file=out)
    for move in report.status_moves:
        since = f" from {dmy(move.since)}" if move.since else ""
        print(f"replaced: {move.number} by {move.replaced_by}{since} ({move.origin})", file=out)
    mine = {d.number for d in report.imported}
    waiting = [c for c in report.pending if c.by in mine]
    for claim in waiting[:PENDING_SHOWN]:
        print(f"remembered: {claim.by} replaces {claim.number}, not in the corpus: it is marked replaced "
              "when imported", file=out)
    if len(waiting) > PENDING_SHOWN:
        print(f"remembered: … and {len(waiting) - PENDING_SHOWN} more replacements of documents not in the corpus",
              file=out)
    if not report.changed:
        print(f"nothing changed: corpus version {report.version} stays in force "
              f"({report.documents} documents, {report.articles} articles)", file=out)
        return
    print(f"corpus version {report.version}: {report.documents} documents, {report.articles} articles "
          f"({report.seconds:.1f} s)", file=out)


def print_update(update: LawUpdate) -> None:
    """The change report and the version in force (or that nothing changed)."""
    if not update.changed:
        print(f"version in force: {update.version} (unchanged)")
        return
    print(format_report(update.report))
    print(f"version in force: {update.version}; report id: {update.report_id}")


