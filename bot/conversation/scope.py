"""Does the library answer this question at all? Subjects it lacks (bot/data/missing_subjects.tsv), the subjects it
covers (its coverage), and whether the best articles hold the question's key terms, not one shared word."""
from __future__ import annotations

import json
import math
import re
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Generic, Sequence, TypeVar

from bot.conversation.answers import Word, word_pairs, word_sets
from bot.conversation.replies import article_body
from bot.conversation.titles import TitleAnchor, TitleTerms
from bot.knowledge.coverage import MissingSubject, Phrase, load_everyday_topics, load_missing_subjects, phrase_words
from bot.knowledge.search.analysis import is_folded_query
from bot.knowledge.search.text import fold_word, normalize
from bot.ops.datafiles import DATA_DIR

READ_HITS = 3  # the articles read for key-term coverage
# Below this share of the question's key terms (weighted by rarity) in a top article, an answer needs the question
# to name something the library covers: calibrated with scripts/calibrate_idk.py (README, Benchmarks).
MIN_KEY_COVERAGE = 0.3
IDK_FILE = DATA_DIR / "idk.json"
_QUESTION_END = re.compile(r"[?？]")
T = TypeVar("T")


class PerLibrary(Generic[T]):
    """A value computed from one library (or corpus) and reused until another comes: the object itself is
    remembered, weakly, not its id, which Python may hand to the next library once the replaced one is freed."""

    KEPT = 2  # while a new library is warmed before it serves, the one serving keeps its value

    def __init__(self, compute: Callable[[Any], T]) -> None:
        """compute(owner) makes the value."""
        self.compute = compute
        # newest first; replaced in one assignment, so a thread warming the next library never pairs its owner
        # with a value of the library other threads still serve
        self._held: tuple[tuple[Callable[[], Any], T], ...] = ()

    def get(self, owner: Any) -> T:
        """The value for this owner, computed on its first use."""
        held = self._held
        for ref, value in held:
            if ref() is owner:
                return value
        value = self.compute(owner)
        try:
            ref: Callable[[], Any] = weakref.ref(owner)
        except TypeError:  # an object without weak references (a stand-in): hold it
            ref = lambda held_owner=owner: held_owner  # noqa: E731
        self._held = ((ref, value), *held[:self.KEPT - 1])
        return value


def message_words(text: str) -> list[tuple[str, str, bool]]:
    """(word, folded, plain) for each word of a message; plain (matched on its folded form, so "thue" reads as
    "thuế" too) only when the whole message is typed without diacritics: typed with them, "gia" is not "giá"."""
    words = ["".join(ch for ch in w if ch.isalnum()) for w in normalize(text).replace("_", " ").split()]
    words = [w for w in words if w]
    folded = is_folded_query(words)
    return [(w, fold_word(w), folded) for w in words]


def _holds(words: Sequence[tuple[str, str, bool]], phrase: Phrase, at: int = -1,
           folded: Phrase | None = None) -> bool:
    """True when the phrase occurs in the words as written ("học nghề miễn phí" does not hold "học phí"), at
    position `at` or anywhere; a word of a message typed without marks matches any accented reading (folded: the
    phrase's words without marks, when the caller has them already)."""
    n = len(phrase)
    folded = folded or tuple(fold_word(p) for p in phrase)
    for i in (range(len(words) - n + 1) if at < 0 else (at,) if at + n <= len(words) else ()):
        if all(w == p or (plain and f == fp) for (w, f, plain), p, fp in zip(words[i:i + n], phrase, folded)):
            return True
    return False


