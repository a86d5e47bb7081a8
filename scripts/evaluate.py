"""Retrieval quality on the dev questions: hit@1/5/10 and MRR@10, as typed and without diacritics, vs a naive anchor.

Usage: python scripts/evaluate.py [--dev ../shared/eval/dev.jsonl] [--phapdien ../shared/laws/phapdien]
The corpus is imported into a temporary LAWS_DIR with `python -m bot laws import` unless $LAWS_DIR is set.
The anchor is pyvi ViTokenizer + rank_bm25 BM25Okapi (defaults) over the same articles.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bot.knowledge.search.text import fold  # noqa: E402

Ranker = Callable[[str], list[str]]


def metrics(ranked: Iterable[list[str]], rows: list[dict[str, Any]]) -> dict[str, float]:
    """hit@1/5/10 and MRR@10 of ranked key lists against the rows' relevant keys."""
    h1 = h5 = h10 = mrr = 0.0
    for keys, row in zip(ranked, rows):
        relevant = set(row["relevant"])
        first = next((i for i, k in enumerate(keys[:10]) if k in relevant), None)
        if first is not None:
            h1 += first < 1
            h5 += first < 5
            h10 += 1
            mrr += 1 / (first + 1)
    n = max(len(rows), 1)
    return {"hit@1": h1 / n, "hit@5": h5 / n, "hit@10": h10 / n, "MRR@10": mrr / n}


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


