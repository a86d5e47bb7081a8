"""Checks of answer cards: their fields, and against a corpus version — each cited article exists and is in force
(not repealed), its clause and point exist, and every number of the answer appears in a cited article. A card that
fails, or whose cited articles changed since it was last checked, waits for an official's review."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Sequence

from bot.knowledge.cards.model import Card, parse_ref, text_digest
from bot.knowledge.cards.numbers import missing_numbers
from bot.knowledge.topics import texts
from bot.ops.datafiles import Texts, read_tsv

MIN_QUESTIONS = 6
MIN_PLAIN_QUESTIONS = 2
MAX_ANSWER = 600
MIN_ARTICLES, MAX_ARTICLES = 1, 4
STEP_PREFIX = "card_step_"  # bot/data/messages.json: the wording of each next step a card may point to

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MARKDOWN_RE = re.compile(r"(\*\*|__|^#|^\s*[-*] |\[[^\]]*\]\()", re.MULTILINE)
DOC_NUMBER_RE = re.compile(r"\b\d+/\d{4}/[A-ZĐ]")


@lru_cache(maxsize=1)
def card_topics() -> dict[str, str]:
    """Topics a card may have (bot/data/cards/topics.tsv): slug → name."""
    return {row[0]: row[1] if len(row) > 1 else row[0] for row in read_tsv("cards/topics.tsv")}


def next_steps() -> frozenset[str]:
    """The next steps a card may name: those whose wording bot/data/messages.json holds (card_step_<name>)."""
    return frozenset(k[len(STEP_PREFIX):] for k in Texts.load().keys() if k.startswith(STEP_PREFIX))


def has_diacritics(text: str) -> bool:
    """True when the text holds a Vietnamese letter with a diacritic (đ included)."""
    decomposed = unicodedata.normalize("NFD", text)
    return any(unicodedata.category(ch) == "Mn" for ch in decomposed) or "đ" in text.lower()


def _say(name: str, **fmt: Any) -> str:
    """An officials' message (bot/data/officials.json "card_problem_<name>")."""
    return texts().get(f"card_problem_{name}", **fmt)


def _questions(questions: Any) -> list[str]:
    """Problems with a card's example questions."""
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        return [_say("questions")]
    problems = []
    if len(questions) < MIN_QUESTIONS:
        problems.append(_say("few_questions", count=len(questions), need=MIN_QUESTIONS))
    plain = [q for q in questions if not has_diacritics(q)]
    if len(plain) < MIN_PLAIN_QUESTIONS:
        problems.append(_say("plain_questions", count=len(plain), need=MIN_PLAIN_QUESTIONS))
    lowered = [unicodedata.normalize("NFC", q).strip().lower() for q in questions]
    if len(set(lowered)) != len(lowered):
        problems.append(_say("duplicate_questions"))
    return problems


def _answer(answer: Any) -> list[str]:
    """Problems with a card's answer text."""
    if not isinstance(answer, str) or not answer.strip():
        return [_say("answer")]
    problems = []
    if len(answer.strip()) > MAX_ANSWER:
        problems.append(_say("answer_long", count=len(answer.strip()), limit=MAX_ANSWER))
    if MARKDOWN_RE.search(answer):
        problems.append(_say("markdown"))
    if DOC_NUMBER_RE.search(answer):
        problems.append(_say("doc_number"))
    return problems


def check_fields(card: Any, steps: frozenset[str]) -> list[str]:
    """Problems with the shape of one card as written (not with its articles); `steps` are the allowed next steps."""
    if not isinstance(card, dict):
        return [_say("not_mapping")]
    problems: list[str] = []
    cid = card.get("id")
    if not isinstance(cid, str) or not SLUG_RE.match(cid):
        problems.append(_say("id", value=cid))
    if card.get("topic") not in card_topics():
        problems.append(_say("topic", value=card.get("topic")))
    title = card.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(_say("title"))
    problems += _questions(card.get("questions")) + _answer(card.get("answer"))
    articles = card.get("articles")
    if not isinstance(articles, list) or not MIN_ARTICLES <= len(articles) <= MAX_ARTICLES:
        problems.append(_say("articles", low=MIN_ARTICLES, high=MAX_ARTICLES))
    else:
        problems += [_say("article_key", value=key) for key in articles if parse_ref(key) is None]
        if len(set(map(str, articles))) != len(articles):
            problems.append(_say("article_twice"))
    next_steps = card.get("next_steps", [])
    if not isinstance(next_steps, list) or any(s not in steps for s in next_steps):
        problems.append(_say("next_steps", value=next_steps, allowed=", ".join(sorted(steps))))
    unknown = set(card) - {"id", "topic", "title", "questions", "answer", "articles", "next_steps"}
    if unknown:
        problems.append(_say("fields", value=", ".join(sorted(map(str, unknown)))))
    return problems


