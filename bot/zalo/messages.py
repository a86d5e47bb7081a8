"""Outgoing message values shared by the dialogue and the Zalo client."""
from __future__ import annotations

from dataclasses import dataclass

MAX_TEXT = 2000
MAX_BUTTONS = 5
QUERY_SHOW = "oa.query.show"
OPEN_PHONE = "oa.open.phone"
OPEN_URL = "oa.open.url"


@dataclass(frozen=True)
class Button:
    """A Zalo template button; payload is the text sent back (query.show), a phone number or a URL."""

    title: str
    payload: str
    type: str = QUERY_SHOW


@dataclass(frozen=True)
class OutMessage:
    """One message to send: text (<= 2,000 characters) and at most five buttons."""

    text: str
    buttons: tuple[Button, ...] = ()
