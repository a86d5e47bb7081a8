"""The header of a statute or plan in plain text: number, type, title, issuer, dates."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.corpus.readers.textutil import cap_first, document_title, iso_date, sentence_case

TYPES = ("Bộ luật", "Luật", "Pháp lệnh", "Nghị quyết liên tịch", "Nghị quyết", "Nghị định", "Thông tư liên tịch",
         "Thông tư", "Quyết định", "Chỉ thị", "Kế hoạch", "Chương trình", "Đề án", "Hướng dẫn", "Công văn",
         "Hiến pháp", "Lệnh", "Thông báo", "Báo cáo")
PLAN_TYPES = ("Kế hoạch", "Chương trình", "Đề án", "Hướng dẫn", "Công văn", "Thông báo", "Báo cáo")
_TYPE_LINE = re.compile(r"^(" + "|".join(t.upper() for t in TYPES) + r")\b\s*(.*)$")
_NUMBER = re.compile(r"(?:^|\b)(?:(" + "|".join(TYPES) + r")\s+)?số\s*:?\s*(\d+[\w./-]*/[\w.-]*[A-ZĐa-zđ][\w.-]*)",
                     re.IGNORECASE)
_SUFFIX_TYPES = (("PL-UBTVQH", "Pháp lệnh"), ("NQ", "Nghị quyết"), ("QH", "Luật"), ("NĐ-CP", "Nghị định"),
                 ("TTLT", "Thông tư liên tịch"), ("TT", "Thông tư"), ("QĐ", "Quyết định"), ("CT", "Chỉ thị"),
                 ("KH", "Kế hoạch"), ("CTr", "Chương trình"), ("ĐA", "Đề án"), ("HD", "Hướng dẫn"))
_EFFECTIVE = re.compile(r"có hiệu lực(?: thi hành)?(?: kể)? từ ngày\s*(\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}|"
                        r"\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4})", re.IGNORECASE)
_SKIP_ISSUER = re.compile(r"CỘNG HÒA|CỘNG HOÀ|ĐỘC LẬP|^-+$|^[-_=* ]+$", re.IGNORECASE)
_PLACE = re.compile(r"\b(tỉnh|thành phố|huyện|quận|thị xã|xã|phường)\s+(.+)$")
_PREAMBLE = re.compile(r"^(Căn cứ|Theo đề nghị|Xét đề nghị)", re.IGNORECASE)
# a consolidated text (văn bản hợp nhất) opens "Luật X số 53/2024/QH15 ngày …, được sửa đổi, bổ sung bởi:",
# then lists the amending laws
_CONSOLIDATED = re.compile(r"được sửa đổi,? bổ sung (?:một số điều )?(?:bởi|theo)", re.IGNORECASE)
_ENACTS = re.compile(r"^(.{3,80}?) ban hành (?:" + "|".join(TYPES) + r")\b")
_OF = re.compile(r"\bcủa\s+(Quốc hội|Ủy ban thường vụ Quốc hội|Chính phủ|Thủ tướng Chính phủ|Chủ tịch nước)\b",
                 re.IGNORECASE)
_STOP_TITLE = re.compile(r"^(Căn cứ|\(|Trích|Điều\s+\d|Chương\s|Mục\s|Phần\s|[IVXLC]+\.\s|\d+\.\s)", re.IGNORECASE)


@dataclass(frozen=True)
class Header:
    """What the first lines say about the document; `end` is the index of the first body line."""

    number: str
    kind: str
    title: str
    issuer: str
    issued: str
    effective: str
    end: int
    amended_by: tuple[str, ...] = ()  # the amending laws listed by a consolidated text


def _issuer(lines: list[str]) -> str:
    """ "ỦY BAN NHÂN DÂN" + "TỈNH THANH HÓA" -> "Ủy ban nhân dân tỉnh Thanh Hóa"."""
    words = " ".join(x for x in lines if x.isupper() and not _SKIP_ISSUER.search(x)).strip()
    if not words:
        return ""
    text = cap_first(words.lower())
    place = _PLACE.search(text)
    if place:
        text = text[:place.start(2)] + " ".join(cap_first(w) for w in place.group(2).split())
    return text


def kind_from_number(number: str) -> str:
    """A type guessed from the number's suffix ("…/NĐ-CP" -> Nghị định)."""
    tail = number.rsplit("/", 1)[-1]
    for suffix, kind in _SUFFIX_TYPES:
        if tail.upper().startswith(suffix.upper()):
            return kind
    return ""


