"""`python -m bot stats|subscribers|audit`: what people ask, who subscribed, what officials did."""
from __future__ import annotations

import argparse
import json
from typing import Any

from bot.cli.common import actor, open_services
from bot.officials import audit
from bot.ops.settings import Settings
from bot.store import stats, subscriptions


def register(sub: Any) -> None:
    """Add `stats`, `subscribers` and `audit` to the top-level subparsers."""
    st = sub.add_parser("stats", help="what people ask")
    st.add_argument("--days", type=int, default=30)
    st.add_argument("--json", action="store_true", dest="as_json")
    st.set_defaults(run=cmd_stats)
    sub.add_parser("subscribers", help="subscriber counts by topic").set_defaults(run=cmd_subscribers)
    au = sub.add_parser("audit", help="the latest admin actions")
    au.add_argument("--limit", type=int, default=50)
    au.set_defaults(run=cmd_audit)


def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    """`stats`: questions per day, top articles and topics, unanswered queries."""
    services = open_services(settings, need_redis=True)
    if services is None:
        return 2
    data = stats.report(services.store, args.days)
    audit.record(services.store, actor(), "view", path="stats")
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.as_json else stats.format_report(data))
    return 0


def cmd_subscribers(settings: Settings, args: argparse.Namespace) -> int:
    """`subscribers`: counts by topic."""
    services = open_services(settings, need_redis=True)
    if services is None:
        return 2
    counts = subscriptions.counts(services.store)
    audit.record(services.store, actor(), "view", path="subscribers")
    print(f"subscribers: {counts['total']} (all topics: {counts['all_topics']})")
    for slug, row in counts["topics"].items():
        print(f"  {slug:<20} {row['reached']:>7}  ({row['explicit']} chose this topic)  {row['name']}")
    return 0


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    """`audit`: the latest admin actions."""
    services = open_services(settings, need_redis=True)
    if services is None:
        return 2
    for entry in audit.recent(services.store, args.limit):
        print(f"{entry['at']}  {entry['actor']:<24} {entry['action']:<20} "
              f"{json.dumps(entry['details'], ensure_ascii=False)}")
    return 0
