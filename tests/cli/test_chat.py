"""`python -m bot chat`: the terminal conversation, in-process and as a real subprocess."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.chat import ChatSession, open_store, render, run
from bot.conversation.dialogue import Dialogue
from bot.ops.datafiles import Texts
from bot.store.keys import conv_key
from bot.store.redis_state import RedisStateStore
from bot.store.state import InMemoryStateStore
from bot.store.subscriptions import current_topics
from bot.zalo.messages import OPEN_PHONE, Button, OutMessage
from tests.conftest import ROOT


@pytest.fixture
def session(real_library: object):
    """A terminal session factory over the real law library (../shared/laws imported once per session)."""
    def make(store: object | None = None) -> tuple[ChatSession, io.StringIO]:
        out, store = io.StringIO(), store or InMemoryStateStore()
        dialogue = Dialogue(lambda: real_library, subscribed=lambda user_id: current_topics(store, user_id))
        return ChatSession(dialogue, store, 3600, out), out
    return make


def test_render_numbers_buttons() -> None:
    text = render(OutMessage("Xin chào", (Button("Xem toàn văn 1", "#xem 52/2014/QH13:81"),
                                          Button("Gọi 113", "113", OPEN_PHONE))))
    assert text.splitlines() == ["Xin chào", "  [b1] Xem toàn văn 1 → #xem 52/2014/QH13:81", "  [b2] Gọi 113 → gọi 113"]


def test_session_keeps_state_between_lines(session) -> None:
    chat, out = session()
    run(chat, ["nghỉ thai sản được mấy tháng\n", "\n", "1\n"], interactive=False)
    text = out.getvalue()
    assert "1. khoản 1 Điều 139 Bộ luật Lao động số 45/2019/QH14" in text
    assert "Điều 139 Bộ luật Lao động số 45/2019/QH14. Nghỉ thai sản" in text
    assert chat.store.get_json(conv_key("terminal"))["doc"] == "45/2019/QH14"


def test_button_shortcut_sends_its_payload(session) -> None:
    chat, out = session()
    run(chat, ["nghỉ thai sản được mấy tháng", "b2"], interactive=True)
    text = out.getvalue()
    assert text.startswith("Chào bạn!")  # interactive sessions start with the welcome
    second = chat.store.get_json(conv_key("terminal"))["keys"][1]
    assert f"→ #xem {second}" in text
    assert f"Điều {second.split(':')[1]} " in text.split(f"→ #xem {second}", 1)[1]


def test_subscription_is_carried_out(session) -> None:
    chat, out = session()
    run(chat, ["đăng ký lao động nữ"], interactive=False)
    assert current_topics(chat.store, "terminal") == ("lao-dong-nu",)
    assert "lao động nữ" in out.getvalue()


def test_unsubscribing_when_not_subscribed_says_so(session) -> None:
    texts = Texts.load()
    chat, out = session()
    run(chat, ["hủy đăng ký"], interactive=False)
    assert out.getvalue().strip() == texts.get("not_subscribed")
    run(chat, ["dang ky", "huy dang ky"], interactive=False)
    assert current_topics(chat.store, "terminal") is None
    assert out.getvalue().strip().endswith(texts.get("unsubscribe_all"))


def test_state_in_redis(redis_client, session) -> None:
    store = RedisStateStore(redis_client)
    chat, _ = session(store)
    run(chat, ["nghỉ thai sản được mấy tháng"], interactive=False)
    assert store.get_json(conv_key("terminal"))["keys"][0] == "45/2019/QH14:139"
    assert 0 < store.ttl(conv_key("terminal")) <= 3600


def test_open_store_without_redis(settings) -> None:
    assert isinstance(open_store(settings), InMemoryStateStore)


def test_subprocess_chat_reads_stdin_until_eof(tmp_path: Path) -> None:
    env = {**os.environ, "LAWS_DIR": str(tmp_path / "laws")}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "bot", "chat"], input="chào\nnghỉ thai sản\ncảm ơn\n",
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Chào bạn!" in done.stdout
    assert "Thư viện luật đang được cập nhật" in done.stdout  # nothing imported in an empty LAWS_DIR
    assert "Không có gì ạ!" in done.stdout


def test_subprocess_chat_answers_from_imported_laws(real_laws_dir: Path) -> None:
    env = {**os.environ, "LAWS_DIR": str(real_laws_dir)}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "bot", "chat"], input="nghỉ thai sản được mấy tháng\n1\n",
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Điều 139 Bộ luật Lao động số 45/2019/QH14" in done.stdout
