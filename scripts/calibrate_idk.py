"""Calibrate the honest "I don't know": dev questions (their gold should be found) vs off-topic messages.

For candidate thresholds on each signal (raw best BM25 score, best score per content word of the question,
best coverage of the question's words by a top-3 article, margin between the first two hits) it prints:
threshold, share of dev questions still answered (kept), hit@5 among kept, share of off-topic messages
refused, and precision/recall of the "I don't know" decision (positive = refused, relevant = off-topic).

Usage: python scripts/calibrate_idk.py [--dev ../shared/eval/dev.jsonl] [--offtopic tests/data/offtopic.txt]
The corpus is imported into a temporary LAWS_DIR unless $LAWS_DIR is set (as in scripts/evaluate.py).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bot.conversation import answers  # noqa: E402
from bot.conversation.answering import SEARCH_TOP  # noqa: E402
from bot.conversation.dialogue import Dialogue  # noqa: E402
from bot.knowledge.search.text import fold  # noqa: E402

SIGNALS = {
    "score": [0, 5, 10, 15, 20, 25, 30, 40],
    "per_word": [0, 2, 3, 4, 5, 6, 7, 8, 10],
    "coverage": [0, 0.3, 0.4, 0.5, 0.6, 0.67, 0.75],
    "margin": [0, 0.02, 0.05, 0.1, 0.2],
}


def features(dialogue: Dialogue, library: Any, text: str) -> dict[str, Any]:
    """The signals the dialogue can judge a search by, computed exactly as the dialogue searches."""
    query = dialogue.intents.spell_out(text)
    hits = library.index.search(query, top=SEARCH_TOP)
    words = answers.content_query(dialogue.intents, query)
    keys = [h.key for h in hits]
    cov = 0.0
    for key in keys[:dialogue.top]:
        article = library.corpus.article(key)
        if article is not None:
            cov = max(cov, answers.coverage(words, article))
    top = hits[0].score if hits else 0.0
    second = hits[1].score if len(hits) > 1 else 0.0
    return {"keys": keys, "score": top, "per_word": top / max(len({w for w, _, _ in words}), 1),
            "coverage": cov, "margin": (top - second) / top if top else 0.0,
            "answered": dialogue.answerer.confident(library, hits, query)}  # the dialogue's own decision


def row(name: str, threshold: float, dev: list[dict[str, Any]], short: list[dict[str, Any]],
        off: list[dict[str, Any]], keep: Any) -> str:
    """One table line for a decision rule (IDK precision counts refused dev and short questions as errors)."""
    kept = [d for d in dev if keep(d)]
    hit5 = sum(d["hit5"] for d in kept) / max(len(kept), 1)
    short_kept = sum(bool(keep(d)) for d in short)
    refused_off = sum(not keep(o) for o in off)
    refused = refused_off + len(dev) - len(kept) + len(short) - short_kept
    precision = refused_off / refused if refused else 1.0
    recall = refused_off / max(len(off), 1)
    return (f"| {name} | {threshold:g} | {len(kept) / len(dev):.3f} | {hit5:.3f} | "
            f"{sum(d['hit5'] for d in kept) / len(dev):.3f} | {short_kept / max(len(short), 1):.3f} | "
            f"{recall:.3f} | {precision:.3f} |")


def lines(path: Path) -> list[str]:
    """Non-blank, non-comment lines of a text file."""
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.startswith("#")]


def main(argv: list[str] | None = None) -> int:
    """Print the calibration tables (typed and without diacritics)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    ap.add_argument("--phapdien", type=Path, default=ROOT.parent / "shared" / "laws" / "phapdien")
    ap.add_argument("--offtopic", type=Path, default=ROOT / "tests" / "data" / "offtopic.txt")
    ap.add_argument("--short", type=Path, default=ROOT / "tests" / "data" / "ontopic_short.txt",
                    help="short everyday questions that must be answered (no gold)")
    args = ap.parse_args(argv)
    from evaluate import load_library

    rows = [json.loads(line) for line in args.dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    offtopic, short_questions = lines(args.offtopic), lines(args.short)
    with tempfile.TemporaryDirectory() as tmp:
        laws_dir = Path(os.environ["LAWS_DIR"]) if os.environ.get("LAWS_DIR") else Path(tmp) / "laws"
        library = load_library(laws_dir, args.phapdien)
        dialogue = Dialogue(lambda: library)
        print(f"{len(rows)} dev questions, {len(short_questions)} short on-topic, {len(offtopic)} off-topic, "
              f"{len(library.index)} articles; "
              f"data/idk.json: min_score {dialogue.answerer.min_score:g}, "
              f"confident_score {dialogue.answerer.confident_score:g}, min_coverage {dialogue.answerer.min_coverage:g}, "
              f"weak_coverage {dialogue.answerer.weak_coverage:g}\n")
        for variant, make in (("typed", lambda q: q), ("no diacritics", fold)):
            dev = []
            for r in rows:
                f = features(dialogue, library, make(r["question"]))
                f["hit5"] = bool(set(f["keys"][:5]) & set(r["relevant"]))
                dev.append(f)
            off = [features(dialogue, library, make(t)) for t in offtopic]
            short = [features(dialogue, library, make(t)) for t in short_questions]
            print(f"### {variant}\n")
            print("| rule | threshold | dev kept | hit@5 among kept | hit@5 overall | short kept "
                  "| off-topic refused (IDK recall) | IDK precision |\n|---|---|---|---|---|---|---|---|")
            for name, grid in SIGNALS.items():
                for t in grid:
                    print(row(name, t, dev, short, off, lambda d, n=name, t=t: d[n] >= t))
            for cov in (0.5, 0.6):
                for t in (3, 4, 5, 6):
                    print(row(f"coverage >= {cov:g} and per_word", t, dev, short, off,
                              lambda d, c=cov, t=t: d["coverage"] >= c and d["per_word"] >= t))
            for cov in (0.0, 0.3, 0.4, 0.5):  # the dialogue's rule: score >= 12 and coverage >= cov, and a
                for hi in (20, 25, 30):  # score below confident_score `hi` needs coverage >= 0.75
                    print(row(f"two-level: confident_score (min_score 12, min_coverage {cov:g}, weak 0.75)", hi,
                              dev, short, off, lambda d, c=cov, hi=hi: d["score"] >= 12 and d["coverage"] >= c and (
                                  d["score"] >= hi or d["coverage"] >= 0.75)))
            print(row("dialogue as configured", 0, dev, short, off, lambda d: d["answered"]))
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
