"""`python -m bot broadcast send|status|cancel|list|resume`: law updates to users from the command line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import actor, open_services, print_json
from bot.jobs.broadcast import run_broadcast
from bot.knowledge.changes import report_topics
from bot.officials import audit
from bot.officials import broadcasts as broadcast
from bot.officials import laws as law_admin
from bot.ops.settings import Settings
from bot.zalo.messages import OutMessage

WAIT_SECONDS = 3600.0


def register(sub: Any) -> None:
    """Add `broadcast` and its subcommands to the top-level subparsers."""
    bc = sub.add_parser("broadcast", help="send law updates to users").add_subparsers(dest="broadcast_command",
                                                                                      required=True)
    send = bc.add_parser("send", help="queue a broadcast")
    what = send.add_mutually_exclusive_group(required=True)
    what.add_argument("--text")
    what.add_argument("--text-file", type=Path)
    what.add_argument("--report", nargs="?", const="last", help="compose a law update from a change report")
    send.add_argument("--audience", choices=("subscribers", "recent", "followers"), default="subscribers")
    send.add_argument("--topic", action="append", default=None, help="subscribers of this topic (repeatable)")
    send.add_argument("--dry-run", action="store_true")
    send.add_argument("--wait", action="store_true", help="wait until it is done and print the totals")
    send.add_argument("--inline", action="store_true", help="send from this process instead of the worker")
    for name in ("status", "cancel"):
        bc.add_parser(name).add_argument("id")
    bc.add_parser("list")
    bc.add_parser("resume", help="queue again every unfinished broadcast whose worker died")
    for parser in bc.choices.values():
        parser.set_defaults(run=cmd_broadcast)


def _compose(services: Any, args: argparse.Namespace) -> tuple[OutMessage, dict[str, Any], tuple[str, ...]]:
    """The message to send, where it came from, and the topics a law update touches."""
    if args.report:
        found = law_admin.load_report(services.store, args.report)
        if found is None:
            raise broadcast.BroadcastError(f"no change report {args.report!r}")
        return law_admin.law_update_message(found[1]), {"report": found[0]}, tuple(report_topics(found[1]))
    text = args.text if args.text is not None else args.text_file.read_text(encoding="utf-8")
    return OutMessage(text.strip()), {}, ()


def cmd_broadcast(settings: Settings, args: argparse.Namespace) -> int:
    """`broadcast send|status|cancel|list|resume`."""
    services = open_services(settings, need_redis=not getattr(args, "inline", False))
    if services is None:
        return 2
    store, command = services.store, args.broadcast_command
    if command == "list":
        print_json([broadcast.status(store, bid) for bid in broadcast.list_ids(store)])
        return 0
    if command == "resume":
        print_json({"resumed": broadcast.resume_stalled(store, services.queue)})
        return 0
    if command in ("status", "cancel"):
        result = broadcast.status(store, args.id) if command == "status" else broadcast.cancel(store, args.id)
        if result is None:
            print(f"error: no broadcast {args.id!r}", file=sys.stderr)
            return 1
        if command == "cancel":
            audit.record(store, actor(), "broadcast_cancel", id=args.id)
        print_json(result)
        return 0
    return _send(services, args)


def _send(services: Any, args: argparse.Namespace) -> int:
    """`broadcast send`: create it, then optionally run it here or wait for the worker."""
    try:
        message, source, touched = _compose(services, args)
        topics = broadcast.normalize_topics(args.topic) or (touched if args.audience == "subscribers" else ())
        queue = _LocalQueue() if args.inline else services.queue
        created = broadcast.create(services.store, queue, message, args.audience, topics, args.dry_run,
                                   actor(), source)
    except (broadcast.BroadcastError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    audit.record(services.store, actor(), "broadcast_create", id=created["id"], audience=args.audience,
                 topics=list(topics), dry_run=args.dry_run, text=message.text[:120], **source)
    if args.inline:
        while queue.jobs:
            queue.jobs.pop(0)
            run_broadcast(created["id"], services)
    final = broadcast.wait_until_final(services.store, created["id"], WAIT_SECONDS) if args.wait else None
    print_json(final or broadcast.status(services.store, created["id"]))
    return 0


class _LocalQueue:
    """Collects the broadcast's own jobs when it runs in this process (--inline)."""

    def __init__(self) -> None:
        """No job yet."""
        self.jobs: list[tuple[Any, ...]] = []

    def enqueue(self, func: Any, *args: Any) -> str:
        """Keep the job for the loop in _send."""
        self.jobs.append((func, *args))
        return f"inline-{len(self.jobs)}"

    def ping(self) -> bool:
        """Always up."""
        return True
