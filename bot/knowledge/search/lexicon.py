"""Search data files: colloquial → legal expansions, teencode, question filler (bot/data/*.tsv)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Mapping

from bot.knowledge.search.text import fold_word, normalize
from bot.ops.datafiles import DATA_DIR

# Everyday speech puts pronouns and adverbs inside a phrase ("chồng em hay đánh", "có bầu công ty đuổi việc"):
# a phrase of several words also matches with up to this many other words between two of its words.
MAX_GAP = 2
# A filler word typed without diacritics stays a filler in the article search only where the library uses it as one
# at least this share of the time: "toi" there is nearly always "tội" (crime), not "tôi"; "nha" is "nhà" (house).
FILLER_SHARE = 0.1
_CACHED = 4096  # expansions remembered per lexicon: one message is expanded by the article search and the cards

# first word → (row, phrase, legal terms, the phrase's words)
Phrases = dict[str, list[tuple[int, tuple[str, ...], tuple[str, ...], frozenset[str]]]]


def _rows(path: Path) -> list[list[str]]:
    """Tab-separated rows, skipping blanks and # comments."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            out.append([cell.strip() for cell in line.split("\t")])
    return out


def _words(phrase: str) -> tuple[str, ...]:
    """A phrase as normalized words (punctuation dropped)."""
    return tuple(w for w in normalize(phrase).replace(",", " ").split() if w)


@dataclass(frozen=True)
class Lexicon:
    """Expansions keyed by phrase words (as typed and folded), teencode, stop words."""

    expansions_typed: dict[tuple[str, ...], tuple[str, ...]]
    expansions_folded: dict[tuple[str, ...], tuple[str, ...]]
    teencode: dict[str, tuple[str, ...]]
    stop_typed: frozenset[str]
    stop_folded: frozenset[str]
    max_phrase: int

    @classmethod
    def load(cls, data_dir: Path | None = None) -> "Lexicon":
        """Read synonyms.tsv, teencode.tsv and stopwords.tsv."""
        base = data_dir or DATA_DIR
        typed: dict[tuple[str, ...], tuple[str, ...]] = {}
        folded: dict[tuple[str, ...], tuple[str, ...]] = {}
        for row in _rows(base / "synonyms.tsv"):
            if len(row) < 2:
                continue
            legal = tuple(t.strip() for t in row[1].split(";") if t.strip())
            for phrase in row[0].split(";"):
                ws = _words(phrase)
                if ws:
                    typed[ws] = typed.get(ws, ()) + legal
                    fw = tuple(fold_word(w) for w in ws)
                    folded[fw] = folded.get(fw, ()) + legal
        teencode = {normalize(r[0]): _words(r[1]) for r in _rows(base / "teencode.tsv") if len(r) >= 2}
        stop = frozenset(normalize(r[0]) for r in _rows(base / "stopwords.tsv") if r)
        longest = max((len(k) for k in typed), default=1)
        return cls(typed, folded, teencode, stop, frozenset(fold_word(w) for w in stop), longest)

    @classmethod
    def empty(cls) -> "Lexicon":
        """No expansions, no teencode, no stop words (exact BM25)."""
        return cls({}, {}, {}, frozenset(), frozenset(), 1)

    def expand_teencode(self, words: list[str]) -> list[str]:
        """Spell out chat abbreviations word by word ("ck" → "chồng")."""
        out: list[str] = []
        for w in words:
            out.extend(self.teencode.get(w, (w,)))
        return out

    def stop_forms(self, folded: bool) -> frozenset[str]:
        """Stop words in the form the query is matched in."""
        return self.stop_folded if folded else self.stop_typed

    def fillers_when_folded(self, uses: Mapping[str, int]) -> frozenset[str]:
        """The filler words of a query typed without diacritics, for a library where `uses` counts the articles
        using each accented word: each filler's folded form, unless other words of that form are nearly all its uses
        (FILLER_SHARE)."""
        total: dict[str, int] = {}
        filler: dict[str, int] = {}
        for word, n in uses.items():
            f = fold_word(word)
            if f in self.stop_folded:
                total[f] = total.get(f, 0) + n
                filler[f] = filler.get(f, 0) + (n if word in self.stop_typed else 0)
        return frozenset(f for f in self.stop_folded if filler.get(f, 0) >= FILLER_SHARE * total.get(f, 0))

    def expansions(self, words: list[str], folded: bool) -> list[str]:
        """Legal terms for every colloquial phrase found in the words (longest match first), then for phrases
        found with a few words inside them."""
        key = (tuple(words), folded)
        cached = self._expanded.get(key)
        if cached is None:
            if len(self._expanded) >= _CACHED:
                self._expanded.clear()
            cached = self._expanded[key] = tuple(self._expand(words, folded))
        return list(cached)

    @cached_property
    def _expanded(self) -> dict[tuple[tuple[str, ...], bool], tuple[str, ...]]:
        """The expansions of the messages seen last (the same words are expanded for the articles and the cards)."""
        return {}

    def _expand(self, words: list[str], folded: bool) -> list[str]:
        """expansions(), computed."""
        table = self.expansions_folded if folded else self.expansions_typed
        if not table:
            return []
        seq = [fold_word(w) for w in words] if folded else words
        out: list[str] = []
        i = 0
        while i < len(seq):
            for n in range(min(self.max_phrase, len(seq) - i), 0, -1):
                legal = table.get(tuple(seq[i:i + n]))
                if legal:
                    out.extend(legal)
                    i += n - 1
                    break
            i += 1
        for phrase, legal in self._gapped(self._phrases_folded if folded else self._phrases_typed, seq):
            out.extend(t for t in legal if t not in out)
        return out

    @cached_property
    def _phrases_typed(self) -> Phrases:
        """The multi-word phrases as typed, by first word."""
        return _by_first(self.expansions_typed)

    @cached_property
    def _phrases_folded(self) -> Phrases:
        """The multi-word phrases folded, by first word."""
        return _by_first(self.expansions_folded)

    @staticmethod
    def _gapped(phrases: Phrases, seq: list[str]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        """Multi-word phrases whose words appear in order with other words inside (at most MAX_GAP between two of
        them); contiguous ones are left to the longest-match pass, which lets a longer phrase shadow a shorter one."""
        where: dict[str, list[int]] = {}
        for i, w in enumerate(seq):
            where.setdefault(w, []).append(i)
        found = []
        present = set(where)
        # only phrases starting with one of her words and holding no word she did not write can match (a set test:
        # a common first word starts hundreds of phrases)
        for row, phrase, legal, _ in sorted(p for w in where for p in phrases.get(w, ()) if p[3] <= present):
            for start in where[phrase[0]]:
                at = start
                for w in phrase[1:]:
                    at = next((j for j in where[w] if at < j <= at + MAX_GAP + 1), -1)
                    if at < 0:
                        break
                if at >= 0 and at - start + 1 > len(phrase):
                    found.append((phrase, legal))
                    break
        return found


def _by_first(table: dict[tuple[str, ...], tuple[str, ...]]) -> Phrases:
    """The table's phrases of two words or more by their first word, each with its row (the table's order)."""
    out: Phrases = {}
    for row, (phrase, legal) in enumerate(table.items()):
        if len(phrase) >= 2:
            out.setdefault(phrase[0], []).append((row, phrase, legal, frozenset(phrase)))
    return out
