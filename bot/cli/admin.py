"""`python -m bot broadcast|stats|subscribers|audit` and `laws rollback|status`: the admin API on the command line."""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from bot import audit, broadcast, law_admin, stats, subscriptions
from bot.changes import format_report, report_topics
from bot.config import Settings
from bot.messages import OutMessage

WAIT_SECONDS = 3600.0


def _actor() -> str:
    """Who runs the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "cli"


def _services(settings: Settings, need_redis: bool = False) -> Any:
    """Services for a command (Redis with REDIS_URL); None after printing an error when Redis is required."""
    from bot.services import build_services

    if need_redis and not settings.redis_url:
        print("error: this command needs REDIS_URL (subscribers and broadcasts live in Redis)", file=sys.stderr)
        return None
    services = build_services(settings)
    if settings.redis_url and not services.store.ping():
        print("error: Redis at REDIS_URL is not reachable", file=sys.stderr)
        return None
    return services


def _print(data: Any) -> None:
    """JSON on stdout."""
    print(json.dumps(data, ensure_ascii=False, indent=2))


def add_parsers(sub: Any) -> None:
    """Register `broadcast`, `stats`, `subscribers` and `audit` on the top-level subparsers."""
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
    st = sub.add_parser("stats", help="what people ask")
    st.add_argument("--days", type=int, default=30)
    st.add_argument("--json", action="store_true", dest="as_json")
    sub.add_parser("subscribers", help="subscriber counts by topic")
    au = sub.add_parser("audit", help="the latest admin actions")
    au.add_argument("--limit", type=int, default=50)


def add_laws_parsers(laws_sub: Any) -> None:
    """Register `laws rollback`, `laws status` and `laws changes` on the `laws` subparsers."""
    laws_sub.add_parser("rollback", help="put the previous corpus version back")
    status = laws_sub.add_parser("status", help="set a document's status")
    status.add_argument("number")
    status.add_argument("status", choices=("in_force", "amended", "replaced", "expired"))
    status.add_argument("--replaced-by", default="")
    status.add_argument("--date", default="", help="from when, e.g. 15/12/2025")
    changes = laws_sub.add_parser("changes", help="show a saved change report")
    changes.add_argument("id", nargs="?", default="last")


def dispatch(settings: Settings, args: argparse.Namespace) -> int | None:
    """Run an admin command parsed by add_parsers/add_laws_parsers; None when args are not one of them."""
    if args.command == "broadcast":
        return cmd_broadcast(settings, args)
    if args.command == "stats":
        return cmd_stats(settings, args.days, args.as_json)
    if args.command == "subscribers":
        return cmd_subscribers(settings)
    if args.command == "audit":
        return cmd_audit(settings, args.limit)
    if args.command == "laws" and args.laws_command == "rollback":
        return cmd_laws_rollback(settings)
    if args.command == "laws" and args.laws_command == "status":
        return cmd_laws_status(settings, args.number, args.status, args.replaced_by, args.date)
    if args.command == "laws" and args.laws_command == "changes":
        return cmd_laws_changes(settings, args.id)
    return None


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
    services = _services(settings, need_redis=not getattr(args, "inline", False))
    if services is None:
        return 2
    store, command = services.store, args.broadcast_command
    if command == "list":
        _print([broadcast.status(store, bid) for bid in broadcast.list_ids(store)])
        return 0
    if command == "resume":
        _print({"resumed": broadcast.resume_stalled(services)})
        return 0
    if command in ("status", "cancel"):
        result = broadcast.status(store, args.id) if command == "status" else broadcast.cancel(store, args.id)
        if result is None:
            print(f"error: no broadcast {args.id!r}", file=sys.stderr)
            return 1
        if command == "cancel":
            audit.record(store, _actor(), "broadcast_cancel", id=args.id)
        _print(result)
        return 0
    return _send(services, args)


def _send(services: Any, args: argparse.Namespace) -> int:
    """`broadcast send`: create it, then optionally run it here or wait for the worker."""
    try:
        message, source, touched = _compose(services, args)
        topics = broadcast.normalize_topics(args.topic) or (touched if args.audience == "subscribers" else ())
        queue = _LocalQueue() if args.inline else services.queue
        created = broadcast.create(services.store, queue, message, args.audience, topics, args.dry_run,
                                   _actor(), source)
    except (broadcast.BroadcastError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    audit.record(services.store, _actor(), "broadcast_create", id=created["id"], audience=args.audience,
                 topics=list(topics), dry_run=args.dry_run, text=message.text[:120], **source)
    if args.inline:
        while queue.jobs:
            queue.jobs.pop(0)
            broadcast.run_broadcast(created["id"], services)
    final = broadcast.wait_until_final(services.store, created["id"], WAIT_SECONDS) if args.wait else None
    _print(final or broadcast.status(services.store, created["id"]))
    return 0


class _LocalQueue:
    """Collects the broadcast's own jobs when it runs in this process (--inline)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Any, ...]] = []

    def enqueue(self, func: Any, *args: Any) -> str:
        """Keep the job for the loop in _send."""
        self.jobs.append((func, *args))
        return f"inline-{len(self.jobs)}"

    def ping(self) -> bool:
        """Always up."""
        return True


