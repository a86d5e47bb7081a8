"""What a document replaces, read from its own "Hiệu lực thi hành" article ("Luật … số 02/2007/QH12 hết hiệu lực …")."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.corpus.model import Article, Document
from bot.knowledge.corpus.readers.header import TYPES, numbers_in
from bot.knowledge.corpus.readers.textutil import iso_date

_TYPE = "(?:" + "|".join(TYPES) + ")"
# "2. Luật … số 02/2007/QH12 hết hiệu lực kể từ ngày Luật này có hiệu lực thi hành"
_ENDS = re.compile(r"^(?:(?:\d+[a-zđ]?\.|[a-zđ]\))\s*)?(.*?)\s+(?:đã\s+|sẽ\s+)?hết hiệu lực(?:\s+thi hành)?(.*)$")
# "Nghị định này thay thế Nghị định số 144/2021/NĐ-CP …", also "… có hiệu lực từ ngày … và thay thế Nghị định số …"
_REPLACES = re.compile(_TYPE + r" này\b.*?\bthay thế\s+(.*)$")
# "… hết hiệu lực kể từ ngày …:" then "a) Luật … số …;" "b) …"
_LISTED = re.compile(r"^(?:[a-zđ]\)|[-–+•])\s*")
_WHEN = r"từ ngày\s+(\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4})"
_FROM = re.compile(r"^\s*(?:kể\s+)?" + _WHEN)  # right after "hết hiệu lực"
_DATE = re.compile(_WHEN)
# the laws that amended the one named are not ended with it: "… đã được sửa đổi, bổ sung theo Luật số …"
_AMENDED = re.compile(r"(?:đã\s+)?được\s+sửa đổi,?\s*bổ sung[^|;]*")
_ITEMS = re.compile(r"(?:\s*[;|,]\s*(?:và\s+)?|\s+và\s+)(?=" + _TYPE + r"\b)")
_PART = re.compile(r"\b(?:Điều|khoản|điểm)\s+\d", re.IGNORECASE)


@dataclass(frozen=True)
class Replacement:
    """A document that another one replaces or ends, and from when."""

    number: str  # the old document
    by: str  # the document that says so
    effective: str  # ISO date from which the old one no longer applies; "" when unknown
    article: str = ""  # key DOC:ARTICLE of the sentence; "" when the fact comes from metadata (SOURCES.tsv)
    text: str = ""  # the sentence


def _named(text: str) -> list[str]:
    """The number of each whole document named in a list: "Luật X số A (…) và Nghị quyết số B …" -> [A, B]."""
    text = _AMENDED.sub("", re.sub(r"\([^()]*\)", "|", text))
    out: list[str] = []
    for item in _ITEMS.split(text):
        item = item.strip(" |")
        numbers = numbers_in(item) if re.match(_TYPE + r"\b", item) else []
        at = re.search(r"\bsố\s*:?\s*\d", item)
        # "Điều 47 Nghị định số 82/2020/NĐ-CP ...": only an article ends, not the document
        if numbers and at and not _PART.search(item[:at.start()]):
            out.append(numbers[0])
    return out


def _sentence(line: str, doc: Document) -> tuple[list[str], str] | None:
    """The numbers a line ends or replaces and the date from which; None when it says no such thing."""
    ends, replaces = _ENDS.match(line), _REPLACES.search(line)
    if ends:
        since = _FROM.match(ends.group(2))
        return _named(ends.group(1)), iso_date("ngày " + since.group(1)) if since else doc.effective
    if replaces:
        since = _DATE.search(line)
        return _named(replaces.group(1)), iso_date("ngày " + since.group(1)) if since else doc.effective
    return None


def _found(lines: list[str], doc: Document) -> list[tuple[str, str, str]]:
    """(number, date, sentence) for each document the lines end or replace, lists under a lead line included."""
    out: list[tuple[str, str, str]] = []
    for i, line in enumerate(lines):
        said = _sentence(line, doc)
        if said is None:
            continue
        numbers, since = said
        out += [(n, since, line) for n in numbers]
        if not numbers and line.rstrip().endswith(":"):
            for item in lines[i + 1:]:
                point = _LISTED.match(item)
                if not point:
                    break
                out += [(n, since, f"{line} {item}") for n in _named(item[point.end():])]
    return out


def _final_articles(doc: Document) -> list[Article]:
    """The articles that put the document in force ("Hiệu lực thi hành", "Điều khoản thi hành")."""
    return [a for a in doc.articles if re.search(r"hiệu lực|thi hành", a.title, re.IGNORECASE) and not a.repealed]


def find_replacements(doc: Document) -> tuple[Replacement, ...]:
    """The documents this one says it replaces or ends, from its own text."""
    found: dict[str, Replacement] = {}
    for article in _final_articles(doc):
        for number, since, sentence in _found(article.text.split("\n"), doc):
            if number != doc.number:
                found.setdefault(number, Replacement(number, doc.number, since, article.key, sentence))
    return tuple(found.values())


def replacements(doc: Document) -> tuple[Replacement, ...]:
    """Every entry of doc.replaces with its date and sentence (metadata-only entries take the document's date)."""
    found = {r.number: r for r in find_replacements(doc)}
    return tuple(found.get(n) or Replacement(n, doc.number, doc.effective) for n in doc.replaces)
