"""`python -m bot officials add|list|remove|passwd|token`: who may use the console and the admin API."""
from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.cli.common import actor, open_services
from bot.officials import accounts, audit
from bot.ops.settings import Settings


def register(sub: Any) -> None:
    """Add `officials` and its subcommands to the top-level subparsers."""
    off = sub.add_parser("officials", help="officials' accounts (console and admin API)").add_subparsers(
        dest="officials_command", required=True)
    add = off.add_parser("add", help="create an official (password read twice from stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=accounts.ROLES, default="editor")
    off.add_parser("list", help="officials and their roles")
    off.add_parser("remove", help="delete an official and their API tokens").add_argument("name")
    off.add_parser("passwd", help="set an official's password (read twice from stdin)").add_argument("name")
    off.add_parser("token", help="print a new personal API token for /admin/* (shown once)").add_argument("name")
    for parser in off.choices.values():
        parser.set_defaults(run=cmd_officials)


def read_password(stream: Any = None) -> str:
    """The new password, typed twice (at a prompt on a terminal, else two lines of stdin); AccountError if unequal."""
    stream = stream or sys.stdin
    if stream.isatty():
        first, second = getpass.getpass("Mật khẩu: "), getpass.getpass("Nhập lại mật khẩu: ")
    else:
        first, second = stream.readline().rstrip("\r\n"), stream.readline().rstrip("\r\n")
    if first != second:
        raise accounts.AccountError("the two passwords differ")
    return first


def cmd_officials(settings: Settings, args: argparse.Namespace) -> int:
    """Run an `officials` command against the store at REDIS_URL."""
    services = open_services(settings, need_redis=True)
    if services is None:
        return 2
    store, command = services.store, args.officials_command
    try:
        if command == "list":
            for official in accounts.officials(store):
                print(f"{official.name:<40} {official.role}")
            return 0
        if command == "add":
            accounts.add(store, args.name, read_password(), args.role)
        elif command == "passwd":
            accounts.set_password(store, args.name, read_password())
        elif command == "remove":
            accounts.remove(store, args.name)
        elif command == "token":
            print(accounts.issue_token(store, args.name))
    except accounts.AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    audit.record(store, actor(), f"officials_{command}", name=args.name)
    if command != "token":
        print(f"{command}: {args.name}")
    return 0
