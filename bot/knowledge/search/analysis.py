"""Turn article text and queries into weighted BM25 features (syllables, syllable pairs, pyvi words, folded forms)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from bot.knowledge.corpus.model import Article, Document
from bot.knowledge.search.lexicon import Lexicon
from bot.knowledge.search.passages import passages
from bot.knowledge.search.text import fold_word, has_diacritics, is_token, units

# feature families: accented ("a" syllable, "b" pair, "w" pyvi word) and folded ("f", "g", "v")
ACCENTED = ("a", "b", "w")
FOLDED = ("f", "g", "v")


@dataclass(frozen=True)
class Params:
    """Ranking knobs, stored with the index so a saved index always ranks the same way."""

    k1: float = 1.2
    b: float = 0.75
    title_repeat: int = 3
    name_repeat: int = 1
    weight_syllable: float = 1.0
    weight_pair: float = 1.0
    weight_word: float = 0.0  # pyvi compounds: 0 = not indexed (pairs already cover them)
    weight_expansion: float = 0.4
    weight_stop: float = 0.1
    related_boost: float = 0.0
    max_df: float = 0.3  # query terms found in more than this share of articles are skipped
    passage_weight: float = 0.3  # weight of the best clause's own BM25 score
    citation_prior: float = 0.1  # score × (1 + prior·ln(1 + articles citing it))
    secondary_factor: float = 0.6  # scores of decrees, circulars, plans… relative to laws and codes
    general_prior: float = 0.15  # × (1 + this): general provisions of the laws the best hits come from
    general_from: int = 3  # how many best hits name those laws
    title_mismatch: float = 0.15  # × (1 - this): an article whose title shares no word with the question or its
    # everyday-word expansions (foster care conditions for a woman asking about her husband's violence)


def _pieces(text: str) -> list[tuple[list[str], bool]]:
    """Lower-cased token runs between punctuation marks, each with whether a lone comma ends it."""
    pieces: list[tuple[list[str], bool]] = []
    cur: list[str] = []
    marks: list[str] = []
    for u in units(text):
        if not is_token(u):
            marks.append(u)
            continue
        if marks and cur:
            pieces.append((cur, marks == [","]))
            cur = []
        marks = []
        cur.append(u.lower())
    if cur:
        pieces.append((cur, False))
    return pieces


def runs(text: str) -> list[list[str]]:
    """Lower-cased token runs between punctuation marks (pairs never cross a sentence; see pair_runs for commas)."""
    return [run for run, _ in _pieces(text)]


def pair_runs(text: str) -> list[list[str]]:
    """runs(), except that a run split by a lone comma is joined again when either side is one word: statutes list
    "anh, chị, em", "vợ, chồng", "cha, mẹ" where people write "anh chị em", "vợ chồng", "cha mẹ"."""
    out: list[list[str]] = []
    after_comma, last_len = False, 0
    for run, comma in _pieces(text):
        if out and after_comma and (last_len == 1 or len(run) == 1):
            out[-1] = out[-1] + run
        else:
            out.append(run)
        after_comma, last_len = comma, len(run)
    return out


def _pairs(run: list[str]) -> Iterable[str]:
    """Adjacent syllable pairs of a run."""
    return (f"{x}_{y}" for x, y in zip(run, run[1:]))


def _words(text: str) -> list[str]:
    """pyvi compounds of the text (only the multi-syllable ones: single syllables are family "a")."""
    from bot.knowledge.search.text import tokenize

    return [w for w in tokenize(text) if "_" in w]


def text_features(text: str, p: Params, repeat: int = 1) -> dict[str, int]:
    """Counts of every feature of a text in both accented and folded families."""
    counts: dict[str, int] = {}

    def add(name: str) -> None:
        counts[name] = counts.get(name, 0) + repeat

    for run in pair_runs(text):
        folded = [fold_word(w) for w in run]
        for w, f in zip(run, folded):
            add("a:" + w)
            add("f:" + f)
        if p.weight_pair:
            for x in _pairs(run):
                add("b:" + x)
            for x in _pairs(folded):
                add("g:" + x)
    if p.weight_word:
        for w in _words(text):
            add("w:" + w)
            add("v:" + fold_word(w))
    return counts


def family_weights(p: Params) -> dict[str, float]:
    """Weight of each feature family in a query."""
    return {"a": p.weight_syllable, "f": p.weight_syllable, "b": p.weight_pair, "g": p.weight_pair,
            "w": p.weight_word, "v": p.weight_word}


def is_folded_query(run_words: list[str]) -> bool:
    """A query typed without diacritics: fewer than one word in six carries a mark."""
    words = [w for w in run_words if w.isalpha()]
    if not words:
        return False
    marked = sum(1 for w in words if has_diacritics(w))
    return marked * 6 < len(words)


def query_features(text: str, p: Params, folded: bool, weight: float = 1.0,
                   stop: frozenset[str] = frozenset()) -> dict[str, float]:
    """Feature → weight for a query (or an expansion of it); stop words count little."""
    fam = family_weights(p)
    uni, pair, word = ("f", "g", "v") if folded else ("a", "b", "w")
    out: dict[str, float] = {}

    def add(name: str, w: float) -> None:
        if w > 0:
            out[name] = max(out.get(name, 0.0), w)

    for run in pair_runs(text):
        toks = [fold_word(w) for w in run] if folded else run
        stops = [(fold_word(w) if folded else w) in stop for w in run]
        for t, s in zip(toks, stops):
            add(f"{uni}:{t}", weight * fam[uni] * (p.weight_stop if s else 1.0))
        if fam[pair]:
            for i in range(len(toks) - 1):
                s = stops[i] and stops[i + 1]
                add(f"{pair}:{toks[i]}_{toks[i + 1]}", weight * fam[pair] * (p.weight_stop if s else 1.0))
    if fam[word]:
        for w in _words(text):
            add(f"{word}:{fold_word(w) if folded else w}", weight * fam[word])
    return out


def weighted_query(query: str, p: Params, lex: Lexicon, fillers: Callable[[bool], frozenset[str]]) -> dict[str, float]:
    """Weighted features of a query: the user's words (teencode spelled out; `fillers(folded)` count little), then
    the lexicon's expansions at lower weight."""
    words = [w for run in runs(query) for w in run]
    folded = is_folded_query(words)  # decided on what was typed: teencode expansions carry marks
    text = lex.expand_teencode(words)
    terms = query_features(" ".join(text), p, folded, 1.0, fillers(folded))
    for extra in lex.expansions(text, folded):
        for k, v in query_features(extra, p, folded, p.weight_expansion).items():
            terms[k] = max(terms.get(k, 0.0), v)
    return terms


def add_counts(into: dict[str, int], counts: dict[str, int]) -> None:
    """into += counts."""
    for k, v in counts.items():
        into[k] = into.get(k, 0) + v


def article_features(a: Article, doc: Document | None, p: Params) -> tuple[dict[str, int], list[dict[str, int]]]:
    """Features of one article (title and document name repeated, then the body) and of each clause."""
    counts = text_features(a.title, p, p.title_repeat) if a.title and p.title_repeat else {}
    if p.name_repeat:
        add_counts(counts, text_features(doc.name if doc else a.doc, p, p.name_repeat))
    parts = [text_features(x, p) for x in passages(a.text)]
    for part in parts:
        add_counts(counts, part)
    return counts, parts
