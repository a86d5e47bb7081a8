"""The subscription commands in users' words and button payloads, and the dialogue's confirmations."""
from __future__ import annotations

import pytest

from bot.conversation import commands
from bot.conversation.dialogue import Dialogue
from bot.zalo.events import TextMessage


@pytest.mark.parametrize("text, expected", [
    ("đăng ký", ("subscribe", ())),
    ("dang ky", ("subscribe", ())),
    ("Đăng ký nhận tin", ("subscribe", ())),
    ("Đăng ký!", ("subscribe", ())),
    ("#dangky", ("subscribe", ())),
    ("đăng ký trẻ em", ("subscribe", ("tre-em",))),
    ("dang ky lao dong nu", ("subscribe", ("lao-dong-nu",))),
    ("Đăng ký nhận tin về hôn nhân và gia đình", ("subscribe", ("hon-nhan-gia-dinh",))),
    ("đăng ký trẻ em, hình sự", ("subscribe", ("tre-em", "hinh-su"))),
    ("đăng ký bình đẳng giới nhé", ("subscribe", ("binh-dang-gioi",))),
    ("dang ky ho tich", ("subscribe", ("ho-tich",))),
    ("#dangky:tre-em", ("subscribe", ("tre-em",))),
    ("hủy đăng ký", ("unsubscribe", ())),
    ("huỷ đăng ký", ("unsubscribe", ())),
    ("huy dang ky", ("unsubscribe", ())),
    ("#huydangky", ("unsubscribe", ())),
    ("hủy đăng ký hình sự", ("unsubscribe", ("hinh-su",))),
    ("ngừng nhận tin", ("unsubscribe", ())),
    ("đăng ký kết hôn", None),
    ("dang ky khai sinh cho con", None),
    ("đăng ký kết hôn với người nước ngoài cần gì", None),
    ("bị chồng đánh", None),
    ("", None),
])
def test_parse_command(text: str, expected: tuple | None) -> None:
    command = commands.parse_command(text)
    assert (None if command is None else (command.action, command.topics)) == expected




@pytest.mark.parametrize("text, subscribed, phrase", [
    ("đăng ký", None, "Cảm ơn bạn đã đăng ký"),
    ("đăng ký trẻ em", None, "trẻ em"),
    ("hủy đăng ký", (), "hủy đăng ký"),
    ("hủy đăng ký", None, "chưa đăng ký"),
])
def test_confirmations_are_polite_vietnamese(text: str, subscribed: tuple | None, phrase: str) -> None:
    dialogue = Dialogue(lambda: None, subscribed=lambda user_id: subscribed)
    messages, _ = dialogue.handle(TextMessage("u1", "m1", text, "1700000000000"), None)
    assert phrase in messages[0].text and len(messages[0].text) <= 2000 and len(messages[0].buttons) <= 5
