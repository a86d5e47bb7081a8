"""What a card operation did (CardReport) and its text for officials: cards added, changed, retired, those to review
one line per problem, and those only waiting for a document not imported yet, one line per document."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.topics import texts


@dataclass(frozen=True)
class CardReport:
    """What a card operation did: the corpus versions, cards added, changed, retired, unchanged, and the cards
    of this operation that now wait for review (id → problems) or only for documents not imported yet."""

    old_version: str = ""
    version: str = ""
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    flagged: dict[str, tuple[str, ...]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    taught: int = 0
    questions: tuple[int, ...] = ()  # article questions files imported: (added, dropped, in use)
    waiting: dict[str, int] = field(default_factory=dict)  # article questions per document not imported yet:
    # left out like a missing article's, but not for review (importing the law, then the cards again, is the fix)
    cards_waiting: dict[str, tuple[str, ...]] = field(default_factory=dict)  # document not imported yet → the cards
    # whose only problem is citing it: stored and not shown to users like any flagged card, but not counted for review

    def waiting_card_ids(self) -> tuple[str, ...]:
        """The cards waiting only for documents not imported yet, once each (a card may cite two such documents)."""
        return tuple(dict.fromkeys(i for ids in self.cards_waiting.values() for i in ids))

    def waits_for(self, card_id: str) -> tuple[str, ...]:
        """The documents not imported yet that a card waits for (() when it waits for none or is to review)."""
        return tuple(doc for doc, ids in self.cards_waiting.items() if card_id in ids)

    def counts(self) -> dict[str, int]:
        """How many cards of each kind."""
        return {"added": len(self.added), "changed": len(self.changed), "retired": len(self.retired),
                "unchanged": len(self.unchanged), "flagged": len(self.flagged),
                "waiting": sum(self.waiting.values()), "cards_waiting": len(self.waiting_card_ids())}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (with the text officials read)."""
        return {"old_version": self.old_version, "version": self.version, "counts": self.counts(),
                "added": list(self.added), "changed": list(self.changed), "retired": list(self.retired),
                "unchanged": list(self.unchanged), "flagged": {k: list(v) for k, v in self.flagged.items()},
                "taught": self.taught, "questions": list(self.questions), "waiting": dict(self.waiting),
                "cards_waiting": {k: list(v) for k, v in self.cards_waiting.items()}, "text": format_report(self)}


def by_document(waits: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Card id → documents it waits for, turned into document → card ids: the most awaited first, then by number."""
    counts = Counter(doc for docs in waits.values() for doc in docs)
    order = sorted(counts, key=lambda doc: (-counts[doc], doc))
    return {doc: tuple(sorted(i for i, docs in waits.items() if doc in docs)) for doc in order}


def format_report(report: CardReport) -> str:
    """The report as text for officials."""
    t = texts()
    lines = [t.get("cards_report_header", old=report.old_version or "-", new=report.version or "-"),
             t.get("cards_report_summary", **report.counts())]
    for kind in ("added", "changed", "retired"):
        lines += [t.get(f"cards_report_{kind}", id=i, title=report.titles.get(i, "")) for i in getattr(report, kind)]
    if report.questions:
        lines.append(t.get("cards_report_questions", **dict(zip(("added", "dropped", "total"), report.questions))))
    if report.waiting:
        lines.append(t.get("cards_report_waiting", count=sum(report.waiting.values()), documents=len(report.waiting)))
        lines += [t.get("cards_report_waiting_document", doc=d, count=n) for d, n in report.waiting.items()]
    if report.cards_waiting:
        lines.append(t.get("cards_report_cards_waiting", count=len(report.waiting_card_ids()),
                           documents=len(report.cards_waiting)))
        lines += [t.get("cards_report_cards_waiting_document", doc=d, count=len(ids))
                  for d, ids in report.cards_waiting.items()]
    lines += [t.get("cards_report_flagged", id=i, problem=p) for i, ps in report.flagged.items() for p in ps]
    return "\n".join(lines)
