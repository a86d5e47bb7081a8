"""What the bot answers a question with: the ranked hits and whether they really answer it ("I don't know"
otherwise), led by an answer card's articles when a card (or a question officials taught) matches confidently.
One decision for the dialogue and for `python -m bot search --json` (its "answered" and "card" fields)."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

from bot.conversation.answers import Word, content_query, coverage
from bot.conversation.intents import Intents
from bot.conversation.scope import Scope, main_question
from bot.knowledge.search.analysis import is_folded_query, runs
from bot.knowledge.search.hits import Hit
from bot.knowledge.search.text import fold, has_diacritics
from bot.ops.datafiles import DATA_DIR

SEARCH_TOP = 10
CONTEXT_MAX_WORDS = 12  # a longer question asked soon after another stands on its own
CONTEXT_GAIN = 0.7  # …or whose best article scores this share of what it scores read with the one before
FUSE_K = 3  # rank fusion: an article ranked r in a list scores 1 / (FUSE_K + r)
# a message declined alone is read with the one before only when every word it names is in an article both find
CONTEXT_COVERAGE = 1.0
MAX_QUERY_CHARS = 500
MIXED_FROM = 2  # words left bare that make a message typed with diacritics read as typed without them
# asked once of each new library before it serves: it holds question cues (priors.tsv), so the titles are read then
WARM_UP = "bao nhiêu tuổi thì được kết hôn, nghỉ thai sản là gì"
SEARCHED = frozenset({"question", "followup", "citation"})  # what the dialogue answers with articles
IDK_FILE = DATA_DIR / "idk.json"


@dataclass(frozen=True)
class Answer:
    """The outcome for one question: the query searched, hits best first, and whether they answer it."""

    query: str
    hits: list[Any] = field(default_factory=list)
    answered: bool = False
    card: Any = None  # the answer card whose short answer leads the reply (None: articles only)
    placed: int = 0  # how many of the first hits a card or a taught question put there
    match: Any = None  # the card matcher's verdict (bot.knowledge.cards.matcher.Match), confident or not
    subject: str = ""  # declined: the slug of the subject the library lacks (bot/data/missing_subjects.tsv), if known
    subject_name: str = ""  # and its name for users ("đất đai")
    subject_legal: bool = True  # False: the subject is not law at all ("thời tiết"), bot/data/everyday_topics.tsv

    @property
    def keys(self) -> list[str]:
        """The hits' article keys (DOC:ARTICLE), best first."""
        return [f"{h.doc}:{h.article}" for h in self.hits]


