"""Word .docx documents: paragraphs and table cells in reading order, then the plain-text parser."""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Iterator

from bot.knowledge.corpus.errors import ImportResult, SourceError
from bot.knowledge.corpus.meta import DocMeta
from bot.knowledge.corpus.readers.textfile import parse_text

EXPECTED = "expected a Word .docx document (a .doc must first be saved as .docx)"


def _lines(document: object) -> Iterator[str]:
    """Text of body paragraphs and table cells in document order (headers often sit in a 2-column table)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document.element.body  # type: ignore[attr-defined]
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, document).text  # type: ignore[arg-type]
        elif tag == "tbl":
            for row in Table(child, document).rows:  # type: ignore[arg-type]
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat
                        continue
                    seen.add(id(cell._tc))
                    yield from (p.text for p in cell.paragraphs)


def read_docx(path: Path, meta: DocMeta | None = None) -> ImportResult:
    """A .docx statute or plan; `meta` for what the document does not print."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if path.stat().st_size == 0:
        raise SourceError(str(path), "empty file; " + EXPECTED, "empty")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceError(str(path), f"not a readable .docx ({type(exc).__name__}); {EXPECTED}", "docx") from exc
    except Exception as exc:  # noqa: BLE001 - python-docx raises lxml errors for corrupt XML parts
        raise SourceError(str(path), f"corrupt .docx ({type(exc).__name__}); {EXPECTED}", "docx") from exc
    return parse_text("\n".join(_lines(document)), str(path), "docx", meta)
