#!/usr/bin/env python3
"""Check the answer cards in ``bot/data/cards/*.yaml`` against the law library.

An answer card is the union's plain-words answer to a common question: a title, example questions in the
ways people write (with and without diacritics, teencode), a short answer addressed to "chị", and the
articles it rests on (``DOC:ARTICLE[.CLAUSE[.POINT]]``, e.g. ``45/2019/QH14:139.1``, ``41/2024/QH15:53.2.a``).

The checks:

* fields: ``id`` a unique ascii slug; ``topic`` one of :data:`TOPICS`; ``title`` a non-empty question;
  at least 6 ``questions``, at least 2 of them written without diacritics; ``answer`` at most 600
  characters, no markdown; 1 to 4 ``articles`` that parse as article keys; optional ``next_steps`` from
  :data:`NEXT_STEPS`;
* every cited article exists (and so do its clause and point), in a document that is in force, and it is
  not a repealed article ("Điều 52. (được bãi bỏ)");
* every number written in the answer ("18 tuổi", "6 tháng", "50%", "2.340.000 đồng") appears in the text
  of one of the cited articles (the whole article, not only the cited clause), as digits or in the words
  the article uses ("sáu tháng").

Where the articles come from:

* Pháp điển documents: the corpus at ``--laws-dir`` (``LAWS_DIR/CURRENT`` names the version folder under
  ``versions/``, whose ``documents.jsonl`` holds one document per line), as made by ``python -m bot laws
  import``;
* the plain official texts at ``--official-text`` (a folder of ``.txt`` files and the ``SOURCES.tsv`` that
  gives each file's document number), read by the small parser :func:`parse_official_text` below. A
  document found there replaces the Pháp điển document of the same number: these texts are the current
  consolidated versions.

Usage::

    python scripts/check_cards.py --laws-dir /tmp/cards-laws \\
        --official-text ../shared/laws/official-text [--cards bot/data/cards]

It prints every problem, one per line (``file: card id: message``), and exits 1 if there is any.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

#: Subscription topics of ``bot/data/topics.tsv`` and the further topics cards may use.
TOPICS: frozenset[str] = frozenset({
    "hon-nhan-gia-dinh", "lao-dong-nu", "tre-em", "binh-dang-gioi", "hinh-su", "ho-tich",
    "bao-luc-gia-dinh", "mua-ban-nguoi", "bao-hiem-xa-hoi", "thua-ke", "tro-giup-phap-ly", "hoa-giai",
    "bao-hiem-y-te", "nguoi-cao-tuoi", "khuyet-tat", "cu-tru", "nuoi-con-nuoi", "viec-lam",
})

#: Where a card may send her next.
NEXT_STEPS: frozenset[str] = frozenset({
    "legal_aid", "hotline", "police", "commune", "union", "court", "social_insurance", "labour",
})

#: Documents no longer in force even where a corpus still lists them, with what replaced them.
REPLACED: dict[str, str] = {
    "38/2013/QH13": "Luật Việc làm 74/2025/QH15 (from 01/01/2026)",
    "144/2021/NĐ-CP": "Nghị định 282/2025/NĐ-CP (from 15/12/2025)",
    "58/2014/QH13": "Luật Bảo hiểm xã hội 41/2024/QH15 (from 01/07/2025)",
    "66/2011/QH12": "Luật Phòng, chống mua bán người 53/2024/QH15 (from 01/07/2025)",
    "81/2006/QH11": "Luật Cư trú 68/2020/QH14 (from 01/07/2021)",
    "02/2007/QH12": "Luật Phòng, chống bạo lực gia đình 13/2022/QH15 (from 01/07/2023)",
}

IN_FORCE_STATUSES = ("in_force", "amended")
MIN_QUESTIONS = 6
MIN_PLAIN_QUESTIONS = 2
MAX_ANSWER = 600
MIN_ARTICLES, MAX_ARTICLES = 1, 4

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_RE = re.compile(
    r"^(?P<doc>[0-9]+/[0-9]{4}/[A-ZĐ0-9/\-]+|[0-9]+/[A-ZĐ0-9/\-]+):(?P<article>[0-9]+[a-z]?)"
    r"(?:\.(?P<clause>[0-9]+[a-z]?)(?:\.(?P<point>[a-zđ]))?)?$"
)
MARKDOWN_RE = re.compile(r"(\*\*|__|^#|^\s*[-*] |\[[^\]]*\]\()", re.MULTILINE)
FOOTNOTE_MARK_RE = re.compile(r"\[\d+\]")


# --------------------------------------------------------------------------------------------------
# The library


@dataclass
class Clause:
    """A numbered clause of an article and its lettered points."""

    number: str
    text: str
    points: dict[str, str] = field(default_factory=dict)


@dataclass
class Article:
    """One article: its number, title, full text (title excluded) and clauses."""

    number: str
    title: str
    text: str
    clauses: dict[str, Clause] = field(default_factory=dict)
    repealed: bool = False


@dataclass
class Document:
    """A document of the library: official number, status and articles by number."""

    number: str
    title: str
    status: str
    source: str
    articles: dict[str, Article] = field(default_factory=dict)

    @property
    def in_force(self) -> bool:
        """True when the document is in force (possibly amended) and not known to be replaced."""
        return self.status in IN_FORCE_STATUSES and self.number not in REPLACED


REPEALED_RE = re.compile(r"^\(?\s*(?:được|đã được|đã bị|bị)?\s*bãi bỏ\s*\)?\.?$", re.IGNORECASE)


def nfc(text: str) -> str:
    """Text in Unicode NFC: some sources write Vietnamese letters decomposed ("tha\u0301ng")."""
    return unicodedata.normalize("NFC", text)


def load_phapdien(laws_dir: Path) -> dict[str, Document]:
    """Documents of the current corpus version under ``laws_dir`` (``CURRENT`` names the version)."""
    version = (laws_dir / "CURRENT").read_text(encoding="utf-8").strip()
    path = laws_dir / "versions" / version / "documents.jsonl"
    docs: dict[str, Document] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(nfc(line))
            status = d.get("status", "in_force")
            if d.get("replaced_by"):
                status = "replaced"
            doc = Document(d["number"], d.get("title", ""), status, f"corpus {version}")
            for a in d.get("articles", ()):
                clauses = {
                    c["number"]: Clause(c["number"], c.get("text", ""),
                                        {p["letter"]: p.get("text", "") for p in c.get("points", ())})
                    for c in a.get("clauses", ())
                }
                text = a.get("text", "")
                doc.articles[a["number"]] = Article(a["number"], a.get("title", ""), text, clauses,
                                                    bool(REPEALED_RE.match(text.strip())))
            docs[doc.number] = doc
    return docs


ARTICLE_HEAD_RE = re.compile(r"^Điều\s+(\d+[a-z]?)\s*\.\s*(?:\[\d+\]\s*)?(.*)$")
CLAUSE_RE = re.compile(r"^(\d+[a-z]?)\.(?:\[\d+\])?\s*(.*)$")
POINT_RE = re.compile(r"^([a-zđ])\)(?:\[\d+\])?\s*(.*)$")
STRUCTURE_RE = re.compile(r"^(Chương|CHƯƠNG|Mục|MỤC|Phần|PHẦN)\s+[0-9IVXLC]+\b")
FOOTNOTE_RE = re.compile(r"^\[\d+\]\s")
SIGNATURE_RE = re.compile(r"^(Luật|Nghị định|Bộ luật) này đã được .* thông qua")


def parse_official_text(text: str) -> dict[str, Article]:
    """Articles of a plain official text ("Điều N. Title" lines, clauses "1.", points "a)").

    Consolidated texts carry footnote marks ("2.[2] ...") which are dropped, and their footnote texts
    after the last article ("[1] ...") are not articles: parsing stops at the first footnote line. A
    heading "Điều 52.[9] (được bãi bỏ)" makes a repealed article. Chapter and section headings
    ("Chương II", "Mục 3. ...") and the lines that follow them up to the next article are skipped.
    """
    articles: dict[str, Article] = {}
    current: Article | None = None
    clause: Clause | None = None
    point: str | None = None
    in_heading = False
    body: list[str] = []

    def close() -> None:
        if current is not None:
            current.text = "\n".join(body).strip()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if FOOTNOTE_RE.match(line) or SIGNATURE_RE.match(line):
            break
        head = ARTICLE_HEAD_RE.match(line)
        if head:
            close()
            number, title = head.group(1), FOOTNOTE_MARK_RE.sub("", head.group(2)).strip()
            repealed = bool(REPEALED_RE.match(title))
            current = Article(number, "" if repealed else title, "", {}, repealed)
            articles.setdefault(number, current)
            body, clause, point, in_heading = [], None, None, False
            continue
        if STRUCTURE_RE.match(line):
            in_heading = True
            continue
        if current is None or in_heading:
            continue
        line = FOOTNOTE_MARK_RE.sub("", line)
        body.append(line)
        m_clause, m_point = CLAUSE_RE.match(line), POINT_RE.match(line)
        if m_clause and _follows(clause.number if clause else None, m_clause.group(1)):
            clause = Clause(m_clause.group(1), line)
            current.clauses.setdefault(clause.number, clause)
            point = None
        elif m_point and clause is not None:
            point = m_point.group(1)
            clause.points[point] = line
            clause.text += "\n" + line
        elif clause is not None:
            clause.text += "\n" + line
            if point is not None:
                clause.points[point] += "\n" + line
    close()
    return articles


def _follows(previous: str | None, number: str) -> bool:
    """True when clause ``number`` can follow clause ``previous`` ("1" first; "3" -> "4"; "3" -> "3a").

    Numbered lines out of sequence inside a clause (a quoted list, a table) are not new clauses.
    """
    if previous is None:
        return number == "1"
    digits = re.match(r"\d+", previous)
    following = str(int(digits.group(0)) + 1) if digits else ""
    inserted = re.fullmatch(rf"{re.escape(digits.group(0) if digits else '')}[a-z]", number)
    return number == following or inserted is not None


def load_official_texts(folder: Path) -> dict[str, Document]:
    """Documents of the plain official texts in ``folder``, numbered by its ``SOURCES.tsv``."""
    docs: dict[str, Document] = {}
    sources = folder / "SOURCES.tsv"
    with sources.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            path = folder / row["file"]
            if not path.exists():
                continue
            number = row["number"].strip().upper()
            doc = Document(number, row.get("name", ""), "in_force", f"official text {row['file']}")
            doc.articles = parse_official_text(nfc(path.read_text(encoding="utf-8")))
            docs[number] = doc
    return docs


def load_library(laws_dir: Path | None, official: Path | None) -> dict[str, Document]:
    """Pháp điển documents, overridden by the official texts of the same number."""
    docs: dict[str, Document] = {}
    if laws_dir is not None:
        docs.update(load_phapdien(laws_dir))
    if official is not None:
        docs.update(load_official_texts(official))
    return docs


# --------------------------------------------------------------------------------------------------
# Numbers


DIGITS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
          "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9}
SCALES = {"nghìn": 1000, "ngàn": 1000, "triệu": 1_000_000, "tỷ": 1_000_000_000, "tỉ": 1_000_000_000}
#: Words that may begin a number ("tư", "mốt", "lăm" only follow "mươi"; "không" is mostly "not").
STARTERS = {"một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "bẩy", "tám", "chín", "mười"}
#: Words after which a run of number words counts as a quantity ("sáu tháng", "mười hai tuổi").
UNITS = {"tháng", "ngày", "năm", "tuổi", "tuần", "giờ", "phút", "lần", "con", "người", "đồng", "phần",
         "kỳ", "lượt", "quý", "%"}
NUMBER_RE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
WORD_RE = re.compile(r"\w+", re.UNICODE)


def normalise_number(token: str) -> str:
    """Canonical form of a written number: "06" -> "6"; "2.340.000" -> "2340000"; "2,34" -> "2.34".

    A dot followed by exactly three digits (possibly repeated) is a thousands separator, as Vietnamese
    texts write amounts; a comma is a decimal mark; so is a dot not followed by three digits ("1.5").
    """
    t = token.strip()
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", t):  # 2.340.000 or 2.340.000,5
        t = t.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:,\d{3}){2,}", t):  # 2,340,000 (English grouping)
        t = t.replace(",", "")
    else:  # 2,34 or 1.5 or 06
        t = t.replace(",", ".")
    try:
        value = Decimal(t)
    except InvalidOperation:
        return token
    return format(value.normalize(), "f")


def _number_run(words: list[str], i: int) -> int:
    """End (exclusive) of the run of number words starting at ``words[i]``.

    A digit word right after another digit word ends the run ("sáu năm" is six years), and so does
    "năm" after "mười"/"mươi" ("mười năm" is ten years; fifteen is "mười lăm").
    """
    j = i
    prev = ""
    while j < len(words):
        w = words[j]
        if w in DIGITS:
            if prev in DIGITS or (w == "năm" and prev in ("mười", "mươi")) or (w == "không" and j == i):
                break
        elif w not in ("mười", "mươi", "trăm", "linh", "lẻ") and w not in SCALES:
            break
        prev = w
        j += 1
    return j


def words_value(words: list[str]) -> int:
    """Value of a run of Vietnamese number words ("hai mươi lăm" -> 25, "một trăm linh năm" -> 105)."""
    total, group, pending = 0, 0, 0
    for w in words:
        if w in DIGITS:
            group, pending = group + pending, DIGITS[w]
        elif w == "mười":
            group, pending = group + pending + 10, 0
        elif w == "mươi":
            group, pending = group + (pending or 1) * 10, 0
        elif w == "trăm":
            group, pending = group + (pending or 1) * 100, 0
        elif w in SCALES:
            total, group, pending = total + ((group + pending) or 1) * SCALES[w], 0, 0
    return total + group + pending


def word_numbers(text: str) -> set[tuple[str, str]]:
    """Numbers an article writes in words before a unit, with the unit ("sáu tháng" -> ("6", "tháng"))."""
    words = [w.lower() for w in WORD_RE.findall(nfc(text))]
    found: set[tuple[str, str]] = set()
    i = 0
    while i < len(words):
        if words[i] in STARTERS:
            j = _number_run(words, i)
            if j < len(words) and words[j] in UNITS:
                found.add((str(words_value(words[i:j])), words[j]))
            i = max(j, i + 1)
        else:
            i += 1
    return found


RANGE_WORDS = ("đến", "tới", "-", "–")


def _unit_after(text: str, end: int) -> str | None:
    """The unit written right after a number ending at ``end`` ("%", "tháng", "đồng"...), if any."""
    rest = text[end:]
    if rest.startswith("%") or (rest[:1].isspace() and rest[1:2] == "%"):
        return "%"
    m = WORD_RE.match(rest.lstrip())
    if m and m.group(0).lower() in UNITS:
        return m.group(0).lower()
    return None


def numbers_with_units(text: str) -> list[tuple[str, str | None]]:
    """Numbers written with digits in ``text``, normalised, each with the unit written after it.

    In a range the unit written once counts for both ends: "từ 5.000.000 đến 10.000.000 đồng" gives
    ("5000000", "đồng") and ("10000000", "đồng"); so does "từ 4.000.000 đồng đến 6.000.000".
    """
    text = nfc(text)
    matches = list(NUMBER_RE.finditer(text))
    found: list[tuple[str, str | None]] = []
    for m in matches:
        found.append((normalise_number(m.group(0)), _unit_after(text, m.end())))
    for k, m in enumerate(matches):
        if k + 1 < len(matches):
            between = text[m.end():matches[k + 1].start()].strip().lower()
            words = between.split()
            linked = bool(words) and words[-1] in RANGE_WORDS and len(words) <= 3
            if linked and found[k][1] is None and found[k + 1][1] is not None:
                found[k] = (found[k][0], found[k + 1][1])
            elif linked and found[k + 1][1] is None and found[k][1] is not None:
                found[k + 1] = (found[k + 1][0], found[k][1])
    return found


def numbers_in(text: str) -> list[str]:
    """Numbers written with digits in ``text``, normalised, in order."""
    return [value for value, _ in numbers_with_units(text)]


@dataclass
class KnownNumbers:
    """The numbers a set of articles holds: values alone, and values with the unit written after them."""

    values: set[str] = field(default_factory=set)
    with_units: set[tuple[str, str]] = field(default_factory=set)

    def add_text(self, text: str) -> None:
        """Add the numbers of ``text``, in digits and in words."""
        for value, unit in numbers_with_units(text):
            self.values.add(value)
            if unit:
                self.with_units.add((value, unit))
        for value, unit in word_numbers(text):
            self.values.add(value)
            self.with_units.add((value, unit))

    def holds(self, value: str, unit: str | None) -> bool:
        """True when the articles hold ``value``; with its ``unit`` too when the answer writes one
        ("7 tháng" is not backed by an article that only says "07 ngày")."""
        if unit is None:
            return value in self.values
        if unit == "đồng" and len(value.split(".")[0]) >= 4:
            # amounts are distinctive; tables print them without the unit ("Vùng I | 5.310.000")
            return value in self.values
        return (value, unit) in self.with_units


def article_numbers(article: Article) -> KnownNumbers:
    """Every number an article holds: in digits, and in words before a unit."""
    known = KnownNumbers()
    known.add_text(f"{article.title}\n{article.text}")
    return known


# --------------------------------------------------------------------------------------------------
# Cards


@dataclass(frozen=True)
class ArticleRef:
    """A parsed article key: ``45/2019/QH14:139.1.a``."""

    doc: str
    article: str
    clause: str | None = None
    point: str | None = None

    @property
    def key(self) -> str:
        """The key as written."""
        tail = "".join(f".{p}" for p in (self.clause, self.point) if p)
        return f"{self.doc}:{self.article}{tail}"


def parse_ref(text: str) -> ArticleRef | None:
    """Parse ``DOC:ARTICLE[.CLAUSE[.POINT]]``; None when it does not have that shape."""
    m = KEY_RE.match(str(text).strip())
    if not m:
        return None
    return ArticleRef(m.group("doc"), m.group("article"), m.group("clause"), m.group("point"))


def has_diacritics(text: str) -> bool:
    """True when the text holds a Vietnamese letter with a diacritic (đ included)."""
    decomposed = unicodedata.normalize("NFD", text)
    return any(unicodedata.category(ch) == "Mn" for ch in decomposed) or "đ" in text.lower()


def load_cards(folder: Path) -> Iterator[tuple[Path, Any]]:
    """Every (file, card) of the YAML files in ``folder``; a file that is not a list yields (file, None)."""
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            yield path, None
            continue
        for card in data:
            yield path, card


def check_fields(card: dict[str, Any]) -> list[str]:
    """Problems with the shape of one card (not with its articles)."""
    problems: list[str] = []
    cid = card.get("id")
    if not isinstance(cid, str) or not SLUG_RE.match(cid):
        problems.append(f"id {cid!r} is not an ascii slug")
    if card.get("topic") not in TOPICS:
        problems.append(f"topic {card.get('topic')!r} is not an allowed topic")
    title = card.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append("title is missing")
    questions = card.get("questions")
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        problems.append("questions must be a list of non-empty strings")
    else:
        if len(questions) < MIN_QUESTIONS:
            problems.append(f"{len(questions)} questions, at least {MIN_QUESTIONS} needed")
        plain = [q for q in questions if not has_diacritics(q)]
        if len(plain) < MIN_PLAIN_QUESTIONS:
            problems.append(f"{len(plain)} questions without diacritics, at least {MIN_PLAIN_QUESTIONS} needed")
        lowered = [q.strip().lower() for q in questions]
        if len(set(lowered)) != len(lowered):
            problems.append("duplicate questions")
    answer = card.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        problems.append("answer is missing")
    else:
        if len(answer) > MAX_ANSWER:
            problems.append(f"answer has {len(answer)} characters, at most {MAX_ANSWER}")
        if MARKDOWN_RE.search(answer):
            problems.append("answer holds markdown")
        if re.search(r"\b\d+/\d{4}/[A-ZĐ]", answer):
            problems.append("answer names a document number (the bot adds citations itself)")
    articles = card.get("articles")
    if not isinstance(articles, list) or not MIN_ARTICLES <= len(articles) <= MAX_ARTICLES:
        problems.append(f"articles must be a list of {MIN_ARTICLES} to {MAX_ARTICLES} keys")
    else:
        for key in articles:
            if parse_ref(key) is None:
                problems.append(f"article {key!r} is not DOC:ARTICLE[.CLAUSE[.POINT]]")
        if len(set(map(str, articles))) != len(articles):
            problems.append("an article is cited twice")
    steps = card.get("next_steps", [])
    if not isinstance(steps, list) or any(s not in NEXT_STEPS for s in steps):
        problems.append(f"next_steps {steps!r}: each must be one of {sorted(NEXT_STEPS)}")
    unknown = set(card) - {"id", "topic", "title", "questions", "answer", "articles", "next_steps"}
    if unknown:
        problems.append(f"unknown fields {sorted(unknown)}")
    return problems


def resolve(ref: ArticleRef, library: dict[str, Document]) -> tuple[Article | None, str | None]:
    """The cited article, or a problem: unknown document or article, not in force, no such clause/point."""
    doc = library.get(ref.doc)
    if doc is None:
        return None, f"{ref.key}: document {ref.doc} is not in the library"
    if ref.doc in REPLACED:
        return None, f"{ref.key}: {ref.doc} is no longer in force, replaced by {REPLACED[ref.doc]}"
    if not doc.in_force:
        return None, f"{ref.key}: {ref.doc} is not in force ({doc.status})"
    article = doc.articles.get(ref.article)
    if article is None:
        return None, f"{ref.key}: {ref.doc} has no article {ref.article}"
    if article.repealed:
        return None, f"{ref.key}: article {ref.article} of {ref.doc} is repealed"
    if ref.clause is not None:
        clause = article.clauses.get(ref.clause)
        if clause is None:
            return None, f"{ref.key}: article {ref.article} has no clause {ref.clause}"
        if ref.point is not None and ref.point not in clause.points:
            return None, f"{ref.key}: clause {ref.clause} has no point {ref.point}"
    return article, None


def check_articles(card: dict[str, Any], library: dict[str, Document]) -> list[str]:
    """Problems with the card's articles and with the numbers of its answer."""
    problems: list[str] = []
    found: list[Article] = []
    for key in card.get("articles") or []:
        ref = parse_ref(key)
        if ref is None:
            continue
        article, problem = resolve(ref, library)
        if problem:
            problems.append(problem)
        elif article is not None:
            found.append(article)
    answer = card.get("answer") or ""
    if found and isinstance(answer, str):
        known = KnownNumbers()
        for article in found:
            known.add_text(f"{article.title}\n{article.text}")
        for value, unit in dict.fromkeys(numbers_with_units(answer)):
            if not known.holds(value, unit):
                shown = f"{value} {unit}" if unit else value
                problems.append(f"number {shown!r} in the answer is in none of the cited articles")
    return problems


