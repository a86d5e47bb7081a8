"""Officials' answer cards and teaching, from any door (CLI, /admin, the console): import, edit, retire, review,
teach; each change is a new corpus version sharing the documents and index, published to every process, audited."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from bot.knowledge.cards import checks
from bot.knowledge.cards import questions as article_questions
from bot.knowledge.cards.model import (
    Card,
    CardDeck,
    CardFileError,
    Example,
    card_from_fields,
    card_to_dict,
    deck_files,
    load_deck,
    read_yaml_cards,
    yaml_files,
)
from bot.knowledge.corpus.store import CorpusStore
from bot.knowledge.topics import texts
from bot.officials import audit
from bot.officials import laws as law_admin
from bot.officials.card_report import CardReport, by_document, format_report  # noqa: F401 - card_admin.format_report
from bot.store import stats

MAX_TAUGHT_CHARS = 300


class CardError(ValueError):
    """A card operation that cannot be done; `problems` lists why (in officials' words)."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        """The message and the problems behind it."""
        super().__init__(message)
        self.problems = tuple(problems)


def _now() -> str:
    """Now, for a card's "updated"."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _change(settings: Any, store: Any, actor: str, action: str,
            change: Callable[[CardDeck, Any], tuple[CardDeck, CardReport]], **details: Any) -> CardReport:
    """Run a deck change under the corpus locks as a new version (documents and index shared), publish it,
    audit it. The change raises CardError to leave everything as it was."""
    outcome: dict[str, Any] = {}

    def files(corpus: Any, folder: Path) -> dict[str, str]:
        """The new deck's files, computed from the version in force."""
        deck, report = change(load_deck(folder), corpus)
        outcome["report"] = dataclasses.replace(report, old_version=corpus.version)
        return deck_files(deck)

    try:
        version = law_admin.change_files(settings, store, files)  # every host gets the new version
    except LookupError as exc:
        raise CardError(str(exc)) from exc
    report = dataclasses.replace(outcome["report"], version=version)
    audit.record(store, actor, action, version=version, counts=report.counts(), **details,
                 added=list(report.added), changed=list(report.changed), retired=list(report.retired),
                 flagged=list(report.flagged), cards_waiting=list(report.waiting_card_ids()))
    return report


def _checked(card: Card, corpus: Any, actor: str) -> Card:
    """The card checked against the corpus now: its problems and the digests of the articles it was checked on."""
    return dataclasses.replace(card, problems=tuple(checks.check_articles(card, corpus)),
                               reviewed=checks.digests(card, corpus), updated=_now(), updated_by=actor)


def _entries(entries: Sequence[tuple[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(source, fields) pairs whose fields pass the shape checks; CardError listing every problem otherwise."""
    steps = checks.next_steps()
    problems: list[str] = []
    seen: set[str] = set()
    for source, entry in entries:
        name = entry.get("id") if isinstance(entry, dict) else "?"
        problems += [f"{source}: {name}: {p}" for p in checks.check_fields(entry, steps)]
        if isinstance(entry, dict) and entry.get("id") in seen:
            problems.append(f"{source}: {name}: " + texts().get("card_problem_same_id", value=name))
        seen.add(str(name))
    if problems:
        raise CardError(f"{len(problems)} problem(s): nothing was imported", problems)
    return [(s, e) for s, e in entries]


def _merge(deck: CardDeck, corpus: Any, incoming: list[Card], sources: set[str], actor: str,
           retire_missing: bool) -> tuple[CardDeck, CardReport]:
    """Add or replace cards by id (checked against the corpus); with retire_missing, retire the cards that came
    from the same sources and are no longer there. Unchanged cards keep their review state."""
    added, changed, unchanged, retired, cards = [], [], [], [], []
    for card in incoming:
        old = deck.get(card.id)
        if old is not None and not old.retired and old.content() == card.content():
            unchanged.append(card.id)
            if old.source != card.source:
                cards.append(dataclasses.replace(old, source=card.source))
            continue
        (added if old is None or old.retired else changed).append(card.id)
        cards.append(_checked(card, corpus, actor))
    ids = {c.id for c in incoming}
    if retire_missing:
        for old in deck.active():
            if old.source in sources and old.id not in ids:
                retired.append(old.id)
                cards.append(dataclasses.replace(old, retired=True, updated=_now(), updated_by=actor))
    new = deck.with_cards(cards)
    reasons = {i: tuple(r) for i in ids if (r := checks.review_reasons(new.cards[i], corpus))}
    # Still flagged (never shown) either way; a card only waiting for a law not imported yet is counted per law.
    waits = {i: docs for i, r in reasons.items() if (docs := checks.waiting_documents(new.cards[i], corpus, r))}
    titles = {c.id: c.title for c in new.cards.values()}
    return new, CardReport(added=tuple(added), changed=tuple(changed), retired=tuple(retired),
                           unchanged=tuple(unchanged), flagged={i: r for i, r in reasons.items() if i not in waits},
                           titles=titles, cards_waiting=by_document(waits))


def import_files(settings: Any, store: Any, sources: Sequence[str | Path], actor: str) -> CardReport:
    """Import card YAML files and article questions files (questions-*.tsv), or folders of them: cards replaced by
    id, a card no longer in its file retired; a questions file's examples replaced by its rows. Any malformed card
    or row refuses the whole import; a card whose articles fail the checks is kept, flagged; a row whose article
    is missing or not in force is left out, reported."""
    try:
        rows = [r for p in article_questions.question_files(sources) for r in article_questions.read_questions(p)]
        paths = yaml_files(sources) if not rows or any(Path(s).suffix != ".tsv" for s in sources) else []
        entries = [(p.name, e) for p in paths for e in read_yaml_cards(p)]
    except CardFileError as exc:
        raise CardError(str(exc), [str(exc)]) from exc
    if problems := article_questions.shape_problems(rows):
        raise CardError(f"{len(problems)} problem(s): nothing was imported", problems)
    checked = _entries(entries)
    incoming = [card_from_fields(e, s) for s, e in checked]
    names = {r.source for r in rows}

    def change(deck: CardDeck, corpus: Any) -> tuple[CardDeck, CardReport]:
        """Merge the incoming cards, then replace the files' article questions."""
        new, report = _merge(deck, corpus, incoming, {p.name for p in paths}, actor, True)
        merged = article_questions.merge(new.examples, rows, names, corpus, actor, _now())
        total = sum(e.source in names for e in merged.examples)
        return new.with_examples(merged.examples), dataclasses.replace(
            report, taught=merged.added, questions=(merged.added, merged.dropped, total) if names else (),
            flagged={**report.flagged, **merged.problems}, waiting=merged.waiting)

    return _change(settings, store, actor, "cards_import", change, sources=[str(p.name) for p in paths] or None,
                   questions=sorted(names) or None)


def import_entries(settings: Any, store: Any, entries: Sequence[tuple[str, Any]], actor: str,
                   retire_missing: bool = False, sources: Sequence[str] = ()) -> CardReport:
    """Import cards given as (source name, fields) pairs (an uploaded file, a JSON body, an edit)."""
    checked = _entries(entries)
    incoming = [card_from_fields(e, s) for s, e in checked]

    def change(deck: CardDeck, corpus: Any) -> tuple[CardDeck, CardReport]:
        """Merge the incoming cards."""
        return _merge(deck, corpus, incoming, set(sources) or {s for s, _ in checked}, actor, retire_missing)

    return _change(settings, store, actor, "cards_import", change, sources=list(sources) or None)


def save_card(settings: Any, store: Any, fields: dict[str, Any], actor: str, card_id: str = "") -> CardReport:
    """Create or edit one card from its fields (the id in the fields, or card_id for an edit)."""
    fields = {**fields, "id": card_id or fields.get("id")} if isinstance(fields, dict) else fields
    current = load_deck(_current_dir(settings))
    old = current.get(str(fields.get("id"))) if isinstance(fields, dict) else None
    return import_entries(settings, store, [(old.source if old is not None else "", fields)], actor)


def _current_dir(settings: Any) -> Path | None:
    """The folder of the corpus version in force (None before the first import)."""
    cs = CorpusStore(settings.laws_dir)
    version = cs.current_version()
    return cs.version_dir(version) if version else None


def _one(deck: CardDeck, card_id: str) -> Card:
    """An active card, or CardError."""
    card = deck.get(card_id)
    if card is None or card.retired:
        raise CardError(texts().get("card_problem_unknown", value=card_id))
    return card


def retire_card(settings: Any, store: Any, card_id: str, actor: str) -> CardReport:
    """Stop using a card (kept in the deck, retired; importing it again brings it back)."""
    def change(deck: CardDeck, corpus: Any) -> tuple[CardDeck, CardReport]:
        """Mark the card retired."""
        card = _one(deck, card_id)
        new = dataclasses.replace(card, retired=True, updated=_now(), updated_by=actor)
        return deck.with_cards([new]), CardReport(retired=(card.id,), titles={card.id: card.title})

    return _change(settings, store, actor, "cards_retire", change, id=card_id)


def review_card(settings: Any, store: Any, card_id: str, actor: str) -> CardReport:
    """An official has read the card against its articles as they are now: check it again and, when it passes,
    let it answer again (CardError with the problems when it does not: edit the card first)."""
    def change(deck: CardDeck, corpus: Any) -> tuple[CardDeck, CardReport]:
        """Check and clear the flag."""
        card = _checked(_one(deck, card_id), corpus, actor)
        if card.problems:
            raise CardError(texts().get("card_problem_still", value=card_id), card.problems)
        return deck.with_cards([card]), CardReport(changed=(card.id,), titles={card.id: card.title})

    return _change(settings, store, actor, "cards_review", change, id=card_id)


def teach(settings: Any, store: Any, question: str, actor: str, card: str = "", article: str = "") -> CardReport:
    """Make a question an example of a card or of an article (DOC:ARTICLE): from the next search, in every
    process, asking it ranks that card or article first."""
    text = " ".join(str(question or "").split())[:MAX_TAUGHT_CHARS]
    card, article = str(card or "").strip(), str(article or "").strip()
    t = texts()

    def change(deck: CardDeck, corpus: Any) -> tuple[CardDeck, CardReport]:
        """Append the example (once)."""
        if not text:
            raise CardError(t.get("card_problem_example_text"))
        if bool(card) == bool(article):
            raise CardError(t.get("card_problem_example_both"))
        target_card = _one(deck, card) if card else None
        found = corpus.article(article) if article else None
        if article and found is None:
            raise CardError(t.get("card_problem_example_article", value=article))
        example = Example(text, target_card.id if target_card else "", found.key if found else "", _now(), actor)
        same = [e for e in deck.examples if (e.text.lower(), e.target) == (text.lower(), example.target)]
        examples = deck.examples if same else (*deck.examples, example)
        return deck.with_examples(examples), CardReport(taught=len(examples) - len(deck.examples))

    return _change(settings, store, actor, "teach", change, question=text, card=card, article=article)


def list_cards(settings: Any, library: Any = None, include_retired: bool = False) -> list[dict[str, Any]]:
    """Cards in stored order: id, topic, title, articles, whether retired or waiting for review (and why)."""
    deck, flagged = _deck_and_flags(settings, library)
    return [{"id": c.id, "topic": c.topic, "title": c.title, "articles": list(c.articles),
             "questions": len(c.questions), "source": c.source, "retired": c.retired,
             "needs_review": c.id in flagged, "review": list(flagged.get(c.id, ())), "updated": c.updated}
            for c in deck.cards.values() if include_retired or not c.retired]


def show_card(settings: Any, card_id: str, library: Any = None) -> dict[str, Any] | None:
    """One card in full, with its review state and the questions officials taught it."""
    deck, flagged = _deck_and_flags(settings, library)
    card = deck.get(card_id)
    if card is None:
        return None
    return {**card_to_dict(card), "needs_review": card.id in flagged, "review": list(flagged.get(card.id, ())),
            "taught": [e.text for e in deck.examples if e.card == card.id]}


def _current(library: Any, cs: CorpusStore) -> bool:
    """True when a served library holds the version in force (a process reloads a second or so after a change)."""
    return getattr(library, "cards", None) is not None and getattr(library, "version", None) == cs.current_version()


def _deck_and_flags(settings: Any, library: Any = None) -> tuple[CardDeck, dict[str, tuple[str, ...]]]:
    """The deck in force and its flagged cards: from a loaded library of the version in force, else from disk."""
    cs = CorpusStore(settings.laws_dir)
    if _current(library, cs):
        return library.cards.deck, library.cards.flagged
    deck = load_deck(_current_dir(settings))
    corpus = cs.load()
    return deck, {c.id: tuple(r) for c in deck.active() if (r := checks.review_reasons(c, corpus))}


def questions(settings: Any, store: Any, days: int = 30, library: Any = None) -> list[dict[str, Any]]:
    """Questions to teach from (unanswered, or marked "Chưa đúng"), newest first, each with what it was taught to."""
    deck = library.cards.deck if _current(library, CorpusStore(settings.laws_dir)) else load_deck(_current_dir(settings))
    taught = {e.text.lower(): e.target for e in deck.examples}
    return [{**q, "taught": taught.get(q["query"].lower(), "")} for q in stats.questions(store, days)]
