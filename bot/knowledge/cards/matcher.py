"""Question-to-question matching: BM25 over the cards' example questions and titles and the taught examples, with
the same Vietnamese analysis as articles (syllables and pairs, accent-folded forms, teencode, everyday words)."""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Iterable, Mapping, Sequence

import numpy as np

from bot.knowledge.cards.model import Card, CardDeck
from bot.knowledge.search.analysis import Params, is_folded_query, query_features, runs, text_features
from bot.knowledge.search.bm25 import ShortTexts
from bot.knowledge.search.lexicon import Lexicon
from bot.knowledge.search.priors import Priors, padded_words
from bot.knowledge.search.text import fold_word
from bot.ops.datafiles import DATA_DIR

PARAMS_FILE = DATA_DIR / "cards" / "match.json"
AGREE_DEPTH = 10  # article hits read for agreement


@dataclass(frozen=True)
class MatchParams:
    """How a question is matched and when the best match is trusted (calibrated values: bot/data/cards/match.json,
    written by scripts/calibrate_cards.py)."""

    k1: float = 1.2
    b: float = 0.75
    expansion: float = 0.4  # weight of everyday-word expansions (synonyms.tsv), both sides
    folded_weight: float = 0.5  # a question typed with diacritics also matches folded forms, at this weight
    agreement: float = 0.3  # × 1/rank of the target's best article among the article search's hits
    min_score: float = 0.8  # combined score of the best target
    min_margin: float = 0.15  # over the next target
    exact: float = 0.9  # one example this similar is trusted by itself (a taught question asked again)
    # votes for the article ranking, confident or not: a target's similarity × votes × vote_decay ** (place of the
    # article in the target's list) is added, as a share of the best article's score, to the target's articles
    votes: float = 0.5
    # the votes are a share of the best article's score, or of this score when it is lower (0: no cap)
    vote_cap: float = 0.0
    vote_targets: float = 3  # the most similar targets that vote
    vote_spread: float = 0.1  # a target less similar than the best by d votes × exp(-d / vote_spread) as much
    vote_decay: float = 0.6
    vote_sum: float = 1.0  # an article several of those targets vote for gets the best vote + this × the others
    # × the vote for a scope, subjects or definitions article (priors.tsv not_general), unless a cue of her question
    # asks for it ("… là gì?"): a card lists it for context, and it holds every term of its law
    scope_vote: float = 0.7

    @classmethod
    def load(cls) -> "MatchParams":
        """The values of bot/data/cards/match.json (defaults for those it does not give)."""
        if not PARAMS_FILE.is_file():
            return cls()
        data = json.loads(PARAMS_FILE.read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        return cls(**{k: float(v) for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Match:
    """The best target for a question: a card ("card:<id>") or a taught article ("article:<DOC:ARTICLE>")."""

    target: str
    score: float  # similarity to the target's examples taken together, plus the articles' agreement
    margin: float  # over the next target
    example: float  # similarity to its single closest example
    confident: bool

    @property
    def card_id(self) -> str:
        """The card's id ("" for an article)."""
        return self.target[5:] if self.target.startswith("card:") else ""

    @property
    def article(self) -> str:
        """The taught article's key ("" for a card)."""
        return self.target[8:] if self.target.startswith("article:") else ""


class CardMatcher:
    """Targets (cards, taught articles) with their example texts; a question goes to the target whose examples,
    taken together, it resembles most, helped by the article search agreeing with the target's articles."""

    def __init__(self, examples: Sequence[tuple[str, str]], articles: dict[str, Sequence[str]] | None = None,
                 params: MatchParams | None = None, lexicon: Lexicon | None = None,
                 scope: Mapping[str, str] | None = None, vote_only: Iterable[str] = ()) -> None:
        """examples: (target, text) pairs; articles: target → the article keys it answers with; scope: the titles of
        those articles that state a scope or definitions (their votes weigh MatchParams.scope_vote); vote_only:
        targets that vote for their articles but are never matched (the starter article questions). Built in memory
        (a few thousand short texts take a fraction of a second)."""
        self.params = params or MatchParams.load()
        self.scope = dict(scope or {})
        self.priors = Priors.load() if self.scope else Priors()
        self._scope_read = {k: padded_words(t) for k, t in self.scope.items()}  # read once, asked for every vote
        self.lexicon = lexicon if lexicon is not None else Lexicon.load()
        self.bm25 = Params(k1=self.params.k1, b=self.params.b)
        examples = [(t, x) for t, x in examples if x.strip()]
        self.texts = [x for _, x in examples]
        self.targets = sorted({t for t, _ in examples})
        position = {t: i for i, t in enumerate(self.targets)}
        self.owner = np.asarray([position[t] for t, _ in examples], dtype=np.int64)
        voting = set(vote_only)
        self.vote_only = np.asarray([t in voting for t in self.targets], dtype=bool)
        counts = [self._doc_counts(x) for x in self.texts]
        joined: list[dict[str, float]] = [{} for _ in self.targets]
        for i, c in zip(self.owner, counts):
            for k, v in c.items():
                joined[i][k] = joined[i].get(k, 0.0) + v
        # the closest single example is read only for targets a question can be matched to (not those that only
        # vote): their examples are left out of that scoring, with the idf of all examples (scores unchanged)
        matchable = ~self.vote_only[self.owner] if len(self.owner) else np.zeros(0, dtype=bool)
        self.each = ShortTexts(counts, self.bm25).only(matchable) if counts else None
        self.each_owner = self.owner[matchable]
        self.each_text = np.flatnonzero(matchable)  # each scored example's place in self.texts
        self.whole = ShortTexts(joined, self.bm25) if counts else None
        self.by_article: dict[str, list[int]] = {}
        self.keys_of: list[tuple[str, ...]] = [() for _ in self.targets]  # each target's articles, in its order
        for target, keys in (articles or {}).items():
            if target in position:
                self.keys_of[position[target]] = tuple(dict.fromkeys(keys))
                for key in dict.fromkeys(keys):
                    self.by_article.setdefault(key, []).append(position[target])
        self._last: tuple[str, dict[str, float], np.ndarray] | None = None

    @classmethod
    def for_deck(cls, deck: CardDeck, cards: Iterable[Card] | None = None, params: MatchParams | None = None,
                 lexicon: Lexicon | None = None, scope: Mapping[str, str] | None = None) -> "CardMatcher":
        """A matcher over the deck's cards (title and example questions; default: those not retired) and its taught
        examples (those of a card matched here, and those of articles; articles only in questions files vote but
        are never matched); scope: as in __init__."""
        chosen = list(deck.active() if cards is None else cards)
        ids = {c.id for c in chosen}
        examples = [(f"card:{c.id}", text) for c in chosen for text in (c.title, *c.questions)]
        examples += [(e.target, e.text) for e in deck.examples if e.article or e.card in ids]
        articles: dict[str, Sequence[str]] = {f"card:{c.id}": c.article_keys for c in chosen}
        articles.update({e.target: (e.article,) for e in deck.examples if e.article})
        # an article known only from the questions files votes; one an official taught also matches (and leads)
        starter = {e.target for e in deck.examples if e.article and e.source}
        taught = {e.target for e in deck.examples if e.article and not e.source}
        return cls(examples, articles, params, lexicon, scope, starter - taught)

    def __len__(self) -> int:
        """Number of targets."""
        return len(self.targets)

    # --- analysis --------------------------------------------------------------------------------------
    def _words(self, text: str) -> tuple[list[str], bool]:
        """The text's words with teencode spelled out, and whether it was typed without diacritics."""
        words = [w for run in runs(text) for w in run]
        return self.lexicon.expand_teencode(words), is_folded_query(words)

    def _doc_counts(self, text: str) -> dict[str, float]:
        """An example's features (accented and folded families) and its everyday-word expansions, weighted lower."""
        words, folded = self._words(text)
        counts: dict[str, float] = {k: float(v) for k, v in text_features(" ".join(words), self.bm25).items()}
        if self.params.expansion:
            for extra in self.lexicon.expansions(words, folded):
                for k, v in text_features(extra, self.bm25).items():
                    counts[k] = counts.get(k, 0.0) + v * self.params.expansion
        return counts

    def query_terms(self, text: str) -> dict[str, float]:
        """Weighted features of a question: as typed (and folded, lower, when typed with diacritics), expansions."""
        words, folded = self._words(text)
        joined = " ".join(words)
        terms = query_features(joined, self.bm25, folded, 1.0, self.lexicon.stop_forms(folded))
        if not folded and self.params.folded_weight:
            for k, v in query_features(joined, self.bm25, True, self.params.folded_weight,
                                       self.lexicon.stop_forms(True)).items():
                terms[k] = max(terms.get(k, 0.0), v)
        if self.params.expansion:
            for extra in self.lexicon.expansions(words, folded):
                for k, v in query_features(extra, self.bm25, folded, self.params.expansion).items():
                    terms[k] = max(terms.get(k, 0.0), v)
        return terms

    # --- matching --------------------------------------------------------------------------------------
    def agreement(self, hits: Sequence[str]) -> np.ndarray:
        """Per target, 1/rank of its best article among the article search's hits (0 when none is there)."""
        agree = np.zeros(len(self.targets), dtype=np.float32)
        for rank, key in enumerate(hits[:AGREE_DEPTH]):
            for t in self.by_article.get(key, ()):
                agree[t] = max(agree[t], 1.0 / (rank + 1))
        return agree

    def similar(self, text: str) -> tuple[dict[str, float], np.ndarray]:
        """A question's features and, per target, its similarity to the target's examples taken together (the
        last question's are kept: votes and the match read them for the same message)."""
        last = self._last
        if last is not None and last[0] == text:
            return last[1], last[2]
        terms = self.query_terms(text)
        sims = self.whole.similarities(terms) if self.whole is not None else np.zeros(len(self.targets))
        self._last = (text, terms, sims)
        return terms, sims

    def votes(self, text: str) -> dict[str, float]:
        """Per article key, the votes of the targets her message resembles most (MatchParams.votes and after),
        for the article ranking whether or not a target matches confidently."""
        p = self.params
        if self.whole is None or not text.strip() or not p.votes:
            return {}
        _, sims = self.similar(text)
        order = np.argsort(-sims, kind="stable")[:max(int(p.vote_targets), 1)]
        best = float(sims[order[0]]) if len(order) else 0.0
        out: dict[str, float] = {}
        for t in order:
            s = float(sims[t])
            if s <= 0:
                break
            weight = p.votes * (best * float(np.exp((s - best) / p.vote_spread)) if p.vote_spread else s)
            for place, key in enumerate(self.keys_of[t]):
                v, had = weight * p.vote_decay ** place, out.get(key, 0.0)
                out[key] = max(had, v) + p.vote_sum * min(had, v)
        return self._scope_lowered(text, out) if self.scope and p.scope_vote != 1.0 else out

    def _scope_lowered(self, text: str, votes: dict[str, float]) -> dict[str, float]:
        """The votes with those for scope and definitions articles × scope_vote, unless her question holds a cue
        that asks for the article (priors.tsv: "… là gì?" asks for the definitions)."""
        cues = [c for c in self.priors.cues_in(text) if c.boost > 0 and c.field == "title"]
        for key in votes.keys() & self.scope.keys():
            if not any(self.priors.holds_read(self._scope_read[key], c.title) for c in cues):
                votes[key] *= self.params.scope_vote
        return votes

    def scores(self, text: str, hits: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray]:
        """Per target: the combined score, and the similarity of its closest single example."""
        if self.whole is None or self.each is None or not text.strip():
            return np.zeros(len(self.targets)), np.zeros(len(self.targets))
        terms, sims = self.similar(text)
        combined = sims + self.params.agreement * self.agreement(hits)
        closest = np.zeros(len(self.targets), dtype=np.float32)
        np.maximum.at(closest, self.each_owner, self._held(text, self.each.similarities(terms)))
        return combined, closest

    def _held(self, text: str, each: np.ndarray) -> np.ndarray:
        """The examples' similarities, those close enough to be trusted alone (MatchParams.exact) × the share of the
        example's words her message holds: the similarity only asks whether the example holds her words, so "gia
        đình là gì" is as close to "thời hiệu xử phạt bạo lực gia đình là mấy năm?" as to itself."""
        high = np.flatnonzero(each >= self.params.exact)
        if not len(high):
            return each
        mine = {fold_word(w) for w in self._words(text)[0]}
        each = each.copy()
        for i in high:
            theirs = [fold_word(w) for w in self._words(self.texts[self.each_text[i]])[0]]
            each[i] *= sum(w in mine for w in theirs) / len(theirs) if theirs else 0.0
        return each

    def match(self, text: str, hits: Sequence[str] = ()) -> Match | None:
        """The best target for a question (hits: the article search's keys, best first); None when nothing fits."""
        combined, closest = self.scores(text, hits)
        if not len(combined) or combined.max() <= 0:
            return None
        p = self.params
        # targets that only vote (starter article questions) are no candidates: cards and taught questions compete
        eligible = np.where(self.vote_only, -np.inf, combined)
        nearest = int(np.argmax(np.where(self.vote_only, -np.inf, closest)))
        # a question as close as this to one example (a taught question asked again) goes to that example's target
        exact = bool(closest[nearest] >= p.exact) and not self.vote_only[nearest]
        best = nearest if exact else int(np.argmax(eligible))
        others = np.delete(eligible, best)
        rival = float(others.max()) if len(others) and np.isfinite(others.max()) else 0.0
        margin = float(combined[best] - rival)
        confident = exact or bool(eligible[best] >= p.min_score and margin >= p.min_margin)
        return Match(self.targets[best], round(float(combined[best]), 4), round(margin, 4),
                     round(float(closest[best]), 4), confident)

    def ranked(self, text: str, hits: Sequence[str] = ()) -> list[tuple[str, float]]:
        """Every target with a positive score, best first (for calibration and officials' previews)."""
        combined, _ = self.scores(text, hits)
        order = np.argsort(-combined, kind="stable")
        return [(self.targets[i], round(float(combined[i]), 4)) for i in order if combined[i] > 0]
