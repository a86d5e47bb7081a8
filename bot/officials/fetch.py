"""`laws fetch`: the official Pháp điển ZIP downloaded (conditional request, size cap), checked, and its chosen đề mục
imported exactly as `laws import` imports a folder of them (same atomic commit, same change report)."""
from __future__ import annotations

import dataclasses
import re
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

import requests

from bot.knowledge.corpus import SourceError, zipread
from bot.knowledge.corpus.store import CorpusStore
from bot.officials.laws import LawUpdate, import_documents, lock_hold
from bot.ops.errors import Explained
from bot.store.state import LockTimeout

VALIDATORS_KEY = "zlb:lawfetch:validators"  # ETag / Last-Modified of the last download imported
VALIDATORS_TTL = 30 * 24 * 3600  # after a month without a fetch the next one downloads in full
FETCH_LOCK = "laws:fetch"
CHUNK = 1 << 16
HEAD_BYTES = 8192  # the đề mục heading ("Đề mục 8.4") is in the first lines of each page
MAX_MEMBERS = zipread.MAX_MEMBERS
MAX_UNCOMPRESSED = 2 * 1024**3  # every wanted đề mục together
TIMEOUT = (15.0, 60.0)  # connect, and between two reads
_PAGE = re.compile(r"(?:^|/)demuc/[^/]+\.html?$", re.IGNORECASE)
_HEADING = re.compile(r"Đề\s*mục\s+(\d+(?:\.\d+)*)\s*(?:<br\s*/?>)?\s*([^<]*)", re.IGNORECASE)
OFFICIAL_TEXTS = ("text", "docx")  # sources a fetch never overwrites
EXPECTED = "expected the Pháp điển ZIP (demuc/<uuid>.html and jsonData.js)"


class FetchError(Explained, RuntimeError):
    """A download that cannot be used (no network, HTTP error, not the ZIP, too big, cut short): one line."""


@dataclass(frozen=True)
class Topic:
    """One đề mục page found in the ZIP."""

    number: str
    name: str
    member: str
    articles: bool  # False for an empty shell (a đề mục being rewritten)


@dataclass(frozen=True)
class FetchOutcome:
    """What a fetch did: "imported" (a new version), "unchanged" (same corpus) or "not_modified" (HTTP 304)."""

    url: str
    status: str
    size: int = 0
    topics: tuple[Topic, ...] = ()
    missing: tuple[str, ...] = ()  # asked for, not in the ZIP
    update: LawUpdate | None = None

    @property
    def imported(self) -> tuple[Topic, ...]:
        """The đề mục whose articles were read."""
        return tuple(t for t in self.topics if t.articles)


def _host(url: str) -> str:
    """The server's name for messages."""
    return urlsplit(url).netloc or url


def _validators(store: Any, settings: Any, url: str, topics: Sequence[str]) -> dict[str, str]:
    """If-None-Match / If-Modified-Since for the same URL and topics, while the corpus they went into is in force."""
    saved = store.get_json(VALIDATORS_KEY) or {}
    if saved.get("url") != url or saved.get("topics") != list(topics):
        return {}
    if saved.get("version") != CorpusStore(settings.laws_dir).current_version():
        return {}  # rolled back or replaced since: download again
    headers = {"If-None-Match": saved.get("etag", ""), "If-Modified-Since": saved.get("last_modified", "")}
    return {k: v for k, v in headers.items() if v}


def download(url: str, dest: Path, max_bytes: int, headers: dict[str, str] | None = None,
             session: Any = None) -> requests.Response | None:
    """Stream url to dest under max_bytes; None on 304 Not Modified; FetchError for anything unusable."""
    http = session or requests
    try:
        with http.get(url, headers={"User-Agent": "zalo-law-bot laws-fetch", **(headers or {})}, stream=True,
                      timeout=TIMEOUT, allow_redirects=True) as response:
            if response.status_code == 304:
                return None
            if response.status_code != 200:
                raise FetchError(f"{url}: HTTP {response.status_code} {response.reason or ''}".rstrip()
                                 + f"; {EXPECTED} (check --url or PHAPDIEN_URL)", "fetch_http",
                                 status=response.status_code, host=_host(url))
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{url}: {int(declared) / 1e6:.0f} MB is more than LAW_FETCH_MAX_MB "
                                 f"({max_bytes / 1e6:.0f} MB); nothing imported", "fetch_too_big",
                                 mb=round(max_bytes / 1e6))
            written = 0
            with open(dest, "wb") as out:
                for chunk in response.iter_content(CHUNK):
                    written += len(chunk)
                    if written > max_bytes:
                        raise FetchError(f"{url}: download passed LAW_FETCH_MAX_MB ({max_bytes / 1e6:.0f} MB); "
                                         "nothing imported", "fetch_too_big", mb=round(max_bytes / 1e6))
                    out.write(chunk)
            plain = response.headers.get("Content-Encoding", "identity") in ("", "identity")
            if plain and declared.isdigit() and written != int(declared):
                raise FetchError(f"{url}: download cut short ({written} of {declared} bytes); nothing imported",
                                 "fetch_cut_short")
            return response
    except requests.exceptions.ChunkedEncodingError as exc:  # the body ended before its announced length
        raise FetchError(f"{url}: download cut short ({type(exc).__name__}); nothing imported",
                         "fetch_cut_short") from exc
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        raise FetchError(f"cannot reach {_host(url)} (no internet connection, or the server is down): "
                         f"{type(exc).__name__}", "fetch_unreachable", host=_host(url)) from exc
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}", "fetch_http", status=type(exc).__name__,
                         host=_host(url)) from exc


