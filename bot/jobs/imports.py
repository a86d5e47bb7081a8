"""The law import jobs: an upload's preview (bot.officials.law_uploads.preview) and its import
(bot.officials.imports.run), each on the worker that takes it, on any host."""
from __future__ import annotations

from typing import Any

from bot.officials import imports, law_uploads


def run_import(import_id: str, *, services: Any) -> str:
    """Import one upload queued by bot.officials.imports.submit; its final state ("done" or "failed")."""
    return str(imports.run(services.settings, services.store, import_id)["state"])


def run_preview(upload_id: str, *, services: Any) -> str:
    """Preview one upload staged by bot.officials.law_uploads.stage; its final state ("ready" or "failed")."""
    return str(law_uploads.preview(services.settings, services.store, upload_id)["state"])
