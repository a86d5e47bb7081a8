"""The decision "answered or declined": in-library everyday questions must be answered, legal questions on subjects
the library lacks declined (naming the subject), off-topic messages refused, and no dev question whose article is
in the top 5 declined. Prints the tables of the README's Benchmarks ("I don't know" and declines).

Usage: python scripts/calibrate_idk.py [--dev ../shared/eval/dev.jsonl] [--tuning tests/data/scope_tuning2.tsv ...]
                                      [--honest tests/data/scope_honest.tsv ...] [--misses]
The corpus is every file of ../shared/laws imported into a temporary LAWS_DIR unless $LAWS_DIR is set (as in
scripts/evaluate.py). Rows: "score only" is the earlier rule (data/idk.json thresholds alone); "bot" is what the
bot does (bot.conversation.answering.Answerer with bot/conversation/scope.py), asked exactly as the dialogue asks.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from evaluate import LAW_SOURCES, SHARED, VARIANTS, load_library  # noqa: E402

DATA = ROOT / "tests" / "data"
IN_LIBRARY = ("everyday_questions.tsv", "ontopic_short.txt", "everyday.tsv")
OUT_OF_LIBRARY = ("outofscope_questions.tsv",)
OFF_TOPIC = ("offtopic.txt", "offtopic2.txt")
OFF_TOPIC_HONEST = ("offtopic_honest.txt",)  # written after bot/data/everyday_topics.tsv, never used to tune it
TUNING = ("scope_tuning2.tsv",)  # in/out questions written to tune the rule on everyday wording (reported apart)
HONEST = ("scope_honest.tsv", "scope_honest2.tsv", "scope_honest3.tsv")  # written after the rule was tuned, never
# used to tune it
Decide = Callable[[str], tuple[bool, str, list[str]]]


def lines(path: Path) -> list[list[str]]:
    """Non-blank, non-comment lines of a data file, split on tabs."""
    return [ln.rstrip("\n").split("\t") for ln in path.read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.startswith("#")]


def deciders(library: Any) -> dict[str, Decide]:
    """Each rule as message → (answered, named subject, ranked keys)."""
    from bot.conversation.answering import Answerer

    answerer = Answerer()

    def bot(text: str) -> tuple[bool, str, list[str]]:
        found = answerer.answer(library, text)
        return found.answered, found.subject, found.keys

    def score_only(text: str) -> tuple[bool, str, list[str]]:
        found = answerer.answer(library, text)
        return answerer.confident(library, found.hits, found.query), "", found.keys

    return {"score only (data/idk.json, before)": score_only, "bot (score + scope: what it serves)": bot}


def share(xs: list[bool]) -> str:
    """A share with three decimals ('-' for none)."""
    return f"{sum(xs) / len(xs):.3f}" if xs else "-"


def decline_table(rules: dict[str, Decide], inside: list[str], outside: list[str], off: list[str],
                  dev: list[dict[str, Any]]) -> str:
    """Markdown table: answered in-library, declined out-of-library (recall), precision of "declined", subjects
    named, off-topic refused, dev answered and dev top-5 declined."""
    head = ("| rule | queries | in-library answered | out-of-library declined (recall) | \"declined\" precision | "
            "subject named (of declined out) | off-topic refused | dev answered | dev hit@5 among answered | "
            "dev top-5 declined |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = [head]
    for name, decide in rules.items():
        for variant, make in VARIANTS:
            ins = [decide(make(q)) for q in inside]
            outs = [decide(make(q)) for q in outside]
            offs = [decide(make(q)) for q in off]
            devs = [(decide(make(r["question"])), r) for r in dev]
            declined_out = sum(not a for a, _, _ in outs)
            declined_in = sum(not a for a, _, _ in ins)
            precision = declined_out / (declined_out + declined_in) if declined_out + declined_in else 1.0
            named = [bool(s) for a, s, _ in outs if not a]
            top5 = [bool(set(keys[:5]) & set(r["relevant"])) for (_, _, keys), r in devs]
            answered_dev = [a for (a, _, _), _ in devs]
            hit_kept = [t for t, a in zip(top5, answered_dev) if a]
            lost = sum(1 for t, a in zip(top5, answered_dev) if t and not a)
            rows.append(f"| {name} | {variant} | {share([a for a, _, _ in ins])} "
                        f"| {share([not a for a, _, _ in outs])} "
                        f"| {precision:.3f} | {share(named)} | {share([not a for a, _, _ in offs])} | "
                        f"{share(answered_dev)} | {share(hit_kept)} | {lost} of {sum(top5)} |")
    return "\n".join(rows)


def misses(decide: Decide, inside: list[str], outside: list[str]) -> str:
    """The in-library questions declined and the out-of-library ones answered, as typed."""
    out = [f"- declined (in library): {q}" for q in inside if not decide(q)[0]]
    out += [f"- answered (not in library): {q}  → {', '.join(decide(q)[2][:2])}" for q in outside if decide(q)[0]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Print the decline tables (calibration sets, then the honest part written after tuning)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=SHARED / "eval" / "dev.jsonl")
    ap.add_argument("--honest", type=Path, nargs="+", default=[DATA / name for name in HONEST],
                    help="question<TAB>in|out<TAB>note files, written after the rule was tuned (each, then combined)")
    ap.add_argument("--tuning", type=Path, nargs="*", default=[DATA / name for name in TUNING],
                    help="question<TAB>in|out<TAB>note files used to tune the rule (each reported as a tuning set)")
    ap.add_argument("--misses", action="store_true", help="list the calibration questions decided wrongly")
    args = ap.parse_args(argv)
    dev = [json.loads(line) for line in args.dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    inside = [r[0] for name in IN_LIBRARY for r in lines(DATA / name)]
    outside = [r[0] for name in OUT_OF_LIBRARY for r in lines(DATA / name)]
    off = [r[0] for name in OFF_TOPIC for r in lines(DATA / name)]
    with tempfile.TemporaryDirectory() as tmp:
        laws_dir = Path(os.environ["LAWS_DIR"]) if os.environ.get("LAWS_DIR") else Path(tmp) / "laws"
        library = load_library(laws_dir, LAW_SOURCES)
        rules = deciders(library)
        print(f"{len(library.index)} articles; calibration: {len(inside)} in-library questions "
              f"({', '.join(IN_LIBRARY)}), {len(outside)} out-of-library ({', '.join(OUT_OF_LIBRARY)}), "
              f"{len(off)} off-topic, {len(dev)} dev\n")
        print(decline_table(rules, inside, outside, off, dev))
        for path in (p for p in args.tuning if p.exists()):
            rows = lines(path)
            t_in = [r[0] for r in rows if r[1].strip() == "in"]
            t_out = [r[0] for r in rows if r[1].strip() == "out"]
            print(f"\n### tuning part: {path.name} ({len(t_in)} in-library, {len(t_out)} out-of-library, "
                  "used to tune the rule)\n")
            print(decline_table(rules, t_in, t_out, [], []))
            if args.misses:
                print("\n" + misses(rules["bot (score + scope: what it serves)"], t_in, t_out))
        parts = []
        for path in (p for p in args.honest if p.exists()):
            rows = lines(path)
            parts.append((path.name, [r[0] for r in rows if r[1].strip() == "in"],
                          [r[0] for r in rows if r[1].strip() == "out"]))
        if len(parts) > 1:
            parts.append((" + ".join(name for name, _, _ in parts), [q for _, i, _ in parts for q in i],
                          [q for _, _, o in parts for q in o]))
        for name, h_in, h_out in parts:
            print(f"\n### honest part: {name} ({len(h_in)} in-library, {len(h_out)} out-of-library, "
                  "written after the rule was tuned)\n")
            print(decline_table(rules, h_in, h_out, [], []))
            if args.misses:
                print("\n" + misses(rules["bot (score + scope: what it serves)"], h_in, h_out))
        honest_off = [r[0] for name in OFF_TOPIC_HONEST if (DATA / name).exists() for r in lines(DATA / name)]
        if honest_off:
            print(f"\n### honest part: {', '.join(OFF_TOPIC_HONEST)} ({len(honest_off)} off-topic messages, written "
                  "after everyday_topics.tsv)\n")
            print(decline_table(rules, [], [], honest_off, []))
            if args.misses:
                bot = rules["bot (score + scope: what it serves)"]
                print("\n" + "\n".join(f"- answered (off-topic): {q}  → {', '.join(bot(q)[2][:2])}"
                                         for q in honest_off if bot(q)[0]))
        if args.misses:
            print("\n### calibration misses (bot, typed)\n\n" + misses(rules["bot (score + scope: what it serves)"],
                                                                     inside, outside))
    shown = " ".join(sys.argv[1:] if argv is None else argv)
    print(f"\nRerun: `. .venv/bin/activate && python scripts/calibrate_idk.py {shown}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