def _topic_of(head: bytes) -> tuple[str, str] | None:
    """ (number, name) from the heading at the top of a đề mục page, or None."""
    text = unicodedata.normalize("NFC", head.decode("utf-8", errors="ignore"))
    found = _HEADING.search(text)
    return (found.group(1), " ".join(found.group(2).split())) if found else None


def extract_topics(path: Path, wanted: Sequence[str], folder: Path,
                   max_members: int = MAX_MEMBERS, max_total: int = MAX_UNCOMPRESSED) -> tuple[Topic, ...]:
    """Copy the pages of the wanted đề mục from the ZIP into folder, one member at a time, under the caps of
    bot.knowledge.corpus.zipread (members, each member, total uncompressed size)."""
    found: list[Topic] = []
    pages = 0
    try:
        members = zipread.open_members(path, lambda name: bool(_PAGE.search(name)) and "__MACOSX" not in name,
                                       max_members=max_members, max_total=max_total)
        for number, (member, src) in enumerate(members):
            pages += 1
            head = src.read(HEAD_BYTES)
            topic = _topic_of(head)
            if topic is None or topic[0] not in wanted:
                continue
            folder.mkdir(parents=True, exist_ok=True)
            # the member's own name: the folder is read in the order `laws import` reads the ZIP
            target = folder / Path(member.filename).name
            if target.exists():
                target = folder / f"{number:05d}-{target.name}"
            with open(target, "wb") as out:
                out.write(head)
                while chunk := src.read(CHUNK):
                    out.write(chunk)
            page = target.read_bytes()
            articles = b"'pDieu'" in page or b'"pDieu"' in page
            if not articles:
                target.unlink()  # an empty shell (a đề mục being rewritten) is reported, not imported
            found.append(Topic(topic[0], topic[1], member.filename, articles))
    except zipread.ZipLimitError as exc:
        raise FetchError(f"{path.name}: {exc}; {EXPECTED}", "zip_limit") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise FetchError(f"{path.name}: corrupt or not a ZIP file ({type(exc).__name__}: {exc}); {EXPECTED}",
                         "zip") from exc
    if not pages:
        raise FetchError(f"{path.name}: no demuc/*.html page in the ZIP; {EXPECTED}", "zip_no_demuc")
    folder.mkdir(parents=True, exist_ok=True)
    return tuple(found)


def _relabel(update: LawUpdate, folder: Path, label: str) -> LawUpdate:
    """The import report naming the download instead of the temporary folder."""
    details = update.details
    if details is None:
        return update

    def name(text: str) -> str:
        """A temporary path as the download's name."""
        return text.replace(str(folder), label)

    results = tuple(dataclasses.replace(r, source=name(r.source), skipped=tuple(
        dataclasses.replace(s, source=name(s.source)) for s in r.skipped)) for r in details.results)
    return dataclasses.replace(update, details=dataclasses.replace(details, results=results))


def fetch_laws(settings: Any, store: Any, url: str = "", topics: Sequence[str] = (), session: Any = None,
               progress: Callable[[str], None] | None = None) -> FetchOutcome:
    """Download the Pháp điển ZIP and import the chosen đề mục; no new version when nothing changed. `progress` hears
    each step (downloading, extracting, then the import's reading, indexing, publishing).

    FetchError (or SourceError from the importer) leaves the corpus exactly as it was.
    """
    url = url or settings.phapdien_url
    wanted = tuple(topics or settings.law_topics)
    step = progress or (lambda _step: None)
    try:
        with store.lock(FETCH_LOCK, timeout=lock_hold(settings), wait=1.0, keepalive=True), \
                tempfile.TemporaryDirectory(prefix="zlb-fetch-") as tmp:
            zip_path = Path(tmp) / "phapdien.zip"
            step("downloading")
            response = download(url, zip_path, settings.law_fetch_max_mb * 1024 * 1024,
                                _validators(store, settings, url, wanted), session)
            if response is None:
                return FetchOutcome(url, "not_modified")
            step("extracting")
            found = extract_topics(zip_path, wanted, Path(tmp) / "demuc")
            usable = [t for t in found if t.articles]
            if not usable:
                raise FetchError(f"{url}: none of the đề mục {', '.join(wanted)} has articles in this ZIP",
                                 "fetch_no_topics", topics=", ".join(wanted))
            try:
                # a newer text officials imported by hand (a consolidated law, a new decree) is not reverted
                update = import_documents(settings, store, [str(Path(tmp) / "demuc")], keep=OFFICIAL_TEXTS,
                                          progress=progress)
            except SourceError as exc:
                raise FetchError(f"{url}: {exc}", exc.kind, **exc.params) from exc
            store.set_json(VALIDATORS_KEY, {"url": url, "topics": list(wanted), "version": update.version,
                                            "etag": response.headers.get("ETag", ""),
                                            "last_modified": response.headers.get("Last-Modified", "")},
                           ttl=VALIDATORS_TTL)
            have = {t.number for t in found}
            return FetchOutcome(url, "imported" if update.changed else "unchanged", zip_path.stat().st_size,
                                found, tuple(n for n in wanted if n not in have),
                                _relabel(update, Path(tmp) / "demuc", "phapdien.zip"))
    except LockTimeout as exc:
        raise FetchError("another `laws fetch` is running; try again when it has finished", "fetch_busy") from exc