def resolve(key: str, corpus: Any) -> tuple[Any, str]:
    """The cited article of a key, or a problem: unknown document or article, not in force, no such clause/point."""
    ref = parse_ref(key)
    if ref is None:
        return None, _say("article_key", value=key)
    doc = corpus.document(ref.doc)
    if doc is None:
        return None, _say("no_document", ref=key, doc=ref.doc)
    if not doc.in_force:
        return None, _say("not_in_force", ref=key, doc=ref.doc)
    article = corpus.article(ref.article_key)
    if article is None:
        return None, _say("no_article", ref=key, doc=ref.doc, article=ref.article)
    if article.repealed:
        return None, _say("repealed", ref=key, doc=ref.doc, article=ref.article)
    if ref.clause:
        clause = next((c for c in article.clauses if c.number == ref.clause), None)
        if clause is None:
            return None, _say("no_clause", ref=key, article=ref.article, clause=ref.clause)
        if ref.point and ref.point not in {p.letter for p in clause.points}:
            return None, _say("no_point", ref=key, clause=ref.clause, point=ref.point)
    return article, ""


def check_articles(card: Card, corpus: Any) -> list[str]:
    """Problems with the card's articles in this corpus and with the numbers of its answer."""
    problems: list[str] = []
    found = []
    for key in card.articles:
        article, problem = resolve(key, corpus)
        if problem:
            problems.append(problem)
        elif article is not None:
            found.append(article)
    if found and card.answer:
        texts_ = [f"{a.title}\n{a.text}" for a in found]
        problems += [_say("number", value=n) for n in missing_numbers(card.answer, texts_)]
    return problems


def article_digest(corpus: Any, key: str) -> str:
    """What a review vouches for: the article's title, text and its document's status ("" when missing)."""
    article = corpus.article(key)
    if article is None:
        return ""
    document = corpus.document(article.doc)
    status = getattr(document, "status", "") if document is not None else ""
    return text_digest(article.title, article.text, status, "repealed" if article.repealed else "")


def digests(card: Card, corpus: Any) -> tuple[tuple[str, str], ...]:
    """(DOC:ARTICLE, digest) of each cited article as it is in this corpus."""
    return tuple(sorted((key, article_digest(corpus, key)) for key in card.article_keys))


def review_reasons(card: Card, corpus: Any) -> list[str]:
    """Why a card must wait for an official: problems found when it was checked, or a cited article that changed,
    went or stopped being in force since then ([] when the card can answer)."""
    reasons = list(card.problems)
    reviewed = dict(card.reviewed)
    for key, digest in digests(card, corpus):
        if reviewed.get(key) != digest:
            reasons.append(_say("changed", ref=key))
    return reasons


def waiting_documents(card: Card, corpus: Any, reasons: Sequence[str]) -> tuple[str, ...]:
    """The documents absent from this library that the card cites, when citing them is all it waits for (else ())."""
    missing = {key: ref.doc for key in card.articles if (ref := parse_ref(key)) is not None
               and corpus.document(ref.doc) is None}
    # Compared as the officials' words stored when the card was checked: a reason worded otherwise (or any other
    # problem) keeps the card among those to review, one line per problem.
    expected = {_say("no_document", ref=key, doc=doc) for key, doc in missing.items()}
    return tuple(sorted(set(missing.values()))) if reasons and set(reasons) <= expected else ()


def affected_cards(cards: list[Card], report: Any) -> list[str]:
    """Cards citing an article a law change report changed or removed, or a document that changed status or
    went (bot.knowledge.changes.ChangeReport): they wait for review."""
    articles = {a.key for a in report.articles() if a.kind in ("changed", "removed")}
    documents = {d.number for d in report.documents if d.kind == "removed" or d.status_changed}
    return [c.id for c in cards if any(k in articles or k.rpartition(":")[0] in documents for k in c.article_keys)]
