"""Answer cards and taught examples as plain values, read from officials' YAML files and kept as JSON lines in each
corpus version directory (cards.jsonl, taught.jsonl) so they roll back with the corpus."""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

CARDS_FILE = "cards.jsonl"
TAUGHT_FILE = "taught.jsonl"
CARD_FIELDS = ("id", "topic", "title", "questions", "answer", "articles", "next_steps")
KEY_RE = re.compile(
    r"^(?P<doc>[0-9]+/[0-9]{4}/[A-ZĐ0-9/\-]+|[0-9]+/[A-ZĐ0-9/\-]+):(?P<article>[0-9]+[a-z]?)"
    r"(?:\.(?P<clause>[0-9]+[a-z]?)(?:\.(?P<point>[a-zđ]))?)?$"
)


class CardFileError(ValueError):
    """A card file that cannot be read (not YAML, not a list of cards)."""


@dataclass(frozen=True)
class ArticleRef:
    """A cited unit of law: `45/2019/QH14:139.1.a` is point a, clause 1, Điều 139 of 45/2019/QH14."""

    doc: str
    article: str
    clause: str = ""
    point: str = ""

    @property
    def key(self) -> str:
        """The reference as written."""
        tail = "".join(f".{p}" for p in (self.clause, self.point) if p)
        return f"{self.doc}:{self.article}{tail}"

    @property
    def article_key(self) -> str:
        """The article's key DOC:ARTICLE (what search hits and buttons use)."""
        return f"{self.doc}:{self.article}"


def parse_ref(text: Any) -> ArticleRef | None:
    """Parse DOC:ARTICLE[.CLAUSE[.POINT]]; None when it does not have that shape."""
    m = KEY_RE.match(unicodedata.normalize("NFC", str(text)).strip())
    if not m:
        return None
    return ArticleRef(m.group("doc"), m.group("article"), m.group("clause") or "", m.group("point") or "")


@dataclass(frozen=True)
class Card:
    """One answer card: its content as officials wrote it and its review state against the corpus."""

    id: str
    topic: str
    title: str
    questions: tuple[str, ...]
    answer: str
    articles: tuple[str, ...]  # DOC:ARTICLE[.CLAUSE[.POINT]], most important first
    next_steps: tuple[str, ...] = ()
    source: str = ""  # the file it came from ("hon-nhan.yaml"); a re-import of that file retires what it dropped
    retired: bool = False
    problems: tuple[str, ...] = ()  # found by the last check (import or review): the card waits for an official
    reviewed: tuple[tuple[str, str], ...] = ()  # (DOC:ARTICLE, digest of the article) when last checked
    updated: str = ""
    updated_by: str = ""

    @property
    def refs(self) -> tuple[ArticleRef, ...]:
        """The cited units, parsed (malformed keys left out: the checks report them)."""
        return tuple(r for r in (parse_ref(a) for a in self.articles) if r is not None)

    @property
    def article_keys(self) -> tuple[str, ...]:
        """The cited articles (DOC:ARTICLE), once each, in citing order."""
        return tuple(dict.fromkeys(r.article_key for r in self.refs))

    def content(self) -> dict[str, Any]:
        """What officials write (the fields of a YAML card): equal contents mean an unchanged card."""
        return {"id": self.id, "topic": self.topic, "title": self.title, "questions": list(self.questions),
                "answer": self.answer, "articles": list(self.articles), "next_steps": list(self.next_steps)}


@dataclass(frozen=True)
class Example:
    """A question officials taught: it now ranks a card (card id) or an article (DOC:ARTICLE) first."""

    text: str
    card: str = ""
    article: str = ""
    added: str = ""
    added_by: str = ""
    source: str = ""  # the questions file it came from (questions-*.tsv); "" when taught one by one

    @property
    def target(self) -> str:
        """"card:<id>" or "article:<DOC:ARTICLE>"."""
        return f"card:{self.card}" if self.card else f"article:{self.article}"


def _texts(value: Any) -> tuple[str, ...]:
    """A list of strings (NFC, stripped) from a YAML/JSON value; anything else gives ()."""
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(unicodedata.normalize("NFC", str(v)).strip() for v in value if str(v).strip())


def _text(value: Any) -> str:
    """A string field as NFC, whitespace runs in one line collapsed (YAML folding may leave doubles)."""
    if not isinstance(value, str):
        return ""
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", value).strip().split("\n")]
    return "\n".join(lines)


