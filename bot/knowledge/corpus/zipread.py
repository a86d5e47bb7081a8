"""ZIP archives read safely, for every importer that takes one (an upload, the downloaded Pháp điển ZIP of `laws
fetch`): member by member, with caps on the number of members, on each member and on the total uncompressed size,
counted on the bytes that actually come out (a ZIP's declared sizes can lie)."""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO, Callable, Iterator

MAX_MEMBERS = 20_000  # the official Pháp điển ZIP holds a few hundred đề mục pages and its viewer's files
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # the largest đề mục page is a few MB
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
READ = 64 * 1024


class ZipLimitError(ValueError):
    """An archive past one of the caps (likely a ZIP bomb, or not the archive expected)."""


class _Budget:
    """The uncompressed bytes left for the whole archive."""

    def __init__(self, total: int) -> None:
        self.total = self.left = total


class CappedMember:
    """A member's stream that raises ZipLimitError once more than its cap, or than the archive's budget, came out."""

    def __init__(self, raw: IO[bytes], name: str, cap: int, budget: _Budget) -> None:
        self.raw, self.name, self.cap, self.budget = raw, name, cap, budget
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        """Up to n bytes (all that is left when n < 0), counted against the caps."""
        want = READ if n is None or n < 0 else n
        data = self.raw.read(min(want, self.cap + 1 - self.size, self.budget.left + 1))
        self.size += len(data)
        self.budget.left -= len(data)
        if self.size > self.cap:
            raise ZipLimitError(f"{self.name}: the member expands past {self.cap} bytes")
        if self.budget.left < 0:
            raise ZipLimitError(f"{self.name}: the archive expands past its limit of {self.budget.total} bytes")
        if n is None or n < 0:
            parts = [data]
            while data:
                data = self.read(READ)
                parts.append(data)
            return b"".join(parts)
        return data


def open_members(path: str | Path, wanted: Callable[[str], bool] = lambda name: True,
                 max_members: int | None = None, max_member: int | None = None,
                 max_total: int | None = None) -> Iterator[tuple[zipfile.ZipInfo, CappedMember]]:
    """Each wanted file member (by name) with a capped stream, one at a time; zipfile.BadZipFile for a corrupt
    archive, ZipLimitError past a cap (too many members, a member or the wanted ones together too large). The caps
    default to this module's MAX_* values, read at each call."""
    max_members = MAX_MEMBERS if max_members is None else max_members
    max_member = MAX_MEMBER_BYTES if max_member is None else max_member
    budget = _Budget(MAX_TOTAL_BYTES if max_total is None else max_total)
    with zipfile.ZipFile(path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > max_members:
            raise ZipLimitError(f"{len(infos)} members, more than {max_members}")
        for info in sorted((i for i in infos if wanted(i.filename)), key=lambda i: i.filename):
            if info.file_size > max_member:
                raise ZipLimitError(f"{info.filename} expands to {info.file_size} bytes (limit {max_member})")
            with archive.open(info) as raw:
                yield info, CappedMember(raw, info.filename, max_member, budget)


def members(path: str | Path, wanted: Callable[[str], bool] = lambda name: True, max_members: int | None = None,
            max_member: int | None = None, max_total: int | None = None) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of each wanted file member, by name, one at a time, under the caps of open_members."""
    for info, stream in open_members(path, wanted, max_members, max_member, max_total):
        yield info.filename, stream.read()