def check_all(cards: Iterable[tuple[Path, Any]], library: dict[str, Document]) -> list[str]:
    """Every problem of every card, as printable lines."""
    problems: list[str] = []
    seen: dict[str, Path] = {}
    count = 0
    for path, card in cards:
        if card is None:
            problems.append(f"{path.name}: the file must hold a list of cards")
            continue
        if not isinstance(card, dict):
            problems.append(f"{path.name}: an entry is not a mapping")
            continue
        count += 1
        cid = str(card.get("id"))
        if cid in seen:
            problems.append(f"{path.name}: {cid}: id already used in {seen[cid].name}")
        seen.setdefault(cid, path)
        for problem in check_fields(card) + check_articles(card, library):
            problems.append(f"{path.name}: {cid}: {problem}")
    if count == 0:
        problems.append("no cards found")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line entry: print the problems, return 1 if any."""
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=Path, default=root / "bot" / "data" / "cards",
                        help="folder of card YAML files (default: bot/data/cards)")
    default_laws = os.environ.get("LAWS_DIR")
    parser.add_argument("--laws-dir", type=Path, required=default_laws is None,
                        default=Path(default_laws) if default_laws else None,
                        help="corpus made by `python -m bot laws import` (holds CURRENT and versions/); "
                             "default: $LAWS_DIR")
    parser.add_argument("--official-text", type=Path, default=None,
                        help="folder of plain official texts with SOURCES.tsv")
    parser.add_argument("--stats", action="store_true", help="also print the number of cards per topic")
    args = parser.parse_args(argv)
    library = load_library(args.laws_dir, args.official_text)
    cards = list(load_cards(args.cards))
    problems = check_all(cards, library)
    for line in problems:
        print(line)
    if args.stats:
        counts: dict[str, int] = {}
        for _, card in cards:
            if isinstance(card, dict):
                counts[str(card.get("topic"))] = counts.get(str(card.get("topic")), 0) + 1
        for topic, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"{topic}\t{n}")
        print(f"total\t{sum(counts.values())}")
    if problems:
        print(f"{len(problems)} problem(s) in {len(cards)} card(s)", file=sys.stderr)
        return 1
    print(f"{len(cards)} card(s) OK", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
