"""`python -m bot chat`: talk to the bot in a terminal, with the same dialogue and state store as on Zalo."""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Iterable, TextIO

from bot.conversation.dialogue import Dialogue
from bot.knowledge.library import load_library
from bot.ops.settings import Settings
from bot.store import privacy
from bot.store.keys import conv_key
from bot.store.redis_state import RedisStateStore, connect_redis
from bot.store.state import InMemoryStateStore
from bot.store.subscriptions import current_topics
from bot.zalo.events import Follow, TextMessage
from bot.zalo.messages import OPEN_PHONE, OutMessage

CHAT_USER = "terminal"
BUTTON_PREFIX = "b"  # "b2" presses the second button of the last message


def register(sub: Any) -> None:
    """Add `chat` to the top-level subparsers."""
    sub.add_parser("chat", help="talk to the bot in a terminal").set_defaults(run=cmd_chat)


def open_store(settings: Settings) -> Any:
    """The Redis store when REDIS_URL is set, else an in-process one."""
    if settings.redis_url:
        return RedisStateStore(connect_redis(settings.redis_url))
    return InMemoryStateStore()


def render(message: OutMessage) -> str:
    """A message as terminal text, buttons numbered with what pressing them sends."""
    lines = [message.text]
    for n, button in enumerate(message.buttons, 1):
        target = f"gọi {button.payload}" if button.type == OPEN_PHONE else button.payload
        lines.append(f"  [{BUTTON_PREFIX}{n}] {button.title} → {target}")
    return "\n".join(lines)


class ChatSession:
    """One terminal user: feeds lines to the dialogue, keeps the state in the store, prints the replies."""

    def __init__(self, dialogue: Any, store: Any, ttl: int, out: TextIO, user_id: str = CHAT_USER) -> None:
        """`ttl` is the conversation state's lifetime in seconds."""
        self.dialogue, self.store, self.ttl, self.out = dialogue, store, ttl, out
        self.user_id = user_id
        self.key = conv_key(user_id)
        self.count = 0
        self.buttons: tuple[Any, ...] = ()

    def _run(self, event: Any) -> None:
        """Handle one event, save the state, print the replies."""
        # imported here: the worker's command (same process start-up) sets up metrics before they load
        from bot.jobs.actions import carry_out

        messages, state = self.dialogue.handle(event, self.store.get_json(self.key))
        if state is None:
            self.store.delete(self.key)
        else:
            carry_out(self.store, event, self.user_id, state)  # exactly as the worker does, "xóa dữ liệu" included
            if not privacy.requested(state):
                self.store.set_json(self.key, state, ttl=self.ttl)
        for message in messages:
            print(render(message), file=self.out)
            print(file=self.out)
        if messages:
            self.buttons = messages[-1].buttons
        self.out.flush()

    def follow(self) -> None:
        """Start as a new follower would: the welcome message."""
        self._run(Follow(self.user_id, str(int(time.time() * 1000))))

    def say(self, line: str) -> None:
        """Send one typed line ("b2" presses a button of the last message)."""
        text = line.strip()
        if not text:
            return
        pressed = text[len(BUTTON_PREFIX):]
        if text.startswith(BUTTON_PREFIX) and pressed.isdigit() and 1 <= int(pressed) <= len(self.buttons):
            button = self.buttons[int(pressed) - 1]
            if button.type == OPEN_PHONE:
                print(f"(gọi {button.payload})\n", file=self.out)
                return
            text = button.payload
        self.count += 1
        self._run(TextMessage(self.user_id, f"chat-{int(time.time() * 1000)}-{self.count}", text,
                              str(int(time.time() * 1000))))


def _tty_lines() -> Iterable[str]:
    """Lines typed at a prompt, until EOF."""
    while True:
        try:
            yield input("> ")
        except EOFError:
            print()
            return


def run(session: ChatSession, lines: Iterable[str], interactive: bool) -> None:
    """Feed lines until they run out (EOF)."""
    if interactive:
        session.follow()
    for line in lines:
        session.say(line)


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    """Read questions from stdin until EOF and print the bot's answers."""
    library = load_library(settings)
    store = open_store(settings)
    dialogue = Dialogue(lambda: library, subscribed=lambda user_id: current_topics(store, user_id))
    session = ChatSession(dialogue, store, settings.state_ttl_seconds, sys.stdout)
    interactive = sys.stdin.isatty()
    if interactive:
        print("Trợ lý pháp luật (gõ câu hỏi; b1, b2... để bấm nút; Ctrl-D để thoát)\n")
    try:
        run(session, _tty_lines() if interactive else sys.stdin, interactive)
    except KeyboardInterrupt:
        pass
    return 0
