"""Change reports: which documents and articles an import added, changed, removed or replaced, with diffs."""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from bot.knowledge.corpus.model import EXPIRED, IN_FORCE, REPLACED, Article, Document
from bot.knowledge.topics import texts, topic_of_document

MAX_DIFF_LINES = 40
_CLAUSE_START = re.compile(r"\s+(?=(?:\d+[a-zđ]?\.|[a-zđ]\))\s)")


def _norm(text: str) -> str:
    """NFC with single spaces: reflowed but identical text is not a change."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _lines(text: str) -> list[str]:
    """Lines of an article for diffing: its own lines, long ones split before clauses and points."""
    out: list[str] = []
    for line in unicodedata.normalize("NFC", text).splitlines():
        out += [_norm(p) for p in _CLAUSE_START.split(line) if _norm(p)]
    return out


def _word_diff(old: str, new: str) -> str:
    """One line showing removed words as [-…-] and added ones as {+…+}."""
    a, b = old.split(), new.split()
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            chunk = a[i1:i2]
            parts.append(" ".join(chunk if len(chunk) <= 12 else chunk[:5] + ["…"] + chunk[-5:]))
            continue
        if i2 > i1:
            parts.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            parts.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(parts)


def article_diff(old: Article, new: Article) -> list[str]:
    """A readable diff: "~" lines with word changes marked, "-" removed lines, "+" added lines."""
    out: list[str] = []
    if _norm(old.title) != _norm(new.title):
        out.append("~ " + _word_diff(_norm(old.title), _norm(new.title)))
    a, b = _lines(old.text), _lines(new.text)
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op == "replace":
            for k in range(max(i2 - i1, j2 - j1)):
                x = a[i1 + k] if i1 + k < i2 else None
                y = b[j1 + k] if j1 + k < j2 else None
                out.append("~ " + _word_diff(x, y) if x and y else ("- " + x if x else "+ " + (y or "")))
        else:
            out += ["- " + x for x in a[i1:i2]] + ["+ " + y for y in b[j1:j2]]
    return out if len(out) <= MAX_DIFF_LINES else out[:MAX_DIFF_LINES] + [f"… ({len(out) - MAX_DIFF_LINES} more)"]


@dataclass(frozen=True)
class ArticleChange:
    """One article added, changed or removed."""

    key: str
    doc: str
    number: str
    title: str
    kind: str  # added | changed | removed
    diff: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentChange:
    """One document's changes: kind added|removed|changed, status moves and its articles' changes."""

    number: str
    name: str
    kind: str
    articles: tuple[ArticleChange, ...] = ()
    old_status: str = ""
    new_status: str = ""
    replaced_by: str = ""
    status_note: str = ""
    article_count: int = 0

    @property
    def status_changed(self) -> bool:
        """True when the document's legal status moved."""
        return bool(self.old_status) and self.old_status != self.new_status

    @property
    def arrived_replaced(self) -> bool:
        """True for a document new to the corpus that came in already replaced or expired."""
        return self.kind == "added" and self.new_status in (REPLACED, EXPIRED)


@dataclass(frozen=True)
class ChangeReport:
    """Everything that differs between two corpus versions."""

    old_version: str = ""
    new_version: str = ""
    documents: tuple[DocumentChange, ...] = field(default_factory=tuple)
    cards: tuple[str, ...] = ()  # answer cards citing what changed: they wait for an official's review

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return not self.documents

    def articles(self, kind: str | None = None) -> list[ArticleChange]:
        """Article changes, optionally of one kind."""
        return [a for d in self.documents for a in d.articles if kind is None or a.kind == kind]

    def counts(self) -> dict[str, int]:
        """How many documents and articles of each kind."""
        docs = self.documents
        return {"docs_added": sum(d.kind == "added" for d in docs),
                "docs_changed": sum(d.kind == "changed" and bool(d.articles) for d in docs),
                "docs_removed": sum(d.kind == "removed" for d in docs),
                "docs_replaced": sum((d.status_changed or d.arrived_replaced) and d.new_status == REPLACED
                                     for d in docs),
                "docs_status": sum(d.status_changed or d.arrived_replaced for d in docs),
                "added": len(self.articles("added")), "changed": len(self.articles("changed")),
                "removed": len(self.articles("removed"))}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (with the counts)."""
        return {"old_version": self.old_version, "new_version": self.new_version, "counts": self.counts(),
                "documents": [asdict(d) for d in self.documents], "cards": list(self.cards)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ChangeReport":
        """Inverse of to_dict."""
        docs = tuple(DocumentChange(**{**d, "articles": tuple(ArticleChange(**{**a, "diff": tuple(a["diff"])})
                                                               for a in d["articles"])})
                     for d in data.get("documents", ()))
        return cls(data.get("old_version", ""), data.get("new_version", ""), docs, tuple(data.get("cards") or ()))


def _article_changes(old: Document, new: Document) -> tuple[ArticleChange, ...]:
    """Added, changed and removed articles of one document, in the new document's order."""
    before = {a.number: a for a in old.articles}
    after = {a.number: a for a in new.articles}
    out: list[ArticleChange] = []
    for art in new.articles:
        prev = before.get(art.number)
        if prev is None:
            out.append(ArticleChange(art.key, art.doc, art.number, art.title, "added"))
        elif (_norm(prev.title), _norm(prev.text)) != (_norm(art.title), _norm(art.text)):
            out.append(ArticleChange(art.key, art.doc, art.number, art.title, "changed",
                                     tuple(article_diff(prev, art))))
    out += [ArticleChange(a.key, a.doc, a.number, a.title, "removed") for a in old.articles if a.number not in after]
    return tuple(out)


