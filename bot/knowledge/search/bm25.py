"""BM25 arithmetic on compact arrays: postings accumulation, per-family Okapi weights, query-time sums."""
from __future__ import annotations

from array import array

import numpy as np

from bot.knowledge.search.analysis import Params, text_features

TITLE_FAMILIES = ("a", "f")  # syllables, as typed and folded: what a title match is read on


class Postings:
    """(term, unit, tf) triples in compact arrays: 60,000 articles must not need gigabytes of Python ints."""

    def __init__(self) -> None:
        """Empty."""
        self.rows, self.cols, self.tfs = array("q"), array("i"), array("f")
        self.units = 0

    def add(self, counts: dict[str, int], vocab: dict[str, int]) -> None:
        """One more unit (article or clause); new terms are added to vocab."""
        for term, tf in counts.items():
            self.rows.append(vocab.setdefault(term, len(vocab)))
            self.cols.append(self.units)
            self.tfs.append(tf)
        self.units += 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """As numpy arrays."""
        return (np.frombuffer(self.rows, dtype=np.int64), np.frombuffer(self.cols, dtype=np.int32),
                np.frombuffer(self.tfs, dtype=np.float32))


def accumulate(terms: list[tuple[int, float]], indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
               n: int) -> np.ndarray:
    """Sum of weight × posting over the query's terms, one bincount for all of them."""
    if not terms:
        return np.zeros(n, dtype=np.float32)
    # gathered in whole-array steps: a numpy call per term costs more than the arithmetic
    cols = np.fromiter((c for c, _ in terms), dtype=np.int64, count=len(terms))
    weights = np.fromiter((w for _, w in terms), dtype=np.float32, count=len(terms))
    known = cols + 1 < len(indptr)
    cols, weights = cols[known], weights[known]
    starts = indptr[cols]
    lengths = indptr[cols + 1] - starts
    total = int(lengths.sum())
    if not total:
        return np.zeros(n, dtype=np.float32)
    # position of each posting: its term's start, plus its place after the postings of the terms before it
    pos = np.arange(total) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    val = data[pos] * np.repeat(weights, lengths)
    return np.bincount(indices[pos], weights=val, minlength=n).astype(np.float32)


def bm25_arrays(rows: np.ndarray, cols: np.ndarray, tfs: np.ndarray, vocab: dict[str, int], n: int,
                 p: Params) -> dict[str, np.ndarray]:
    """CSC-like arrays per term: indptr over terms, article indices and BM25 weights (idf folded in)."""
    families = np.asarray([t[0] for t in vocab], dtype="U1")
    fam_of_row = families[rows] if len(rows) else np.asarray([], dtype="U1")
    weights = np.zeros(len(tfs), dtype=np.float32)
    df = np.bincount(rows, minlength=len(vocab)).astype(np.float64)
    idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))  # Lucene's non-negative BM25 idf
    for fam in set(families.tolist()):
        sel = fam_of_row == fam
        dl = np.bincount(cols[sel], weights=tfs[sel], minlength=n)
        avg = dl.mean() if n else 1.0
        norm = p.k1 * (1 - p.b + p.b * dl[cols[sel]] / (avg or 1.0))
        tf = tfs[sel]
        weights[sel] = idf[rows[sel]] * tf * (p.k1 + 1) / (tf + norm)
    order = np.lexsort((cols, rows))
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(vocab)), out=indptr[1:])
    return {"data": weights[order], "indices": cols[order], "indptr": indptr}


def title_postings(titles: list[str], vocab: dict[str, int], p: Params) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays: for each vocabulary term of the title families, the articles whose title holds it."""
    pairs = sorted({(col, i) for i, title in enumerate(titles) for t in text_features(title, p)
                    if t[0] in TITLE_FAMILIES and (col := vocab.get(t)) is not None})
    cols = np.asarray([c for c, _ in pairs], dtype=np.int64)
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=len(vocab)), out=indptr[1:])
    return indptr, np.asarray([i for _, i in pairs], dtype=np.int32)


class ShortTexts:
    """BM25 arrays over a list of short texts (features given), scored relative to the query's own weight."""

    def __init__(self, counts: list[dict[str, float]], params: Params) -> None:
        """Index the feature counts of each text."""
        self.vocab: dict[str, int] = {}
        postings = Postings()
        for c in counts:
            postings.add(c, self.vocab)  # type: ignore[arg-type]
        self.n = len(counts)
        arrays = bm25_arrays(*postings.arrays(), self.vocab, self.n, params)
        self.data, self.indices, self.indptr = arrays["data"], arrays["indices"], arrays["indptr"]
        df = np.diff(self.indptr).astype(np.float64)
        self.idf = np.log(1.0 + (self.n - df + 0.5) / (df + 0.5))
        self.unseen = float(np.log(1.0 + (self.n + 0.5) / 0.5))

    def only(self, keep: np.ndarray) -> "ShortTexts":
        """The same index (idf and lengths unchanged, so the same scores) over the texts where keep is True, renumbered
        in their order: the texts no question can be matched to are not scored for the closest example."""
        out = object.__new__(ShortTexts)
        out.vocab, out.idf, out.unseen = self.vocab, self.idf, self.unseen
        out.n = int(keep.sum())
        renumber = np.cumsum(keep) - 1
        kept = keep[self.indices]
        term_of = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        out.data, out.indices = self.data[kept], renumber[self.indices[kept]].astype(self.indices.dtype)
        out.indptr = np.zeros_like(self.indptr)
        np.cumsum(np.bincount(term_of[kept], minlength=len(self.indptr) - 1), out=out.indptr[1:])
        return out

    def similarities(self, terms: dict[str, float]) -> np.ndarray:
        """Per text, its BM25 score over what an identical text would score (tf 1, average length)."""
        cols = [(col, w) for t, w in terms.items() if (col := self.vocab.get(t)) is not None]
        scores = accumulate(cols, self.indptr, self.indices, self.data, self.n)
        # a word no text holds weighs as the rarest: a question that shares little scores low
        own = sum(w * (self.idf[c] if (c := self.vocab.get(t)) is not None else self.unseen)
                  for t, w in terms.items())
        return scores / np.float32(own or 1.0)
