"""Search benchmark: build time, index size, load time, memory and per-query latency at 2k / 20k (/ 60k) articles.

Usage: python scripts/bench_search.py [--sizes 2000,20000] [--with-60k] [--laws-dir DIR]
       python scripts/bench_search.py --cards   (the whole ../shared/laws with the starter deck: what the bot does
       per message, article search + card matching, as the Answerer runs it; LAWS_DIR to reuse an imported corpus)
Large corpora are recombined from the real clauses of ../shared/laws/phapdien (see _corpus_for_bench.py);
--laws-dir adds a row for a corpus already imported there (e.g. everything in ../shared/laws);
queries are the dev questions, as typed and without diacritics (segmentation included in the timing).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import _corpus_for_bench as cb  # noqa: E402

from bot.knowledge.search.index import SearchIndex  # noqa: E402
from bot.knowledge.search.text import fold  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
_PROBE = """
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from bot.knowledge.search.index import SearchIndex
index = SearchIndex.load({index!r})
hits = index.search("nghỉ thai sản mấy tháng")
t1 = time.perf_counter()
rss = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmRSS:"))
print(t1 - t0, rss / 1024, len(index.vocab))
"""


def _size_mb(folder: Path) -> float:
    """Bytes on disk of the index files, in MB."""
    return sum(f.stat().st_size for f in folder.iterdir()) / 1e6


def _latency(index: SearchIndex, queries: list[str]) -> tuple[float, float]:
    """Median and p95 milliseconds per query (after one warm-up pass)."""
    for q in queries[:20]:
        index.search(q)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        index.search(q, top=10)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def bench(articles: list, documents: dict, queries: list[str], label: str) -> dict:
    """Build, save, load in a fresh process, and time the queries."""
    t0 = time.perf_counter()
    index = SearchIndex.build(articles, documents)
    build_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "index"
        index.save(folder)
        size = _size_mb(folder)
        probe = subprocess.run([sys.executable, "-c", _PROBE.format(root=str(ROOT), index=str(folder))],
                               capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        first_s, probe_rss, vocab = (float(x) for x in probe.stdout.split())
        loaded = SearchIndex.load(folder)
        typed = _latency(loaded, queries)
        folded = _latency(loaded, [fold(q) for q in queries])
    return {"corpus": label, "articles": len(articles), "chars_M": sum(len(a.text) for a in articles) / 1e6,
            "build_s": build_s, "index_MB": size, "load_first_query_s": first_s, "rss_after_load_MB": probe_rss, "vocab": int(vocab),
            "typed_ms": typed, "folded_ms": folded}


def _timed(run: Any, queries: list[str]) -> tuple[float, float]:
    """Median and p95 milliseconds of run(query) (after one warm-up pass over 20 queries)."""
    for q in queries[:20]:
        run(q)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        run(q)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def bench_cards(queries: list[str]) -> int:
    """Per-message latency over all shared laws with the starter deck: article search alone, and the Answerer
    (search, card matching, placing, the answered decision)."""
    import dataclasses

    from bot.conversation.answering import Answerer
    from bot.knowledge.cards.index import CardIndex
    from bot.knowledge.library import load_library
    from bot.ops.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        laws_dir = Path(os.environ.get("LAWS_DIR") or Path(tmp) / "laws")
        env = {**os.environ, "LAWS_DIR": str(laws_dir)}
        env.pop("REDIS_URL", None)
        laws = ROOT.parent / "shared" / "laws"
        if not os.environ.get("LAWS_DIR"):
            subprocess.run([sys.executable, "-m", "bot", "laws", "import", str(laws / "phapdien/demuc"),
                            str(laws / "phapdien/more"), str(laws / "official-text")], cwd=ROOT, env=env,
                           check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "bot", "cards", "import", str(ROOT / "bot/data/cards")], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        t0 = time.perf_counter()
        library = load_library(Settings(laws_dir=laws_dir))
        load_s = time.perf_counter() - t0
        answerer = Answerer()
        print(f"{len(library.corpus)} articles, {len(library.cards)} cards; library load (index mmap + card "
              f"matcher built in memory): {load_s:.2f} s")
        print("| per message | queries | median (ms) | p95 (ms) |\n|---|---|---:|---:|")
        def with_cards(q: str) -> Any:
            """Article search with the cards' votes, then the card matcher with the articles' own agreement."""
            query = answerer.prepare(q)
            plain, _ = answerer.ranked(library, query, 10)
            return library.cards.match(query, [h.key for h in plain])

        without = dataclasses.replace(library, cards=CardIndex())
        for name, run in (("article search only", lambda q: library.index.search(answerer.prepare(q), top=10)),
                          ("article search + card votes + card matching", with_cards),
                          ("Answerer without cards (search + the answered decision)",
                           lambda q: answerer.answer(without, q)),
                          ("Answerer with cards (search + cards + decision)", lambda q: answerer.answer(library, q))):
            for variant, qs in (("typed", queries), ("no diacritics", [fold(q) for q in queries])):
                median, p95 = _timed(run, qs)
                print(f"| {name} | {variant} | {median:.2f} | {p95:.2f} |")
    print(f"\n{len(queries)} dev questions. Rerun: `python scripts/bench_search.py --cards`")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2000,20000", help="synthetic corpus sizes (articles)")
    ap.add_argument("--with-60k", action="store_true", help="also 60,000 articles (a few minutes)")
    ap.add_argument("--dev", type=Path, default=DEV)
    ap.add_argument("--cards", action="store_true", help="all shared laws with the starter deck, per message")
    ap.add_argument("--laws-dir", type=Path, help="also a corpus imported there with `python -m bot laws import`")
    args = ap.parse_args(argv)
    queries = [json.loads(line)["question"] for line in args.dev.read_text(encoding="utf-8").splitlines() if line]
    if args.cards:
        return bench_cards(queries)
    documents = cb.phapdien_documents()
    rows = [bench(cb.articles_of(documents), documents, queries, "Pháp điển (real)")]
    if args.laws_dir:
        from bot.knowledge.corpus.store import CorpusStore

        corpus = CorpusStore(args.laws_dir).load()
        rows.append(bench(corpus.articles(), corpus.documents, queries, f"{args.laws_dir} (real)"))
    sizes = [int(s) for s in args.sizes.split(",") if s] + ([60000] if args.with_60k else [])
    for n in sizes:
        arts, docs = cb.synthetic(documents, n)
        rows.append(bench(arts, docs, queries, f"synthetic {n // 1000}k"))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print("| corpus | articles | text (M chars) | build (s) | index on disk (MB) | new process: load + 1st query (s) "
          "| RSS after load (MB) | query typed median / p95 (ms) | query no diacritics median / p95 (ms) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['corpus']} | {r['articles']} | {r['chars_M']:.1f} | {r['build_s']:.1f} | {r['index_MB']:.0f} | "
              f"{r['load_first_query_s']:.2f} | {r['rss_after_load_MB']:.0f} | {r['typed_ms'][0]:.2f} / "
              f"{r['typed_ms'][1]:.2f} | {r['folded_ms'][0]:.2f} / {r['folded_ms'][1]:.2f} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak RSS of the benchmark process (building): {peak:.0f} MB. {len(queries)} dev questions per run.")
    print(f"Rerun: `. .venv/bin/activate && python scripts/bench_search.py --sizes {args.sizes}"
          f"{' --with-60k' if args.with_60k else ''}{f' --laws-dir {args.laws_dir}' if args.laws_dir else ''}`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
