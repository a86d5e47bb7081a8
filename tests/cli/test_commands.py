"""The officials' commands (`broadcast`, `stats`, `subscribers`, `audit`, `laws ...`) over a real Redis."""
from __future__ import annotations

import argparse
import json

import pytest

from bot.cli.main import build_parser
from bot.officials import broadcasts as broadcast
from bot.store import stats, subscriptions
from bot.store.redis_state import RedisStateStore
from tests.conftest import REDIS_URL


def parse(*argv: str) -> argparse.Namespace:
    """Parse like `python -m bot` does."""
    return build_parser().parse_args(argv)


@pytest.fixture
def cli_settings(settings, redis_client):
    """Settings pointing at the test Redis."""
    return settings.with_(redis_url=REDIS_URL)


def dispatch(settings, args: argparse.Namespace) -> int:
    """Run parsed arguments with these settings, as bot.cli.main.main does with the environment's."""
    return args.run(settings, args)


def run(settings, capsys, *argv: str) -> tuple[int, str]:
    """Exit code and stdout of one command."""
    code = dispatch(settings, parse(*argv))
    return code, capsys.readouterr().out


def test_broadcast_commands(cli_settings, redis_client, capsys) -> None:
    store = RedisStateStore(redis_client)
    for user in ("a", "b", "c"):
        subscriptions.subscribe(store, user, ("tre-em",) if user == "c" else ())
    code, out = run(cli_settings, capsys, "broadcast", "send", "--text", "Tin mới", "--topic", "lao động nữ",
                    "--dry-run", "--inline")
    status = json.loads(out)
    assert code == 0 and status["state"] == "done" and status["total"] == 2 and status["topics"] == ["lao-dong-nu"]
    code, out = run(cli_settings, capsys, "broadcast", "send", "--text", "Tin mới")
    queued = json.loads(out)
    assert code == 0 and queued["state"] == "queued"
    assert json.loads(run(cli_settings, capsys, "broadcast", "status", queued["id"])[1])["total"] == 0
    assert json.loads(run(cli_settings, capsys, "broadcast", "cancel", queued["id"])[1])["state"] == "cancelled"
    assert len(json.loads(run(cli_settings, capsys, "broadcast", "list")[1])) == 2
    assert run(cli_settings, capsys, "broadcast", "status", "nope")[0] == 1
    assert broadcast.status(store, queued["id"])["state"] == "cancelled"
    code, out = run(cli_settings, capsys, "audit")
    assert "broadcast_create" in out and "broadcast_cancel" in out and "cli" in out


def test_broadcast_needs_redis(settings, capsys) -> None:
    assert dispatch(settings, parse("broadcast", "send", "--text", "x")) == 2


def test_stats_and_subscribers(cli_settings, redis_client, capsys) -> None:
    store = RedisStateStore(redis_client)
    subscriptions.subscribe(store, "a", ("hinh-su",))
    stats.record_question(store, "tội hiếp dâm bị phạt thế nào", ["100/2015/QH13:141"], topics=["hinh-su"])
    code, out = run(cli_settings, capsys, "stats", "--days", "3", "--json")
    assert code == 0 and json.loads(out)["top_articles"] == [{"article": "100/2015/QH13:141", "count": 1}]
    code, out = run(cli_settings, capsys, "stats")
    assert code == 0 and "100/2015/QH13:141" in out
    code, out = run(cli_settings, capsys, "subscribers")
    assert code == 0 and "subscribers: 1" in out and "hinh-su" in out


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the parser tree: (), ("laws",), ("laws", "import"), ..."""
    found = [prefix]
    for action in parser._actions:  # argparse keeps subparsers only there
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, prefix + (name,))
    return found


@pytest.mark.parametrize("command", _commands(build_parser()), ids=lambda c: " ".join(c) or "(top)")
def test_every_command_has_help(command: tuple[str, ...], capsys) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([*command, "--help"])
    assert done.value.code == 0 and "usage: python -m bot" in capsys.readouterr().out
