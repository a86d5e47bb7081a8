"""User-facing wording and small editable tables, loaded from bot/data (no Vietnamese wording lives in code)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[1] / "data"  # bot/data: the files officials edit


class TextsError(KeyError):
    """A message key is missing from messages.json."""


def read_tsv(name: str, data_dir: Path | None = None) -> list[list[str]]:
    """Rows of a tab-separated data file, skipping blank lines and lines starting with '#'."""
    path = (data_dir or DATA_DIR) / name
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append([cell.strip() for cell in line.split("\t")])
    return rows


class Texts:
    """The messages of bot/data/messages.json: `get(key, **fmt)` for strings, `raw(key)` for lists and tables."""

    def __init__(self, messages: dict[str, Any]) -> None:
        """Wrap an already-decoded messages mapping."""
        self._messages = messages

    @classmethod
    def load(cls, path: Path | str | None = None) -> "Texts":
        """Read messages.json (the packaged one unless a path is given)."""
        path = Path(path) if path else DATA_DIR / "messages.json"
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def raw(self, key: str) -> Any:
        """The value as stored (string, list or object)."""
        try:
            return self._messages[key]
        except KeyError:
            raise TextsError(key) from None

    def get(self, key: str, **fmt: Any) -> str:
        """A message, formatted with the given fields; lists of lines are joined with newlines."""
        value = self.raw(key)
        if isinstance(value, list):
            value = "\n".join(value)
        if not isinstance(value, str):
            raise TextsError(f"{key} is not text")
        return value.format(**fmt) if fmt else value

    def keys(self) -> list[str]:
        """Every message key."""
        return list(self._messages)

    def __contains__(self, key: str) -> bool:
        """True when the key exists."""
        return key in self._messages
