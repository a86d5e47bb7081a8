"""Pháp điển đề mục HTML: articles keyed by their source document and article (from the note), grouped into documents."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable

from bot.knowledge.corpus.errors import ImportResult, Skipped, SourceError
from bot.knowledge.corpus.links import article_order, resolve_related
from bot.knowledge.corpus.model import AMENDED, IN_FORCE, Article, Document
from bot.knowledge.corpus.readers.phapdien_html import Block, split_blocks
from bot.knowledge.corpus.readers.phapdien_notes import Note, document_link, parse_note
from bot.knowledge.corpus.readers.textutil import cap_first, parse_clauses, short_title
from bot.knowledge.corpus.replaces import find_replacements

EXPECTED = "expected a Pháp điển đề mục HTML page (paragraphs of class pDieu, pGhiChu, pNoiDung)"
_HEADING = re.compile(r"^Điều\s+\S+\s*")
_CHANGED = re.compile(r"sửa đổi|bổ sung|bãi bỏ|thay thế", re.IGNORECASE)


@dataclass
class _Draft:
    """An article heading and what followed it, until the next heading."""

    heading: Block
    chapter: str
    section: str
    note: Block | None = None
    body: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)


def _drafts(blocks: list[Block]) -> list[_Draft]:
    """Group the blocks under their article headings, tracking chapter (Chương) and section (Mục)."""
    drafts: list[_Draft] = []
    chapter = section = pending = ""
    open_article = False  # a pChiDan after a chapter heading links the chapter, not the article before it
    for b in blocks:
        if b.kind == "pChuong":
            open_article = False
            text = " ".join(b.lines)
            if text.lower().startswith(("chương", "phần")):
                chapter, section, pending = text, "", "chapter"
            elif text.lower().startswith("mục"):
                section, pending = text, "section"
            elif pending == "chapter":
                chapter, pending = f"{chapter}. {text}", ""
            elif pending == "section":
                section, pending = f"{section}. {text}", ""
            else:
                chapter, section = text, ""
        elif b.kind == "pDieu":
            drafts.append(_Draft(b, chapter, section))
            pending, open_article = "", True
        elif drafts and open_article:
            d = drafts[-1]
            if b.kind == "pGhiChu" and d.note is None:
                d.note = b
            elif b.kind == "pNoiDung":
                d.body.extend(b.lines)
            elif b.kind == "pChiDan":
                d.refs.extend(b.refs)
    return drafts


def parse_page(html: str, source: str) -> tuple[list[tuple[Note, Article, str]], list[Skipped]]:
    """The articles of one đề mục page with their notes, and the headings that could not be used."""
    blocks = split_blocks(html)
    drafts = _drafts(blocks)
    if not drafts:
        raise SourceError(source, EXPECTED, "phapdien")
    out: list[tuple[Note, Article, str]] = []
    skipped: list[Skipped] = []
    for d in drafts:
        heading = " ".join(d.heading.lines)
        note = parse_note(d.note.text) if d.note is not None else None
        if note is None:
            why = "no source note (pGhiChu) naming the document and article" if d.note is None else \
                f"source note not understood: {d.note.text[:120]!r}"
            skipped.append(Skipped(source, heading, why))
            continue
        title = _HEADING.sub("", heading).lstrip(". ").strip()
        if not d.body:
            d.body = [_empty_body(note, title)]
            skipped.append(Skipped(source, heading, f"empty body (pNoiDung); imported with the text {d.body[0]!r}",
                                   True))
        if not title:
            title = short_title(d.body[0])
            skipped.append(Skipped(source, heading, "untitled article: title taken from its first sentence", True))
        article = Article(doc=note.number, number=note.article, title=title, text="\n".join(d.body),
                          chapter=d.chapter, section=d.section, clauses=parse_clauses(d.body),
                          anchor=d.heading.anchor, note=note.text, refs=tuple(dict.fromkeys(d.refs)))
        out.append((note, article, document_link(d.note.href)))
    return out, skipped


def _empty_body(note: Note, title: str) -> str:
    """Stand-in text for an article Pháp điển prints without a body (repealed, or left out)."""
    if "bãi bỏ" in note.changes:
        return cap_first(note.changes.lstrip(" ,")) + "."
    return title or "(không có nội dung)"


def _document(notes: list[Note], links: list[str], articles: list[Article]) -> Document:
    """A document from the notes of its articles (the first note with a title gives title, date and issuer)."""
    titled = next((n for n in notes if n.title), notes[0])
    amenders = tuple(dict.fromkeys(a for n in notes for a in n.amended_by if _CHANGED.search(n.changes)))
    status_note = ("Có nội dung được sửa đổi, bổ sung hoặc bãi bỏ bởi: " + ", ".join(amenders)) if amenders else ""
    effective = next((n.effective for n in notes if n.effective), "")
    doc = Document(number=notes[0].number, type=titled.kind, title=titled.title, issuer=titled.issuer,
                   issued=titled.issued, effective=effective, status=AMENDED if amenders else IN_FORCE,
                   status_note=status_note, source="phapdien", link=next((x for x in links if x), ""),
                   articles=tuple(sorted(articles, key=article_order)))
    # the export still carries documents that later ones ended ("Thông tư số 25/2016/TT-BLĐTBXH … hết hiệu lực")
    return replace(doc, replaces=tuple(r.number for r in find_replacements(doc)))


def assemble(pages: Iterable[tuple[str, str]]) -> ImportResult:
    """Documents from (source name, html) pages; a source article seen twice is kept once, its links merged."""
    pages = list(pages)
    skipped: list[Skipped] = []
    by_doc: dict[str, tuple[list[Note], list[str], dict[str, Article]]] = {}
    seen_in: dict[str, str] = {}
    for source, html in pages:
        pairs, page_skipped = parse_page(html, source)
        skipped.extend(page_skipped)
        for note, article, link in pairs:
            notes, hrefs, articles = by_doc.setdefault(note.number, ([], [], {}))
            notes.append(note)
            hrefs.append(link)
            first = articles.get(article.number)
            if first is None:
                articles[article.number], seen_in[article.key] = article, source
                continue
            merged = tuple(dict.fromkeys(first.refs + article.refs))
            articles[article.number] = replace(first, refs=merged)
            skipped.append(Skipped(source, article.key, f"appears again (first in {seen_in[article.key]}): "
                                                        "kept the first text, merged its cross-references", True))
    docs = [_document(notes, hrefs, list(arts.values())) for notes, hrefs, arts in by_doc.values()]
    for doc in docs:
        if not doc.title:
            skipped.append(Skipped(pages[0][0] if len(pages) == 1 else "Pháp điển", doc.number,
                                   "no note gave the document's title; cited by type and number", True))
    label = pages[0][0] if len(pages) == 1 else f"{len(pages)} Pháp điển pages"
    return ImportResult(label, tuple(resolve_related(docs)), tuple(skipped))


def decode(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM) text of an HTML page."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(source, f"not UTF-8 text ({exc.reason} at byte {exc.start}); {EXPECTED}",
                          "encoding") from exc