class PhraseTable:
    """Phrases keyed by their first word without marks, so a message is read once whatever the table's size."""

    def __init__(self, entries: Sequence[tuple[Phrase, Any]]) -> None:
        """(phrase, payload) pairs."""
        # each phrase with its words without marks, folded once here rather than at every message
        self.by_first: dict[str, list[tuple[Phrase, Phrase, Any]]] = {}
        for phrase, payload in entries:
            if phrase:
                folded = tuple(fold_word(w) for w in phrase)
                self.by_first.setdefault(folded[0], []).append((phrase, folded, payload))

    def find(self, words: Sequence[tuple[str, str, bool]]) -> list[tuple[Phrase, Any]]:
        """Every (phrase, payload) occurring in the words."""
        found = []
        for i, (_, folded, _) in enumerate(words):
            for phrase, folded_phrase, payload in self.by_first.get(folded, ()):
                if _holds(words, phrase, i, folded_phrase):
                    found.append((phrase, payload))
        return found


def main_question(text: str) -> str:
    """The first question of a message holding several ("… bán nhà được không? Mức phí công chứng …"): the one
    answered first; a short opening ("Cho em hỏi?") is skipped."""
    parts = [p for p in _QUESTION_END.split(text) if p.strip()]
    for part in parts:
        if len(part.split()) >= 4:
            return part
    return text


@dataclass(frozen=True)
class Verdict:
    """Whether the hits answer the question; when not, the missing subject it is about (slug, name), if known."""

    answered: bool
    subject: str = ""
    subject_name: str = ""
    reason: str = ""  # "subject" (a subject the library lacks), "weak" (no article holds her key terms), "score"
    legal: bool = True  # False when the subject is not law at all (weather, cooking, ...)


