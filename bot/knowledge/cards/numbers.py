"""Numbers written in a card's answer and in articles ("18 tuổi", "sáu tháng", "2.340.000 đồng"), so a check can
tell that every number of an answer appears in an article it cites."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

DIGITS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
          "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9}
SCALES = {"nghìn": 1000, "ngàn": 1000, "triệu": 1_000_000, "tỷ": 1_000_000_000, "tỉ": 1_000_000_000}
# words that may begin a number ("tư", "mốt", "lăm" only follow "mươi"; "không" is mostly "not")
STARTERS = {"một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "bẩy", "tám", "chín", "mười"}
# words after which a run of number words counts as a quantity ("sáu tháng", "mười hai tuổi")
UNITS = {"tháng", "ngày", "năm", "tuổi", "tuần", "giờ", "phút", "lần", "con", "người", "đồng", "phần",
         "kỳ", "lượt", "quý", "%"}
NUMBER_RE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
WORD_RE = re.compile(r"\w+", re.UNICODE)
RANGE_WORDS = ("đến", "tới", "-", "–")


def nfc(text: str) -> str:
    """Text in Unicode NFC: some sources write Vietnamese letters decomposed."""
    return unicodedata.normalize("NFC", text)


def normalise_number(token: str) -> str:
    """Canonical form of a written number: "06" → "6"; "2.340.000" → "2340000"; "2,34" → "2.34"."""
    # a dot before exactly three digits (repeated) groups thousands, as Vietnamese amounts are written;
    # a comma is a decimal mark, and so is a dot not followed by three digits ("1.5")
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
    """End (exclusive) of the run of number words starting at words[i]."""
    # a digit word right after another ends the run ("sáu năm" is six years), and so does "năm" after
    # "mười"/"mươi" ("mười năm" is ten years; fifteen is "mười lăm")
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
    """Value of a run of Vietnamese number words ("hai mươi lăm" → 25, "một trăm linh năm" → 105)."""
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
    """Numbers written in words before a unit, with the unit ("sáu tháng" → ("6", "tháng"))."""
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


def _unit_after(text: str, end: int) -> str | None:
    """The unit written right after a number ending at `end` ("%", "tháng", "đồng"...), if any."""
    rest = text[end:]
    if rest.startswith("%") or (rest[:1].isspace() and rest[1:2] == "%"):
        return "%"
    m = WORD_RE.match(rest.lstrip())
    if m and m.group(0).lower() in UNITS:
        return m.group(0).lower()
    return None


def numbers_with_units(text: str) -> list[tuple[str, str | None]]:
    """Numbers written with digits, normalised, each with the unit written after it."""
    # in a range the unit written once counts for both ends: "từ 5.000.000 đến 10.000.000 đồng"
    text = nfc(text)
    matches = list(NUMBER_RE.finditer(text))
    found: list[tuple[str, str | None]] = [(normalise_number(m.group(0)), _unit_after(text, m.end()))
                                           for m in matches]
    for k, m in enumerate(matches[:-1]):
        between = text[m.end():matches[k + 1].start()].strip().lower().split()
        linked = bool(between) and between[-1] in RANGE_WORDS and len(between) <= 3
        if linked and found[k][1] is None and found[k + 1][1] is not None:
            found[k] = (found[k][0], found[k + 1][1])
        elif linked and found[k + 1][1] is None and found[k][1] is not None:
            found[k + 1] = (found[k + 1][0], found[k][1])
    return found


@dataclass
class KnownNumbers:
    """The numbers a set of articles holds: values alone, and values with the unit written after them."""

    values: set[str] = field(default_factory=set)
    with_units: set[tuple[str, str]] = field(default_factory=set)

    def add_text(self, text: str) -> None:
        """Add the numbers of a text, in digits and in words."""
        for value, unit in numbers_with_units(text):
            self.values.add(value)
            if unit:
                self.with_units.add((value, unit))
        for value, unit in word_numbers(text):
            self.values.add(value)
            self.with_units.add((value, unit))

    def holds(self, value: str, unit: str | None) -> bool:
        """True when the articles hold the value; with its unit too when the answer writes one."""
        # "7 tháng" is not backed by an article that only says "07 ngày"
        if unit is None:
            return value in self.values
        if unit == "đồng" and len(value.split(".")[0]) >= 4:
            # amounts are distinctive; tables print them without the unit ("Vùng I | 5.310.000")
            return value in self.values
        return (value, unit) in self.with_units


def missing_numbers(answer: str, articles_texts: list[str]) -> list[str]:
    """The numbers of an answer ("7 tháng") that none of the texts holds, in order, each once."""
    known = KnownNumbers()
    for text in articles_texts:
        known.add_text(text)
    out: list[str] = []
    for value, unit in dict.fromkeys(numbers_with_units(answer)):
        shown = f"{value} {unit}" if unit else value
        if not known.holds(value, unit) and shown not in out:
            out.append(shown)
    return out
