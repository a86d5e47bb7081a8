"""Outgoing message values shared by the dialogue and the Zalo client, and the one way long texts are split."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

MAX_TEXT = 2000
MAX_BUTTONS = 5
QUERY_SHOW = "oa.query.show"
OPEN_PHONE = "oa.open.phone"
OPEN_URL = "oa.open.url"
_CLAUSE_START = re.compile(r"\n(?=[ \t]*\d+[a-zđ]?\.\s)")
_SENTENCE_END = re.compile(r"(?<=[.;:!?…])\s+")


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


def _by_clause(text: str) -> tuple[list[str], str]:
    """Before each numbered clause."""
    return _CLAUSE_START.split(text), "\n"


def _by_line(text: str) -> tuple[list[str], str]:
    """At line breaks."""
    return text.split("\n"), "\n"


def _by_sentence(text: str) -> tuple[list[str], str]:
    """After sentence punctuation."""
    return _SENTENCE_END.split(text), " "


def _by_word(text: str) -> tuple[list[str], str]:
    """At spaces."""
    return text.split(), " "


_SPLITTERS: tuple[Callable[[str], tuple[list[str], str]], ...] = (_by_clause, _by_line, _by_sentence, _by_word)


def _pieces(text: str, limit: int, level: int) -> list[tuple[str, str]]:
    """(separator before, piece) pairs, each piece <= limit, cutting at the coarsest boundary that works."""
    if len(text) <= limit:
        return [("", text)]
    if level == len(_SPLITTERS):
        # one "word" longer than a message: cut it, nothing else is possible
        return [("", text[i:i + limit]) for i in range(0, len(text), limit)]
    parts, sep = _SPLITTERS[level](text)
    parts = [p.strip() for p in parts if p.strip()]
    if len(parts) <= 1:
        return _pieces(text.strip(), limit, level + 1)
    out: list[tuple[str, str]] = []
    for k, part in enumerate(parts):
        sub = _pieces(part, limit, level + 1)
        sub[0] = (sep if k else "", sub[0][1])
        out.extend(sub)
    return out


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Parts of at most `limit` characters, cut between clauses, else lines, sentences, words."""
    text = text.strip()
    if not text:
        return []
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for sep, piece in _pieces(text, limit, 0):
        if not current:
            current = piece
        elif len(current) + len(sep) + len(piece) <= limit:
            current += sep + piece
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts
