"""The law import job: runs bot.officials.imports.run on the worker that takes it, on any host."""
from __future__ import annotations

from typing import Any

from bot.officials import imports


def run_import(import_id: str, *, services: Any) -> str:
    """Import one upload queued by bot.officials.imports.submit; its final state ("done" or "failed")."""
    return str(imports.run(services.settings, services.store, import_id)["state"])
