"""`python -m bot search [--top K] [--json] [QUERY]`: one query, or one per stdin line with the index loaded once."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from bot.knowledge.library import load_library


def register(sub: Any) -> None:
    """Add `search` to the top-level subparsers."""
    search = sub.add_parser("search", help="search the corpus")
    search.add_argument("query", nargs="*", help="query; none: one query per line on stdin")
    search.add_argument("--top", type=int, default=10)
    search.add_argument("--json", action="store_true", dest="as_json")
    search.set_defaults(run=cmd_search)


def load_index(settings: Any) -> Any:
    """The current search index of $LAWS_DIR (an empty library searches to nothing)."""
    return load_library(settings).index


def _hits(index: Any, query: str, top: int) -> list[dict[str, Any]]:
    """JSON-ready hits, best first, positive scores only."""
    hits = index.search(query, top=top) if query.strip() else []
    return [{"doc": h.doc, "article": h.article, "title": h.title, "score": round(float(h.score), 4)}
            for h in hits if h.score > 0][:top]


def _print_table(query: str, hits: list[dict[str, Any]], out: TextIO) -> None:
    """A readable ranking for a terminal."""
    print(f"# {query}", file=out)
    if not hits:
        print("  (không tìm thấy điều luật phù hợp)", file=out)
    for rank, h in enumerate(hits, 1):
        key = f"{h['doc']}:{h['article']}"
        print(f"{rank:>3}. {h['score']:>8.3f}  {key:<32} {h['title']}", file=out)


def answer(index: Any, query: str, top: int, as_json: bool, out: TextIO) -> None:
    """Search one query and print it (JSON line or table), flushed at once for pipes."""
    hits = _hits(index, query, top)
    if as_json:
        out.write(json.dumps({"query": query, "hits": hits}, ensure_ascii=False) + "\n")
    else:
        _print_table(query, hits, out)
    out.flush()


def cmd_search(settings: Any, args: argparse.Namespace) -> int:
    """Run the search command; no query reads one query per line from stdin."""
    query, top, as_json = " ".join(args.query), args.top, args.as_json
    if top < 1:
        print("error: --top must be at least 1", file=sys.stderr)
        return 2
    index = load_index(settings)
    if query:
        answer(index, query, top, as_json, sys.stdout)
        return 0
    for line in sys.stdin:
        answer(index, line.rstrip("\r\n"), top, as_json, sys.stdout)
    return 0
