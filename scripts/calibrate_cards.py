"""Calibrate and measure answer-card matching on held-out example questions of the cards themselves.

Each card's example questions are split in 3 folds by position; for each fold the matcher is built from the titles
and the other questions, and the held-out ones are matched (as typed and without diacritics), with the article
search's hits for the agreement term. Three kinds of question are scored:
  * held out: the question's own card is in the deck — a confident match should be that card (precision);
  * no card: the same question with its card left out of the scores — any confident match is a wrong card;
  * off-topic: tests/data/offtopic.txt against the whole deck — any confident match is wrong.
The article questions (bot/data/cards/questions-*.tsv) are in the matcher as the bot has them (targets that vote but
are never matched), held out by the same folds, and scored with the chosen thresholds (right: a confident card that
cites the article); the last rows show what bot/data/cards/match.json serves now.
Thresholds are chosen on the cards of one half (by a hash of the id) and reported on the other half, both ways;
the values written to bot/data/cards/match.json (--write) are chosen on all cards.
Never uses the everyday test sets (tests/data/everyday*.tsv) nor ../shared/eval.

Usage: python scripts/calibrate_cards.py [--cards bot/data/cards] [--min-precision 0.9] [--max-no-card 0.05] [--write]
The corpus is imported into a temporary LAWS_DIR (all of ../shared/laws) unless $LAWS_DIR is set.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zlib
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.conversation.answering import Answerer  # noqa: E402
from bot.knowledge.cards.matcher import PARAMS_FILE, CardMatcher, MatchParams  # noqa: E402
from bot.knowledge.cards.model import Card, card_from_fields, read_yaml_cards, yaml_files  # noqa: E402
from bot.knowledge.cards.questions import ArticleQuestion, question_files, read_questions  # noqa: E402
from bot.knowledge.library import load_library  # noqa: E402
from bot.knowledge.search.text import fold  # noqa: E402
from bot.ops.settings import Settings  # noqa: E402

FOLDS = 3
SHARED = ROOT.parent / "shared"
SCORES = [round(x, 2) for x in np.arange(0.4, 1.6, 0.05)]
MARGINS = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]


def import_laws(laws_dir: Path) -> None:
    """Everything in ../shared/laws, imported with `python -m bot laws import` (as a user would)."""
    laws = SHARED / "laws"
    sources = [laws / "phapdien" / "demuc", laws / "phapdien" / "more", laws / "official-text"]
    env = {**os.environ, "LAWS_DIR": str(laws_dir)}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "bot", "laws", "import", *map(str, sources)], cwd=ROOT, env=env,
                   check=True, capture_output=True)


def half(card_id: str) -> int:
    """0 or 1: which half of the targets (cards, articles) a target's questions are scored in."""
    return zlib.crc32(card_id.encode()) % 2


def targets_of(cards: list[Card], questions: list[ArticleQuestion]) -> dict[str, tuple[list[str], list[str]]]:
    """Per target ("card:<id>", "article:<DOC:ARTICLE>"): its fixed texts (a card's title) and its questions."""
    out: dict[str, tuple[list[str], list[str]]] = {f"card:{c.id}": ([c.title], list(c.questions)) for c in cards}
    for q in questions:
        out.setdefault(f"article:{q.key.partition('.')[0]}", ([], []))[1].append(q.text)
    return out


def observations(cards: list[Card], questions: list[ArticleQuestion], library: Any,
                 params: MatchParams) -> list[dict[str, Any]]:
    """Per held-out question (typed and folded): the combined scores, closest-example scores and the true target
    (a card, or an article of the article questions files; an article whose questions are all held out in a fold
    is not a target there, and its question is not scored)."""
    answerer = Answerer()
    targets = targets_of(cards, questions)
    articles = {**{f"card:{c.id}": c.article_keys for c in cards},
                **{t: (t[8:],) for t in targets if t.startswith("article:")}}
    cards_ = {f"card:{c.id}" for c in cards}
    rows = []
    for fold_no in range(FOLDS):
        examples, held = [], []
        for target, (fixed, texts_) in targets.items():
            examples += [(target, t) for t in fixed]
            for i, q in enumerate(texts_):
                (held if i % FOLDS == fold_no else examples).append((target, q))
        matcher = CardMatcher(examples, articles, params, vote_only=articles.keys() - cards_)
        position = {t: i for i, t in enumerate(matcher.targets)}
        for target, question in held:
            if target not in position:
                continue
            # right: its own target; for an article question (never matched itself), a card citing the article
            ok = {position[target]} | ({position[t] for t in cards_ if target[8:] in articles[t]}
                                       if target.startswith("article:") else set())
            for variant, text in (("typed", question), ("no diacritics", fold(question))):
                query = answerer.prepare(text)  # as the Answerer matches it
                hits = [h.key for h in library.index.search(query, top=10)]
                combined, closest = matcher.scores(query, hits)
                rows.append({"card": target, "half": half(target), "variant": variant, "combined": combined,
                             "closest": closest, "true": position[target], "targets": matcher.targets,
                             "kind": target.partition(":")[0], "ok": ok, "vote_only": matcher.vote_only})
    return rows


