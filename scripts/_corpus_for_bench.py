"""Articles for the search scripts: the shared Pháp điển corpus, and larger synthetic corpora made of its real clauses."""
from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.corpus.model import Article, Document  # noqa: E402
from bot.knowledge.search.passages import passages  # noqa: E402

PHAPDIEN = ROOT.parent / "shared" / "laws" / "phapdien"


def phapdien_documents(folder: Path = PHAPDIEN) -> dict[str, Document]:
    """Documents of the Pháp điển đề mục pages, via the project's importer (bot.knowledge.corpus.readers.phapdien)."""
    from bot.knowledge.corpus.readers.phapdien import assemble, decode

    files = sorted(Path(folder).rglob("*.html"))
    result = assemble((f.name, decode(f.read_bytes(), f.name)) for f in files)
    return {d.number: d for d in result.documents}


def articles_of(documents: dict[str, Document]) -> list[Article]:
    """All articles, in document order."""
    return [a for d in documents.values() for a in d.articles]


def synthetic(documents: dict[str, Document], n: int, seed: int = 7) -> tuple[list[Article], dict[str, Document]]:
    """n articles recombined from real titles and clauses (2–6 clauses each), spread over n/150 documents."""
    rng = random.Random(seed)
    real = articles_of(documents)
    clauses = [c for a in real for c in passages(a.text)]
    titles = [a.title for a in real]
    ndocs = max(1, n // 150)
    base = list(documents.values())
    docs_meta = {f"{i + 1}/2099/QH99": base[i % len(base)] for i in range(ndocs)}
    arts = []
    for i in range(n):
        number = list(docs_meta)[i % ndocs]
        body = "\n".join(rng.sample(clauses, rng.randint(2, 6)))
        arts.append(Article(number, str(i // ndocs + 1), rng.choice(titles), body))
    docs = {num: Document(num, type=d.type, title=d.title, status=d.status) for num, d in docs_meta.items()}
    return arts, docs


def describe(articles: list[Any]) -> str:
    """Size summary."""
    return f"{len(articles)} articles, {sum(len(a.text) for a in articles) / 1e6:.1f} M characters"
