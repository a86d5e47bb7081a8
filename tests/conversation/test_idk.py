"""The honest "I don't know" on the real library: off-topic messages get it, everyday law questions do not."""
from __future__ import annotations

from typing import Any

import pytest

from bot.conversation.dialogue import Dialogue
from bot.ops.datafiles import Texts
from bot.zalo.events import TextMessage
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
IDK_FIRST = Texts.load().get("idk").splitlines()[0]
DECLINE_FIRST = Texts.load().get("decline_subject", subject="@").split("@")[0]  # "…chưa có văn bản về "
NOT_LAW_FIRST = Texts.load().get("decline_not_law", subject="@").split("@")[0]  # "…không trả lời được câu hỏi về "


def _lines(name: str) -> list[str]:
    """Non-comment lines of tests/data/<name>."""
    return [ln.strip() for ln in (DATA / name).read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.startswith("#")]


def reply(library: Any, text: str) -> str:
    """The bot's whole reply to one message."""
    messages, _ = Dialogue(lambda: library).handle(TextMessage("u", "m", text, "1"), None)
    return "\n".join(m.text for m in messages)


@pytest.mark.parametrize("text", ["thời tiết hôm nay thế nào", "thoi tiet hom nay the nao", "cách nấu phở bò ngon",
                                  "giá vàng hôm nay bao nhiêu", "lich xe khach di ha noi", "kể chuyện cười đi"])
def test_off_topic_gets_the_honest_no_match(real_library: Any, text: str) -> None:
    """No article; the plain "no article fits", the decline naming a subject the library lacks (coaches), or the
    note that the assistant answers questions of law (weather, cooking, gold prices)."""
    text_out = reply(real_library, text)
    if NOT_LAW_FIRST in text_out:
        assert "pháp luật" in text_out and "Điều" not in text_out
        return
    assert IDK_FIRST in text_out or DECLINE_FIRST in text_out
    assert "Trung tâm Trợ giúp pháp lý" in text_out and "Điều" not in text_out


@pytest.mark.parametrize("text", ["nghỉ đẻ mấy tháng", "nghi de may thang", "trẻ em có những quyền gì", "tảo hôn",
                                  "ly hôn ai nuôi con", "ck ko dua tien nuoi con"])
def test_everyday_questions_are_answered(real_library: Any, text: str) -> None:
    assert IDK_FIRST not in reply(real_library, text)


def test_most_short_questions_answered_most_off_topic_refused(real_library: Any) -> None:
    """The calibration figures (scripts/calibrate_idk.py) hold: a regression in either direction fails."""
    short = [IDK_FIRST not in reply(real_library, t) for t in _lines("ontopic_short.txt")]
    refused = (IDK_FIRST, DECLINE_FIRST, NOT_LAW_FIRST)
    off = [any(r in out for r in refused) for out in (reply(real_library, t) for t in _lines("offtopic.txt"))]
    assert sum(short) / len(short) >= 0.95
    assert len(off) >= 60 and sum(off) / len(off) >= 0.9  # 0.96 since bot/data/everyday_topics.tsv
