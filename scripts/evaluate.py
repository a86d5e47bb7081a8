"""Retrieval quality: hit@1/5/10 and MRR@10 on the dev questions and the everyday sets, as typed, without
diacritics, with them left out of about half the words (half_bare) and in a polite frame ("chị ơi cho em hỏi … ạ",
polite), next to a naive anchor, ranked exactly as the bot ranks (bot.conversation.answering.Answerer).

Usage: python scripts/evaluate.py [--dev ../shared/eval/dev.jsonl] [--everyday tests/data/everyday_questions.tsv]
                                  [--held-out FILE ...] [--parts] [--no-anchor] [--topics] [--misses]
                                  [--laws SOURCE ...]
The corpus is every file of ../shared/laws ($SHARED_DIR: Pháp điển demuc + more + official-text) imported into a temp
LAWS_DIR with `python -m bot laws import`, unless $LAWS_DIR is set (then it is used as it is, imported if empty).
Everyday files are `question<TAB>key[;key...][<TAB>topic]`; their data rows are split by position into a tuning half
(even rows: 0, 2, 4, ...) and a held-out half (odd rows); a file given with --held-out is measured whole
(everyday_questions2.tsv, written blind on 2026-11-30, never read question by question; everyday_questions3.tsv, written
blind later that day, measured once before it was read and a tuning set since). Tune only on the tuning half and on
everyday_questions3.tsv; --misses and --topics show the tuning half only. The anchor is pyvi ViTokenizer + rank_bm25
BM25Okapi (defaults) over the same articles. With cards imported (`python -m bot cards import bot/data/cards`), --parts
adds the bot with cards leading but not voting.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bot.knowledge.search.text import fold  # noqa: E402

SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))  # as tests/conftest.py
LAW_SOURCES = [SHARED / "laws" / "phapdien" / "demuc", SHARED / "laws" / "phapdien" / "more",
               SHARED / "laws" / "official-text"]
EVERYDAY = ROOT / "tests" / "data" / "everyday_questions.tsv"
def half_bare(question: str) -> str:
    """The question with the marks left out of about half its words, the same ones on every run (typed on a phone,
    some words get their diacritics and some do not)."""
    pick = random.Random(zlib.crc32(question.encode("utf-8")))
    return re.sub(r"\w+", lambda m: fold(m.group(0)) if pick.random() < 0.5 else m.group(0), question)


# how women open and close a message to the Union's account: a greeting, "cho em hỏi", a trailing "ạ"
OPENINGS = ("cho em hỏi", "chị ơi cho em hỏi", "dạ em chào chị, em muốn hỏi là", "ad ơi cho mình hỏi", "em hỏi chút",
            "chào bạn, cho tôi hỏi", "")
CLOSINGS = ("ạ", "với ạ", "ạ?", "nhé", "vậy ạ", "")


def polite(question: str) -> str:
    """The question framed as a polite message, the same frame on every run ("chị ơi cho em hỏi … ạ"), typed the way
    the question is (without diacritics when the question has none)."""
    pick = random.Random(zlib.crc32(question.encode("utf-8")) ^ 0x5A5A)
    opening, closing = pick.choice(OPENINGS), pick.choice(CLOSINGS)
    framed = " ".join(part for part in (opening, question.rstrip(" ?.!"), closing) if part)
    return fold(framed) if fold(question) == question.lower() else framed


VARIANTS: tuple[tuple[str, Callable[[str], str]], ...] = (("typed", lambda q: q), ("no diacritics", fold),
                                                          ("half the words bare", half_bare),
                                                          ("in a polite frame", polite))
Ranker = Callable[[str], list[str]]


def metrics(ranked: Iterable[list[str]], rows: list[dict[str, Any]]) -> dict[str, float]:
    """hit@1/5/10 and MRR@10 of ranked key lists against the rows' relevant keys (any of them counts)."""
    h1 = h5 = h10 = mrr = 0.0
    for keys, row in zip(ranked, rows):
        first = first_relevant(keys, row["relevant"])
        if first is not None:
            h1 += first < 1
            h5 += first < 5
            h10 += 1
            mrr += 1 / (first + 1)
    n = max(len(rows), 1)
    return {"hit@1": h1 / n, "hit@5": h5 / n, "hit@10": h10 / n, "MRR@10": mrr / n}


def first_relevant(keys: list[str], relevant: Iterable[str]) -> int | None:
    """0-based rank of the first relevant key in the top 10, or None."""
    wanted = set(relevant)
    return next((i for i, k in enumerate(keys[:10]) if k in wanted), None)