def evaluate(rankers: dict[str, Ranker], rows: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    """Metrics per (system, variant) plus per-source/kind breakdowns and latency."""
    results: dict[tuple[str, str], Any] = {}
    for name, rank in rankers.items():
        for variant, make in (("typed", lambda q: q), ("no diacritics", fold)):
            t0 = time.perf_counter()
            ranked = [rank(make(r["question"])) for r in rows]
            ms = (time.perf_counter() - t0) / max(len(rows), 1) * 1000
            groups: dict[str, list[int]] = defaultdict(list)
            for i, r in enumerate(rows):
                groups[f"source={r['source']}"].append(i)
                groups[f"kind={r['kind']}"].append(i)
                groups[f"half={'even' if i % 2 == 0 else 'odd'}"].append(i)  # split-half check of every change
            breakdown = {g: (len(ix), metrics([ranked[i] for i in ix], [rows[i] for i in ix]))
                         for g, ix in sorted(groups.items())}
            results[(name, variant)] = {"all": metrics(ranked, rows), "ms": ms, "groups": breakdown}
    return results


def table(results: dict[tuple[str, str], Any]) -> str:
    """Markdown table of the overall metrics."""
    lines = ["| system | queries | hit@1 | hit@5 | hit@10 | MRR@10 | ms/query |", "|---|---|---|---|---|---|---|"]
    for (name, variant), r in results.items():
        m = r["all"]
        lines.append(f"| {name} | {variant} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['hit@10']:.3f} | "
                     f"{m['MRR@10']:.3f} | {r['ms']:.2f} |")
    return "\n".join(lines)


def breakdown_table(results: dict[tuple[str, str], Any]) -> str:
    """Markdown table: hit@5 / MRR@10 per source and kind for every system and variant."""
    cols = list(results)
    groups = list(next(iter(results.values()))["groups"]) if results else []
    head = "| group | n | " + " | ".join(f"{n} {v} hit@5/MRR" for n, v in cols) + " |"
    lines = [head, "|---|---|" + "---|" * len(cols)]
    for g in groups:
        n = results[cols[0]]["groups"][g][0]
        cells = [f"{results[c]['groups'][g][1]['hit@5']:.2f}/{results[c]['groups'][g][1]['MRR@10']:.2f}" for c in cols]
        lines.append(f"| {g} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_library(laws_dir: Path, phapdien: Path) -> Any:
    """Import the Pháp điển files into laws_dir when it is empty, then load the library."""
    from bot.knowledge.importing import load_library as load
    from bot.ops.settings import Settings

    settings = Settings(laws_dir=laws_dir)
    library = load(settings)
    if not library.corpus.documents:
        env = {**os.environ, "LAWS_DIR": str(laws_dir)}
        subprocess.run([sys.executable, "-m", "bot", "laws", "import", str(phapdien)], cwd=ROOT, env=env, check=True)
        library = load(settings)
    return library


# Each part of the ranking switched on in turn (issue 5's "before and after each part"); the last row is bot.knowledge.search.index.
PARTS = [
    ("BM25 on syllables + pairs, each also accent-folded", dict(weight_expansion=0.0, passage_weight=0.0,
                                                                 citation_prior=0.0, secondary_factor=1.0,
                                                                 general_prior=0.0), False),
    ("+ best clause, citation prior", dict(weight_expansion=0.0, secondary_factor=1.0, general_prior=0.0), False),
    ("+ everyday words, teencode (lexicon expansions)", dict(secondary_factor=1.0, general_prior=0.0), False),
    ("+ statute-shape priors (= bot.knowledge.search.index)", {}, True),
]


def part_rankers(library: Any) -> dict[str, Ranker]:
    """One in-memory index per row of PARTS over the library's articles."""
    from dataclasses import replace

    from bot.knowledge.search.analysis import Params
    from bot.knowledge.search.index import SearchIndex
    from bot.knowledge.search.priors import Priors

    articles = library.corpus.articles()
    rankers: dict[str, Ranker] = {}
    for label, changes, with_priors in PARTS:
        index = SearchIndex.build(articles, library.corpus.documents, replace(Params(), **changes))
        if not with_priors:
            index.priors = Priors()
        rankers[label] = lambda q, index=index: [h.key for h in index.search(q, top=10)]
    return rankers


def everyday_rows(path: Path, corpus: Any) -> tuple[list[dict[str, Any]], int]:
    """Rows of a question<TAB>DOC:ARTICLE file whose article is in the corpus, and how many were not."""
    rows, skipped = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        question, key = line.split("\t")[:2]
        if corpus.article(key.strip()) is None:
            skipped += 1
            continue
        rows.append({"question": question, "relevant": [key.strip()], "source": "everyday", "kind": "everyday"})
    return rows, skipped


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print the markdown tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    ap.add_argument("--phapdien", type=Path, default=ROOT.parent / "shared" / "laws" / "phapdien")
    ap.add_argument("--no-anchor", action="store_true", help="skip the rank_bm25 anchor")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--parts", action="store_true", help="also rank with each part of the ranking switched on in turn")
    ap.add_argument("--everyday", type=Path, help="also score these everyday questions (question<TAB>DOC:ARTICLE)")
    args = ap.parse_args(argv)
    rows = [json.loads(line) for line in args.dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        laws_dir = Path(os.environ["LAWS_DIR"]) if os.environ.get("LAWS_DIR") else Path(tmp) / "laws"
        library = load_library(laws_dir, args.phapdien)
        index = library.index
        rankers: dict[str, Ranker] = {"bot.knowledge.search.index": lambda q: [h.key for h in index.search(q, top=10)]}
        if not args.no_anchor:
            anchor = Anchor(library.corpus.articles())
            rankers["anchor (pyvi+BM25Okapi)"] = anchor.rank
        if args.parts:
            rankers.update(part_rankers(library))
        results = evaluate(rankers, rows)
        if args.everyday:
            everyday, skipped = everyday_rows(args.everyday, library.corpus)
            everyday_results = evaluate(rankers, everyday)
    print(f"{len(rows)} questions from {args.dev}, {len(index)} articles\n")
    print(table(results) + "\n\n" + breakdown_table(results))
    if args.everyday:
        print(f"\n{len(everyday)} everyday questions from {args.everyday} ({skipped} skipped: article not in the corpus)\n")
        print(table(everyday_results))
    print(f"\nRerun: `. .venv/bin/activate && python scripts/evaluate.py {' '.join(sys.argv[1:] if argv is None else argv)}`")
    if args.json:
        args.json.write_text(json.dumps({f"{k[0]} | {k[1]}": v for k, v in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
