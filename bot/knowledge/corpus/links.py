"""Cross-references between articles: Pháp điển anchors resolved to article keys; natural article order."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable

from bot.knowledge.corpus.model import Document

_NUMBER = re.compile(r"^(\d+)(.*)$")


def article_order(article: object) -> tuple[int, str]:
    """Sort key for article numbers: 2 < 10 < 217 < 217a; non-numeric ones keep their text order after."""
    m = _NUMBER.match(getattr(article, "number", ""))
    return (int(m.group(1)), m.group(2)) if m else (10**9, getattr(article, "number", ""))


def resolve_related(documents: Iterable[Document]) -> list[Document]:
    """Set each article's `related` from its Pháp điển refs, for refs whose anchor is among these documents."""
    docs = list(documents)
    by_anchor = {a.anchor: a.key for d in docs for a in d.articles if a.anchor}
    out: list[Document] = []
    for d in docs:
        if not any(a.refs for a in d.articles):
            out.append(d)
            continue
        articles = []
        for a in d.articles:
            if a.refs:
                keys = [by_anchor[r] for r in a.refs if r in by_anchor and by_anchor[r] != a.key]
                a = replace(a, related=tuple(dict.fromkeys(keys)))
            articles.append(a)
        out.append(d.with_articles(tuple(articles)))
    return out
