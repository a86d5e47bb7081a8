"""Footnotes of consolidated texts (văn bản hợp nhất): marks like "[9]", their texts after the last article."""
from __future__ import annotations

import re

from bot.knowledge.corpus.readers.textutil import clean

_MARK = re.compile(r"\s*\[(\d{1,3})\]")
_NOTE = re.compile(r"^\[(\d{1,3})\]\s*")


def strip_marks(line: str) -> str:
    """ "Điều 52.[9] (được bãi bỏ)" -> "Điều 52. (được bãi bỏ)"."""
    return clean(_MARK.sub("", line)) if "[" in line else line


def marks(line: str) -> list[str]:
    """The footnote marks in a line: "a)[4] … tra,[7]" -> ["4", "7"]."""
    return _MARK.findall(line) if "[" in line else []


def split_footnotes(lines: list[str], start: int) -> tuple[list[str], dict[str, str]]:
    """The lines before the footnote texts, and those texts by mark.

    The texts start at the first line from `start` opening with a mark already seen in the text above: they quote
    other laws ("Điều 3. Hiệu lực thi hành" of the amending law) and must not be read as articles.
    """
    seen: set[str] = set()
    for i, line in enumerate(lines):
        opening = _NOTE.match(line)
        if opening and i >= start and opening.group(1) in seen:
            return lines[:i], _texts(lines[i:])
        seen.update(marks(line))
    return lines, {}


def _texts(lines: list[str]) -> dict[str, str]:
    """ "[9] Điều này được bãi bỏ …" and the lines up to the next mark, by mark."""
    texts: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines:
        opening = _NOTE.match(line)
        if opening:
            current = texts.setdefault(opening.group(1), [])
            line = line[opening.end():]
        if line:
            current.append(line)
    return {mark: "\n".join(body) for mark, body in texts.items()}
