"""The law library a process serves from: one corpus version, its search index and its answer cards."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.cards.checks import card_topics
from bot.knowledge.cards.index import CardIndex
from bot.knowledge.corpus.store import Corpus, CorpusStore
from bot.knowledge.coverage import Coverage, of_version
from bot.knowledge.search.index import SearchIndex


@dataclass(frozen=True)
class Library:
    """A corpus, the index built for it and its answer cards, of the same version ("" when nothing is imported)."""

    corpus: Corpus
    index: SearchIndex
    version: str
    cards: CardIndex = field(default_factory=CardIndex)
    coverage: Coverage = field(default_factory=Coverage)  # the subjects it covers (coverage.json of the version)


def load_library(settings: Any) -> Library:
    """The current corpus and its index (an empty library when nothing is imported)."""
    store = CorpusStore(settings.laws_dir)
    version = store.current_version() or ""
    corpus = store.load(version) if version else Corpus([], "")
    index_dir = store.index_dir(version) if version else None
    if index_dir is not None and index_dir.is_dir() and any(index_dir.iterdir()):
        index = SearchIndex.load(index_dir)
    else:  # nothing imported (or an index lost): build in memory rather than fail
        index = SearchIndex.build(corpus.articles(), corpus.documents)
    cards = CardIndex.load(store.version_dir(version) if version else None, corpus)
    coverage = of_version(store.version_dir(version) if version else None, corpus.documents.values(), version)
    names = card_topics()
    coverage = coverage.with_cards((c.topic, names.get(c.topic, c.topic)) for c in cards.deck.active())
    return Library(corpus, index, version, cards, coverage)
