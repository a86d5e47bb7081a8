"""LibraryHolder: a version published in Redis is picked up within a second, with no failed call meanwhile."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from bot.knowledge.library_watch import LibraryHolder, publish_version, published_version
from bot.store.redis_state import RedisStateStore


@dataclass(frozen=True)
class Lib:
    """A stand-in library: only its version matters here."""

    version: str


class Loader:
    """Loads whatever version the "disk" holds; can be slowed down or made to fail."""

    def __init__(self) -> None:
        self.disk = "v1"
        self.loads = 0
        self.gate: threading.Event | None = None
        self.fail = False

    def __call__(self) -> Lib:
        self.loads += 1
        if self.gate is not None:
            self.gate.wait(10)
        if self.fail:
            raise RuntimeError("broken index")
        return Lib(self.disk)


@pytest.fixture
def store(redis_client):
    """The real Redis store."""
    return RedisStateStore(redis_client)


def test_reloads_when_the_published_version_changes(store) -> None:
    loader = Loader()
    publish_version(store, "v1")
    holder = LibraryHolder(loader, store, check_every=0.0)
    assert holder().version == "v1" and holder().version == "v1" and loader.loads == 1
    loader.disk = "v2"
    publish_version(store, "v2")
    assert published_version(store) == "v2"
    assert holder.refresh(block=True) and holder().version == "v2" and loader.loads == 2
    publish_version(store, "v1")  # a rollback is a change too
    loader.disk = "v1"
    holder.refresh(block=True)
    assert holder().version == "v1"


def test_no_call_fails_or_waits_during_a_reload(store) -> None:
    loader = Loader()
    publish_version(store, "v1")
    holder = LibraryHolder(loader, store, check_every=0.0)
    holder()
    loader.gate = threading.Event()
    loader.disk = "v2"
    publish_version(store, "v2")
    seen = {holder().version for _ in range(200)}  # the reload runs in the background meanwhile
    assert seen == {"v1"}
    loader.gate.set()
    assert holder.reloaded.wait(5)
    assert holder().version == "v2"


def test_a_broken_version_keeps_the_current_library(store) -> None:
    loader = Loader()
    holder = LibraryHolder(loader, store, check_every=0.0, background=False)
    holder()
    loader.fail = True
    publish_version(store, "v2")
    assert holder().version == "v1"
    assert holder.refresh() is False  # not retried at once


def test_without_a_published_version_the_disk_probe_decides(store) -> None:
    loader = Loader()
    disk = {"v": "a"}
    holder = LibraryHolder(loader, store, check_every=0.0, probe=lambda: disk["v"], background=False)
    holder()
    disk["v"], loader.disk = "b", "v2"
    assert holder().version == "v2"


def test_each_new_library_is_prepared_before_it_serves(store) -> None:
    loader = Loader()
    publish_version(store, "v1")
    holder = LibraryHolder(loader, store, check_every=0.0)
    prepared: list[str] = []
    served_while_preparing: list[str] = []

    def prepare(library: Lib) -> None:
        prepared.append(library.version)
        if holder.loaded:
            served_while_preparing.append(holder().version)

    holder.prepare = prepare
    assert holder().version == "v1" and prepared == ["v1"]
    loader.disk = "v2"
    publish_version(store, "v2")
    assert holder.refresh(block=True)
    assert prepared == ["v1", "v2"] and served_while_preparing == ["v1"] and holder().version == "v2"


def test_a_failed_preparation_still_serves_the_library(store) -> None:
    holder = LibraryHolder(Loader(), store, check_every=0.0, background=False)

    def prepare(library: Lib) -> None:
        raise RuntimeError("warm-up failed")

    holder.prepare = prepare
    assert holder().version == "v1"
