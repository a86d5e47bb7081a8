"""The admin commands (`broadcast`, `stats`, `subscribers`, `audit`) over a real Redis."""
from __future__ import annotations

import argparse
import json

import pytest

from bot import admin_cli, broadcast, stats, subscriptions
from bot.redis_state import RedisStateStore
from tests.conftest import REDIS_URL


def parse(*argv: str) -> argparse.Namespace:
    """Parse like `python -m bot` would once bot.cli registers the admin commands."""
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    admin_cli.add_parsers(sub)
    laws = sub.add_parser("laws").add_subparsers(dest="laws_command", required=True)
    admin_cli.add_laws_parsers(laws)
    return parser.parse_args(argv)


@pytest.fixture
def cli_settings(settings, redis_client):
    """Settings pointing at the test Redis."""
    return settings.with_(redis_url=REDIS_URL)


def run(settings, capsys, *argv: str) -> tuple[int, str]:
    """Exit code and stdout of one command."""
    code = admin_cli.dispatch(settings, parse(*argv))
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
    assert admin_cli.dispatch(settings, parse("broadcast", "send", "--text", "x")) == 2


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
