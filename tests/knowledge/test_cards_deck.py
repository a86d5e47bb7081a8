"""Every card of the starter deck (bot/data/cards/*.yaml) checked against everything in ../shared/laws: fields,
each cited article exists and is in force (not repealed), its clause and point exist, every number of the answer
appears in a cited article; every article question (bot/data/cards/questions-*.tsv) well formed, its article (and
clause) in force."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.knowledge.cards import checks, questions
from bot.knowledge.cards.model import card_from_fields, read_yaml_cards, yaml_files
from bot.knowledge.cards.questions import question_files, read_questions
from bot.knowledge.corpus.store import CorpusStore
from tests.conftest import ROOT

DECK = [(p.name, e) for p in yaml_files([ROOT / "bot/data/cards"]) for e in read_yaml_cards(p)]


@pytest.fixture(scope="module")
def corpus(all_laws_dir: Path):
    """The corpus of all shared laws."""
    return CorpusStore(all_laws_dir).load()


def test_the_deck_is_large_unique_and_covers_the_topics() -> None:
    ids = Counter(str(e.get("id")) for _, e in DECK)
    assert len(DECK) >= 150 and not [i for i, n in ids.items() if n > 1]
    topics = Counter(e.get("topic") for _, e in DECK)
    assert set(topics) <= set(checks.card_topics()) and len(topics) >= 15


@pytest.mark.parametrize("source, entry", DECK, ids=[str(e.get("id")) for _, e in DECK])
def test_card(source: str, entry: dict, corpus) -> None:
    assert checks.check_fields(entry, checks.next_steps()) == []
    card = card_from_fields(entry, source)
    assert checks.check_articles(card, corpus) == []
    assert len(card.answer) <= checks.MAX_ANSWER


QUESTIONS = [q for p in question_files([ROOT / "bot/data/cards"]) for q in read_questions(p)]


def test_the_article_questions_are_many_well_formed_and_typed_as_women_type() -> None:
    assert questions.shape_problems(QUESTIONS) == []
    assert len(QUESTIONS) >= 1000 and len({q.key.partition(".")[0] for q in QUESTIONS}) >= 250
    assert 0.25 <= questions.plain_share(QUESTIONS) <= 0.5  # about a third typed without diacritics


def test_every_article_question_names_an_article_in_force(corpus) -> None:
    assert questions.corpus_problems(QUESTIONS, corpus) == {}
