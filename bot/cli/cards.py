"""`python -m bot cards import|list|show|retire|review`, `teach`, `questions`: answer cards and teaching."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

from bot.cli.common import actor, open_services, print_json
from bot.officials import cards as card_admin
from bot.ops.settings import Settings
from bot.store.state import InMemoryStateStore


def register(sub: Any) -> None:
    """Add `cards`, `teach` and `questions` to the top-level subparsers."""
    cards = sub.add_parser("cards", help="answer cards").add_subparsers(dest="cards_command", required=True)
    imp = cards.add_parser("import", help="import card YAML files or folders (cards replaced by id)")
    imp.add_argument("sources", nargs="+")
    imp.set_defaults(run=cmd_import)
    lst = cards.add_parser("list", help="cards in use (--all: retired ones too)")
    lst.add_argument("--all", action="store_true", dest="include_retired")
    lst.add_argument("--json", action="store_true", dest="as_json")
    lst.set_defaults(run=cmd_list)
    show = cards.add_parser("show", help="one card in full")
    show.add_argument("id")
    show.add_argument("--json", action="store_true", dest="as_json")
    show.set_defaults(run=cmd_show)
    for name, helptext in (("retire", "stop using a card"),
                           ("review", "an official has read a flagged card against its articles: use it again")):
        one = cards.add_parser(name, help=helptext)
        one.add_argument("id")
        one.set_defaults(run=cmd_retire if name == "retire" else cmd_review)
    teach = sub.add_parser("teach", help="make a question an example of an article or a card")
    teach.add_argument("question")
    target = teach.add_mutually_exclusive_group(required=True)
    target.add_argument("--article", default="", help="DOC:ARTICLE, e.g. 52/2014/QH13:81")
    target.add_argument("--card", default="", help="a card id")
    teach.set_defaults(run=cmd_teach)
    qs = sub.add_parser("questions", help="questions unanswered or marked unhelpful, to teach from")
    qs.add_argument("--days", type=int, default=30)
    qs.add_argument("--json", action="store_true", dest="as_json")
    qs.set_defaults(run=cmd_questions)


def _store(settings: Settings) -> Any:
    """The shared store (Redis with REDIS_URL), or an in-process one with a warning: nothing to publish to."""
    services = open_services(settings)
    if services is None:
        print("warning: working without Redis; running processes reload on their next check", file=sys.stderr)
        return InMemoryStateStore()
    return services.store


def _change(settings: Settings, run: Callable[[Any], card_admin.CardReport]) -> int:
    """Run a card change and print its report; errors with their problems on stderr."""
    try:
        report = run(_store(settings))
    except card_admin.CardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(card_admin.format_report(report))
    print(f"version in force: {report.version}")
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """`cards import PATH...`."""
    return _change(settings, lambda store: card_admin.import_files(settings, store, args.sources, actor()))


def cmd_retire(settings: Settings, args: argparse.Namespace) -> int:
    """`cards retire ID`."""
    return _change(settings, lambda store: card_admin.retire_card(settings, store, args.id, actor()))


def cmd_review(settings: Settings, args: argparse.Namespace) -> int:
    """`cards review ID`."""
    return _change(settings, lambda store: card_admin.review_card(settings, store, args.id, actor()))


def cmd_teach(settings: Settings, args: argparse.Namespace) -> int:
    """`teach "question" --article KEY | --card ID`."""
    return _change(settings, lambda store: card_admin.teach(settings, store, args.question, actor(),
                                                            card=args.card, article=args.article))


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    """`cards list`: id, topic, state, title."""
    rows = card_admin.list_cards(settings, include_retired=args.include_retired)
    if args.as_json:
        print_json(rows)
        return 0
    for r in rows:
        state = "retired" if r["retired"] else "REVIEW" if r["needs_review"] else "ok"
        print(f"{r['id']:<40} {r['topic']:<20} {state:<7} {r['title']}")
    print(f"{len(rows)} card(s), {sum(r['needs_review'] for r in rows)} waiting for review")
    return 0


def cmd_show(settings: Settings, args: argparse.Namespace) -> int:
    """`cards show ID`."""
    card = card_admin.show_card(settings, args.id)
    if card is None:
        print(f"error: no card {args.id!r}", file=sys.stderr)
        return 1
    if args.as_json:
        print_json(card)
        return 0
    for name in ("id", "topic", "title", "answer", "articles", "next_steps", "source", "retired", "needs_review",
                 "review", "questions", "taught", "updated", "updated_by"):
        value = card.get(name)
        print(f"{name}:" + ("".join(f"\n  - {v}" for v in value) if isinstance(value, list) else f" {value}"))
    return 0


def cmd_questions(settings: Settings, args: argparse.Namespace) -> int:
    """`questions`: what went unanswered or was marked unhelpful (no user ids), and what it was taught to."""
    services = open_services(settings, need_redis=True)
    if services is None:
        return 2
    rows = card_admin.questions(settings, services.store, args.days)
    if args.as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        taught = f"  → {r['taught']}" if r["taught"] else ""
        print(f"{r['date']}  {r['kind']:<10}  {r['query']}{taught}")
    print(f"{len(rows)} question(s)")
    return 0
