"""BM25 search over articles: sparse weight matrix (terms × articles), saved as memory-mappable .npy files."""
from __future__ import annotations

import json
from array import array
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Collection, Mapping

import numpy as np

from bot.knowledge.corpus.model import AMENDED, IN_FORCE, Article, Document
from bot.knowledge.search.analysis import Params, article_features, weighted_query
from bot.knowledge.search.bm25 import TITLE_FAMILIES, Postings, accumulate, bm25_arrays, title_postings
from bot.knowledge.search.citations import citation_counts
from bot.knowledge.search.definitions import Definitions, defined_terms
from bot.knowledge.search.hits import Hit
from bot.knowledge.search.lexicon import Lexicon
from bot.knowledge.search.passages import best_per_article, clause_scores, first_passages, passage_groups
from bot.knowledge.search.priors import Priors, folded_words, padded_words

INDEX_FORMAT = 1
PRUNE_FROM = 500  # articles; small corpora score every term
_ARRAYS = ("data", "indices", "indptr", "related_ptr", "related", "p_data", "p_indices", "p_indptr", "p_owner")
_TITLE_ARRAYS = ("t_indptr", "t_indices")  # term → articles whose title holds it (indexes built before: from titles)
MIN_TITLE_WEIGHT = 0.3  # query terms below this (stop words) do not make a title match
BARE_SHARE = 0.1  # a bare word the library writes so in under this share of the articles holding its folded form


