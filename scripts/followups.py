"""Two-turn conversations: how well the dialogue ranks the articles for a second message asked soon after a first
(a follow-up that only makes sense after it, or a new question of its own).

Usage: LAWS_DIR=DIR python scripts/followups.py [FILE ...] [--new-from tests/data/everyday_questions3.tsv]
       [--off-topic tests/data/offtopic_honest.txt]
Files are `first<TAB>second<TAB>key[;key...]<TAB>topic[<TAB>kind]` (kind "new": the second message is a question of
its own; anything else, or no kind, a follow-up). tests/data/followups.tsv was written on 2026-12-01 to tune the
rule (Answerer.in_context), tests/data/followups2.tsv blind to it the same day (measured, never read row by row).
--new-from pairs every question of an everyday file with a question on another topic asked just before it: new
questions that must not be pulled towards the one before. Each second message goes through a real Dialogue after
the first (within the follow-up window); the figures are on the answer it searched for it (ranked, whether or not
it was confident enough to show).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from evaluate import everyday_rows, first_relevant, load_library  # noqa: E402

from bot.conversation.answering import SEARCH_TOP, Answer, Answerer  # noqa: E402
from bot.conversation.dialogue import Dialogue  # noqa: E402
from bot.zalo.events import TextMessage  # noqa: E402

Row = tuple[str, str, list[str], str]  # first, second, relevant keys, kind


class Recording(Answerer):
    """The bot's Answerer, keeping the last answer the dialogue searched for."""

    last: Answer | None = None

    def answer(self, library: Any, text: str, top: int = SEARCH_TOP) -> Answer:
        """As the bot's; kept."""
        self.last = super().answer(library, text, top)
        return self.last

    def in_context(self, library: Any, base: str, text: str, top: int = SEARCH_TOP) -> tuple[Answer, bool]:
        """As the bot's; kept."""
        found, refined = super().in_context(library, base, text, top)
        self.last = found
        return found, refined

    def refined(self, library: Any, base: str, text: str, top: int = SEARCH_TOP) -> tuple[Answer, bool]:
        """As the bot's; kept."""
        found, merged = super().refined(library, base, text, top)
        self.last = found
        return found, merged


def read_rows(path: Path) -> list[Row]:
    """The conversations of a file."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        kind = "new" if len(cells) > 4 and cells[4].strip() == "new" else "follow-up"
        rows.append((cells[0].strip(), cells[1].strip(), [k.strip() for k in cells[2].split(";") if k.strip()], kind))
    return rows


def new_questions(path: Path, corpus: Any) -> list[Row]:
    """Each question of an everyday file after one on another topic (the first such one 37 rows on)."""
    rows, _ = everyday_rows(path, corpus, held_out=True)
    out = []
    for i, row in enumerate(rows):
        before = next((rows[(i + d) % len(rows)] for d in range(37, 37 + len(rows))
                       if rows[(i + d) % len(rows)]["topic"] != row["topic"]), None)
        if before is not None:
            out.append((before["question"], row["question"], row["relevant"], "new"))
    return out


def off_topic(path: Path, firsts: list[str]) -> list[Row]:
    """Each message of a file of messages that are not law, asked after one of these questions (every 37th)."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    return [(firsts[(i * 37) % len(firsts)], m, [], "off-topic") for i, m in enumerate(lines)]


def measure(library: Any, rows: list[Row]) -> dict[str, list[float]]:
    """Per kind: n, hit@1, hit@5, MRR@10, the share answered and the share whose reply repeats the first reply word
    for word, of the second messages."""
    answerer = Recording()
    dialogue = Dialogue(lambda: library, answerer=answerer)
    sums: dict[str, list[float]] = {}
    for first, second, relevant, kind in rows:
        before, state = dialogue.handle(TextMessage("u", "1", first, "1000"), None)
        answerer.last = None
        after, _ = dialogue.handle(TextMessage("u", "2", second, "2000"), state)
        found = answerer.last
        rank = first_relevant(found.keys if found is not None else [], relevant)
        s = sums.setdefault(kind, [0, 0, 0, 0.0, 0, 0])
        s[0] += 1
        s[1] += rank is not None and rank < 1
        s[2] += rank is not None and rank < 5
        s[3] += 1 / (rank + 1) if rank is not None else 0.0
        s[4] += bool(found is not None and found.answered)
        s[5] += [m.text for m in after] == [m.text for m in before]
    return {k: [s[0], *(v / s[0] for v in s[1:])] for k, s in sums.items()}


def main(argv: list[str] | None = None) -> int:
    """Print one row per file and kind."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", type=Path, nargs="*",
                    default=[ROOT / "tests/data/followups.tsv", ROOT / "tests/data/followups2.tsv"])
    ap.add_argument("--new-from", type=Path, action="append", default=[],
                    help="an everyday file whose questions are asked, each after one on another topic")
    ap.add_argument("--off-topic", type=Path, action="append", default=[],
                    help="a file of messages that are not law, each asked after a question of the first --new-from "
                         "file: the share answered should stay as low as alone")
    args = ap.parse_args(argv)
    if not os.environ.get("LAWS_DIR"):
        ap.error("set LAWS_DIR to a laws directory holding ../shared/laws and the cards (see the README)")
    library = load_library(Path(os.environ["LAWS_DIR"]))
    sets = [(p.name, read_rows(p)) for p in args.files]
    sets += [(f"{p.name}, each after another topic", new_questions(p, library.corpus)) for p in args.new_from]
    if args.off_topic:
        if not args.new_from:
            ap.error("--off-topic needs a --new-from file to take the questions asked before")
        firsts = [first for first, _, _, _ in new_questions(args.new_from[0], library.corpus)]
        sets += [(f"{p.name}, each after a question", off_topic(p, firsts)) for p in args.off_topic]
    print("| set | second message | n | hit@1 | hit@5 | MRR@10 | answered | same reply again |\n"
          "|---|---|---:|---:|---:|---:|---:|---:|")
    for name, rows in sets:
        for kind, (n, h1, h5, mrr, answered, same) in sorted(measure(library, rows).items()):
            ranked = "| - | - | - |" if kind == "off-topic" else f"| {h1:.3f} | {h5:.3f} | {mrr:.3f} |"
            print(f"| {name} | {kind} | {n} {ranked} {answered:.3f} | {same:.3f} |")
    shown = " ".join(sys.argv[1:] if argv is None else argv)
    print(f"\nRerun: `. .venv/bin/activate && LAWS_DIR=DIR python scripts/followups.py {shown}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
