"""Text helpers shared by the importers: NFC cleaning, dates, clause and point parsing, title casing."""
from __future__ import annotations

import re
import unicodedata

from bot.knowledge.corpus.model import Clause, Point

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_CLAUSE = re.compile(r"^(\d{1,3})([a-zđ]?)\.\s*(?=\S)(?!\d)")
_POINT = re.compile(r"^([a-zđ]{1,2}\d?)\)\s*")
_DMY = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})")
_WORDS_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
# Vietnamese point letters in order; lets a consolidated text skip a repealed point without breaking the run
LETTERS = "a b c d đ e g h i k l m n o p q r s t u v x y".split()
PRIMARY_TYPES = ("Luật", "Bộ luật", "Pháp lệnh", "Hiến pháp")


def clean(text: str) -> str:
    """NFC, odd spaces folded to one space, trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def clean_lines(text: str) -> list[str]:
    """Non-empty cleaned lines."""
    lines = (clean(line) for line in unicodedata.normalize("NFC", text).replace("\r", "\n").split("\n"))
    return [line for line in lines if line]


def iso_date(text: str) -> str:
    """The first date ("01/07/2025" or "ngày 1 tháng 7 năm 2025") as yyyy-mm-dd, or ""."""
    m = _DMY.search(text) or _WORDS_DATE.search(text)
    if not m:
        return ""
    day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def cap_first(text: str) -> str:
    """First letter upper case."""
    return text[:1].upper() + text[1:]


def sentence_case(text: str) -> str:
    """ "BẢO HIỂM XÃ HỘI" -> "Bảo hiểm xã hội"; mixed-case text is kept."""
    return cap_first(text.lower()) if text.isupper() else text


def type_case(kind: str) -> str:
    """ "BỘ LUẬT" or "Bộ Luật" -> "Bộ luật"."""
    return cap_first(clean(kind).lower())


def document_title(kind: str, name: str) -> str:
    """ "Luật" + "BẢO HIỂM XÃ HỘI" -> "Luật Bảo hiểm xã hội"; "Nghị định" + "Quy định ..." -> "Nghị định quy định ..."."""
    kind, name = type_case(kind), clean(name).rstrip(" .;,")
    if name.lower().startswith(kind.lower() + " "):
        name = name[len(kind) + 1:]
    if not name:
        return kind
    name = sentence_case(name)
    if kind in PRIMARY_TYPES:
        name = cap_first(name)
    elif len(name) > 1 and name[1].islower():
        name = name[0].lower() + name[1:]
    return f"{kind} {name}" if kind else cap_first(name)


def short_title(text: str, limit: int = 90) -> str:
    """A title made from a body's first sentence, cut at a word boundary."""
    first = re.split(r"(?<=[.;:])\s", clean(text.split("\n", 1)[0]), maxsplit=1)[0].rstrip(".;:")
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + "…"


def _number_value(number: str) -> int:
    """ "217a" -> 217; -1 when not numbered."""
    return int(re.match(r"\d+", number).group()) if re.match(r"\d+", number) else -1


def parse_clauses(lines: list[str]) -> tuple[Clause, ...]:
    """Numbered clauses ("1.") with their lettered points ("a)"); lines that break the sequence stay as text."""
    clauses: list[tuple[str, list[str], list[list[str]]]] = []  # number, own lines, points (letter + lines)
    for line in lines:
        m = _CLAUSE.match(line)
        if m and _next_clause(clauses, m.group(1) + m.group(2)):
            clauses.append((m.group(1) + m.group(2), [line], []))
            continue
        if not clauses:
            continue
        _, own, points = clauses[-1]
        p = _POINT.match(line)
        if p and _next_point(points, p.group(1)):
            points.append([p.group(1), line])
        elif points:
            points[-1].append(line)
        else:
            own.append(line)
    return tuple(Clause(number, "\n".join(own), tuple(Point(p[0], "\n".join(p[1:])) for p in points))
                 for number, own, points in clauses)


def _next_clause(clauses: list[tuple[str, list[str], list[list[str]]]], number: str) -> bool:
    """True when `number` may follow the last clause (ascending, small gaps allowed)."""
    value = _number_value(number)
    if not clauses:
        return value == 1
    last = clauses[-1][0]
    if number[-1:].isalpha():  # "2a." inserted by an amendment follows "2."
        return value == _number_value(last)
    return _number_value(last) < value <= _number_value(last) + 3


def _next_point(points: list[list[str]], letter: str) -> bool:
    """True when `letter` may follow the last point of the clause."""
    base = letter.rstrip("0123456789")
    if base not in LETTERS:
        return len(base) == 2 and bool(points) and base[0] == base[1] and base[0] in LETTERS  # "aa)" after "z)"
    if not points:
        return base == "a"
    last = points[-1][0].rstrip("0123456789")
    if last not in LETTERS:
        return False
    if base == last:
        return letter != points[-1][0]  # "a1)" after "a)"
    return 0 < LETTERS.index(base) - LETTERS.index(last) <= 3