def card_from_fields(data: dict[str, Any], source: str = "") -> Card:
    """A card from its YAML/JSON fields (checked beforehand by bot.knowledge.cards.checks.check_fields)."""
    return Card(id=str(data.get("id", "")).strip(), topic=str(data.get("topic", "")).strip(),
                title=_text(data.get("title")), questions=_texts(data.get("questions")),
                answer=_text(data.get("answer")), articles=_texts(data.get("articles")),
                next_steps=_texts(data.get("next_steps")), source=source)


def card_to_dict(card: Card) -> dict[str, Any]:
    """JSON-ready form (one line of cards.jsonl)."""
    data = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(card).items()}
    data["reviewed"] = dict(card.reviewed)
    return data


def card_from_dict(data: dict[str, Any]) -> Card:
    """Inverse of card_to_dict."""
    base = card_from_fields(data, str(data.get("source", "")))
    return replace(base, retired=bool(data.get("retired")), problems=_texts(data.get("problems")),
                   reviewed=tuple(sorted((str(k), str(v)) for k, v in (data.get("reviewed") or {}).items())),
                   updated=str(data.get("updated", "")), updated_by=str(data.get("updated_by", "")))


@dataclass(frozen=True)
class CardDeck:
    """Every card of a corpus version (retired ones included) and the taught examples."""

    cards: dict[str, Card] = field(default_factory=dict)
    examples: tuple[Example, ...] = ()

    def active(self) -> list[Card]:
        """Cards in use (not retired), in stored order."""
        return [c for c in self.cards.values() if not c.retired]

    def get(self, card_id: str) -> Card | None:
        """A card by id (retired ones too)."""
        return self.cards.get(str(card_id).strip())

    def with_cards(self, cards: Iterable[Card]) -> "CardDeck":
        """A copy with these cards added or replaced by id (order kept, new ones last)."""
        merged = dict(self.cards)
        for card in cards:
            merged[card.id] = card
        return CardDeck(merged, self.examples)

    def with_examples(self, examples: Iterable[Example]) -> "CardDeck":
        """A copy holding these taught examples."""
        return CardDeck(self.cards, tuple(examples))


def _lines(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a .jsonl file ([] when it does not exist)."""
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_deck(version_dir: Path | None) -> CardDeck:
    """The deck stored in a corpus version directory (empty when it holds none)."""
    if version_dir is None:
        return CardDeck()
    cards = [card_from_dict(d) for d in _lines(Path(version_dir) / CARDS_FILE)]
    examples = tuple(Example(str(d.get("text", "")), str(d.get("card", "")), str(d.get("article", "")),
                             str(d.get("added", "")), str(d.get("added_by", "")), str(d.get("source", "")))
                     for d in _lines(Path(version_dir) / TAUGHT_FILE))
    return CardDeck({c.id: c for c in cards}, examples)


def deck_files(deck: CardDeck) -> dict[str, str]:
    """The files a deck is stored in: name → content (JSON lines)."""
    def dump(rows: list[dict[str, Any]]) -> str:
        return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)

    return {CARDS_FILE: dump([card_to_dict(c) for c in deck.cards.values()]),
            TAUGHT_FILE: dump([asdict(e) for e in deck.examples])}


def read_yaml_cards(path: Path) -> list[Any]:
    """The entries of one card YAML file (a list); CardFileError when it is not one."""
    import yaml  # only the officials' import reads YAML

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CardFileError(f"{Path(path).name}: cannot read it as YAML ({exc})") from exc
    if not isinstance(data, list):
        raise CardFileError(f"{Path(path).name}: the file must hold a list of cards")
    return data


def yaml_files(sources: Iterable[str | Path]) -> list[Path]:
    """Card files named by the sources: a .yaml/.yml file, or every such file of a folder (sorted)."""
    out: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        elif path.is_file():
            out.append(path)
        else:
            raise CardFileError(f"{source}: no such file or folder")
    if not out:
        raise CardFileError("no card files (.yaml) found")
    return out


def text_digest(*parts: str) -> str:
    """A short digest of texts, insensitive to reflowed whitespace and Unicode form."""
    joined = "\x1f".join(" ".join(unicodedata.normalize("NFC", p).split()) for p in parts)
    return hashlib.sha256(joined.encode()).hexdigest()[:16]