class Anchor:
    """The naive reference: pyvi segmentation, lower case, whitespace split, BM25Okapi defaults."""

    def __init__(self, articles: list[Any]) -> None:
        """Segment every article (title + text)."""
        from pyvi import ViTokenizer
        from rank_bm25 import BM25Okapi

        self.vi = ViTokenizer
        self.keys = [a.key for a in articles]
        self.bm25 = BM25Okapi([self._tokens(f"{a.title}\n{a.text}") for a in articles])

    def _tokens(self, text: str) -> list[str]:
        """pyvi words of lower-cased text."""
        return self.vi.tokenize(text.lower()).split()

    def rank(self, query: str) -> list[str]:
        """Top-10 keys."""
        scores = self.bm25.get_scores(self._tokens(query))
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[:10]
        return [self.keys[i] for i in order if scores[i] > 0]


def rank_all(rankers: dict[str, Ranker], rows: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    """Every system's ranking of every row, typed and folded, with the time per query."""
    out: dict[tuple[str, str], Any] = {}
    for name, rank in rankers.items():
        for variant, make in VARIANTS:
            t0 = time.perf_counter()
            ranked = [rank(make(r["question"])) for r in rows]
            out[(name, variant)] = {"ranked": ranked, "ms": (time.perf_counter() - t0) / max(len(rows), 1) * 1000}
    return out


def grouped(ranked: dict[tuple[str, str], Any], rows: list[dict[str, Any]],
            groups: dict[str, list[int]]) -> dict[tuple[str, str], Any]:
    """Metrics per (system, variant): overall and per group of row indices."""
    results = {}
    for key, r in ranked.items():
        breakdown = {g: (len(ix), metrics([r["ranked"][i] for i in ix], [rows[i] for i in ix]))
                     for g, ix in groups.items()}
        results[key] = {"all": metrics(r["ranked"], rows), "ms": r["ms"], "groups": breakdown}
    return results


def dev_groups(rows: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Dev rows by source, kind and half (even/odd: a change is kept only when it helps both halves)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[f"source={r['source']}"].append(i)
        groups[f"kind={r['kind']}"].append(i)
        groups[f"half={'even' if i % 2 == 0 else 'odd'}"].append(i)
    return dict(sorted(groups.items()))


def table(results: dict[tuple[str, str], Any], which: str = "all") -> str:
    """Markdown table of the metrics of one group ("all" = overall)."""
    lines = ["| system | queries | n | hit@1 | hit@5 | hit@10 | MRR@10 | ms/query |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for (name, variant), r in results.items():
        n, m = (r.get("n", ""), r["all"]) if which == "all" else r["groups"][which]
        lines.append(f"| {name} | {variant} | {n} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['hit@10']:.3f} | "
                     f"{m['MRR@10']:.3f} | {r['ms']:.2f} |")
    return "\n".join(lines)


def breakdown_table(results: dict[tuple[str, str], Any]) -> str:
    """Markdown table: hit@1 / hit@5 / MRR@10 per group for every system and variant."""
    cols = list(results)
    groups = list(next(iter(results.values()))["groups"]) if results else []
    head = "| group | n | " + " | ".join(f"{n} {v} hit@1/hit@5/MRR" for n, v in cols) + " |"
    lines = [head, "|---|---:|" + "---|" * len(cols)]
    for g in groups:
        n = results[cols[0]]["groups"][g][0]
        cells = ["{hit@1:.2f}/{hit@5:.2f}/{MRR@10:.2f}".format(**results[c]["groups"][g][1]) for c in cols]
        lines.append(f"| {g} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_library(laws_dir: Path, sources: Iterable[Path] = LAW_SOURCES) -> Any:
    """Import the sources into laws_dir when it holds nothing yet, then load the library."""
    from bot.knowledge.library import load_library as load
    from bot.ops.settings import Settings

    settings = Settings(laws_dir=laws_dir)
    library = load(settings)
    if not library.corpus.documents:
        env = {**os.environ, "LAWS_DIR": str(laws_dir)}
        subprocess.run([sys.executable, "-m", "bot", "laws", "import", *map(str, sources)], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        library = load(settings)
    return library


# Each part of the ranking switched on in turn; the last row is what the bot serves.
PARTS = [
    ("BM25 on syllables + pairs, each also accent-folded", dict(weight_expansion=0.0, passage_weight=0.0,
                                                                 citation_prior=0.0, secondary_factor=1.0,
                                                                 general_prior=0.0, title_mismatch=0.0), False),
    ("+ best clause, citation prior", dict(weight_expansion=0.0, secondary_factor=1.0, general_prior=0.0,
                                           title_mismatch=0.0), False),
    ("+ everyday words, teencode (lexicon expansions)", dict(secondary_factor=1.0, general_prior=0.0,
                                                             title_mismatch=0.0), False),
    ("+ statute-shape priors (priors.tsv, decrees 0.6, general provisions)", dict(title_mismatch=0.0), True),
]  # the bot's own row adds the title agreement (Params.title_mismatch)
BOT = "bot (Answerer: what the bot serves)"
CARDS_LEAD = "cards lead when confident, no votes (MatchParams.votes 0)"


def bot_ranker(library: Any, answerer: Any) -> Ranker:
    """Rank a question exactly as the dialogue and `search --json` do (cards included once they exist)."""
    return lambda q: answerer.answer(library, q).keys[:10]


def part_rankers(library: Any, answerer: Any) -> dict[str, Ranker]:
    """One in-memory index per row of PARTS over the library's articles, asked through the same Answerer."""
    from dataclasses import replace

    from bot.knowledge.library import Library
    from bot.knowledge.search.analysis import Params
    from bot.knowledge.search.index import SearchIndex
    from bot.knowledge.search.priors import Priors

    articles = library.corpus.articles()
    rankers: dict[str, Ranker] = {}
    for label, changes, with_priors in PARTS:
        index = SearchIndex.build(articles, library.corpus.documents, replace(Params(), **changes))
        if not with_priors:
            index.priors = Priors()
        rankers[label] = bot_ranker(Library(library.corpus, index, library.version), answerer)
    if len(library.cards):  # cards imported: the bot's own index, cards leading when confident but not voting
        from bot.knowledge.cards.index import CardIndex
        from bot.knowledge.cards.matcher import CardMatcher, MatchParams

        deck = library.cards.deck
        quiet = CardMatcher.for_deck(deck, params=replace(MatchParams.load(), votes=0.0))
        rankers[CARDS_LEAD] = bot_ranker(replace(library, cards=CardIndex(deck, quiet, library.cards.flagged)),
                                         answerer)
    return rankers


def everyday_rows(path: Path, corpus: Any, held_out: bool = False) -> tuple[list[dict[str, Any]], int]:
    """Rows of a question<TAB>key[;key][<TAB>topic] file, each with its position and half (all held out when
    held_out); keys not in the corpus are dropped (a row with none left is skipped and counted)."""
    rows, skipped, position = [], 0, 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        keys = [k.strip() for k in cells[1].split(";") if k.strip()]
        half = "tuning" if position % 2 == 0 and not held_out else "held-out"
        position += 1
        present = [k for k in keys if corpus.article(k) is not None]
        if not present:
            skipped += 1
            continue
        topic = cells[2].strip() if len(cells) > 2 and cells[2].strip() else "everyday"
        rows.append({"question": cells[0].strip(), "relevant": present, "topic": topic, "half": half})
    return rows, skipped


def everyday_report(name: str, rankers: dict[str, Ranker], rows: list[dict[str, Any]], topics: bool,
                    misses: bool) -> dict[str, Any]:
    """Print the tuning and held-out tables (and the tuning half's topics and misses); return the figures."""
    ranked = rank_all(rankers, rows)
    halves: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        halves[r["half"]].append(i)
    out: dict[str, Any] = {}
    for half in ("tuning", "held-out"):
        ix = halves.get(half, [])
        if not ix:
            continue  # a file measured whole has no tuning half
        sub = [rows[i] for i in ix]
        part = {k: {"ranked": [v["ranked"][i] for i in ix], "ms": v["ms"]} for k, v in ranked.items()}
        res = grouped(part, sub, {})
        for v in res.values():
            v["n"] = len(sub)
        print(f"\n#### {name}: {half} half ({len(sub)} questions)\n\n{table(res)}")
        out[half] = {f"{k[0]} | {k[1]}": v["all"] for k, v in res.items()}
    tuning = halves.get("tuning", [])
    if topics and tuning:
        by_topic: dict[str, list[int]] = defaultdict(list)
        for i in tuning:
            by_topic[f"topic={rows[i]['topic']}"].append(i)
        bot_only = {k: v for k, v in ranked.items() if k[0] == BOT}
        res = grouped(bot_only, rows, dict(sorted(by_topic.items())))
        print(f"\n#### {name}: per topic, tuning half only\n\n{breakdown_table(res)}")
    if misses and tuning:
        print(f"\n#### {name}: tuning-half questions whose article is not first (bot, typed / no diacritics / "
              "half the words bare)\n")
        for i in tuning:
            r = rows[i]
            ranks = [first_relevant(ranked[(BOT, v)]["ranked"][i], r["relevant"]) for v, _ in VARIANTS]
            if any(x != 0 for x in ranks):
                shown = "/".join("-" if x is None else str(x + 1) for x in ranks)
                top = ranked[(BOT, "typed")]["ranked"][i][:3]
                print(f"- [{shown}] {r['question']}  want {';'.join(r['relevant'])}  got {', '.join(top)}")
    return out


def latency(library: Any, answerer: Any, questions: list[str]) -> str:
    """Median and p95 (ms) of the index search alone and of the Answerer's whole answer (search and decision), over
    the questions typed and without diacritics (after one warm-up)."""
    answerer.answer(library, "nghỉ thai sản")
    out = []
    for label, run in (("index.search", lambda q: library.index.search(answerer.prepare(q), top=10)),
                       ("Answerer.answer (search + decision)", lambda q: answerer.answer(library, q))):
        times = []
        for q in questions:
            for variant in (q, fold(q)):
                t0 = time.perf_counter()
                run(variant)
                times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        out.append(f"| {label} | {len(times)} | {times[len(times) // 2]:.2f} | {times[int(len(times) * 0.95)]:.2f} |")
    return "| what | queries | median ms | p95 ms |\n|---|---:|---:|---:|\n" + "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print the markdown tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=SHARED / "eval" / "dev.jsonl")
    ap.add_argument("--laws", type=Path, nargs="+", default=LAW_SOURCES, help="sources imported when LAWS_DIR is unset")
    ap.add_argument("--everyday", type=Path, action="append",
                    help=f"everyday questions (question<TAB>keys[<TAB>topic]); repeatable; default {EVERYDAY.name}")
    ap.add_argument("--held-out", type=Path, action="append", default=[],
                    help="an everyday file measured whole and never tuned on (every row held out); repeatable")
    ap.add_argument("--no-anchor", action="store_true", help="skip the rank_bm25 anchor")
    ap.add_argument("--parts", action="store_true", help="also rank with each part of the ranking switched on in turn")
    ap.add_argument("--topics", action="store_true", help="per-topic table of the everyday tuning half")
    ap.add_argument("--misses", action="store_true", help="list the everyday tuning-half questions not ranked first")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    from bot.conversation.answering import Answerer

    rows = [json.loads(line) for line in args.dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    everyday_files = [(p, False) for p in args.everyday or [EVERYDAY]]
    everyday_files += [(p, True) for p in args.held_out]
    questions = [r["question"] for r in rows]
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        laws_dir = Path(os.environ["LAWS_DIR"]) if os.environ.get("LAWS_DIR") else Path(tmp) / "laws"
        library = load_library(laws_dir, args.laws)
        answerer = Answerer()
        rankers: dict[str, Ranker] = {}
        if not args.no_anchor:
            rankers["anchor (pyvi + BM25Okapi)"] = Anchor(library.corpus.articles()).rank
        if args.parts:
            rankers.update(part_rankers(library, answerer))
        rankers[BOT] = bot_ranker(library, answerer)
        print(f"{len(library.corpus.documents)} documents, {len(library.index)} articles (corpus version "
              f"{library.version})\n\n### dev: {len(rows)} questions from {args.dev}\n")
        dev = grouped(rank_all(rankers, rows), rows, dev_groups(rows))
        for v in dev.values():
            v["n"] = len(rows)
        print(table(dev) + "\n\n" + breakdown_table(dev))
        figures["dev"] = {f"{k[0]} | {k[1]}": {"all": v["all"], "groups": v["groups"]} for k, v in dev.items()}
        for path, held_out in everyday_files:
            everyday, skipped = everyday_rows(path, library.corpus, held_out)
            print(f"\n### everyday: {len(everyday)} questions from {path} "
                  f"({skipped} skipped: no article in the corpus)")
            figures[path.name] = everyday_report(path.name, rankers, everyday, args.topics, args.misses)
            questions += [r["question"] for r in everyday]
        print(f"\n### latency over the dev and everyday questions\n\n{latency(library, answerer, questions)}")
    shown = " ".join(sys.argv[1:] if argv is None else argv)
    print(f"\nRerun: `. .venv/bin/activate && python scripts/evaluate.py {shown}`")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
