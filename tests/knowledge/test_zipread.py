"""bot.knowledge.corpus.zipread: members read one at a time under caps counted on the bytes that come out; the
Pháp điển ZIP reader refuses a bomb with a clear error and leaves the corpus alone."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bot.knowledge.corpus import SourceError, read_source, zipread


def archive(path: Path, members: dict[str, bytes]) -> Path:
    """A deflated ZIP holding the members."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_members_come_one_at_a_time_in_name_order(tmp_path: Path) -> None:
    path = archive(tmp_path / "a.zip", {"demuc/b.html": b"B", "demuc/a.html": b"A", "jsonData.js": b"{}"})
    assert list(zipread.members(path, lambda n: n.endswith(".html"))) == [("demuc/a.html", b"A"),
                                                                          ("demuc/b.html", b"B")]


@pytest.mark.parametrize("members, caps, message", [
    ({"bomb.html": b"\0" * 5_000_000}, {"max_member": 1_000_000}, "expands to"),
    ({f"p{i}.html": b"x" for i in range(30)}, {"max_members": 20}, "30 members, more than 20"),
    ({f"p{i}.html": b"\0" * 400_000 for i in range(5)}, {"max_total": 1_000_000}, "the archive expands"),
])
def test_caps_refuse_bombs(tmp_path: Path, members: dict[str, bytes], caps: dict[str, int], message: str) -> None:
    path = archive(tmp_path / "bomb.zip", members)
    assert path.stat().st_size < 100_000  # small on disk, large once expanded
    with pytest.raises(zipread.ZipLimitError, match=message):
        list(zipread.members(path, **caps))


def test_a_bomb_uploaded_as_the_phapdien_zip_is_a_clear_source_error(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipread, "MAX_MEMBER_BYTES", 1_000_000)
    path = archive(tmp_path / "BoPhapDien.zip", {"demuc/x.html": b"<p>" + b"a" * 3_000_000})
    with pytest.raises(SourceError, match="ZIP refused"):
        read_source(path)


def test_the_real_phapdien_pages_zipped_import(tmp_path: Path, shared_dir: Path) -> None:
    pages = sorted((shared_dir / "laws/phapdien/demuc").glob("*.html"))[:2]
    path = archive(tmp_path / "pd.zip", {f"demuc/{p.name}": p.read_bytes() for p in pages})
    assert read_source(path).documents
