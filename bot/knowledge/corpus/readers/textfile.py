"""Plain-text statutes (Chương, Mục, Điều N., clauses, points) and plans (I., II., 1., 2.); also used for .docx."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.knowledge.corpus.errors import ImportResult, Skipped, SourceError
from bot.knowledge.corpus.meta import DocMeta
from bot.knowledge.corpus.model import Article, Document
from bot.knowledge.corpus.readers.footnotes import marks, split_footnotes, strip_marks
from bot.knowledge.corpus.readers.header import PLAN_TYPES, Header, kind_from_number, parse_header
from bot.knowledge.corpus.readers.plan import ROMAN, plan_sections
from bot.knowledge.corpus.readers.textutil import clean_lines, document_title, parse_clauses, short_title
from bot.knowledge.corpus.replaces import find_replacements

EXPECTED_NUMBER = "expected a document number line such as 'Luật số: 41/2024/QH15' or 'Số: 125/KH-UBND'"
NUMBER_HINT = ("or give it: --number 13/2022/QH15 (with --type, --name, --effective DD/MM/YYYY), "
               "or a SOURCES.tsv row for the file in its folder")
EXPECTED_BODY = "expected articles ('Điều 1. ...') or numbered sections ('I.', 'II.', '1.', '2.')"
_ARTICLE = re.compile(r"^Điều\s+(\d+[a-zđ]?)\s*[.:]?\s*(.*)$")
_CHAPTER = re.compile(r"^((?:Chương|CHƯƠNG)\s+(?:[IVXLC]+|\d+)\b|(?:Phần|PHẦN)\s+(?:thứ|THỨ)\s+\S+)\s*[.:\-–]?\s*(.*)$")
_SECTION = re.compile(r"^(Mục\s+\d+)\s*[.:\-–]?\s*(.*)$")
_TRAILER = re.compile(r"^(Nơi nhận|TM\.|KT\.|CHỦ TỊCH|THỦ TƯỚNG|BỘ TRƯỞNG|PHÓ CHỦ TỊCH|"
                      r"(Luật|Bộ luật|Pháp lệnh|Nghị quyết) này (đã )?được .*thông qua)")
_REPEALED = re.compile(r"^\(?\s*(?:đã\s+)?(?:được\s+|bị\s+)?bãi bỏ\s*\)?\s*\.?$", re.IGNORECASE)
_EXTRACT = re.compile(r"Trích:?\s*(Chương\s+[IVXLC]+)?,?\s*(Mục\s+\d+[^,)]*)?", re.IGNORECASE)


def _value(number: str) -> int:
    """ "4a" -> 4."""
    return int(re.match(r"\d+", number).group())


@dataclass
class _Reading:
    """The article being read: heading, body lines and the footnote marks met in them."""

    number: str
    title: str
    chapter: str
    section: str
    body: list[str] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)


def _article(r: _Reading, doc: str, source: str, notes: dict[str, str], skipped: list[Skipped]) -> Article | None:
    """The Article read, or None (with the reason in `skipped`) when it has no text."""
    note = "\n".join(notes[m] for m in dict.fromkeys(r.marks) if m in notes)
    said = r.title if not r.body else r.body[0] if len(r.body) == 1 else ""
    if said and _REPEALED.match(said):  # "Điều 52. (được bãi bỏ)": kept and marked, its note says why
        return Article(doc, r.number, r.title, said, r.chapter, r.section, note=note, repealed=True)
    if not r.body:
        skipped.append(Skipped(source, f"Điều {r.number}", "no text under the heading: left out"))
        return None
    title = r.title
    if not title:
        title = short_title(r.body[0])
        skipped.append(Skipped(source, f"Điều {r.number}", "untitled article: title taken from its first sentence",
                               True))
    return Article(doc, r.number, title, "\n".join(r.body), r.chapter, r.section, parse_clauses(r.body), note=note)


def _statute(lines: list[str], start: int, doc: str, source: str,
             notes: dict[str, str]) -> tuple[list[Article], list[Skipped]]:
    """Articles from "Điều N. Title" lines with the chapter and section they sit in; footnote marks become notes."""
    articles: list[Article] = []
    skipped: list[Skipped] = []
    chapter = section = ""
    extract = next((_EXTRACT.search(x) for x in lines[:start] if _EXTRACT.search(x)), None)
    if extract:
        chapter, section = (extract.group(1) or "").strip(), (extract.group(2) or "").strip()
    current: _Reading | None = None
    expect_title = ""  # the line after "Chương V" or "Mục 2" alone is its name

    def finish() -> None:
        """Store the article being read."""
        article = _article(current, doc, source, notes, skipped) if current is not None else None
        if article is not None:
            articles.append(article)

    for raw in lines[start:]:
        line = strip_marks(raw)
        if _TRAILER.match(line):
            break
        a = _ARTICLE.match(line)
        if a and (current is None or _value(a.group(1)) > _value(current.number)
                  or (a.group(1) != current.number and _value(a.group(1)) == _value(current.number))):
            finish()
            current, expect_title = _Reading(a.group(1), a.group(2).strip(), chapter, section, [], marks(raw)), ""
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
            current.body.append(line)
            current.marks.extend(marks(raw))
    finish()
    return articles, skipped


def parse_text(text: str, source: str, kind: str = "text", meta: DocMeta | None = None) -> ImportResult:
    """One document from the text of a statute or plan; `meta` supplies (and overrides) what the header says."""
    lines = clean_lines(text)
    if not lines:
        raise SourceError(source, "empty document; " + EXPECTED_BODY, "no_articles")
    first_article = next((i for i, x in enumerate(lines) if _ARTICLE.match(x)), None)
    # a consolidated text ends with footnotes that quote other laws ("Điều 3. Hiệu lực thi hành" of the amending law)
    lines, notes = split_footnotes(lines, first_article if first_article is not None else len(lines))
    first_part = next((i for i, x in enumerate(lines) if ROMAN.match(x)), None)
    starts = [i for i in (first_article, first_part) if i is not None]
    chapter_at = next((i for i, x in enumerate(lines) if _CHAPTER.match(x)), None)
    body_start = min(starts + ([chapter_at] if chapter_at is not None and first_article is not None else []),
                     default=len(lines))
    printed = parse_header([strip_marks(x) for x in lines], body_start)  # the effective date may be in the body
    header = _with_meta(printed, meta, source)
    plan = first_article is None or (header.kind in PLAN_TYPES and first_part is not None)
    if plan and first_part is None:
        raise SourceError(source, EXPECTED_BODY, "no_articles")
    if plan:
        articles, skipped = plan_sections([strip_marks(x) for x in lines[first_part:]], header.number, source)
    else:
        articles, skipped = _statute(lines, body_start, header.number, source, notes)
    if not articles:
        raise SourceError(source, EXPECTED_BODY, "no_articles")
    doc = _document(header, kind, articles, meta.replaces if meta else ())
    return ImportResult(source, (doc,), tuple(skipped) + _checks(printed.number, meta, doc, source))


def _with_meta(header: Header, meta: DocMeta | None, source: str) -> Header:
    """The header with the caller's facts in place of (or in the absence of) the printed ones."""
    if meta is None:
        meta = DocMeta()
    number = meta.number or header.number
    if not number:
        raise SourceError(source, f"{EXPECTED_NUMBER}; {NUMBER_HINT}", "no_number")
    kind = meta.type or header.kind or kind_from_number(number)
    title = document_title(kind, meta.name) if meta.name else header.title or kind
    return Header(number, kind, title, header.issuer, meta.issued or header.issued,
                  meta.effective or header.effective, header.end, header.amended_by)


