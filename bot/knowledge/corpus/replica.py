"""The corpus through the shared store, so every host serves the same version without a shared filesystem.

After each commit the host that made it publishes every file of the version except its search index (the documents,
the manifest, answer cards, whatever else a version holds): each file zlib-compressed and cut into chunks of at most
1 MiB (no Redis command takes long), then a manifest naming the files, their sizes and SHA-256, then the version in
the list of published ones. Any host missing the version in force pulls those files, checks them, builds its own
index and switches to it; a host that starts empty catches up the same way. The store is duck-typed
(get_json/set_json/get_bytes/set_bytes/delete): this package imports no Redis client.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any, Callable

from bot.knowledge.corpus.disk import fsync_dir, fsync_files, link_or_copy, write_file
from bot.knowledge.corpus.model import document_from_dict
from bot.knowledge.corpus.store import DOCUMENTS, INDEX, KEEP_VERSIONS, Corpus, CorpusStore

log = logging.getLogger(__name__)

MANIFEST_PREFIX = "zlb:corpus:files:"  # + version: {"files": {path: {"size", "sha256", "chunks"}}, "published"}
CHUNK_PREFIX = "zlb:corpus:chunk:"  # + version:path:n
VERSIONS_KEY = "zlb:corpus:versions"  # the published versions, oldest first
CHUNK = 1024 * 1024
BuildIndex = Callable[[Any, Any], Any]


class ReplicaError(RuntimeError):
    """A published version could not be read back whole (missing chunk, wrong digest)."""


def _chunk_key(version: str, name: str, index: int) -> str:
    """Store key of one chunk of one file."""
    return f"{CHUNK_PREFIX}{version}:{name}:{index}"


def versions(store: Any) -> list[str]:
    """The published versions, oldest first."""
    found = store.get_json(VERSIONS_KEY)
    return sorted((str(v) for v in found), key=int) if isinstance(found, list) else []


def latest(store: Any) -> int:
    """The highest version number any host published (0 when none): a new version must be above it."""
    return max((int(v) for v in versions(store)), default=0)


def manifest(store: Any, version: str) -> dict[str, Any] | None:
    """The published manifest of a version, or None when it was never (or not completely) published."""
    found = store.get_json(MANIFEST_PREFIX + version)
    return found if isinstance(found, dict) and isinstance(found.get("files"), dict) else None


def publish(store: Any, corpus: CorpusStore, version: str, keep: int = KEEP_VERSIONS) -> dict[str, Any]:
    """Put a version's files in the store (chunks first, the manifest last: a reader never sees half a version),
    list it, and forget the oldest published versions beyond `keep` (never the one given)."""
    files: dict[str, Any] = {}
    for name, data in corpus.files(version).items():
        packed = zlib.compress(data, 6)
        chunks = [packed[i:i + CHUNK] for i in range(0, len(packed), CHUNK)] or [b""]
        for index, chunk in enumerate(chunks):
            store.set_bytes(_chunk_key(version, name, index), chunk)
        files[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "chunks": len(chunks)}
    record = {"files": files, "published": int(time.time())}
    store.set_json(MANIFEST_PREFIX + version, record)
    listed = sorted(set(versions(store)) | {version}, key=int)
    kept = [v for v in listed if v in listed[-keep:] or v == version]
    store.set_json(VERSIONS_KEY, kept)
    for old in listed:
        if old not in kept:
            forget(store, old)
    return record


def forget(store: Any, version: str) -> None:
    """Remove a published version's files and manifest."""
    record = manifest(store, version)
    if record is not None:
        keys = [_chunk_key(version, name, i) for name, meta in record["files"].items()
                for i in range(int(meta.get("chunks", 0)))]
        for start in range(0, len(keys), 500):
            store.delete(*keys[start:start + 500])
    store.delete(MANIFEST_PREFIX + version)


def fetch(store: Any, version: str) -> dict[str, bytes]:
    """A published version's files, checked against their digests; ReplicaError when incomplete."""
    record = manifest(store, version)
    if record is None:
        raise ReplicaError(f"corpus version {version} is not published in the store")
    files: dict[str, bytes] = {}
    for name, meta in record["files"].items():
        parts = [store.get_bytes(_chunk_key(version, name, i)) for i in range(int(meta["chunks"]))]
        if any(p is None for p in parts):
            raise ReplicaError(f"corpus version {version}: a chunk of {name} is missing")
        data = zlib.decompress(b"".join(p for p in parts if p is not None))
        if len(data) != int(meta["size"]) or hashlib.sha256(data).hexdigest() != meta["sha256"]:
            raise ReplicaError(f"corpus version {version}: {name} does not match its digest")
        files[name] = data
    return files


def _twin_index(corpus: CorpusStore, documents: bytes) -> Path | None:
    """The index folder of a complete version here whose documents are exactly these (a change of cards only)."""
    for name in reversed(corpus.versions()):
        folder = corpus.version_dir(name)
        index = corpus.index_dir(name)
        try:
            same = (folder / DOCUMENTS).stat().st_size == len(documents) and (folder / DOCUMENTS).read_bytes() == documents
        except OSError:
            continue
        if same and index.is_dir() and any(index.iterdir()):
            return index
    return None


def install(corpus: CorpusStore, version: str, files: dict[str, bytes], build_index: BuildIndex) -> bool:
    """Write a version received from another host (its files, without the index) into versions/.tmp-*, give it an
    index (shared with a version here holding the same documents, else built), rename it into place; False when it
    was already here. It is not made current."""
    with corpus.lock():
        if corpus.has(version):
            return False
        if DOCUMENTS not in files:
            raise ReplicaError(f"corpus version {version} has no {DOCUMENTS}")
        corpus.versions_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=corpus.versions_dir))
        try:
            os.chmod(tmp, 0o755)  # mkdtemp makes it private; web and worker may run as another user
            for name, data in files.items():
                target = (tmp / name).resolve()
                if tmp.resolve() not in target.parents or Path(name).parts[0] == INDEX:
                    raise ReplicaError(f"unexpected file name in corpus version {version}: {name!r}")
                target.parent.mkdir(parents=True, exist_ok=True)
                write_file(target, data)
            (tmp / INDEX).mkdir()
            twin = _twin_index(corpus, files[DOCUMENTS])
            if twin is not None:
                for p in sorted(twin.iterdir()):
                    if p.is_file():
                        link_or_copy(p, tmp / INDEX / p.name)
            else:
                docs = [document_from_dict(json.loads(line)) for line in files[DOCUMENTS].decode("utf-8").splitlines()
                        if line.strip()]
                build_index(Corpus(docs, version), tmp / INDEX)
                fsync_files(tmp / INDEX)
            shutil.rmtree(corpus.version_dir(version), ignore_errors=True)  # an incomplete leftover, if any
            os.rename(tmp, corpus.version_dir(version))
            fsync_dir(corpus.versions_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return True


def pull(store: Any, corpus: CorpusStore, version: str, build_index: BuildIndex) -> bool:
    """Bring a published version to this host (its index built here); False when it was already here."""
    if corpus.has(version):
        return False
    started = time.monotonic()
    installed = install(corpus, version, fetch(store, version), build_index)
    if installed:
        log.info("corpus version %s pulled from the store and indexed in %.1f s", version,
                 time.monotonic() - started)
    return installed


def sync(store: Any, corpus: CorpusStore, version: str, build_index: BuildIndex) -> str:
    """Make `version` (the one published as in force) current on this host, pulling it first when missing."""
    pull(store, corpus, version, build_index)
    corpus.set_current(version)
    return version
