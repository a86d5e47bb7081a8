"""Formatting replies: citations, trimming, splitting to Zalo's 2,000 characters, list and full-text messages."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

from bot.ops.datafiles import Texts
from bot.zalo.messages import MAX_BUTTONS, MAX_TEXT, Button, OutMessage, split_text

ELLIPSIS = "…"
SNIPPET_CHARS = 250
_ARTICLE_NUMBER = re.compile(r"^\d+[a-zđ]?$", re.IGNORECASE)
_TITLE_PREFIX = re.compile(r"^\s*điều\s+\d+[a-zđ]?\s*[.:]\s*", re.IGNORECASE)
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")


@lru_cache(maxsize=1)
def default_texts() -> Texts:
    """The packaged messages.json, loaded once."""
    return Texts.load()


def _t(texts: Texts | None) -> Texts:
    """The given texts or the packaged ones."""
    return texts if texts is not None else default_texts()


def compact(text: str) -> str:
    """Whitespace runs to single spaces."""
    return " ".join(text.split())


def trim(text: str, limit: int = SNIPPET_CHARS) -> str:
    """Text on one line, cut on a word boundary to at most `limit` characters, ending with "…" when cut."""
    text = compact(text)
    if len(text) <= limit:
        return text
    cut = text[:max(1, limit - len(ELLIPSIS)) + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > 0 else cut[:max(1, limit - len(ELLIPSIS))]
    return cut.rstrip(" ,;:.-–") + ELLIPSIS


def cut(text: str, limit: int = MAX_TEXT) -> str:
    """Text cut to `limit` characters on a word boundary, line breaks kept, "…" when cut."""
    if len(text) <= limit:
        return text
    head = text[:limit - len(ELLIPSIS)]
    space = max(head.rfind(" "), head.rfind("\n"))
    return (head[:space] if space > 0 else head).rstrip() + ELLIPSIS


def clause_text(clause: Any) -> str:
    """A clause as printed: "2. text" followed by its points "a) ..." when the text does not hold them."""
    text = clause.text.strip()
    if not re.match(rf"^{re.escape(clause.number)}\s*[.)]", text):
        text = f"{clause.number}. {text}"
    for point in getattr(clause, "points", ()):
        body = point.text.strip()
        if body and body not in text:
            text += "\n" + (body if re.match(rf"^{re.escape(point.letter)}\s*\)", body) else f"{point.letter}) {body}")
    return text


def article_body(article: Any) -> str:
    """The article's text, rebuilt from its clauses when the text is empty."""
    if article.text.strip():
        return article.text.strip()
    return "\n".join(clause_text(c) for c in article.clauses)


def article_title(article: Any) -> str:
    """The title without a leading "Điều 81." some sources keep."""
    return _TITLE_PREFIX.sub("", article.title or "").strip()


def citation(article: Any, document: Any = None, clause: str | None = None, point: str | None = None,
             texts: Texts | None = None) -> str:
    """Smallest unit first: "khoản 1 Điều 139 Bộ luật Lao động số 45/2019/QH14" (sections: "mục II.3 ...")."""
    t = _t(texts)
    parts = []
    if point:
        parts.append(t.get("cite_point", letter=point))
    if clause:
        parts.append(t.get("cite_clause", number=clause))
    unit = "cite_article" if _ARTICLE_NUMBER.match(article.number) else "cite_section"
    parts.append(t.get(unit, number=article.number))
    parts.append(document.name if document is not None else article.doc)
    return " ".join(parts)


def status_note(document: Any, replacement: Any = None, texts: Texts | None = None) -> str:
    """"(văn bản này đã hết hiệu lực, được thay thế bởi ...)" for documents no longer in force, else ""."""
    if document is None or getattr(document, "in_force", True):
        return ""
    t = _t(texts)
    # officials set the date with the status ("laws status ... --date 15/12/2025"); it is kept in the status note
    since = _DATE.search(getattr(document, "status_note", "") or "")
    suffix = "_since" if since else ""
    date = since.group(0) if since else ""
    if document.replaced_by:
        name = replacement.name if replacement is not None else document.replaced_by
        return t.get("status_replaced" + suffix, replacement=name, date=date)
    return t.get("status_expired" + suffix, date=date)


@dataclass(frozen=True)
class ListItem:
    """One numbered answer in a result list."""

    number: int
    citation: str
    title: str
    snippet: str
    note: str = ""


def _item_text(t: Texts, item: ListItem, snippet_chars: int, title_chars: int) -> str:
    """One list item with its snippet cut to snippet_chars (0 drops it)."""
    text = t.get("list_item", n=item.number, citation=item.citation, title=trim(item.title, title_chars))
    if snippet_chars and item.snippet:
        text += "\n" + t.get("list_snippet", snippet=trim(item.snippet, snippet_chars))
    if item.note:
        text += "\n" + item.note
    return text


def list_message(items: Sequence[ListItem], header: str, footer: str, buttons: Sequence[Button] = (),
                 texts: Texts | None = None, limit: int = MAX_TEXT) -> OutMessage:
    """The numbered list as one message, snippets shortened until it fits in `limit` characters."""
    t = _t(texts)
    text = ""
    for snippet_chars, title_chars in ((SNIPPET_CHARS, 200), (180, 150), (120, 120), (60, 80), (0, 60)):
        body = "\n\n".join(_item_text(t, item, snippet_chars, title_chars) for item in items)
        text = "\n\n".join(part for part in (header, body, footer) if part)
        if len(text) <= limit:
            break
    return OutMessage(cut(text, limit), tuple(buttons)[:MAX_BUTTONS])


def full_text_messages(header: str, body: str, buttons: Sequence[Button] = (),
                       limit: int = MAX_TEXT) -> list[OutMessage]:
    """Header then body, split on clause boundaries into messages of <= limit characters; buttons on the last."""
    parts = split_text(f"{header}\n{body}" if header else body, limit)
    if not parts:
        parts = [header[:limit]]
    messages = [OutMessage(p) for p in parts]
    messages[-1] = OutMessage(messages[-1].text, tuple(buttons)[:MAX_BUTTONS])
    return messages


def text_message(text: str, buttons: Sequence[Button] = (), limit: int = MAX_TEXT) -> OutMessage:
    """A single message, cut to the limit if a data file ever makes it too long."""
    return OutMessage(cut(text, limit), tuple(buttons)[:MAX_BUTTONS])
