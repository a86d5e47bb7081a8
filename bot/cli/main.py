"""`python -m bot ...`: the argument parser of every command and the dispatch to its handler."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from bot.cli import broadcast, cards, chat, deadletters, laws, officials, reports, run, search
from bot.ops.settings import ConfigError, Settings

# each command module adds its parsers, with `run=` its handler: (settings, args) -> exit code
COMMANDS = (laws, search, chat, run, broadcast, reports, deadletters, officials, cards)


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree for every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Trợ lý pháp luật Zalo OA")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(Settings.from_env(), args))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