class Scope:
    """The decision per message: a subject the library lacks declines; so does a top article that holds too few of
    the question's key terms when nothing in the question belongs to a subject the library covers (its lexicon, its
    coverage, or the title of one of its best articles)."""

    def __init__(self, subjects: Sequence[MissingSubject] | None = None,
                 min_key_coverage: float = MIN_KEY_COVERAGE, not_anchors: Sequence[str] | None = None) -> None:
        """Subjects default to bot/data/missing_subjects.tsv; not_anchors (legal terms of the lexicon that name an act
        any subject shares, "tin báo, tố giác" for "báo ai") to idk.json's "not_anchors"."""
        if not_anchors is None:
            not_anchors = json.loads(IDK_FILE.read_text(encoding="utf-8")).get("not_anchors", [])
        self.not_anchors = frozenset(not_anchors)
        self.subjects = tuple((*load_missing_subjects(), *load_everyday_topics()) if subjects is None else subjects)
        self.table = PhraseTable([(p, (s, decisive)) for s in self.subjects
                                  for decisive, phrases in ((True, s.decisive), (False, s.other)) for p in phrases])
        self.min_key_coverage = min_key_coverage
        self._terms = PerLibrary(self._library_terms)
        self._two_ways = PerLibrary(self._spelled_two_ways)
        self._titles = PerLibrary(lambda library: TitleTerms(library.corpus, getattr(library, "index", None)))
        idk = json.loads(IDK_FILE.read_text(encoding="utf-8")).get("title_anchor", {})
        self.title_top = int(idk.get("top", 3))
        self.max_pair_titles = int(idk.get("max_pair_titles", 0))
        self.max_word_titles = int(idk.get("max_word_titles", 0))
        self.min_naming = float(idk.get("min_naming", 0.0))

    def warm(self, library: Any) -> None:
        """Read now what the first questions on this library would otherwise wait for (about 2 s of word lists)."""
        for cache in (self._terms, self._two_ways, self._titles):
            cache.get(library)

    def missing(self, library: Any, text: str) -> tuple[MissingSubject, bool] | None:
        """The missing subject a message's main question is about, and whether by a decisive phrase (the longest
        phrase wins); subjects the library now holds a law for are not missing. Typed without diacritics, a
        decisive word that the library spells otherwise ("thue": thuế or thuê) only counts as an other word."""
        words = message_words(text)
        folded = bool(words) and words[0][2]
        ambiguous = self._two_ways.get(library)[0] if folded else frozenset()
        coverage = getattr(library, "coverage", None)
        best: tuple[bool, int, MissingSubject] | None = None
        for phrase, (subject, decisive) in self.table.find(words):
            strong = decisive and phrase not in ambiguous
            if best is None or (strong, len(phrase)) > best[:2]:
                best = (strong, len(phrase), subject)
        if best is None:
            return None
        if coverage is not None and best[2].laws and coverage.holds_document(best[2].laws):
            return None
        return best[2], best[0]

    def _spelled_two_ways(self, library: Any) -> tuple[frozenset[Phrase], frozenset[str]]:
        """Words the library's articles also spell otherwise once the marks are gone, read from its index vocabulary
        in one pass: the decisive phrases of one or two words ("thuế": "thuê"), and the one-word everyday phrases of
        its lexicon, folded ("chửa": "chưa", "cưới": "cuối")."""
        lexicon = getattr(library.index, "lexicon", None)
        wanted: dict[str, set[str]] = {}  # folded spelling → the spellings of ours that fold to it
        for phrase in (p for s in self.subjects for p in s.decisive if len(p) <= 2):
            wanted.setdefault("_".join(fold_word(w) for w in phrase), set()).add("_".join(phrase))
        singles = {k[0] for k in getattr(lexicon, "expansions_typed", {}) if len(k) == 1}
        for word in singles:
            wanted.setdefault(fold_word(word), set()).add(word)
        clash = {folded for term in getattr(library.index, "vocab", None) or {} if term[:2] in ("a:", "b:")
                 for folded in [fold_word(term[2:])] if term[2:] not in wanted.get(folded, {term[2:]})}
        decisive = frozenset(p for s in self.subjects for p in s.decisive
                             if len(p) <= 2 and "_".join(fold_word(w) for w in p) in clash)
        return decisive, frozenset(clash & {fold_word(w) for w in singles})

    def anchored(self, library: Any, text: str) -> bool:
        """True when the message names a subject the library covers: an everyday phrase of its lexicon
        (bot/data/synonyms.tsv) or a subject of its coverage (đề mục, law names, card topics)."""
        words = message_words(text)
        lexicon = getattr(library.index, "lexicon", None)
        if lexicon is not None:
            plain = lexicon.expand_teencode([w for w, _, _ in words])
            folded = is_folded_query(plain)
            if folded:  # "chua" is "chửa" (pregnant) far less often than "chưa" (not yet): it anchors nothing
                ambiguous = self._two_ways.get(library)[1]
                plain = ["\0" if fold_word(w) in ambiguous else w for w in plain]
            # "báo ai" (report to whom) is asked about water bills and neighbours as much as about violence
            if set(lexicon.expansions(plain, folded)) - self.not_anchors:
                return True
        folded = [(f, f, True) for _, f, _ in words]
        return bool(self._terms.get(library).find(folded))

    @staticmethod
    def _library_terms(library: Any) -> PhraseTable:
        """Folded phrases of what the library covers: its subjects' names and their word pairs, and the legal terms
        its lexicon maps everyday words to (computed once per library)."""
        terms: set[Phrase] = set()
        for term in getattr(getattr(library, "coverage", None), "terms", ()) or ():
            words = tuple(term.split())
            terms.add(words)
            terms.update(pair for pair in zip(words, words[1:]) if "va" not in pair)
        lexicon = getattr(library.index, "lexicon", None)
        for legal in (getattr(lexicon, "expansions_folded", None) or {}).values():
            terms.update(tuple(fold_word(w) for w in phrase_words(t)) for t in legal)
        return PhraseTable([(t, None) for t in terms if t])

    def key_coverage(self, library: Any, query: Sequence[Word], hits: Sequence[Any]) -> float:
        """The best share, over the top articles, of the question's content words found in the article, each word
        weighted by its rarity in the library (idf): one shared common word is not an answer."""
        distinct: dict[str, Word] = {}
        for w in query:
            distinct.setdefault(w[0], w)
        if not distinct:
            return 0.0
        weights = {w: self._idf(library.index, f) for w, (_, f, _) in distinct.items()}
        total = sum(weights.values()) or 1.0
        best = 0.0
        for hit in hits[:READ_HITS]:
            article = library.corpus.article(f"{hit.doc}:{hit.article}")
            if article is None:
                continue
            typed, folded = word_sets(f"{article.title}\n{article_body(article)}")
            found = sum(weights[w] for w, (_, f, plain) in distinct.items() if w in typed or (plain and f in folded))
            best = max(best, found / total)
        return best

    @staticmethod
    def paired(library: Any, text: str, query: Sequence[Word], hits: Sequence[Any]) -> bool:
        """Whether a top article holds two words of the message side by side, one of them a content word (`query`):
        a question the library answers shares a term with it ("nuôi con", "đi làm"), where a message about
        something else shares scattered single words ("ca chep kho tuong": các, chép, kho, tường)."""
        content = {w[0] for w in query}
        words = message_words(text)
        pairs = [(a, b) for a, b in zip(words, words[1:]) if a[0] in content or b[0] in content]
        for hit in hits[:READ_HITS]:
            article = library.corpus.article(f"{hit.doc}:{hit.article}")
            if article is None:
                continue
            typed, folded = word_pairs(f"{article.title}\n{article_body(article)}")
            if any((a[0], b[0]) in typed or (a[2] and (a[1], b[1]) in folded) for a, b in pairs):
                return True
        return False

    @staticmethod
    def _idf(index: Any, folded: str) -> float:
        """Rarity of a folded word among the index's articles (1.0 for indexes without a vocabulary)."""
        vocab, indptr = getattr(index, "vocab", None), getattr(index, "indptr", None)
        if vocab is None or indptr is None:
            return 1.0
        n = max(len(index), 1)
        col = vocab.get("f:" + folded)
        df = 0 if col is None else int(indptr[col + 1] - indptr[col])
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def title_anchor(self, library: Any, text: str, query: Sequence[Word], hits: Sequence[Any]) -> TitleAnchor | None:
        """The distinctive title term a top article shares with the question's content words (`query`), the words
        of any missing subject it names left out (bot/conversation/titles.py); None without a corpus."""
        corpus = getattr(library, "corpus", None)
        if corpus is None or not hasattr(corpus, "documents") or not (self.max_pair_titles or self.max_word_titles):
            return None
        words = message_words(text)
        skip = {fold_word(w) for phrase, _ in self.table.find(words) for w in phrase}
        kept = {w[0] for w in query}
        content = [w in kept and f not in skip for w, f, _ in words]
        return self._titles.get(library).anchor(words, content, hits, self.title_top, self.max_pair_titles,
                                                self.max_word_titles, self.min_naming)

    def judge(self, library: Any, text: str, query: Sequence[Word], hits: Sequence[Any], confident: bool,
              scored: bool, whole: str = "") -> Verdict:
        """The decision for one message (its main question, spelled out: see main_question), given the whole
        message (`whole`, the same as `text` when not given) and its content words, its hits and the score
        thresholds' verdicts:
        `confident` (score and coverage, data/idk.json) and `scored` (the best score alone reaches min_score), which
        is enough for a question naming a subject the library covers. A top article whose title names the
        question's business (title_anchor) covers it too, and outweighs a missing subject's weaker words ("xe
        máy" in "đặt cọc mua xe máy"), never its decisive phrases (the library's articles mention many subjects
        they do not regulate: "ngân hàng chính sách", "thu hồi đất", "hộ chiếu")."""
        missing = self.missing(library, text)
        anchored = self.anchored(library, text) or self.title_anchor(library, text, query, hits) is not None
        if missing is not None and (missing[1] or not anchored):
            return Verdict(False, missing[0].slug, missing[0].name, "subject", missing[0].legal)
        if not (confident or (anchored and scored)):
            return Verdict(False, reason="score")
        if not anchored and (self.key_coverage(library, query, hits) < self.min_key_coverage
                             or not self.paired(library, whole or text, query, hits)):
            return Verdict(False, reason="weak")
        return Verdict(True)
