"""Plain-text statutes (Chương, Mục, Điều N., clauses, points) and plans (I., II., 1., 2.); also used for .docx."""
from __future__ import annotations

import re
from pathlib import Path

from bot.knowledge.corpus.errors import ImportResult, Skipped, SourceError
from bot.knowledge.corpus.header import PLAN_TYPES, Header, parse_header
from bot.knowledge.corpus.model import Article, Document
from bot.knowledge.corpus.plan import ROMAN, plan_sections
from bot.knowledge.corpus.textutil import clean_lines, parse_clauses, short_title

EXPECTED_NUMBER = "expected a document number line such as 'Luật số: 41/2024/QH15' or 'Số: 125/KH-UBND'"
EXPECTED_BODY = "expected articles ('Điều 1. ...') or numbered sections ('I.', 'II.', '1.', '2.')"
_ARTICLE = re.compile(r"^Điều\s+(\d+[a-zđ]?)\s*[.:]?\s*(.*)$")
_CHAPTER = re.compile(r"^((?:Chương|CHƯƠNG)\s+(?:[IVXLC]+|\d+)\b|(?:Phần|PHẦN)\s+(?:thứ|THỨ)\s+\S+)\s*[.:\-–]?\s*(.*)$")
_SECTION = re.compile(r"^(Mục\s+\d+)\s*[.:\-–]?\s*(.*)$")
_TRAILER = re.compile(r"^(Nơi nhận|TM\.|KT\.|CHỦ TỊCH|THỦ TƯỚNG|BỘ TRƯỞNG|PHÓ CHỦ TỊCH|"
                      r"(Luật|Bộ luật|Pháp lệnh|Nghị quyết) này (đã )?được .*thông qua)")
_EXTRACT = re.compile(r"Trích:?\s*(Chương\s+[IVXLC]+)?,?\s*(Mục\s+\d+[^,)]*)?", re.IGNORECASE)


def _value(number: str) -> int:
    """ "4a" -> 4."""
    return int(re.match(r"\d+", number).group())


def _statute(lines: list[str], start: int, doc: str, source: str) -> tuple[list[Article], list[Skipped]]:
    """Articles from "Điều N. Title" lines with the chapter and section they sit in."""
    articles: list[Article] = []
    skipped: list[Skipped] = []
    chapter = section = ""
    extract = next((_EXTRACT.search(x) for x in lines[:start] if _EXTRACT.search(x)), None)
    if extract:
        chapter, section = (extract.group(1) or "").strip(), (extract.group(2) or "").strip()
    current: tuple[str, str, list[str], str, str] | None = None
    expect_title = ""  # the line after "Chương V" or "Mục 2" alone is its name

    def finish() -> None:
        """Store the article being read."""
        if current is None:
            return
        number, title, body, ch, sec = current
        if not body:
            skipped.append(Skipped(source, f"Điều {number}", "no text under the heading: left out"))
            return
        if not title:
            title = short_title(body[0])
            skipped.append(Skipped(source, f"Điều {number}", "untitled article: title taken from its first sentence",
                                   True))
        articles.append(Article(doc, number, title, "\n".join(body), ch, sec, parse_clauses(body)))

    for line in lines[start:]:
        if _TRAILER.match(line):
            break
        a = _ARTICLE.match(line)
        if a and (current is None or _value(a.group(1)) > _value(current[0])
                  or (a.group(1) != current[0] and _value(a.group(1)) == _value(current[0]))):
            finish()
            current, expect_title = (a.group(1), a.group(2).strip(), [], chapter, section), ""
            continue
        c = _CHAPTER.match(line) if not a else None
        if c:
            finish()
            current = None
            chapter, section = c.group(1) + (f". {c.group(2)}" if c.group(2) else ""), ""
            expect_title = "" if c.group(2) else "chapter"
            continue
        s = _SECTION.match(line)
        if s:
            finish()
            current = None
            section, expect_title = s.group(1) + (f". {s.group(2)}" if s.group(2) else ""), "" if s.group(2) else "section"
            continue
        if expect_title and current is None:
            if expect_title == "chapter":
                chapter = f"{chapter}. {line}"
            else:
                section = f"{section}. {line}"
            expect_title = ""
            continue
        if current is not None:
            current[2].append(line)
    finish()
    return articles, skipped


def parse_text(text: str, source: str, kind: str = "text") -> ImportResult:
    """One document from the text of a statute or plan."""
    lines = clean_lines(text)
    if not lines:
        raise SourceError(source, "empty document; " + EXPECTED_BODY)
    first_article = next((i for i, x in enumerate(lines) if _ARTICLE.match(x)), None)
    first_part = next((i for i, x in enumerate(lines) if ROMAN.match(x)), None)
    starts = [i for i in (first_article, first_part) if i is not None]
    chapter_at = next((i for i, x in enumerate(lines) if _CHAPTER.match(x)), None)
    body_start = min(starts + ([chapter_at] if chapter_at is not None and first_article is not None else []),
                     default=len(lines))
    header = parse_header(lines, body_start)
    if header is None:
        raise SourceError(source, EXPECTED_NUMBER)
    plan = first_article is None or (header.kind in PLAN_TYPES and first_part is not None)
    if plan and first_part is None:
        raise SourceError(source, EXPECTED_BODY)
    if plan:
        articles, skipped = plan_sections(lines[first_part:], header.number, source)
    else:
        articles, skipped = _statute(lines, body_start, header.number, source)
    if not articles:
        raise SourceError(source, EXPECTED_BODY)
    return ImportResult(source, (_document(header, kind, articles),), tuple(skipped))


def _document(header: Header, kind: str, articles: list[Article]) -> Document:
    """The Document for a parsed header and its articles."""
    return Document(number=header.number, type=header.kind, title=header.title, issuer=header.issuer,
                    issued=header.issued, effective=header.effective, source=kind, articles=tuple(articles))


def read_text_file(path: Path) -> ImportResult:
    """A .txt statute or plan (UTF-8, or UTF-16 with a BOM)."""
    data = path.read_bytes()
    if not data.strip():
        raise SourceError(str(path), "empty file; " + EXPECTED_BODY)
    try:
        text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(str(path), f"not UTF-8 text (byte {exc.start}); save the file as UTF-8") from exc
    return parse_text(text, str(path), "text")
