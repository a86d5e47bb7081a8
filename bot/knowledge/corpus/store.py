"""Versioned corpus on disk: versions/<NNNNNN>/{manifest.json,documents.jsonl,index/} plus plain files that ride along
(answer cards, taught questions); CURRENT names the version in use."""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from bot.knowledge.corpus.disk import fsync_dir, fsync_files, link_or_copy, write_file
from bot.knowledge.corpus.model import FORMAT_VERSION, Article, Document, document_from_dict, document_to_dict

KEEP_VERSIONS = 5
DOCUMENTS = "documents.jsonl"
MANIFEST = "manifest.json"
INDEX = "index"
BuildIndex = Callable[["Corpus", Path], Any]
ChangeFiles = Callable[["Corpus", Path], dict[str, str]]


class Corpus:
    """Documents by number, with their articles by key; read-only once built."""

    def __init__(self, documents: list[Document] | dict[str, Document], version: str = "") -> None:
        """Documents keep their order (articles() follows it)."""
        docs = documents.values() if isinstance(documents, dict) else documents
        self.documents: dict[str, Document] = {d.number: d for d in docs}
        self.version = version
        self._articles: dict[str, Article] = {a.key: a for d in self.documents.values() for a in d.articles}
        self._upper: dict[str, str] = {k.upper(): k for k in self.documents}

    def document(self, number: str) -> Document | None:
        """A document by number (exact, else case-insensitive)."""
        doc = self.documents.get(number)
        if doc is None:
            key = self._upper.get(number.strip().upper())
            doc = self.documents.get(key) if key else None
        return doc

    def article(self, key: str) -> Article | None:
        """An article by DOC:ARTICLE (the document part case-insensitive)."""
        found = self._articles.get(key)
        if found is None and ":" in key:
            number, _, article = key.rpartition(":")
            doc = self.document(number)
            found = self._articles.get(f"{doc.number}:{article.strip().lower()}") if doc else None
        return found

    def articles(self) -> list[Article]:
        """All articles, document by document, in stored order."""
        return list(self._articles.values())

    def __len__(self) -> int:
        """Number of articles."""
        return len(self._articles)


