#!/usr/bin/env python3
"""Check answer card files against a corpus without importing them (the checks `python -m bot cards import` runs,
from bot.knowledge.cards.checks): fields; each cited article exists and is in force (not repealed), its clause and
point exist; every number of the answer appears in a cited article; and the article questions files
(questions-*.tsv): well formed, each article there and in force.

Usage: python scripts/check_cards.py [--laws-dir LAWS_DIR] [--cards bot/data/cards] [--stats]
The corpus is the one `python -m bot laws import` made at LAWS_DIR (import ../shared/laws/official-text too: the
cards cite the current laws it holds). Prints every problem (file: card id: problem); exits 1 if there is any.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.cards import checks, questions  # noqa: E402
from bot.knowledge.cards.model import card_from_fields, read_yaml_cards, yaml_files  # noqa: E402
from bot.knowledge.corpus.store import CorpusStore  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Print the problems; 1 if any."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=Path, default=ROOT / "bot" / "data" / "cards")
    parser.add_argument("--laws-dir", type=Path, default=Path(os.environ.get("LAWS_DIR") or ROOT / "laws"))
    parser.add_argument("--stats", action="store_true", help="also print the number of cards per topic")
    args = parser.parse_args(argv)
    corpus = CorpusStore(args.laws_dir).load()
    if not corpus.documents:
        print(f"error: no corpus at {args.laws_dir} (python -m bot laws import ...)", file=sys.stderr)
        return 2
    entries = [(p.name, e) for p in yaml_files([args.cards]) for e in read_yaml_cards(p)]
    steps, seen, problems = checks.next_steps(), Counter(str(e.get("id")) for _, e in entries), []
    for source, entry in entries:
        name = entry.get("id") if isinstance(entry, dict) else "?"
        found = checks.check_fields(entry, steps)
        if not found:
            found = checks.check_articles(card_from_fields(entry, source), corpus)
        found += ["id used twice"] if seen[str(name)] > 1 else []
        problems += [f"{source}: {name}: {p}" for p in found]
    # the article questions files: well formed, each article there and in force
    rows = [q for p in questions.question_files([args.cards]) for q in questions.read_questions(p)]
    problems += questions.shape_problems(rows)
    problems += [f"{where}: {p}" for where, p in questions.corpus_problems(rows, corpus).items()]
    if problems:
        print("\n".join(problems))
    if args.stats:
        for topic, n in Counter(e.get("topic") for _, e in entries).most_common():
            print(f"{topic}\t{n}")
        print(f"total\t{len(entries)}")
    print(f"{len(problems)} problem(s) in {len(entries)} card(s) and {len(rows)} article question(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