def numbers_in(text: str) -> list[str]:
    """Every document number cited as "số 53/2024/QH15" in text, upper case, in order."""
    return [m.group(2).strip(" .,;").upper() for m in _NUMBER.finditer(_join_numbers(text))]


def _join_numbers(line: str) -> str:
    """ "số 53 /2024/QH15" -> "số 53/2024/QH15" (typed numbers often carry stray spaces)."""
    return re.sub(r"(\d)\s*/\s*(?=\d)", r"\1/", line)


def _consolidation(head: list[str]) -> tuple[int, tuple[str, ...]]:
    """Index of a consolidated text's base-law line and the numbers of the amending laws after it; -1 when none."""
    for i, line in enumerate(head):
        said = _CONSOLIDATED.search(line)
        if said and _NUMBER.search(line[:said.start()]):
            rest = [line[said.end():]] + head[i + 1:]
            return i, tuple(dict.fromkeys(n for x in rest for n in numbers_in(x)))
    return -1, ()


def _enacting_issuer(lines: list[str]) -> str:
    """ "Quốc hội ban hành Luật …" -> "Quốc hội" (the preamble's last line names who passed it)."""
    return next((m.group(1) for m in map(_ENACTS.match, lines) if m and not _PREAMBLE.match(m.group(1))), "")


def parse_header(lines: list[str], body_start: int) -> Header:
    """The header in lines[:body_start]; `number` is "" when the text prints none."""
    head = [_join_numbers(x) for x in lines[:body_start]]
    # the preamble ("Căn cứ Bộ luật Lao động số 45/2019/QH14 ...") names other documents: never take their numbers
    cut = next((i for i, x in enumerate(head) if _PREAMBLE.match(x)), len(head))
    head = head[:cut]
    base, amended_by = _consolidation(head)
    number = kind = issuer = ""
    title_parts: list[str] = []
    type_at = -1
    for i, line in enumerate(head[:base] if base >= 0 else head):
        m = _NUMBER.search(line)
        if m and not number:
            number = m.group(2).strip(" .,;").upper()
            kind = kind or (cap_first(m.group(1).lower()) if m.group(1) else "")
            issuer = _issuer(head[:type_at] if type_at >= 0 else head[:i])  # not the type and title lines
            continue
        t = _TYPE_LINE.match(line)
        if t and type_at < 0 and line.isupper():
            type_at, kind = i, cap_first(t.group(1).lower())
            if t.group(2):
                title_parts.append(t.group(2))
            continue
        if type_at >= 0 and i == type_at + len(title_parts) + 1 and not _STOP_TITLE.match(line):
            title_parts.append(line)
    date_line = next((x for x in head if re.search(r"ngày\s+\d{1,2}\s+tháng", x, re.IGNORECASE)), "")
    effective = _EFFECTIVE.search("\n".join(lines))
    if base >= 0:  # the base law's line: "Luật Phòng, chống mua bán người số 53/2024/QH15 ngày … của Quốc hội, …"
        line = head[base]
        m = _NUMBER.search(line)
        number, date_line = m.group(2).strip(" .,;").upper(), line
        title_parts = title_parts or [line[:m.start()].strip()]
        of = _OF.search(line[m.end():])
        # a number printed above is the consolidation's own ("Số: 19/VBHN-VPQH"), and so is its issuer
        issuer = _enacting_issuer(lines[cut:body_start]) or (cap_first(of.group(1).lower()) if of else "")
        effective = _EFFECTIVE.search(line) or effective
    kind = kind or (kind_from_number(number) if number else "")
    name = " ".join(title_parts)
    title = document_title(kind, sentence_case(name)) if name else ""
    issuer = issuer or _enacting_issuer(lines[cut:body_start])
    return Header(number, kind, title, issuer, iso_date(date_line),
                  iso_date("ngày " + effective.group(1)) if effective else "", body_start, amended_by)
