"""What a message shows before its words are read: a phone number, a link, a minus sign, words that cannot be
Vietnamese syllables (English)."""
from __future__ import annotations

import re

# a Vietnamese mobile or landline number: 0 or +84, then 8-10 digits, spaces, dots or dashes between groups;
# not part of a document number (52/2014/QH13) or an amount (100.000.000)
PHONE_RE = re.compile(r"(?<![\w/.,])(?:\+\s?84|0)(?:[\s.\-]?\d){8,10}(?![\w/])")
LINK_RE = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:com|vn|net|org|me|info|io|ly|gl|to|link)\b(?:/\S*)?",
    re.IGNORECASE)
# "-1", "số -2": a minus sign straight before a number
NEGATIVE_RE = re.compile(r"(?:^|[\s(])[-−–]\s*\d")
# one syllable as Vietnamese writes it, read without diacritics: onset, 1-3 vowels, an allowed final
_SYLLABLE_RE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?")
_VOWEL_RE = re.compile(r"[aeiouy]")
_LAUGHTER_RE = re.compile(r"(?:h[aeiou]){2,}h?|(?:k[ae]){2,}|k{3,}|(?:hi|he|ha|hu){1,}x?|hic|hix")


def contacts(text: str) -> tuple[str, str]:
    """("phone" | "link" | "", the text with every phone number and link taken out)."""
    kind = ""
    if PHONE_RE.search(text):
        kind, text = "phone", PHONE_RE.sub(" ", text)
    if LINK_RE.search(text):
        kind, text = kind or "link", LINK_RE.sub(" ", text)
    return kind, " ".join(text.split())


def negative(text: str) -> bool:
    """True when a number in the text carries a minus sign ("-1")."""
    return NEGATIVE_RE.search(text) is not None


def foreign(folded: str) -> bool:
    """True for a word no Vietnamese syllable is spelled like ("leave", "how"); "bhxh", "sdt" (no vowel) are not."""
    return bool(_VOWEL_RE.search(folded)) and not folded.isdigit() and _SYLLABLE_RE.fullmatch(folded) is None


def laughter(folded: str) -> bool:
    """True for laughter or crying written out: "hihihi", "hahaha", "kkk", "keke", "huhu", "hix"."""
    return _LAUGHTER_RE.fullmatch(folded) is not None
