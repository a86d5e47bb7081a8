"""Does a top article's title name what the question is about? The library's own article titles ("Đặt cọc",
"Tội trộm cắp tài sản", "Bồi thường thiệt hại do súc vật gây ra", "Thời gian thử việc") are its subject vocabulary,
learnt from the corpus: a question sharing a title term with one of its best hits asks about that article's
business, whatever everyday words of a missing subject ("xe máy", "lãi suất") it also uses, provided the term is a
name the library gives its articles (in few titles, and in titles for a good share of the articles using it: "đặt
cọc", "di chúc", "làm thêm" are; "giá trị", "dân cư", "điện thoại", "hết hạn" are only words articles use)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from bot.knowledge.search.text import fold_word, normalize

Term = tuple[str, ...]


def plain_words(text: str) -> list[str]:
    """The normalized words of a text, punctuation and numbers dropped."""
    words = ["".join(ch for ch in w if ch.isalnum()) for w in normalize(text).replace("_", " ").split()]
    return [w for w in words if w and not w.isdigit()]


def folded_words(text: str) -> list[str]:
    """The folded words of a text, punctuation and numbers dropped."""
    return [fold_word(w) for w in plain_words(text)]


def terms_of(words: Sequence[str], content: Sequence[bool] | None = None) -> set[Term]:
    """A text's single words and consecutive word pairs; with `content` (True: a content word, False: a stop
    word or one left out), only content words and pairs of them ("bị cấm", "có giá" name nothing)."""
    keep: list[bool] = [True] * len(words) if content is None else list(content)
    singles = {(w,) for w, k in zip(words, keep) if k}
    pairs = {(a, b) for a, b, ka, kb in zip(words, words[1:], keep, keep[1:]) if ka and kb}
    return singles | pairs


@dataclass(frozen=True)
class TitleAnchor:
    """The title term a question shares with one of its best hits, and that hit's article key."""

    term: Term
    key: str


class TitleTerms:
    """Title terms of every article of one library, as written and without diacritics, and in how many titles
    each occurs (computed once per corpus)."""

    def __init__(self, corpus: Any, index: Any = None) -> None:
        """Read every article title of the corpus; the index (its folded pair vocabulary) says in how many articles
        each pair occurs at all."""
        self.index = index
        self.by_key: dict[str, tuple[frozenset[Term], frozenset[Term]]] = {}
        self.df: Counter[Term] = Counter()
        for doc in getattr(corpus, "documents", {}).values():
            for article in doc.articles:
                words = plain_words(article.title)
                typed = frozenset(terms_of(words))
                folded = frozenset(terms_of([fold_word(w) for w in words]))
                self.by_key[f"{doc.number}:{article.number}"] = (typed, folded)
                self.df.update(typed | folded)

    def articles_using(self, term: Term) -> int:
        """In how many articles of the index the term occurs, title or text (0 without a pair vocabulary)."""
        vocab, indptr = getattr(self.index, "vocab", None), getattr(self.index, "indptr", None)
        if vocab is None or indptr is None:
            return 0
        col = vocab.get(("g:" if len(term) == 2 else "f:") + "_".join(fold_word(w) for w in term))
        return 0 if col is None else int(indptr[col + 1] - indptr[col])

    def naming(self, term: Term) -> float:
        """The share of the articles using a term that carry it in their title (1.0 without an index)."""
        titles = self.df[term]
        return titles / max(titles, self.articles_using(term), 1) if self.index is not None else 1.0

    def anchor(self, question: Sequence[tuple[str, str, bool]], content: Sequence[bool], hits: Sequence[Any],
               top: int, max_pair_titles: int, max_word_titles: int, min_naming: float = 0.0) -> TitleAnchor | None:
        """The rarest title term of the top hits that the question holds (see terms_of; the words of a missing
        subject it names are left out): a word pair in at most max_pair_titles titles,
        or a single word in at most max_word_titles (words shared by many titles, "người", "trách nhiệm", name
        nothing), and carried in the title by at least min_naming of the articles using it (see naming). Typed with
        diacritics, words match as written ("mấy" is not "máy"); typed without, folded."""
        folded = bool(question) and question[0][2]
        asked = terms_of([f if folded else w for w, f, _ in question], content)
        best: tuple[int, TitleAnchor] | None = None
        for hit in hits[:top]:
            key = f"{hit.doc}:{hit.article}"
            typed, plain = self.by_key.get(key, (frozenset(), frozenset()))
            for term in (plain if folded else typed) & asked:
                df = self.df[term]
                rare = df <= (max_pair_titles if len(term) == 2 else max_word_titles)
                if rare and (best is None or df < best[0]) and self.naming(term) >= min_naming:
                    best = (df, TitleAnchor(term, key))
        return None if best is None else best[1]
