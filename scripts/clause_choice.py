"""Which clause a result list shows, measured on the clauses the answer cards cite.

For every card citing a clause of an article that has several, each of the card's example questions (as typed and
without diacritics) is asked of that article, and the clause the list would show is compared with the clauses the
card cites for it (any of them counts). Rows: the first clause always; the clause sharing most of her words (first on
ties; what the list showed before); the index's own clause scores alone; what the list shows now (index score ×
(1 + words shared), the first clause × FIRST_CLAUSE_BONUS). Cards are split in two halves by position, to show the
choice holds on both.

Usage: python scripts/clause_choice.py   (imports ../shared/laws and bot/data/cards into a temporary LAWS_DIR unless
$LAWS_DIR is set and already holds them)
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from evaluate import load_library  # noqa: E402

from bot.conversation.answering import Answerer  # noqa: E402
from bot.conversation.answers import best_clause, content_query  # noqa: E402
from bot.knowledge.search.text import fold  # noqa: E402

ROWS = ("first clause", "most words shared (before)", "index clause score alone", "served: score × (1 + shared)")


def choices(answerer: Answerer, library: Any, question: str, article: Any) -> list[str | None]:
    """The clause number each row would show for one question and article."""
    query = answerer.prepare(question)
    words = content_query(answerer.intents, query)
    scores = library.index.clause_scorer(query)(article)
    shared, _ = best_clause(words, article)
    alone = max(article.clauses, key=lambda c: scores.get(c.number, 0.0))
    served, _ = best_clause(words, article, scores)
    return [article.clauses[0].number, shared.number if shared else None,
            alone.number if scores.get(alone.number) else None, served.number if served else None]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        laws_dir = Path(os.environ.get("LAWS_DIR") or Path(tmp) / "laws")
        library = load_library(laws_dir)
        if not len(library.cards):
            subprocess.run([sys.executable, "-m", "bot", "cards", "import", str(ROOT / "bot/data/cards")], cwd=ROOT,
                           env={**os.environ, "LAWS_DIR": str(laws_dir)}, check=True, stdout=subprocess.DEVNULL)
            library = load_library(laws_dir)
        answerer = Answerer()
        right: Counter[tuple[str, int, str]] = Counter()
        asked: Counter[tuple[str, int]] = Counter()
        for position, card in enumerate(library.cards.deck.active()):
            cited: dict[str, set[str]] = {}
            for ref in card.refs:
                if ref.clause:
                    cited.setdefault(ref.article_key, set()).add(ref.clause)
            for key, clauses in cited.items():
                article = library.corpus.article(key)
                if article is None or len(article.clauses) < 2:
                    continue
                for question in card.questions:
                    for typed, text in (("typed", question), ("no diacritics", fold(question))):
                        asked[(typed, position % 2)] += 1
                        for row, chosen in zip(ROWS, choices(answerer, library, text, article)):
                            right[(typed, position % 2, row)] += chosen in clauses
    print("| clause shown | typed | no diacritics | half 1 typed | half 2 typed |\n|---|---:|---:|---:|---:|")
    for row in ROWS:
        share = {t: sum(right[(t, h, row)] for h in (0, 1)) / max(1, sum(asked[(t, h)] for h in (0, 1)))
                 for t in ("typed", "no diacritics")}
        halves = [right[("typed", h, row)] / max(1, asked[("typed", h)]) for h in (0, 1)]
        print(f"| {row} | {share['typed']:.3f} | {share['no diacritics']:.3f} | {halves[0]:.3f} | {halves[1]:.3f} |")
    print(f"\n{sum(asked.values()) // 2} question × article pairs, each typed and without diacritics.\n"
          "Rerun: `. .venv/bin/activate && python scripts/clause_choice.py`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
