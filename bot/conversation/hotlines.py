"""Help lines (bot/data/hotlines.tsv) and the caring first message to someone in danger, each line with its own
facts: free or charged to the caller, 24/7 only where its operator says so (SPEC §4)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from bot.conversation.replies import text_message
from bot.ops.datafiles import Texts, read_tsv
from bot.zalo.messages import MAX_BUTTONS, OPEN_PHONE, Button, OutMessage

COSTS = ("free", "charged")  # free for the caller (111, 113, 115, 1800...) | charged to the caller (1900...)
HOURS = ("24/7", "")  # "24/7" only where the operator says so; "" says nothing about hours


class HotlineError(ValueError):
    """A row of hotlines.tsv states an unknown cost or hours."""


@dataclass(frozen=True)
class Hotline:
    """A help line from hotlines.tsv."""

    number: str
    button: str
    description: str
    serves: tuple[str, ...]
    leads: tuple[str, ...] = ()
    cost: str = "free"
    hours: str = ""

    @property
    def dial(self) -> str:
        """The number without spaces, as a phone button needs it."""
        return "".join(self.number.split())


def _split(cell: str) -> tuple[str, ...]:
    """A comma-separated cell."""
    return tuple(c.strip() for c in cell.split(",") if c.strip())


def load_hotlines(data_dir: Path | None = None) -> list[Hotline]:
    """Hotlines in file order; a row with an unknown cost or hours is an error, not a guess."""
    lines = []
    for row in read_tsv("hotlines.tsv", data_dir):
        row = row + [""] * (7 - len(row))
        line = Hotline(row[0], row[1], row[2], _split(row[3]), _split(row[4]), row[5], row[6])
        if line.cost not in COSTS or line.hours not in HOURS:
            raise HotlineError(f"hotlines.tsv {line.number}: cost must be one of {COSTS}, hours one of {HOURS}")
        lines.append(line)
    return lines


def pick_hotlines(hotlines: Sequence[Hotline], categories: Sequence[str]) -> list[Hotline]:
    """Lines serving the categories, those leading one of them first, at most five."""
    cats = set(categories) or {"danger"}
    serving = [h for h in hotlines if cats & set(h.serves)]
    serving.sort(key=lambda h: 0 if cats & set(h.leads) else 1)  # stable: file order otherwise
    return serving[:MAX_BUTTONS]


def facts(texts: Texts, line: Hotline) -> str:
    """What is true of calling this line: "miễn phí, 24/7", "người gọi trả cước"."""
    parts = [texts.get(f"hotline_{line.cost}")]
    if line.hours == "24/7":
        parts.append(texts.get("hotline_24_7"))
    return ", ".join(parts)


def hotline_message(texts: Texts, hotlines: Sequence[Hotline], categories: Sequence[str],
                    with_articles: bool) -> OutMessage:
    """The caring first message: hotline numbers as text and as phone buttons."""
    chosen = pick_hotlines(hotlines, categories)
    intro = texts.get("danger_intro_selfharm" if "selfharm" in categories else "danger_intro")
    lines = [texts.get("hotline_line", number=h.number, description=h.description, facts=facts(texts, h))
             for h in chosen]
    outro = texts.get("danger_outro" if with_articles else "danger_outro_no_articles")
    buttons = tuple(Button(h.button, h.dial, OPEN_PHONE) for h in chosen)
    return text_message("\n".join([intro, *lines, outro]), buttons)
