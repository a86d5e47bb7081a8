"""Keeps the current law library and swaps in a new one when the corpus version published in the store changes."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from bot.knowledge.corpus import replica
from bot.knowledge.corpus.store import CorpusStore
from bot.knowledge.library import load_library
from bot.knowledge.search.index import build_index

log = logging.getLogger(__name__)

VERSION_KEY = "zlb:corpus:version"
RETRY_FAILED_AFTER = 30.0


def publish_version(store: Any, version: str) -> None:
    """Tell every web and worker process that the corpus changed (called after each commit or rollback)."""
    store.set_json(VERSION_KEY, str(version))


def published_version(store: Any) -> str | None:
    """The corpus version last published, or None."""
    value = store.get_json(VERSION_KEY)
    return None if value is None else str(value)


class LibraryHolder:
    """Callable provider of the current Library; checks the version key at most every `check_every` seconds."""

    # a changed version loads in a background thread while requests keep the old library; the reference is
    # then replaced in one assignment, so no request waits for a reload and none sees half a library

    def __init__(self, loader: Callable[[], Any], store: Any = None, check_every: float = 1.0,
                 probe: Callable[[], str | None] | None = None, background: bool = True) -> None:
        self._loader = loader
        self._store = store
        self._probe = probe
        self._check_every = check_every
        self._background = background
        self._library: Any = None
        self._seen: str | None = None  # the version token the current library was loaded for
        self._checked = 0.0
        self._failed: tuple[str | None, float] | None = None
        self._lock = threading.Lock()
        self._reloading = False
        self.reloaded = threading.Event()  # set after each successful reload (tests and readiness wait on it)
        # prepare(library) runs on each new library before it serves (the dialogue's warm-up); set by the owner
        self.prepare: Callable[[Any], None] | None = None

    @property
    def loaded(self) -> bool:
        """True once a library is in memory."""
        return self._library is not None

    def token(self) -> str | None:
        """The version to serve: the one published in the store (every host follows it), else the one on disk;
        None when unknown (store or disk unreadable: keep serving the library we have)."""
        try:
            published = published_version(self._store) if self._store is not None else None
            if published:
                return published
            value = self._probe() if self._probe is not None else None
        except Exception:  # noqa: BLE001 - store or disk unreadable
            return None
        return None if value is None else str(value)

    def _load(self, token: str | None) -> Any:
        """Load a library and make it current; when it is not the version asked for (not pulled yet), the load is
        retried after RETRY_FAILED_AFTER seconds while this one serves."""
        library = self._loader()
        if self.prepare is not None:
            try:
                self.prepare(library)
            except Exception:  # noqa: BLE001 - a failed warm-up only leaves the first question slower
                log.exception("law library could not be warmed up")
        version = str(getattr(library, "version", "") or "")
        behind = token is not None and version != token and self._probe is not None
        self._library, self._seen = library, (version if behind else token)
        self._failed = (token, time.monotonic()) if behind else None
        self.reloaded.set()
        log.info("law library in use: version %s%s", version or "-", f" (version {token} wanted)" if behind else "")
        return library

    def wanted(self) -> str | None:
        """The version this process should serve (published, else on disk), for /readyz."""
        return self.token()

    def _reload(self, token: str | None) -> None:
        """Load the new version; on failure keep the old library and retry later."""
        try:
            self._load(token)
        except Exception:  # noqa: BLE001 - a bad new version must not take the bot down
            log.exception("law library version %s could not be loaded; keeping the current one", token)
            self._failed = (token, time.monotonic())
        finally:
            self._reloading = False

    def _due(self, token: str | None) -> bool:
        """True when the token differs from the loaded one and is not a recently failed one."""
        if token is None or token == self._seen:
            return False
        failed = self._failed
        return not (failed and failed[0] == token and time.monotonic() - failed[1] < RETRY_FAILED_AFTER)

    def refresh(self, block: bool = True) -> bool:
        """Check the version now; reload when it changed (waiting for the load when block). True if reloading."""
        self._checked = time.monotonic()
        token = self.token()
        with self._lock:
            if self._reloading or not self._due(token):
                return False
            self._reloading = True
        self.reloaded.clear()
        if block or not self._background:
            self._reload(token)
        else:
            threading.Thread(target=self._reload, args=(token,), name="zlb-library-reload", daemon=True).start()
        return True

    def __call__(self) -> Any:
        """The current library (loaded on first use; later versions swapped in as they appear)."""
        library = self._library
        if library is None:
            with self._lock:
                if self._library is None:
                    token = self.token()
                    self._checked = time.monotonic()
                    return self._load(token)
                return self._library
        if time.monotonic() - self._checked >= self._check_every:
            self.refresh(block=False)
        return self._library


def library_holder(settings: Any, store: Any, check_every: float = 1.0) -> LibraryHolder:
    """bot.knowledge.library.load_library(settings), swapped when VERSION_KEY changes (or, with no key, the on-disk
    version); a published version missing here is pulled from the store first (bot.knowledge.corpus.replica)."""
    def load() -> Any:
        """The library of the published version (pulled when missing), else of the version in force on disk."""
        try:
            published = published_version(store) if store is not None else None
            if published and replica.manifest(store, published) is not None:
                replica.sync(store, CorpusStore(settings.laws_dir), published, build_index)
        except Exception:  # noqa: BLE001 - the store or the pull failed: serve what is on disk, retry later
            log.exception("could not bring the published corpus version to this host")
        return load_library(settings)

    def probe() -> str | None:
        """The corpus version in force on disk."""
        return CorpusStore(settings.laws_dir).current_version()

    return LibraryHolder(load, store, check_every, probe)
