"""How often each article is cited by others (its "Điều N" mentions and Pháp điển cross-references)."""
from __future__ import annotations

import re
from typing import Iterable

from bot.knowledge.corpus.model import Article

_MENTION = re.compile(r"[Đđ]iều\s+((?:\d+[a-zđ]?(?:\s*,\s*|\s+và\s+)?)+)")
_NUMBER = re.compile(r"\d+[a-zđ]?")
_DOC_AFTER = re.compile(r"\s*(?:của\s+)?(?:[Bb]ộ luật|[Ll]uật|[Nn]ghị định|[Tt]hông tư|[Pp]háp lệnh)[^.;\n]{0,80}?"
                        r"(?:số\s+)?(\d+/\d{4}/[\w\-]+)")


def cited_keys(a: Article) -> set[str]:
    """Keys an article refers to: "Điều 8 của Luật này" → same document; "Điều 5 Luật … số X" → X."""
    out = set(a.related)
    for m in _MENTION.finditer(a.text):
        doc = a.doc
        after = _DOC_AFTER.match(a.text, m.end())
        if after:
            doc = after.group(1).upper()
        out.update(f"{doc}:{n}" for n in _NUMBER.findall(m.group(1)))
    out.discard(a.key)
    return out


def citation_counts(articles: Iterable[Article]) -> dict[str, int]:
    """Number of distinct articles citing each key."""
    counts: dict[str, int] = {}
    for a in articles:
        for k in cited_keys(a):
            counts[k] = counts.get(k, 0) + 1
    return counts
