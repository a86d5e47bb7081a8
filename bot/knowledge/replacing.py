"""Replacements applied at import: a document that replaces another marks it replaced (by whom, from when), and the
replacements officials know of (bot/data/replacements.tsv) apply even when the successor is not in the library."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

from bot.knowledge.changes import status_note
from bot.knowledge.corpus.errors import SourceError
from bot.knowledge.corpus.meta import doc_meta
from bot.knowledge.corpus.model import OFFICIALS, REPLACED, Document
from bot.knowledge.corpus.readers.header import kind_from_number
from bot.knowledge.corpus.replaces import replacements
from bot.ops.datafiles import DATA_DIR

KNOWN_FILE = "replacements.tsv"


@dataclass(frozen=True)
class Claim:
    """That one document replaces another from a date, and where that is said."""

    number: str  # the document replaced
    by: str  # its successor
    since: str  # ISO date from which the old one no longer applies; "" when unknown
    name: str  # the successor's citation name ("Luật Cư trú số 68/2020/QH14")
    origin: str  # "13/2022/QH15:56" (the article saying so), "SOURCES.tsv of 13/2022/QH15", "replacements.tsv"


@dataclass(frozen=True)
class StatusMove:
    """A document an import marked replaced."""

    number: str
    replaced_by: str
    since: str
    origin: str


def dmy(iso: str) -> str:
    """ "2021-07-01" as "01/07/2021" ("" stays "")."""
    year, _, rest = iso.partition("-")
    month, _, day = rest.partition("-")
    return f"{day}/{month}/{year}" if day else iso


def _successor_name(number: str, name: str) -> str:
    """ "Luật Cư trú số 68/2020/QH14" from the row's name, or the type the number implies."""
    title = name or kind_from_number(number)
    return f"{title} số {number}" if title else number


def known_replacements(path: Path | None = None) -> tuple[Claim, ...]:
    """The rows of bot/data/replacements.tsv; SourceError names a bad row (an import then changes nothing)."""
    path = path or DATA_DIR / KNOWN_FILE
    if not path.is_file():
        return ()
    claims: list[Claim] = []
    for line, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        cells = [c.strip() for c in raw.split("\t")] + [""] * 5
        origin = f"{path}:{line}"
        if not cells[0] or not cells[1]:
            raise SourceError(origin, "expected tab-separated columns: replaced, replaced by, its name, "
                                      "from (DD/MM/YYYY), where this is stated")
        old = doc_meta(number=cells[0], origin=f"{origin} replaced")
        new = doc_meta(number=cells[1], effective=cells[3], origin=origin)
        claims.append(Claim(old.number, new.number, new.effective, _successor_name(new.number, cells[2]),
                            KNOWN_FILE))
    return tuple(claims)


def claims_of(documents: Iterable[Document]) -> list[Claim]:
    """What each document says it replaces (its own text, or the `replaces` column of its SOURCES.tsv)."""
    return [Claim(r.number, doc.number, r.effective or doc.effective, doc.name,
                  r.article or f"SOURCES.tsv of {doc.number}")
            for doc in documents for r in replacements(doc) if r.number != doc.number]


def _applies(doc: Document, claim: Claim) -> bool:
    """True when the claim may change the document's status: in force, not set by hand, older than its successor."""
    if not doc.in_force or doc.status_by == OFFICIALS:
        return False
    # a misread sentence could name a document that came after the one "replacing" it
    return not (doc.effective and claim.since and doc.effective > claim.since)


def apply_replacements(documents: Sequence[Document], known: Sequence[Claim] = ()
                       ) -> tuple[list[Document], list[StatusMove], list[Claim]]:
    """The documents with every replaced one marked, the moves made, and the claims on documents not in the list
    (kept with the corpus through the replacers' `replaces`, so a later import of the old document lands marked)."""
    present = {d.number: d for d in documents}
    claims: dict[str, Claim] = {}
    for claim in [*known, *claims_of(documents)]:  # officials' table first: it is the considered word
        claims.setdefault(claim.number, claim)
    out: list[Document] = []
    moves: list[StatusMove] = []
    for doc in documents:
        claim = claims.get(doc.number)
        if claim is None or not _applies(doc, claim):
            out.append(doc)
            continue
        successor = present.get(claim.by)
        note = status_note(REPLACED, successor.name if successor is not None else claim.name, dmy(claim.since))
        out.append(replace(doc, status=REPLACED, replaced_by=claim.by, status_note=note, status_by=""))
        moves.append(StatusMove(doc.number, claim.by, claim.since, claim.origin))
    return out, moves, [c for n, c in claims.items() if n not in present]
