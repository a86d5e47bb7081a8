"""Parses the source note under each Pháp điển article: which document and article it comes from, and when."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.corpus.readers.textutil import clean, document_title, iso_date, type_case

_NOTE = re.compile(r"^\(?\s*Điều\s+(?P<art>\d+[a-zđ]?)\s+(?P<kind>[^\d()]+?)\s+số\s+(?P<num>[^\s,()]+)(?P<rest>.*)$",
                   re.IGNORECASE | re.DOTALL)
_EFFECTIVE = re.compile(r"^(?P<head>.*?),?\s*có hiệu lực(?: thi hành)?(?: kể)? từ ngày\s*(?P<eff>\d{1,2}/\d{1,2}/\d{4})"
                        r"\s*\)?(?P<tail>.*)$", re.DOTALL)
_TITLED = re.compile(r"^(?P<title>.*)\s+ngày\s+(?P<date>\d{1,2}/\d{1,2}/\d{4})\s+của\s+(?P<issuer>.+?)\s*$", re.DOTALL)
_AMENDER = re.compile(r"\bsố\s+(\d[^\s,()]*/[^\s,()]+)")


@dataclass(frozen=True)
class Note:
    """What a note says: the source article and document, and the document's details when given."""

    article: str
    kind: str
    number: str
    title: str
    issued: str
    issuer: str
    effective: str
    changes: str  # ", có nội dung được sửa đổi ... bởi ..." or ""
    amended_by: tuple[str, ...]
    text: str


def document_number(raw: str) -> str:
    """Upper case as printed ("NĐ-CP" keeps Đ), trailing punctuation dropped."""
    number = clean(raw).strip(" .,;:)").upper()
    # a typo seen in Pháp điển ("01/2016/NQ.HĐTP" for 01/2016/NQ-HĐTP) would split one document in two
    return re.sub(r"(?<=[A-ZĐ])\.(?=[A-ZĐ])", "-", number)


def parse_note(raw: str) -> Note | None:
    """The note's parts, or None when it does not name a source article ("(Điều N <type> số <number> ...)")."""
    text = clean(" ".join(raw.split()))
    m = _NOTE.match(text)
    if not m:
        return None
    kind = type_case(m.group("kind"))
    rest = m.group("rest").lstrip(",")
    effective, changes, head = "", "", rest
    e = _EFFECTIVE.match(rest)
    if e:
        head, effective, changes = e.group("head"), iso_date(e.group("eff")), e.group("tail").strip(" )")
    title = issued = issuer = ""
    t = _TITLED.match(head.strip(" ,"))
    if t:
        title = document_title(kind, t.group("title"))
        issued, issuer = iso_date(t.group("date")), clean(t.group("issuer"))
    amended_by = tuple(dict.fromkeys(document_number(n) for n in _AMENDER.findall(changes)))
    return Note(m.group("art").lower(), kind, document_number(m.group("num")), title, issued, issuer, effective,
                changes, amended_by, text)


def document_link(href: str) -> str:
    """The vbpl.vn page of the whole document (the note links to one article of it)."""
    href = href.split("#", 1)[0].strip()
    return href if re.search(r"ItemID=\d+", href) else ""
