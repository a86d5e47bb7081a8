"""How many everyday follow-up, paging, stop, English, insult and chit-chat messages the dialogue handles right.

The messages and what each should do are the table EVERYDAY of tests/conversation/test_everyday_talk.py (written
before the behaviour was tuned). Run over a real library:

    LAWS_DIR=/tmp/talk-laws python -m bot laws import ../shared/laws/phapdien/demuc ../shared/laws/text
    LAWS_DIR=/tmp/talk-laws python scripts/everyday_talk.py [--later | --fresh | --about] [--failures]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.library import load_library  # noqa: E402
from bot.ops.settings import Settings  # noqa: E402
from tests.conversation.test_everyday_talk import ABOUT_ANSWERS, EVERYDAY, FRESH, LATER, behaves  # noqa: E402


def main() -> int:
    """Print one row per behaviour (right / all) and the total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list the messages handled wrongly")
    tables = parser.add_mutually_exclusive_group()
    tables.add_argument("--later", action="store_true", help="the table written after tuning (LATER) instead")
    tables.add_argument("--fresh", action="store_true", help="the table written blind to the intents (FRESH) instead")
    tables.add_argument("--about", action="store_true",
                        help="messages about the answers themselves (ABOUT_ANSWERS: read, back, explain) instead")
    args = parser.parse_args()
    library = load_library(Settings.from_env())
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    failures = []
    table = LATER if args.later else FRESH if args.fresh else ABOUT_ANSWERS if args.about else EVERYDAY
    for text, context, expected in table:
        kind = expected.split()[0]
        total[kind] += 1
        try:
            ok, reason = behaves(library, text, context, expected)
        except Exception as exc:  # a crash counts as wrong, and is shown
            ok, reason = False, f"{type(exc).__name__}: {exc}"
        right[kind] += ok
        if not ok:
            failures.append((text, context, expected, reason))
    print("| behaviour | right | messages |\n|---|---|---|")
    for kind in total:
        print(f"| {kind} | {right[kind]} | {total[kind]} |")
    print(f"| **all** | **{sum(right.values())}** | **{sum(total.values())}** |")
    if args.failures:
        for row in failures:
            print(" | ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
