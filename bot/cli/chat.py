"""`python -m bot chat`: talk to the bot in a terminal, with the same dialogue and state store as on Zalo."""
from __future__ import annotations

import sys
import time
from typing import Any, Iterable, TextIO

from bot.config import Settings
from bot.events import Follow, TextMessage
from bot.messages import OPEN_PHONE, OutMessage

CHAT_USER = "terminal"
BUTTON_PREFIX = "b"  # "b2" presses the second button of the last message


def open_store(settings: Settings) -> Any:
    """The Redis store when REDIS_URL is set (redis imported only then), else an in-process one."""
    from bot.redis_state import RedisStateStore
    from bot.state import InMemoryStateStore

    if settings.redis_url:
        from bot.services import connect_redis

        return RedisStateStore(connect_redis(settings.redis_url))
    return InMemoryStateStore()


def render(message: OutMessage) -> str:
    """A message as terminal text, buttons numbered with what pressing them sends."""
    lines = [message.text]
    for n, button in enumerate(message.buttons, 1):
        target = f"gọi {button.payload}" if button.type == OPEN_PHONE else button.payload
        lines.append(f"  [{BUTTON_PREFIX}{n}] {button.title} → {target}")
    return "\n".join(lines)


def _apply_actions(store: Any, user_id: str, actions: Any) -> None:
    """Carry out (un)subscriptions and question statistics exactly as the worker does."""
    if actions:
        from bot.subscriptions import apply_actions

        apply_actions(store, user_id, actions)


class ChatSession:
    """One terminal user: feeds lines to the dialogue, keeps the state in the store, prints the replies."""

    def __init__(self, dialogue: Any, store: Any, ttl: int, out: TextIO, user_id: str = CHAT_USER) -> None:
        """`ttl` is the conversation state's lifetime in seconds."""
        from bot.worker import conv_key

        self.dialogue, self.store, self.ttl, self.out = dialogue, store, ttl, out
        self.user_id = user_id
        self.key = conv_key(user_id)
        self.count = 0
        self.buttons: tuple[Any, ...] = ()

    def _run(self, event: Any) -> None:
        """Handle one event, save the state, print the replies."""
        messages, state = self.dialogue.handle(event, self.store.get_json(self.key))
        if state is None:
            self.store.delete(self.key)
        else:
            _apply_actions(self.store, self.user_id, state.get("actions"))
            from bot import privacy

            if privacy.requested(state):  # "xóa dữ liệu" works in the terminal as on Zalo
                privacy.erase_user(self.store, self.user_id)
            else:
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


def cmd_chat(settings: Settings) -> int:
    """Read questions from stdin until EOF and print the bot's answers."""
    from bot.dialogue import Dialogue
    from bot.laws import load_library
    from bot.subscriptions import current_topics

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