class SearchIndex:
    """BM25 (Okapi, per feature family) over articles with accent-folded features alongside."""

    calibrated_scores = True  # the dialogue's "I don't know" thresholds (data/idk.json) are on this scale

    def __init__(self, arrays: Mapping[str, np.ndarray], vocab: dict[str, int], meta: dict[str, Any],
                 lexicon: Lexicon | None = None, priors: Priors | None = None) -> None:
        """Use build() or load()."""
        self.data, self.indices, self.indptr = arrays["data"], arrays["indices"], arrays["indptr"]
        self.related_ptr, self.related = arrays["related_ptr"], arrays["related"]
        self.p_data, self.p_indices, self.p_indptr = arrays["p_data"], arrays["p_indices"], arrays["p_indptr"]
        self.p_owner = arrays["p_owner"]
        self.vocab = vocab
        if "t_indptr" in arrays:
            self.t_indptr, self.t_indices = arrays["t_indptr"], arrays["t_indices"]
        else:
            self.t_indptr, self.t_indices = title_postings(meta["titles"], vocab, Params(**meta["params"]))
        self.meta = meta
        self.params = Params(**meta["params"])
        self.keys: list[str] = meta["keys"]
        self.position = {k: i for i, k in enumerate(self.keys)}  # article key → its place in the arrays
        self.titles: list[str] = meta["titles"]
        self.doc_of = np.asarray(meta["doc_of"], dtype=np.int32)
        self.doc_numbers: list[str] = meta["docs"]
        self.doc_in_force = np.asarray(meta["doc_in_force"], dtype=bool)
        cited = np.asarray(meta["cited"], dtype=np.float32)
        # often-cited articles (definitions, prohibitions, conditions) are what most questions need
        self.article_factor = (np.asarray(meta["doc_factor"], dtype=np.float32)[self.doc_of]
                               * (1.0 + self.params.citation_prior * np.log1p(cited)))
        self.general = np.asarray(meta.get("general") or [0] * len(self.keys), dtype=bool)  # older indexes: none
        self.lexicon = lexicon if lexicon is not None else Lexicon.load()
        self.priors = priors if priors is not None else Priors.load()
        self._cue_masks: dict[Any, np.ndarray] = {}
        self._read_titles: list[str] | None = None  # titles as padded_words(), read once for every cue
        self.definitions = Definitions(meta.get("defined") or {})  # older indexes: none
        self._folded_fillers: tuple[Lexicon | None, frozenset[str]] = (None, frozenset())
        self._bare: dict[str, bool] = {}
        self._passage_groups = passage_groups(np.asarray(self.p_owner))  # passages are stored grouped by article
        self._first_passage = first_passages(self._passage_groups, len(self.keys))

    def __len__(self) -> int:
        """Number of articles."""
        return len(self.keys)

    @classmethod
    def build(cls, articles: list[Article], documents: Mapping[str, Document],
              params: Params | None = None) -> "SearchIndex":
        """Index the articles (document names and statuses come from `documents`)."""
        articles = [a for a in articles if not a.repealed]  # a repealed article stays in the corpus, never in answers
        p = params or Params()
        vocab: dict[str, int] = {}
        whole, parts = Postings(), Postings()
        owner = array("i")
        for i, a in enumerate(articles):
            counts, clause_counts = article_features(a, documents.get(a.doc), p)
            whole.add(counts, vocab)
            if p.passage_weight:
                for c in clause_counts:
                    parts.add(c, vocab)
                    owner.append(i)
        arrays = bm25_arrays(*whole.arrays(), vocab, len(articles), p)
        for k, v in bm25_arrays(*parts.arrays(), vocab, parts.units, p).items():
            arrays["p_" + k] = v
        arrays["p_owner"] = np.frombuffer(owner, dtype=np.int32)
        arrays["t_indptr"], arrays["t_indices"] = title_postings([a.title for a in articles], vocab, p)
        docs = sorted({a.doc for a in articles})
        priors = Priors.load()
        general = [priors.is_general(a.chapter, a.title) and _is_primary(a.doc, documents.get(a.doc))
                   for a in articles]
        cited = citation_counts(articles)
        doc_id = {d: i for i, d in enumerate(docs)}
        pos = {a.key: i for i, a in enumerate(articles)}
        rel = [[pos[k] for k in a.related if k in pos] for a in articles]
        arrays["related_ptr"] = np.cumsum([0] + [len(r) for r in rel]).astype(np.int64)
        arrays["related"] = np.asarray([x for r in rel for x in r], dtype=np.int32)
        meta = {
            "format": INDEX_FORMAT, "params": asdict(p), "keys": [a.key for a in articles],
            "titles": [a.title for a in articles], "cited": [cited.get(a.key, 0) for a in articles], "doc_of": [doc_id[a.doc] for a in articles], "docs": docs,
            "doc_factor": [1.0 if _is_primary(d, documents.get(d)) else p.secondary_factor for d in docs],
            "doc_in_force": [documents[d].status in (IN_FORCE, AMENDED) if d in documents else True
                             for d in docs],
            "general": [int(g) for g in general],
            "doc_names": [documents[d].name if d in documents else d for d in docs],
            "defined": defined_terms(articles, priors),
        }
        return cls(arrays, vocab, meta, priors=priors)

    def save(self, index_dir: Path) -> None:
        """Write .npy arrays, vocab.json and meta.json into index_dir."""
        index_dir = Path(index_dir)
        index_dir.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS + _TITLE_ARRAYS:
            np.save(index_dir / f"{name}.npy", getattr(self, name))
        (index_dir / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")
        (index_dir / "meta.json").write_text(json.dumps(self.meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, index_dir: Path, lexicon: Lexicon | None = None) -> "SearchIndex":
        """Open a saved index; the arrays are memory-mapped."""
        index_dir = Path(index_dir)
        meta = json.loads((index_dir / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != INDEX_FORMAT:
            raise ValueError(f"index format {meta.get('format')} is not {INDEX_FORMAT}: rebuild the index")
        vocab = json.loads((index_dir / "vocab.json").read_text(encoding="utf-8"))
        arrays = {name: np.asarray(np.load(index_dir / f"{name}.npy", mmap_mode="r"))
                  for name in _ARRAYS + _TITLE_ARRAYS if name in _ARRAYS or (index_dir / f"{name}.npy").exists()}
        return cls(arrays, vocab, meta, lexicon)

    def query_terms(self, query: str) -> dict[str, float]:
        """Weighted features of a query: the user's words, then lexicon expansions at lower weight."""
        return weighted_query(query, self.params, self.lexicon, self._fillers)

    def left_bare(self, word: str) -> bool:
        """Whether a word typed without marks is one this library nearly always writes with marks (she left them
        out): "bi" is "bị", "lam" is "làm"; "con", "ban" (ủy ban) are written bare too."""
        seen = self._bare.get(word)
        if seen is None:
            folded = self.vocab.get("f:" + word)
            if folded is None:  # not in the laws: nothing to read it as (and nothing cached for made-up words)
                return False
            typed = self.vocab.get("a:" + word)
            uses = int(self.indptr[typed + 1] - self.indptr[typed]) if typed is not None else 0
            seen = self._bare[word] = uses < BARE_SHARE * int(self.indptr[folded + 1] - self.indptr[folded])
        return seen

    def _fillers(self, folded: bool) -> frozenset[str]:
        """The lexicon's filler words in the query's form; typed without diacritics, only those this library does not
        nearly always use as other words (Lexicon.fillers_when_folded), worked out once per lexicon."""
        if not folded:
            return self.lexicon.stop_typed
        if self._folded_fillers[0] is not self.lexicon:
            uses = {t[2:]: int(self.indptr[c + 1] - self.indptr[c]) for t, c in self.vocab.items() if t[:2] == "a:"}
            self._folded_fillers = (self.lexicon, self.lexicon.fillers_when_folded(uses))
        return self._folded_fillers[1]

    def _weighted(self, query: str) -> list[tuple[int, float, str]]:
        """The query's weighted features this index knows: (column, weight, feature)."""
        return [(col, w, t) for t, w in self.query_terms(query).items() if (col := self.vocab.get(t)) is not None]

    def clause_scorer(self, query: str) -> Callable[[Article], dict[str, float]]:
        """For one query, a function giving each numbered clause of an article its own BM25 score (the best of its
        passages, lexicon expansions included): which clause reads her question ("đang có bầu": on pregnancy)."""
        terms = [(col, w) for col, w, _ in self._weighted(query)]
        part = accumulate(terms, self.p_indptr, self.p_indices, self.p_data, len(self.p_owner))

        def scored(article: Article) -> dict[str, float]:
            i = self.position.get(article.key)
            start = int(self._first_passage[i]) if i is not None else -1
            return clause_scores(article.text, part[start:]) if start >= 0 else {}
        return scored

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every article for the query."""
        n = len(self.keys)
        # terms in most articles (filler) barely move the ranking but cost the most: skip them
        max_df = self.params.max_df * n if n >= PRUNE_FROM else n
        weighted = self._weighted(query)
        terms = [(col, w) for col, w, _ in weighted if self.indptr[col + 1] - self.indptr[col] <= max_df]
        scores = accumulate(terms, self.indptr, self.indices, self.data, n)
        if self.params.passage_weight and len(self.p_owner) and terms:
            part = accumulate(terms, self.p_indptr, self.p_indices, self.p_data, len(self.p_owner))
            scores += self.params.passage_weight * best_per_article(part, self._passage_groups, n)
        if self.params.related_boost and len(self.related):
            scores = self._boost_related(scores)
        scores = scores * self.article_factor
        words = folded_words(query)  # read once for the cues and the defined terms
        cues = self.priors.cues_in(query, words)
        if self.params.title_mismatch and len(self.t_indices):
            # an article a cue asks for ("… là gì?": the definitions) agrees with the question whatever its title
            asked = [self._cue_mask(c) for c in cues if c.boost > 0 and c.field == "title"]
            scores = scores * self._title_factor([c for c, w, t in weighted
                                                  if w >= MIN_TITLE_WEIGHT and t[0] in TITLE_FAMILIES], asked)
        if self.params.general_prior and self.general.any():
            scores = self._boost_general(scores)
        for cue in cues:  # "... là gì?" asks for a definition
            scores *= np.where(self._cue_mask(cue), np.float32(1.0 + cue.boost), np.float32(1.0))
        asking = [p for c in cues if self.priors.asks_definition(c) for p in c.phrases]
        if asking and self.definitions and self.priors.defines_boost:
            # "khái niệm gia đình": the article defining "gia đình", not every "Khái niệm tội …" of the Penal Code
            defining = self.definitions.asked(words, asking)
            if defining:
                scores[defining] *= np.float32(1.0 + self.priors.defines_boost)
        return scores

    def _title_factor(self, cols: list[int], asked: list[np.ndarray]) -> np.ndarray:
        """1 for articles whose title holds one of the query's words (or their expansions) or that a cue asks for,
        1 - title_mismatch for the others."""
        hit = np.zeros(len(self.keys), dtype=bool)
        for mask in asked:
            hit |= mask
        for c in cols:
            if c + 1 < len(self.t_indptr):
                hit[self.t_indices[self.t_indptr[c]:self.t_indptr[c + 1]]] = True
        return np.where(hit, np.float32(1.0), np.float32(1.0 - self.params.title_mismatch))

    def _boost_general(self, scores: np.ndarray) -> np.ndarray:
        """Favour the principles and prohibited acts of the laws the best hits belong to: answers cite them."""
        k = min(self.params.general_from, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        docs = self.doc_of[best[scores[best] > 0]]
        if not len(docs):
            return scores
        # a lookup by document number: np.isin sorts all the articles' documents for each query
        wanted = np.zeros(len(self.doc_numbers), dtype=bool)
        wanted[docs] = True
        boost = self.general & wanted[self.doc_of]
        return scores * np.where(boost, np.float32(1.0 + self.params.general_prior), np.float32(1.0))

    def _cue_mask(self, cue: Any) -> np.ndarray:
        """Articles whose title (or document name) holds the cue's words (computed once per cue)."""
        mask = self._cue_masks.get(cue)
        if mask is None:
            if cue.field == "document":
                names = [self.priors.holds(name, cue.title) for name in self.meta.get("doc_names") or []]
                mask = np.asarray(names, dtype=bool)[self.doc_of] if names else np.zeros(len(self.keys), bool)
            else:
                if self._read_titles is None:
                    self._read_titles = [padded_words(t) for t in self.titles]
                mask = np.asarray([self.priors.holds_read(t, cue.title) for t in self._read_titles], dtype=bool)
            self._cue_masks[cue] = mask
        return mask

    def _boost_related(self, scores: np.ndarray) -> np.ndarray:
        """Add a little of the best related article's score (a guiding decree supports its law article)."""
        best = np.zeros_like(scores)
        counts = np.diff(self.related_ptr)
        has = counts > 0
        owners = np.repeat(np.arange(len(scores)), counts)
        np.maximum.at(best, owners, scores[np.asarray(self.related)])
        return np.where(has, scores + self.params.related_boost * best, scores)

    def search(self, query: str, top: int = 10, docs: Collection[str] | None = None,
               in_force_only: bool = False, boost: Mapping[str, float] | None = None) -> list[Hit]:
        """Best `top` articles with a positive score, optionally only in given documents / in force; `boost`: see
        rank()."""
        if top <= 0 or not self.keys:
            return []
        return self.rank(self.scores(query), top, docs, in_force_only, boost)

    def search_with_votes(self, query: str, top: int, votes: Mapping[str, float],
                          cap: float = 0.0) -> tuple[list[Hit], list[Hit]]:
        """The best hits by the articles' own text, and with votes added (rank()'s boost and boost_cap), from one
        scoring."""
        scores = self.scores(query)
        return self.rank(scores, top), self.rank(scores, top, boost=votes, boost_cap=cap)

    def rank(self, scores: np.ndarray, top: int = 10, docs: Collection[str] | None = None,
             in_force_only: bool = False, boost: Mapping[str, float] | None = None,
             boost_cap: float = 0.0) -> list[Hit]:
        """Best `top` articles by these scores (of scores()); `boost`: per article key, a share of the best score
        (of boost_cap at most, when positive) added (the votes of answer cards and taught questions), so one scoring
        serves both rankings."""
        if top <= 0 or not self.keys:
            return []
        if boost:
            # a question quoting the statute scores its article far above an everyday one: capped, the votes of
            # similar questions still order everyday questions but never outweigh such a match
            best = float(scores.max())
            best = min(best, boost_cap) if boost_cap > 0 else best
            scores = scores.copy()
            for key, share in boost.items():
                i = self.position.get(key)
                if i is not None:
                    scores[i] += np.float32(share * best)
        if docs is not None:
            wanted = {d.upper() for d in docs}
            allowed = np.asarray([d.upper() in wanted for d in self.doc_numbers] or [False], dtype=bool)
            scores = np.where(allowed[self.doc_of], scores, 0.0)
        if in_force_only:
            scores = np.where(self.doc_in_force[self.doc_of], scores, 0.0)
        positive = np.flatnonzero(scores > 0)
        if len(positive) > top:
            cut = np.partition(scores[positive], len(positive) - top)[len(positive) - top]
            positive = positive[scores[positive] >= cut]
        order = positive[np.lexsort((positive, -scores[positive]))][:top]
        return [self._hit(int(i), float(scores[i])) for i in order]

    def _hit(self, i: int, score: float) -> Hit:
        """Hit for article number i."""
        doc, _, article = self.keys[i].rpartition(":")
        return Hit(doc, article, self.titles[i], round(score, 4))


def _is_primary(number: str, doc: Document | None) -> bool:
    """Laws, codes and ordinances (passed by the National Assembly or its Standing Committee)."""
    kind = (doc.type if doc else "").lower()
    return kind in ("luật", "bộ luật", "pháp lệnh") or "/QH" in number.upper() or "PL-UBTVQH" in number.upper()


def build_index(corpus: Any, index_dir: Path) -> SearchIndex:
    """Build from a Corpus (`.articles()`, `.documents`) and save into index_dir."""
    index = SearchIndex.build(corpus.articles(), corpus.documents)
    index.save(Path(index_dir))
    return index
