"""Plans, programmes and projects (Kế hoạch, Chương trình, Đề án): parts "I." split into sections "II.3"."""
from __future__ import annotations

import re

from bot.knowledge.corpus.errors import Skipped
from bot.knowledge.corpus.model import Article
from bot.knowledge.corpus.readers.textutil import parse_clauses, sentence_case, short_title

ROMAN = re.compile(r"^([IVXL]{1,6})\s*[.:\-–]\s*(\S.*)$")
_ITEM = re.compile(r"^(\d{1,2})\s*[.:]\s+(\S.*)$")
_TRAILER = re.compile(r"^(Nơi nhận|TM\.|KT\.|CHỦ TỊCH|PHÓ CHỦ TỊCH|GIÁM ĐỐC|TRƯỞNG BAN)")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
_TITLE_MAX = 160


def roman_value(text: str) -> int:
    """ "IV" -> 4."""
    total = 0
    values = [_ROMAN_VALUES[c] for c in text]
    for i, v in enumerate(values):
        total += -v if i + 1 < len(values) and values[i + 1] > v else v
    return total


def _title_and_rest(text: str) -> tuple[str, list[str]]:
    """A heading line's title; a long sentence-like line also starts the body."""
    if len(text) <= _TITLE_MAX and not text.endswith((".", ";")):
        return sentence_case(text.rstrip(":")), []
    return short_title(text), [text]


def plan_sections(lines: list[str], doc: str, source: str) -> tuple[list[Article], list[Skipped]]:
    """Sections: each numbered item "N." of part "II." becomes article "II.N"; a part's own text becomes "II"."""
    articles: list[Article] = []
    skipped: list[Skipped] = []
    part = ""  # "II"
    part_title = ""
    current: list = []  # [number, title, body lines]
    last_part = last_item = 0

    def finish() -> None:
        """Store the section being read."""
        if not current:
            return
        number, title, body = current
        if not body and "." not in number:
            return  # a part heading followed straight by its first item
        if not body:
            skipped.append(Skipped(source, number, "heading without text: kept with its title as text", True))
            body = [title]
        articles.append(Article(doc, number, title, "\n".join(body), chapter=part_title,
                                clauses=parse_clauses(body)))

    for line in lines:
        if _TRAILER.match(line):
            break
        r = ROMAN.match(line)
        if r and roman_value(r.group(1)) == last_part + 1:
            finish()
            last_part, last_item = last_part + 1, 0
            part = r.group(1)
            title, rest = _title_and_rest(r.group(2))
            part_title = f"{part}. {r.group(2).rstrip(':')}" if len(r.group(2)) <= _TITLE_MAX else f"{part}. {title}"
            current = [part, title, rest]
            continue
        m = _ITEM.match(line)
        if m and part and int(m.group(1)) == last_item + 1:
            finish()
            last_item += 1
            title, rest = _title_and_rest(m.group(2))
            current = [f"{part}.{last_item}", title, rest]
            continue
        if current:
            current[2].append(line)
    finish()
    return articles, skipped
