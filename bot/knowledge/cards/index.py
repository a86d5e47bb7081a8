"""The cards a process serves from: one corpus version's deck, its matcher, and which cards wait for review."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from bot.knowledge.cards.checks import review_reasons
from bot.knowledge.cards.matcher import CardMatcher, Match
from bot.knowledge.cards.model import Card, CardDeck, load_deck
from bot.knowledge.search.priors import Priors


@dataclass(frozen=True)
class CardIndex:
    """A deck with its matcher (built in memory at load) and the review reasons of flagged cards."""

    deck: CardDeck = field(default_factory=CardDeck)
    matcher: CardMatcher | None = None
    flagged: dict[str, tuple[str, ...]] = field(default_factory=dict)  # card id → why it waits for review

    @classmethod
    def build(cls, deck: CardDeck, corpus: Any) -> "CardIndex":
        """Match the deck's active cards and taught examples; flag cards whose articles changed or failed checks."""
        flagged = {c.id: tuple(r) for c in deck.active() if (r := review_reasons(c, corpus))}
        has_any = bool(deck.active() or deck.examples)
        return cls(deck, CardMatcher.for_deck(deck, scope=scope_articles(deck, corpus)) if has_any else None, flagged)

    @classmethod
    def load(cls, version_dir: Path | None, corpus: Any) -> "CardIndex":
        """The cards stored with a corpus version (none: an empty index)."""
        return cls.build(load_deck(version_dir), corpus)

    def __len__(self) -> int:
        """Number of cards in use."""
        return len(self.deck.active())

    def card(self, card_id: str) -> Card | None:
        """A card in use by id (None when unknown or retired)."""
        card = self.deck.get(card_id)
        return card if card is not None and not card.retired else None

    def needs_review(self, card_id: str) -> bool:
        """True while a card waits for an official (its text is not shown to users)."""
        return card_id in self.flagged

    def match(self, text: str, hits: Sequence[str] = ()) -> Match | None:
        """The best card or taught article for a question (hits: the article search's keys, best first)."""
        return self.matcher.match(text, hits) if self.matcher is not None else None

    @property
    def vote_cap(self) -> float:
        """The article score the votes are a share of at most (MatchParams.vote_cap; 0: none)."""
        return self.matcher.params.vote_cap if self.matcher is not None else 0.0

    def votes(self, text: str) -> dict[str, float]:
        """Per article key, how much the cards and taught questions a question resembles vote for it (as a share
        of the best article's score; empty without cards)."""
        return self.matcher.votes(text) if self.matcher is not None else {}


def scope_articles(deck: CardDeck, corpus: Any) -> dict[str, str]:
    """The titles of the deck's articles that state a scope, subjects or definitions (priors.tsv not_general)."""
    priors = Priors.load()
    keys = {k for c in deck.active() for k in c.article_keys} | {e.article for e in deck.examples if e.article}
    titles = {k: a.title for k in keys if (a := corpus.article(k)) is not None}
    return {k: t for k, t in sorted(titles.items()) if priors.holds(t, priors.not_general)}