class CorpusStore:
    """The corpus under $LAWS_DIR; commits are atomic (new version dir, then CURRENT swapped)."""

    def __init__(self, laws_dir: Path | str) -> None:
        """No disk access until used."""
        self.root = Path(laws_dir)
        self.versions_dir = self.root / "versions"

    # --- reading -------------------------------------------------------------------------------
    def current_version(self) -> str | None:
        """The version in use, or None before the first import."""
        try:
            name = (self.root / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name if name and (self.versions_dir / name / DOCUMENTS).is_file() else None

    def version_dir(self, version: str) -> Path:
        """Folder of one version."""
        return self.versions_dir / version

    def index_dir(self, version: str) -> Path:
        """The search index folder of one version."""
        return self.version_dir(version) / INDEX

    def versions(self) -> list[str]:
        """Complete versions on disk, oldest first."""
        if not self.versions_dir.is_dir():
            return []
        return sorted(p.name for p in self.versions_dir.iterdir()
                      if p.name.isdigit() and (p / DOCUMENTS).is_file())

    def manifest(self, version: str) -> dict[str, Any]:
        """A version's manifest (format, created, counts)."""
        return json.loads((self.version_dir(version) / MANIFEST).read_text(encoding="utf-8"))

    def load(self, version: str | None = None) -> Corpus:
        """The current (or given) version; an empty Corpus when nothing was imported."""
        version = version or self.current_version()
        if not version:
            return Corpus([], "")
        with open(self.version_dir(version) / DOCUMENTS, encoding="utf-8") as f:
            docs = [document_from_dict(json.loads(line)) for line in f if line.strip()]
        return Corpus(docs, version)

    # --- writing -------------------------------------------------------------------------------
    @contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive lock on $LAWS_DIR/.lock (one committer at a time, across processes)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def _next_version(self, above: int = 0) -> str:
        """One more than the highest version ever written here, and than `above` (the highest any host published)."""
        names = [p.name for p in self.versions_dir.iterdir() if p.name.isdigit()] if self.versions_dir.is_dir() else []
        return f"{max([int(n) for n in names] + [int(above)]) + 1:06d}"

    def commit(self, documents: list[Document], build_index: BuildIndex, above: int = 0) -> str:
        """Write a new version holding exactly `documents`, build its index, then make it current."""
        return self.update(lambda _current: list(documents), build_index, above)

    def update(self, change: Callable[[Corpus], list[Document] | None], build_index: BuildIndex,
               above: int = 0) -> str:
        """Like commit, with the documents computed from the current corpus while the lock is held; when `change`
        answers None nothing is written and the version in force is returned. The version number is above `above`
        (so versions made on different hosts never share a number)."""
        with self.lock():
            current = self.load()
            documents = change(current)
            if documents is None:
                return self.current_version() or ""
            self.versions_dir.mkdir(parents=True, exist_ok=True)
            version = self._next_version(above)

            def write(tmp: Path) -> None:
                """Documents, manifest and a freshly built index."""
                corpus = Corpus(list(documents), version)
                lines = [json.dumps(document_to_dict(d), ensure_ascii=False, separators=(",", ":"))
                         for d in corpus.documents.values()]
                write_file(tmp / DOCUMENTS, "\n".join(lines) + ("\n" if lines else ""))
                manifest = {"format": FORMAT_VERSION, "version": version,
                            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                            "documents": len(corpus.documents), "articles": len(corpus)}
                write_file(tmp / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
                (tmp / INDEX).mkdir()
                build_index(corpus, tmp / INDEX)
                fsync_files(tmp / INDEX)

            return self._install(version, current.version, write)

    def _install(self, version: str, previous: str, write: Callable[[Path], None]) -> str:
        """Write a version in a private folder (`write`, then the plain files `previous` carries), rename it into
        place and make it current; on any failure nothing of it remains. Called with the lock held."""
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=self.versions_dir))
        try:
            os.chmod(tmp, 0o755)  # mkdtemp makes it private; web and worker may run as another user
            write(tmp)
            self._carry(previous, tmp)
            os.rename(tmp, self.version_dir(version))
            fsync_dir(self.versions_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._point_at(version)
        self._prune()
        return version

    def _carry(self, version: str, into: Path) -> None:
        """Copy the plain files of a version (answer cards, taught questions) into a new one being written."""
        if not version:
            return
        for p in sorted(self.version_dir(version).iterdir()):
            if p.is_file() and p.name not in (DOCUMENTS, MANIFEST) and not (into / p.name).exists():
                link_or_copy(p, into / p.name)

    def update_files(self, change: ChangeFiles, above: int = 0) -> str:
        """A new version with the current documents and index (shared, not rebuilt) and some plain files changed:
        change(current corpus, its folder) answers name → new content. LookupError before the first import. The
        version number is above `above`, as in update."""
        with self.lock():
            current = self.load()
            if not current.version:
                raise LookupError("no corpus version yet: import laws first")
            old = self.version_dir(current.version)
            files = change(current, old)
            version = self._next_version(above)

            def write(tmp: Path) -> None:
                """The current documents and index linked, the changed files written, a manifest saying so."""
                link_or_copy(old / DOCUMENTS, tmp / DOCUMENTS)
                (tmp / INDEX).mkdir()
                for p in sorted((old / INDEX).iterdir()) if (old / INDEX).is_dir() else []:
                    if p.is_file():
                        link_or_copy(p, tmp / INDEX / p.name)
                for name, text in files.items():
                    if Path(name).name != name or name in (DOCUMENTS, MANIFEST, INDEX):
                        raise ValueError(f"{name!r} is not a plain file name of a version")
                    write_file(tmp / name, text)
                manifest = {**self.manifest(current.version), "version": version, "based_on": current.version,
                            "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
                write_file(tmp / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))

            return self._install(version, current.version, write)

    def _point_at(self, version: str) -> None:
        """Atomically replace CURRENT."""
        tmp = self.root / f".CURRENT.{os.getpid()}.tmp"
        write_file(tmp, version + "\n")
        os.replace(tmp, self.root / "CURRENT")
        fsync_dir(self.root)

    def _prune(self) -> None:
        """Keep the newest KEEP_VERSIONS versions and the current one; drop stale temp dirs."""
        current = self.current_version()
        names = sorted((p.name for p in self.versions_dir.iterdir() if p.name.isdigit()), key=int)
        for name in names[:-KEEP_VERSIONS]:
            if name != current:
                shutil.rmtree(self.versions_dir / name, ignore_errors=True)
        for p in self.versions_dir.glob(".tmp-*"):
            if time.time() - p.stat().st_mtime > 3600:  # a crashed commit's leftovers
                shutil.rmtree(p, ignore_errors=True)

    def set_current(self, version: str) -> None:
        """Make a complete version on disk the current one (FileNotFoundError when it is not here)."""
        with self.lock():
            if not (self.version_dir(version) / DOCUMENTS).is_file():
                raise FileNotFoundError(f"corpus version {version} is not in {self.versions_dir}")
            if self.current_version() != version:
                self._point_at(version)
                self._prune()

    def has(self, version: str) -> bool:
        """True when the version is complete on disk (documents written and renamed into place)."""
        return (self.version_dir(version) / DOCUMENTS).is_file()

    def files(self, version: str) -> dict[str, bytes]:
        """Every file of a version except its search index (each host builds its own), by relative path."""
        root = self.version_dir(version)
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
                if p.is_file() and p.relative_to(root).parts[0] != INDEX}

    def rollback(self) -> str:
        """Point CURRENT at the version before the current one; returns it (LookupError when there is none)."""
        with self.lock():
            current = self.current_version()
            older = [v for v in self.versions() if current is None or int(v) < int(current)]
            if not older:
                raise LookupError("no earlier corpus version to roll back to")
            self._point_at(older[-1])
            return older[-1]
