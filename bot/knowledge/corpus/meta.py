"""Facts about a document given by the caller (CLI flags, a folder's SOURCES.tsv) for files that do not print them."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.knowledge.corpus.errors import SourceError
from bot.knowledge.corpus.readers.header import TYPES
from bot.knowledge.corpus.readers.textutil import clean, type_case

SOURCES_TSV = "SOURCES.tsv"
# the columns of ../shared/laws/official-text/SOURCES.tsv; `text` and `notes` are for people and not read
COLUMNS = ("file", "number", "type", "name", "passed", "effective", "text", "articles", "replaces", "notes")
_NUMBER = re.compile(r"^\d+[\w.-]*/[\w./-]*[A-ZĐ][\w./-]*$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class DocMeta:
    """A document's number, type, name, dates, official article count and what it replaces; "" when not given."""

    number: str = ""
    type: str = ""
    name: str = ""
    effective: str = ""  # ISO yyyy-mm-dd
    issued: str = ""  # ISO yyyy-mm-dd (the "passed" column)
    articles: int = 0  # the official count, checked against what the importer finds
    replaces: tuple[str, ...] = ()
    origin: str = ""  # where the facts come from, named in messages ("SOURCES.tsv line 3")


def _date(value: str, label: str) -> str:
    """ "01/07/2025" (or "2025-07-01") as 2025-07-01; SourceError for anything else."""
    value = clean(value)
    if not value:
        return ""
    dmy, iso = _DMY.match(value), _ISO.match(value)
    try:
        if dmy:
            return date(int(dmy.group(3)), int(dmy.group(2)), int(dmy.group(1))).isoformat()
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3))).isoformat()
    except ValueError:
        pass
    raise SourceError(label, f"expected a date DD/MM/YYYY such as 01/07/2025, got {value!r}",
                      "date", value=value)


def _number(value: str, label: str) -> str:
    """An official number in upper case ("53/2024/qh15" -> "53/2024/QH15"); SourceError when it is not one."""
    number = re.sub(r"\s*/\s*", "/", clean(value)).upper()
    if number and not _NUMBER.match(number):
        raise SourceError(label, f"expected a document number such as 13/2022/QH15 or 282/2025/NĐ-CP, got {value!r}",
                          "number", value=value)
    return number


def doc_meta(number: str = "", type: str = "", name: str = "", effective: str = "", issued: str = "",
             articles: str | int = 0, replaces: str = "", origin: str = "") -> DocMeta:
    """Checked, normalised metadata from text as typed; SourceError names the bad field.

    `origin` names a SOURCES.tsv row ("…/SOURCES.tsv:3"); without it the fields are CLI flags ("--effective").
    """
    def label(column: str) -> str:
        """Where a bad value was typed."""
        return f"{origin} {column}" if origin else f"--{column}"

    kind = type_case(type) if clean(type) else ""
    if kind and kind not in TYPES:
        raise SourceError(label("type"), f"expected one of {', '.join(TYPES)}; got {type!r}",
                          "doc_type", value=type)
    count = str(articles).strip()
    if count and not count.isdigit():
        raise SourceError(label("articles"), f"expected a whole number of articles, got {articles!r}")
    numbers = tuple(_number(x, label("replaces")) for x in re.split(r"[,;\s]+", replaces) if x.strip())
    return DocMeta(_number(number, label("number")), kind, clean(name), _date(effective, label("effective")),
                   _date(issued, label("passed")), int(count or 0), numbers, origin)


def read_sources_tsv(path: Path) -> dict[str, DocMeta]:
    """The rows of a SOURCES.tsv by file name; SourceError for a missing column or a bad value."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(str(path), f"unreadable ({type(exc).__name__}); expected UTF-8 text with the columns "
                                     + "\t".join(COLUMNS)) from exc
    rows = list(csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
    header = [clean(c).lower() for c in rows[0]] if rows else []
    if "file" not in header or "number" not in header:
        raise SourceError(str(path), "expected a first line naming the tab-separated columns " + ", ".join(COLUMNS))
    out: dict[str, DocMeta] = {}
    for line, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, (clean(c) for c in row)))
        if not cells.get("file"):
            continue
        origin = f"{path}:{line}"
        out[cells["file"]] = doc_meta(cells.get("number", ""), cells.get("type", ""), cells.get("name", ""),
                                      cells.get("effective", ""), cells.get("passed", ""),
                                      cells.get("articles", ""), cells.get("replaces", ""), origin)
    return out
