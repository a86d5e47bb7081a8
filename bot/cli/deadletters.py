"""`python -m bot deadletters list|replay|drop`: replies that failed after every retry."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli.common import actor, open_services
from bot.jobs.deadletters import drop, letters, replay, summary
from bot.officials import audit
from bot.ops.settings import Settings


def register(sub: Any) -> None:
    """Add `deadletters list|replay|drop` to the top-level subparsers."""
    dl = sub.add_parser("deadletters", help="replies that failed after every retry").add_subparsers(
        dest="deadletters_command", required=True)
    dl.add_parser("list", help="the dead letters, oldest first").add_argument("--json", action="store_true",
                                                                                dest="as_json")
    rp = dl.add_parser("replay", help="queue them again for the worker (each is sent once)")
    which = rp.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?")
    which.add_argument("--all", action="store_true")
    dl.add_parser("drop", help="delete one without sending").add_argument("id")
    for parser in dl.choices.values():
        parser.set_defaults(run=cmd_deadletters)


def cmd_deadletters(settings: Settings, args: argparse.Namespace) -> int:
    """Run a `deadletters` command."""
    services = open_services(settings, need_redis=True)
    if services is None:
        return 2
    store, command = services.store, args.deadletters_command
    if command == "list":
        rows = [summary(letter, settings) for letter in letters(store)]
        audit.record(store, actor(), "view", path="deadletters")
        print(json.dumps(rows, ensure_ascii=False, indent=2) if args.as_json else _table(rows))
        return 0
    if command == "drop":
        if not drop(store, args.id, services.queue):
            print(f"error: no dead letter {args.id!r}", file=sys.stderr)
            return 1
        audit.record(store, actor(), "deadletter_drop", id=args.id)
        print(f"dropped {args.id}")
        return 0
    ids = [letter["id"] for letter in letters(store)] if args.all else [args.id]
    outcomes = {lid: replay(services, lid) for lid in ids}
    audit.record(store, actor(), "deadletter_replay", ids=ids, outcomes=outcomes)
    for lid, outcome in outcomes.items():
        print(f"{lid}  {outcome}")
    return 1 if any(o in ("missing", "busy") for o in outcomes.values()) and not args.all else 0


def _table(rows: list[dict[str, Any]]) -> str:
    """The listing as aligned text."""
    if not rows:
        return "no dead letters"
    lines = [f"{'id':<16}  {'failed at (UTC)':<25}  {'tries':>5}  {'event':<8}  {'user':<12}  {'pending':>7}  error"]
    for r in rows:
        pending = "replan" if r["pending_replies"] is None else str(r["pending_replies"])
        lines.append(f"{r['id']:<16}  {r['failed_at']:<25}  {r['failures']:>5}  {str(r['event']):<8}  "
                     f"{r['user']:<12}  {pending:>7}  {r['error'][:80]}")
    return "\n".join(lines)