def offtopic(cards: list[Card], questions: list[ArticleQuestion], library: Any,
             params: MatchParams) -> list[dict[str, Any]]:
    """Off-topic messages against the whole deck (cards and article questions)."""
    answerer = Answerer()
    targets = targets_of(cards, questions)
    matcher = CardMatcher([(t, x) for t, (fixed, texts_) in targets.items() for x in (*fixed, *texts_)],
                          {**{f"card:{c.id}": c.article_keys for c in cards},
                           **{t: (t[8:],) for t in targets if t.startswith("article:")}}, params,
                          vote_only=[t for t in targets if t.startswith("article:")])
    lines = [x.strip() for x in (ROOT / "tests/data/offtopic.txt").read_text(encoding="utf-8").splitlines()
             if x.strip() and not x.startswith("#")]
    rows = []
    for line in lines:
        for variant, text in (("typed", line), ("no diacritics", fold(line))):
            query = answerer.prepare(text)
            hits = [h.key for h in library.index.search(query, top=10)]
            combined, closest = matcher.scores(query, hits)
            rows.append({"variant": variant, "combined": combined, "closest": closest, "true": -1,
                         "targets": matcher.targets, "vote_only": matcher.vote_only})
    return rows


def decide(row: dict[str, Any], p: MatchParams, leave_out: int = -1) -> int:
    """The confidently matched target index (-1: none), as CardMatcher.match decides; leave_out: a target removed."""
    combined, closest = row["combined"].copy(), row["closest"].copy()
    if leave_out >= 0:
        combined[leave_out] = closest[leave_out] = -1.0
    # as CardMatcher.match: the article questions' targets only vote, they are never matched
    nearest = int(np.argmax(np.where(row["vote_only"], -np.inf, closest)))
    if closest[nearest] >= p.exact and not row["vote_only"][nearest]:
        return nearest
    eligible = np.where(row["vote_only"], -np.inf, combined)
    best = int(np.argmax(eligible))
    others = np.delete(eligible, best)
    rival = float(others.max()) if len(others) and np.isfinite(others.max()) else 0.0
    margin = combined[best] - rival
    return best if eligible[best] >= p.min_score and margin >= p.min_margin else -1


def measure(rows: list[dict[str, Any]], off: list[dict[str, Any]], p: MatchParams) -> dict[str, float]:
    """Answered share, precision and recall on held-out questions; wrong-card rates with no card and off-topic."""
    chosen = [decide(r, p) for r in rows]
    answered = [c for c in chosen if c >= 0]
    right = sum(1 for c, r in zip(chosen, rows) if c in r["ok"])
    top1 = sum(1 for r in rows if int(np.argmax(np.where(r["vote_only"], -np.inf, r["combined"]))) in r["ok"])
    nocard = sum(1 for r in rows if decide(r, p, r["true"]) >= 0)
    offm = sum(1 for r in off if decide(r, p) >= 0)
    n = max(len(rows), 1)
    return {"questions": len(rows), "top1": top1 / n, "answered": len(answered) / n,
            "precision": right / max(len(answered), 1), "recall": right / n,
            "no_card_matched": nocard / n, "offtopic_matched": offm / max(len(off), 1)}


