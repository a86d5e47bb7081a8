"""Vietnamese text analysis: NFC + lower case, accent folding, syllables and pyvi words.

Document numbers ("52/2014/QH13", "145/2020/NĐ-CP"), article numbers ("139", "217a") and percentages
("20%") stay single tokens so they remain findable.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.knowledge.search.wordseg import segment_syllables

# one unit = a document number, a number (with %/letter suffix), a word, or one punctuation mark
_UNIT_RE = re.compile(
    r"\d+(?:/[^\W_]+)+(?:-[^\W_]+)*"  # 52/2014/QH13, 145/2020/NĐ-CP, 01/01/2015
    r"|\d+(?:[.,]\d+)*(?:%|[a-zđA-ZĐ](?![^\W_]))?"  # 139, 217a, 20%, 1.000.000, 3,5
    r"|[^\W_]+"
    r"|[^\w\s]|_|\n",
)
_SENTENCE_END = frozenset(".;:!?\n")
_CHUNK_UNITS = 100  # ~500 characters: the CRF runs per chunk, keeping memory and cost linear
_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D"})


def normalize(s: str) -> str:
    """NFC and lower case (inputs arrive both NFC and NFD)."""
    return unicodedata.normalize("NFC", s).lower()


@lru_cache(maxsize=65536)
def fold_word(w: str) -> str:
    """Fold one already-normalized word (cached: the vocabulary repeats a lot)."""
    if w.isascii():
        return w
    decomposed = unicodedata.normalize("NFD", w.translate(_FOLD_TABLE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(s: str) -> str:
    """Lower case without diacritics, đ→d: "Điều" → "dieu"."""
    return " ".join(fold_word(w) for w in normalize(s).split(" "))


def has_diacritics(word: str) -> bool:
    """True when the (normalized) word carries Vietnamese marks or đ."""
    return not word.isascii() and fold_word(word) != word


def units(s: str) -> list[str]:
    """Syllables, numbers, punctuation marks and line ends of NFC text, case kept (pyvi's features read case)."""
    return _UNIT_RE.findall(unicodedata.normalize("NFC", s))


def _chunks(us: list[str]) -> list[list[str]]:
    """Split units at sentence ends into chunks of at most ~_CHUNK_UNITS."""
    chunks: list[list[str]] = []
    cur: list[str] = []
    for u in us:
        cur.append(u)
        if (u in _SENTENCE_END and len(cur) >= 8) or len(cur) >= _CHUNK_UNITS:
            chunks.append(cur)
            cur = []
    if cur:
        chunks.append(cur)
    return chunks


def is_token(u: str) -> bool:
    """Punctuation is not a token."""
    return u[0].isalnum()


def syllables(s: str) -> list[str]:
    """Normalized syllables and numbers, punctuation dropped (no segmentation: cheap)."""
    return [u.lower() for u in units(s) if is_token(u)]


def tokenize(s: str) -> list[str]:
    """pyvi words ("thai_sản"), lower case, numbers kept, punctuation dropped; long text chunked."""
    words: list[str] = []
    for chunk in _chunks(units(s)):
        words.extend(w.lower() for w in segment_syllables(chunk) if is_token(w))
    return words
