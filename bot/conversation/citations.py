"""Direct citations typed by a user: "khoản 2 điều 185 bộ luật hình sự", "k2 đ185 blhs", "Đ139 BLLĐ"."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from bot.conversation.phrases import WORD_RE, fold_chars
from bot.knowledge.search.text import normalize

# Citation grammar, read on length-preserving folded text: "điểm a khoản 2 điều 185", "k2 đ185", "Đ139", "d.139"
_CITE_RE = re.compile(
    r"(?:\bdiem\s+([a-z])\s*[,.]?\s*)?(?:\b(?:khoan\s+|k\.?\s*)(\d{1,3})\s*[,.]?\s*(?:cua\s+)?)?"
    r"\b(?:dieu|d\.?)\s*(\d{1,4}[a-z]?)\b(?!/)")
_NUMBER_RE = re.compile(r"\b(\d{1,4}/\d{4}(?:/[a-z0-9][a-z0-9\-]*)?)\b")

Aliases = Sequence[tuple[tuple[str, ...], str]]  # (folded words of a document's name, its number), longest first


@dataclass(frozen=True)
class Citation:
    """A direct reference typed by the user: doc is a number from the alias table, a typed number, or ""."""

    article: str
    clause: str = ""
    point: str = ""
    doc: str = ""
    typed_number: str = ""  # folded "52/2014/qh13" or "52/2014", resolved against the corpus later
    at_start: bool = False  # the message begins with the citation


def read_citation(text: str, aliases: Aliases) -> Citation | None:
    """The citation in a message, None when there is none; the document from `aliases` or a typed number."""
    folded = fold_chars(normalize(text))
    m = _CITE_RE.search(folded)
    if not m:
        return None
    point, clause, article = m.group(1) or "", m.group(2) or "", m.group(3)
    if point:
        point = normalize(text)[m.start(1)]  # keep "đ" apart from "d"
    rest = folded[:m.start()] + " " + folded[m.end():]
    number = _NUMBER_RE.search(rest)
    typed = number.group(1) if number else ""
    return Citation(article=article, clause=clause, point=point,
                    doc=alias_in(rest, aliases), typed_number=typed, at_start=not folded[:m.start()].strip())


def alias_in(folded: str, aliases: Aliases) -> str:
    """The document number of the longest alias found in folded text."""
    ws = [w.replace("_", " ") for w in WORD_RE.findall(folded)]
    for alias, number in aliases:
        n = len(alias)
        if any(tuple(ws[i:i + n]) == alias for i in range(len(ws) - n + 1)):
            return number
    return ""