class Answerer:
    """Searches the library for a question and decides whether the best hits answer it (data/idk.json)."""

    def __init__(self, intents: Intents | None = None, top: int = 3, min_score: float | None = None,
                 min_coverage: float | None = None, on_search: Callable[[float], None] | None = None,
                 scope: Scope | None = None) -> None:
        """Thresholds default to data/idk.json: min_score (best BM25 score), min_coverage (share of the question's
        content words in a top article); `top` articles are read for coverage; on_search gets each search's seconds."""
        self.intents = intents or Intents.load()
        self.top = top
        self.on_search = on_search
        idk = json.loads(IDK_FILE.read_text(encoding="utf-8"))
        self.min_coverage = float(idk["min_coverage"] if min_coverage is None else min_coverage)
        # the file's score thresholds are on bot.knowledge.search's BM25 scale; a caller's own min_score holds for any index
        self.scores_anywhere = min_score is not None
        self.min_score = float(idk["min_score"] if min_score is None else min_score)
        # a best score below confident_score needs more of the question's words in the article
        self.confident_score = self.min_score if min_score is not None else max(
            float(idk.get("confident_score", 0.0)), self.min_score)
        self.weak_coverage = max(float(idk.get("weak_coverage", 0.0)), self.min_coverage)
        self.scope = scope or Scope()  # does the library hold the law on this at all (bot/conversation/scope.py)

    def warm(self, library: Any) -> None:
        """Compute now, once per library, what its first questions would otherwise wait for (its word lists)."""
        self.scope.warm(library)
        self._answer(library, WARM_UP, SEARCH_TOP, None)  # the index's and the cards' tables

    def prepare(self, text: str) -> str:
        """The query searched for a message: its polite frame dropped ("chị ơi cho em hỏi … ạ"), abbreviations
        spelled out, cut to MAX_QUERY_CHARS."""
        return self.intents.spell_out(self.intents.unframed(text))[:MAX_QUERY_CHARS]

    @staticmethod
    def searched(library: Any, query: str) -> str:
        """The query as searched: without diacritics throughout when she typed them on some words but left them
        out of words the library nearly always writes with marks ("chồng em bi danh": read as typed, "bi danh"
        matches nothing); a message typed without diacritics is read as such everywhere (index, cards, scope)."""
        words = [w for run in runs(query) for w in run]
        if is_folded_query(words):
            return query
        # two such words, not one: "sữa chua", "khăn len" are written so and are rare in the laws
        bare = sum(1 for w in set(words) if w.isalpha() and not has_diacritics(w) and library.index.left_bare(w))
        return fold(query) if bare >= MIXED_FROM else query

    def answer(self, library: Any, text: str, top: int = SEARCH_TOP) -> Answer:
        """Search the library for a message (spelled out first) and decide whether the hits answer it."""
        return self._answer(library, text, top, self.on_search)

    def _answer(self, library: Any, text: str, top: int, on_search: Callable[[float], None] | None) -> Answer:
        """answer(), reporting the search's seconds to on_search (None: a warm-up, not a search she made)."""
        query = self.searched(library, self.prepare(text))
        if not query:
            return Answer(query)
        started = time.perf_counter()
        plain, hits = self.ranked(library, query, top)
        cards = getattr(library, "cards", None)
        match = cards.match(query, [h.key for h in plain]) if cards is not None else None
        if on_search is not None:
            on_search(time.perf_counter() - started)
        # the question she asks first, for the decision
        first = main_question(text)
        main = query if first == text else self.searched(library, self.prepare(first))
        if match is not None and match.confident:
            placed = self.placed(library, query, match, hits, top)
            missing = self.scope.missing(library, main) if placed is not None else None
            if missing is not None and missing[1]:  # a card shares her words, but she asks about a law not here
                return Answer(query, hits, False, match=match, subject=missing[0].slug, subject_name=missing[0].name,
                              subject_legal=missing[0].legal)
            if placed is not None:
                return placed
        # whether the library answers at all is judged on the articles' own scores (the thresholds' scale)
        words = content_query(self.intents, query)  # read once: the confidence and the scope both weigh it
        verdict = self.scope.judge(library, main, words, plain, self.confident(library, plain, query, words),
                                   self.scored(library, plain), query)
        return Answer(query, hits, verdict.answered, match=match, subject=verdict.subject,
                      subject_name=verdict.subject_name, subject_legal=verdict.legal)

    def in_context(self, library: Any, base: str, text: str, top: int = SEARCH_TOP) -> tuple[Answer, bool]:
        """A question asked soon after another (base), and whether base was read with it: not when it stands alone
        (an answer card fits it, base adds nothing to the best article's score, or it is long) nor when declined
        alone for a subject or for words the articles of both do not hold; else the articles of it alone and of
        both together, fused by rank ("vậy có vi phạm luật ko", "nộp hồ sơ gồm những gì")."""
        alone = self.answer(library, text, top)
        if alone.card is not None or alone.subject or len(alone.query.split()) > CONTEXT_MAX_WORDS:
            return alone, False
        both = self.answer(library, f"{base} {text}", top)
        if not alone.answered:
            # declined alone: the question before lends it an answer only when the articles both find hold all
            # its words ("vậy có bị phạt ko"), never to what is not about them ("giá vàng hôm nay", "bạn khỏe không")
            words = content_query(self.intents, alone.query)
            if not both.answered or not words or self.coverage(library, both.hits, words) < CONTEXT_COVERAGE:
                return alone, False
        elif not both.hits or (alone.hits and alone.hits[0].score >= CONTEXT_GAIN * both.hits[0].score):
            return alone, False
        # declined alone, her words ranked nothing worth fusing ("xin lệnh đó ở đâu": "Thi hành mệnh lệnh ...")
        ranked = fused([alone.hits, both.hits]) if alone.answered else both.hits
        return Answer(both.query, ranked[:top], True), True

    def refined(self, library: Any, base: str, text: str, top: int = SEARCH_TOP) -> tuple[Answer, bool]:
        """A follow-up searched with the question it refines ("con e mới 2 tuổi"), and whether it was: her own words
        alone when only they find an answer ("thế còn bhyt cho bé thì sao" after a question on paternity leave)."""
        both = self.answer(library, f"{base} {text}", top)
        if both.answered:
            return both, True
        alone = self.answer(library, text, top)
        return (alone, False) if alone.answered else (both, True)

    def answer_message(self, library: Any, text: str, top: int = SEARCH_TOP) -> Answer:
        """answer(), as the dialogue decides for a message on its own: small talk, thanks, paging or talk about the
        answers ("xin chào", "xem toàn văn") are never answered with articles, whatever they share with a title."""
        found = self.answer(library, text, top)
        if found.answered and self.intents.classify(text).name not in SEARCHED:
            return replace(found, answered=False)
        return found

    @staticmethod
    def ranked(library: Any, query: str, top: int) -> tuple[list[Any], list[Any]]:
        """The articles by their own text, and as served: with the votes of the cards and taught questions the
        question resembles (the same list when there are none)."""
        cards = getattr(library, "cards", None)
        votes = cards.votes(query) if cards is not None else {}
        if not votes:
            hits = library.index.search(query, top=top)
            return hits, hits
        return library.index.search_with_votes(query, top, votes, cards.vote_cap)

    def placed(self, library: Any, query: str, match: Any, hits: list[Any], top: int) -> Answer | None:
        """The answer led by a confidently matched card's articles (or a taught article); None when none of them
        is in the corpus any more. A card waiting for review lends its articles but not its text."""
        card = library.cards.card(match.card_id) if match.card_id else None
        keys = card.article_keys if card is not None else (match.article,) if match.article else ()
        # of the card's articles, the one her words and the votes rank highest comes first (card order after)
        place = {h.key: i for i, h in enumerate(hits)}
        keys = sorted(keys, key=lambda k: place.get(k, len(hits)))
        best = max([h.score for h in hits] + [match.score])
        lead = []
        for key in keys:
            article = library.corpus.article(key)
            if article is not None and not article.repealed:
                lead.append(Hit(article.doc, article.number, article.title, best))
        if not lead:
            return None
        led = {h.key for h in lead}
        ranked = (lead + [h for h in hits if h.key not in led])[:max(top, len(lead))]
        shown = card if card is not None and not library.cards.needs_review(card.id) else None
        return Answer(query, ranked, True, shown, len(lead), match)

    def scored(self, library: Any, hits: list[Any]) -> bool:
        """The best hit's score reaches min_score (any hit for indexes whose scores are not on the calibrated scale)."""
        calibrated = self.scores_anywhere or library.index.calibrated_scores
        return bool(hits) and (not calibrated or hits[0].score >= self.min_score)

    def confident(self, library: Any, hits: list[Any], query: str, words: Sequence[Word] | None = None) -> bool:
        """A good enough best hit: score above min_score and the question's words (words: content_query() of it, when
        already read) found in a top article (more of them when the score is not clearly high: short off-topic
        messages match a word or two)."""
        # score thresholds hold for the BM25 scale they were calibrated on, not for stand-in indexes
        calibrated = self.scores_anywhere or library.index.calibrated_scores
        if not hits or (calibrated and hits[0].score < self.min_score):
            return False
        words = content_query(self.intents, query) if words is None else words
        best = self.coverage(library, hits, words)
        if calibrated and hits[0].score < self.confident_score:
            return best >= self.weak_coverage
        return best >= self.min_coverage

    def coverage(self, library: Any, hits: list[Any], words: Sequence[Word]) -> float:
        """The largest share of the words that one of the top hits' articles holds."""
        best = 0.0
        for hit in hits[:self.top]:
            article = library.corpus.article(f"{hit.doc}:{hit.article}")
            if article is not None:
                best = max(best, coverage(words, article))
        return best


def fused(rankings: Sequence[Sequence[Hit]]) -> list[Hit]:
    """Hits of several rankings, best first by reciprocal rank fusion (each hit as first found)."""
    score: dict[str, float] = {}
    first: dict[str, Hit] = {}
    for hits in rankings:
        for rank, hit in enumerate(hits):
            score[hit.key] = score.get(hit.key, 0.0) + 1.0 / (FUSE_K + rank + 1)
            first.setdefault(hit.key, hit)
    return [first[k] for k in sorted(score, key=lambda k: -score[k])]
