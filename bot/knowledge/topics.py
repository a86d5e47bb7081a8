"""The subscription topics of bot/data/topics.tsv: names, aliases, the documents and title words that place a law
under a topic, and the wording of subscription and law-update messages (bot/data/officials.json)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from bot.ops.datafiles import DATA_DIR, Texts, read_tsv


def fold(text: str) -> str:
    """Lower case, no diacritics, đ→d, punctuation to spaces, single spaces."""
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(re.sub(r"[^\w#:,-]+", " ", text).split())


@dataclass(frozen=True)
class Topic:
    """A subscription topic and what identifies it in text, documents and titles."""

    slug: str
    name: str
    aliases: tuple[str, ...]
    documents: tuple[str, ...]
    title_words: tuple[str, ...]


def _split(cell: str) -> tuple[str, ...]:
    """The comma-separated values of a cell."""
    return tuple(p.strip() for p in cell.split(",") if p.strip())


@lru_cache(maxsize=1)
def topics() -> tuple[Topic, ...]:
    """The topics of bot/data/topics.tsv, in file order."""
    return tuple(Topic(r[0], r[1], _split(r[2]), _split(r[3]), _split(r[4]) if len(r) > 4 else ())
                 for r in read_tsv("topics.tsv"))


@lru_cache(maxsize=1)
def texts() -> Texts:
    """Wording of confirmations and law-update messages (bot/data/officials.json)."""
    return Texts.load(DATA_DIR / "officials.json")


def find_topic(text: str) -> Topic | None:
    """The topic named exactly by text (slug, name or alias, with or without diacritics)."""
    wanted = fold(text).replace("-", " ")
    wanted_words = [w for w in wanted.split() if w not in ("va",)]
    for topic in topics():
        names = (topic.slug.replace("-", " "), topic.name) + topic.aliases
        for name in names:
            if [w for w in fold(name).split() if w != "va"] == wanted_words:
                return topic
    return None


def topic_of_document(number: str, title: str = "") -> str | None:
    """The topic slug of a document: by its number, else by words of its title."""
    for topic in topics():
        if number.upper() in (d.upper() for d in topic.documents):
            return topic.slug
    folded = fold(title)
    for topic in topics():
        if any(fold(w) in folded for w in topic.title_words):
            return topic.slug
    return None


def topic_names(slugs: Iterable[str]) -> str:
    """Topic names joined for a message."""
    by_slug = {t.slug: t.name for t in topics()}
    return texts().get("topic_separator").join(by_slug.get(s, s) for s in slugs)