def choose(rows: list[dict[str, Any]], off: list[dict[str, Any]], base: MatchParams,
           min_precision: float, max_no_card: float) -> MatchParams:
    """The thresholds with the best recall whose precision reaches min_precision and whose no-card rate is at
    most max_no_card (a question without a card must rarely get one)."""
    best, best_recall = replace(base, min_score=9.0), -1.0
    for score in SCORES:
        for margin in MARGINS:
            p = replace(base, min_score=score, min_margin=margin)
            m = measure(rows, off, p)
            ok = m["precision"] >= min_precision and m["no_card_matched"] <= max_no_card
            if ok and m["recall"] > best_recall:
                best, best_recall = p, m["recall"]
    return best


def table(lines: list[tuple[str, str, dict[str, float]]]) -> str:
    """Markdown table of measurements."""
    out = ["| calibrated on → scored on | queries | questions | top-1 card | answered by a card | precision | "
           "recall | no card: wrong card | off-topic: card |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, variant, m in lines:
        out.append(f"| {name} | {variant} | {m['questions']} | {m['top1']:.3f} | {m['answered']:.3f} | "
                   f"{m['precision']:.3f} | {m['recall']:.3f} | {m['no_card_matched']:.3f} | "
                   f"{m['offtopic_matched']:.3f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Calibrate on one half of the cards, report on the other, both ways; optionally write match.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=Path, default=ROOT / "bot/data/cards")
    parser.add_argument("--min-precision", type=float, default=0.9)
    parser.add_argument("--max-no-card", type=float, default=0.05,
                        help="at most this share of questions whose card is left out may still get a card")
    parser.add_argument("--write", action="store_true", help="write the thresholds chosen on all cards")
    args = parser.parse_args(argv)
    cards = [card_from_fields(d, p.name) for p in yaml_files([args.cards]) for d in read_yaml_cards(p)]
    questions = [q for p in question_files([args.cards]) for q in read_questions(p)]
    with tempfile.TemporaryDirectory() as tmp:
        laws_dir = Path(os.environ["LAWS_DIR"]) if os.environ.get("LAWS_DIR") else Path(tmp) / "laws"
        if not os.environ.get("LAWS_DIR"):
            import_laws(laws_dir)
        library = load_library(Settings(laws_dir=laws_dir))
        base = MatchParams.load()
        scored = observations(cards, questions, library, base)
        off = offtopic(cards, questions, library, base)
    # thresholds are chosen on the cards' questions; the article questions are scored with them (a card citing
    # the article counts as right: the article questions only vote, they are never matched themselves)
    rows, narrow = [r for r in scored if r["kind"] == "card"], [r for r in scored if r["kind"] == "article"]
    lines = []
    for calib, report in ((0, 1), (1, 0)):
        p = choose([r for r in rows if r["half"] == calib], off, base, args.min_precision, args.max_no_card)
        for variant in ("typed", "no diacritics"):
            scored = [r for r in rows if r["half"] == report and r["variant"] == variant]
            lines.append((f"half {calib} → half {report} (score ≥ {p.min_score}, margin ≥ {p.min_margin})",
                          variant, measure(scored, [o for o in off if o["variant"] == variant], p)))
    final = choose(rows, off, base, args.min_precision, args.max_no_card)
    for variant in ("typed", "no diacritics"):
        lines.append((f"all → all (score ≥ {final.min_score}, margin ≥ {final.min_margin}; in-sample)", variant,
                      measure([r for r in rows if r["variant"] == variant],
                              [o for o in off if o["variant"] == variant], final)))
        lines.append(("all → the article questions (the same thresholds; right: a card citing the article)",
                      variant, measure([r for r in narrow if r["variant"] == variant],
                                       [o for o in off if o["variant"] == variant], final)))
    for variant in ("typed", "no diacritics"):  # what match.json serves now, on the same questions
        for name, which in (("cards' questions", rows), ("article questions", narrow)):
            lines.append((f"served (match.json: score ≥ {base.min_score}, margin ≥ {base.min_margin}) → {name}",
                          variant, measure([r for r in which if r["variant"] == variant],
                                           [o for o in off if o["variant"] == variant], base)))
    keys = {q.key.partition(".")[0] for q in questions}
    print(f"{len(cards)} cards and {len(questions)} article questions ({len(keys)} articles), {FOLDS} folds of their "
          "example questions; off-topic: tests/data/offtopic.txt")
    print(table(lines))
    if args.write:
        PARAMS_FILE.write_text(json.dumps(asdict(final), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {PARAMS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