def cmd_stats(settings: Settings, days: int = 30, as_json: bool = False) -> int:
    """`stats`: questions per day, top articles and topics, unanswered queries."""
    services = _services(settings, need_redis=True)
    if services is None:
        return 2
    data = stats.report(services.store, days)
    audit.record(services.store, _actor(), "view", path="stats")
    print(json.dumps(data, ensure_ascii=False, indent=2) if as_json else stats.format_report(data))
    return 0


def cmd_subscribers(settings: Settings) -> int:
    """`subscribers`: counts by topic."""
    services = _services(settings, need_redis=True)
    if services is None:
        return 2
    counts = subscriptions.counts(services.store)
    audit.record(services.store, _actor(), "view", path="subscribers")
    print(f"subscribers: {counts['total']} (all topics: {counts['all_topics']})")
    for slug, row in counts["topics"].items():
        print(f"  {slug:<20} {row['reached']:>7}  ({row['explicit']} chose this topic)  {row['name']}")
    return 0


def cmd_audit(settings: Settings, limit: int = 50) -> int:
    """`audit`: the latest admin actions."""
    services = _services(settings, need_redis=True)
    if services is None:
        return 2
    for entry in audit.recent(services.store, limit):
        print(f"{entry['at']}  {entry['actor']:<24} {entry['action']:<20} "
              f"{json.dumps(entry['details'], ensure_ascii=False)}")
    return 0


def _law_update(settings: Settings, action: str, run: Any, **details: Any) -> int:
    """Run a corpus operation, print its change report, audit it."""
    services = _services(settings)
    if services is None:
        return 2
    try:
        update = run(services.store)
    except law_admin.LawAdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    audit.record(services.store, _actor(), action, version=update.version, **details)
    print(format_report(update.report))
    print(f"version in force: {update.version}; report id: {update.report_id}")
    return 0


def cmd_laws_rollback(settings: Settings) -> int:
    """`laws rollback`: the previous corpus version, in one command."""
    return _law_update(settings, "laws_rollback", lambda store: law_admin.rollback(settings, store))


def cmd_laws_status(settings: Settings, number: str, status: str, replaced_by: str = "", date: str = "") -> int:
    """`laws status NUMBER STATUS [--replaced-by N] [--date D]`."""
    return _law_update(settings, "laws_status",
                       lambda store: law_admin.set_status(settings, store, number, status, replaced_by, date),
                       number=number, status=status, replaced_by=replaced_by, date=date)


def cmd_laws_changes(settings: Settings, report_id: str = "last") -> int:
    """`laws changes [ID]`: a saved change report."""
    services = _services(settings)
    found = law_admin.load_report(services.store, report_id) if services is not None else None
    if found is None:
        print(f"error: no change report {report_id!r}", file=sys.stderr)
        return 1
    print(format_report(found[1]))
    return 0


def cmd_laws_import(settings: Settings, sources: Sequence[str]) -> int:
    """`laws import`: bot.laws.cmd_import, then the change report and the new version published."""
    from bot import laws

    services = _services(settings)
    if services is None:
        print("warning: importing without publishing a new version; running processes reload on their next check",
              file=sys.stderr)
        return laws.cmd_import(settings, list(sources))
    old = law_admin.corpus_store(settings).load()
    code = laws.cmd_import(settings, list(sources))
    if code != 0:
        return code
    update = law_admin.after_cli_import(settings, services.store, old)
    audit.record(services.store, _actor(), "laws_import", sources=[Path(s).name for s in sources],
                 version=update.version, counts=update.report.counts())
    print(format_report(update.report))
    print(f"version in force: {update.version}; report id: {update.report_id}")
    return 0