def _checks(printed: str, meta: DocMeta | None, doc: Document, source: str) -> tuple[Skipped, ...]:
    """Notes where the metadata and the text disagree (another number printed, another article count)."""
    notes: list[Skipped] = []
    if meta and meta.number and printed and printed != meta.number:
        notes.append(Skipped(source, doc.number, f"the text prints {printed}; filed as {meta.number} "
                                                 f"({meta.origin or 'metadata'})", True))
    if meta and meta.articles and meta.articles != len(doc.articles):
        notes.append(Skipped(source, doc.number, f"{meta.origin or 'the metadata'} gives {meta.articles} articles; "
                                                 f"{len(doc.articles)} found", True))
    return tuple(notes)


def _document(header: Header, kind: str, articles: list[Article], replaces: tuple[str, ...]) -> Document:
    """The Document for a parsed header and its articles; what its own text says it replaces is added."""
    doc = Document(number=header.number, type=header.kind, title=header.title, issuer=header.issuer,
                   issued=header.issued, effective=header.effective, source=kind, articles=tuple(articles),
                   amended_by=header.amended_by)
    return replace(doc, replaces=tuple(dict.fromkeys(replaces + tuple(r.number for r in find_replacements(doc)))))


def read_text_file(path: Path, meta: DocMeta | None = None) -> ImportResult:
    """A .txt statute or plan (UTF-8, or UTF-16 with a BOM); `meta` for what the file does not print."""
    data = path.read_bytes()
    if not data.strip():
        raise SourceError(str(path), "empty file; " + EXPECTED_BODY, "empty")
    try:
        text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(str(path), f"not UTF-8 text (byte {exc.start}); save the file as UTF-8",
                          "encoding") from exc
    return parse_text(text, str(path), "text", meta)
