"""`python -m bot search [--top K] [--json] [QUERY]`: one query, or one per stdin line with the index loaded once."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from bot.conversation.answering import SEARCH_TOP, Answer, Answerer
from bot.knowledge.library import load_library


def register(sub: Any) -> None:
    """Add `search` to the top-level subparsers."""
    search = sub.add_parser("search", help="search the corpus")
    search.add_argument("query", nargs="*", help="query; none: one query per line on stdin")
    search.add_argument("--top", type=int, default=10)
    search.add_argument("--json", action="store_true", dest="as_json")
    search.set_defaults(run=cmd_search)


def _hits(answer: Answer, top: int) -> list[dict[str, Any]]:
    """JSON-ready hits, best first, positive scores only; those an answer card put first name it ("card")."""
    card = answer.card.id if answer.card is not None else ""
    out = []
    for rank, h in enumerate(answer.hits):
        if h.score > 0:
            hit = {"doc": h.doc, "article": h.article, "title": h.title, "score": round(float(h.score), 4)}
            out.append({**hit, "card": card} if card and rank < answer.placed else hit)
    return out[:top]


def _print_table(query: str, hits: list[dict[str, Any]], out: TextIO) -> None:
    """A readable ranking for a terminal."""
    print(f"# {query}", file=out)
    if not hits:
        print("  (không tìm thấy điều luật phù hợp)", file=out)
    for rank, h in enumerate(hits, 1):
        key = f"{h['doc']}:{h['article']}"
        card = f"  [thẻ {h['card']}]" if h.get("card") else ""
        print(f"{rank:>3}. {h['score']:>8.3f}  {key:<32} {h['title']}{card}", file=out)


def answer(answerer: Answerer, library: Any, query: str, top: int, as_json: bool, out: TextIO) -> None:
    """Rank one query as the bot would and print it (JSON line or table), flushed at once for pipes."""
    found = answerer.answer_message(library, query, top=max(top, SEARCH_TOP)) if query.strip() else Answer(query)
    hits = _hits(found, top)
    if as_json:
        out.write(json.dumps({"query": query, "hits": hits, "answered": found.answered}, ensure_ascii=False) + "\n")
    else:
        _print_table(query, hits, out)
    out.flush()


def cmd_search(settings: Any, args: argparse.Namespace) -> int:
    """Run the search command; no query reads one query per line from stdin."""
    query, top, as_json = " ".join(args.query), args.top, args.as_json
    if top < 1:
        print("error: --top must be at least 1", file=sys.stderr)
        return 2
    library, answerer = load_library(settings), Answerer()
    if query:
        answer(answerer, library, query, top, as_json, sys.stdout)
        return 0
    for line in sys.stdin:
        answer(answerer, library, line.rstrip("\r\n"), top, as_json, sys.stdout)
    return 0
