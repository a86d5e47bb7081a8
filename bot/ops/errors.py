"""Errors an official can act on, named by kind: str() stays the one English line for logs, the command line and the
JSON API, while `kind` and `params` let the console word it in Vietnamese (bot/data/console.json "error_<kind>")."""
from __future__ import annotations

from typing import Any


class Explained(Exception):
    """A mixin for service errors: `kind` names the error for wording files, `params` fill that wording in."""

    def __init__(self, message: str = "", kind: str = "", **params: Any) -> None:
        super().__init__(message)
        self.kind = kind
        self.params = {k: v if isinstance(v, (int, float)) else str(v) for k, v in params.items()}


def kind_of(exc: BaseException) -> tuple[str, dict[str, Any]]:
    """The kind and params of an error, or of the first error it was raised from that has one; ("", {}) when none
    does (an unforeseen failure)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = getattr(current, "kind", "")
        if isinstance(kind, str) and kind:
            params = getattr(current, "params", {})
            return kind, dict(params) if isinstance(params, dict) else {}
        current = current.__cause__ or current.__context__
    return "", {}


def described(exc: BaseException) -> dict[str, Any]:
    """What a job keeps of its failure for the console: the English line (capped), its kind and params."""
    kind, params = kind_of(exc)
    return {"error": str(exc)[:500] or type(exc).__name__, "error_kind": kind, "error_params": params}