def compare(old_docs: Mapping[str, Document], new_docs: Mapping[str, Document],
            old_version: str = "", new_version: str = "") -> ChangeReport:
    """The change report from one set of documents (by number) to another."""
    out: list[DocumentChange] = []
    for number, doc in new_docs.items():
        prev = old_docs.get(number)
        if prev is None:
            out.append(DocumentChange(number, doc.name, "added", new_status=doc.status, replaced_by=doc.replaced_by,
                                      status_note=doc.status_note, article_count=len(doc.articles)))
            continue
        articles = _article_changes(prev, doc)
        moved = (prev.status, prev.replaced_by) != (doc.status, doc.replaced_by)
        if articles or moved:
            out.append(DocumentChange(number, doc.name, "changed", articles,
                                      old_status=prev.status if moved else "", new_status=doc.status,
                                      replaced_by=doc.replaced_by, status_note=doc.status_note,
                                      article_count=len(doc.articles)))
    out += [DocumentChange(n, d.name, "removed", old_status=d.status, new_status=d.status,
                           article_count=len(d.articles)) for n, d in old_docs.items() if n not in new_docs]
    return ChangeReport(old_version, new_version, tuple(out))


def compare_corpora(old: Any, new: Any) -> ChangeReport:
    """The change report between two Corpus objects (anything with .documents and .version)."""
    return compare(old.documents, new.documents, getattr(old, "version", "") or "", getattr(new, "version", "") or "")


def format_report(report: ChangeReport) -> str:
    """The report as text for officials: a summary, then each document with its articles and diffs."""
    t = texts()
    lines = [t.get("report_header", old=report.old_version or "-", new=report.new_version or "-")]
    if report.empty:
        return "\n".join(lines + [t.get("report_none")])
    lines.append(t.get("report_summary", **report.counts()))
    for doc in report.documents:
        if doc.kind == "added":
            lines.append(t.get("report_doc_added", name=doc.name, count=doc.article_count))
            if doc.arrived_replaced:
                lines.append(t.get("report_doc_status", name=doc.name, old=_status(""), new=_status(doc.new_status),
                                   extra=_status_extra(doc)))
            continue
        if doc.kind == "removed":
            lines.append(t.get("report_doc_removed", name=doc.name, count=doc.article_count))
            continue
        if doc.status_changed:
            lines.append(t.get("report_doc_status", name=doc.name, old=_status(doc.old_status),
                               new=_status(doc.new_status), extra=_status_extra(doc)))
        if doc.articles:
            lines.append(t.get("report_doc_changed", name=doc.name))
        for art in doc.articles:
            lines.append(t.get(f"report_article_{art.kind}", number=art.number, title=art.title))
            lines += ["        " + d for d in art.diff]
    if report.cards:
        lines.append(t.get("report_cards_flagged", cards=", ".join(report.cards)))
    return "\n".join(lines)


def _status_extra(doc: DocumentChange) -> str:
    """ " (68/2020/QH14) — Đã được thay thế bởi … từ ngày …" after a status move."""
    extra = f" ({doc.replaced_by})" if doc.replaced_by else ""
    return extra + (f" — {doc.status_note}" if doc.status_note else "")


def _status(status: str) -> str:
    """The Vietnamese label of a status."""
    key = f"status_{status or IN_FORCE}"
    return texts().get(key) if key in texts() else status


def report_topics(report: ChangeReport, documents: Mapping[str, Document] | None = None) -> list[str]:
    """Topic slugs the changed documents belong to (for choosing subscribers)."""
    found: list[str] = []
    for doc in report.documents:
        title = getattr((documents or {}).get(doc.number), "title", "") or doc.name
        slug = topic_of_document(doc.number, title)
        if slug and slug not in found:
            found.append(slug)
    return found


def status_note(status: str, replaced_by: str = "", date: str = "") -> str:
    """The note shown with a document's status ("Đã được thay thế bởi … từ ngày …")."""
    since = texts().get("law_update_since", date=date) if date else ""
    if status == REPLACED:
        return texts().get("status_note_replaced", replaced_by=replaced_by or "?", since=since)
    if status == EXPIRED:
        return texts().get("status_note_expired", since=since)
    return ""
