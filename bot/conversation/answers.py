"""Answers built from the law library: result lists, full texts, clause look-ups (no state here; hotlines:
bot/conversation/hotlines.py)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import AbstractSet, Any, Callable, Mapping, Sequence

from bot.conversation.intents import Intents, fold_chars, words
from bot.conversation.replies import (
    ListItem,
    article_body,
    article_title,
    citation,
    clause_text,
    full_text_messages,
    list_message,
    status_note,
    text_message,
)
from bot.knowledge.search.text import fold
from bot.ops.datafiles import Texts
from bot.zalo.messages import MAX_BUTTONS, Button, OutMessage

FULL_PAYLOAD = "#xem"
MORE_PAYLOAD = "#tiep"
HELPFUL_PAYLOAD = "#dungy"
UNHELPFUL_PAYLOAD = "#chuadung"
CARD_BUTTONS = MAX_BUTTONS - 2  # article buttons beside the two feedback buttons
MENU_PAYLOAD = "#menu"
TOPIC_PAYLOAD = "#chude"
RELATED_BUTTONS = 3
_NUMBERED = re.compile(r"^\s*\d+[a-zđ]?\.\s*")

Word = tuple[str, str, bool]
ClauseScores = Callable[[Any], Mapping[str, float]]  # an article → its clauses' scores for one question
# The first clause usually states the rule and the later ones its cases: on the clauses the answer cards cite, the
# first one was the one to show while it scored at least 1/1.25 of the best (card questions, either half of the deck).
FIRST_CLAUSE_BONUS = 1.25


def topic_buttons(texts: Texts) -> tuple[Button, ...]:
    """One button per browsing topic."""
    return tuple(Button(t["title"], f"{TOPIC_PAYLOAD} {t['slug']}") for t in texts.raw("topics"))[:MAX_BUTTONS]


@lru_cache(maxsize=2048)
def word_sets(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The words of a text, as written and folded (cached: the same articles are read for every question)."""
    ws = words(text)
    return frozenset(ws), frozenset(fold(w) for w in ws)


@lru_cache(maxsize=2048)
def word_pairs(text: str) -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    """The pairs of words side by side in a text, as written and folded (cached as word_sets)."""
    ws = words(text)
    fs = [fold(w) for w in ws]
    return frozenset(zip(ws, ws[1:])), frozenset(zip(fs, fs[1:]))


def covered(query: Sequence[Word], sets: tuple[AbstractSet[str], AbstractSet[str]]) -> int:
    """How many distinct query words a text holds (unaccented words match any accented reading)."""
    seen = {w for w, f, plain in query if w in sets[0] or (plain and f in sets[1])}
    return len(seen)


def coverage(query: Sequence[Word], article: Any) -> float:
    """Share of the query's content words found in the article's title and text."""
    distinct = {w for w, _, _ in query}
    if not distinct:
        return 0.0
    return covered(query, word_sets(f"{article.title}\n{article_body(article)}")) / len(distinct)


def best_clause(query: Sequence[Word], article: Any,
                scores: Mapping[str, float] | None = None) -> tuple[Any | None, int]:
    """The clause to show and how many query words it shares; None for one-clause articles. With the index's own
    clause scores (`scores`), the best score × (1 + words shared), the first clause (the rule; later ones its
    cases) counted FIRST_CLAUSE_BONUS times; else the clause sharing most words (first on ties)."""
    best, best_key, best_n = None, (0.0, 0), 0
    for i, clause in enumerate(article.clauses):
        n = covered(query, word_sets(clause_text(clause)))
        score = (scores or {}).get(clause.number, 0.0) * (1 + n) * (FIRST_CLAUSE_BONUS if i == 0 else 1.0)
        if (score, n) > best_key:  # without scores: the words shared alone
            best, best_key, best_n = clause, (score, n), n
    if len(article.clauses) < 2:
        return None, best_n
    return best, best_n


def note_for(corpus: Any, document: Any, texts: Texts) -> str:
    """The "no longer in force" note of a document, naming its replacement when the corpus has it."""
    if document is None or getattr(document, "in_force", True):
        return ""
    replacement = corpus.document(document.replaced_by) if document.replaced_by else None
    return status_note(document, replacement, texts)


def list_item(corpus: Any, key: str, number: int, query: Sequence[Word], texts: Texts,
              scores: ClauseScores | None = None) -> ListItem | None:
    """One numbered result: citation (clause first when one clause stands out), title, snippet, status; `scores`:
    the search index's score of each clause for the question (see best_clause)."""
    article = corpus.article(key)
    if article is None:
        return None
    document = corpus.document(article.doc)
    clause, _ = best_clause(query, article, scores(article) if scores is not None else None)
    # the citation already says "khoản 2", so the snippet need not repeat "2."
    snippet = _NUMBERED.sub("", clause_text(clause), count=1) if clause is not None else article_body(article)
    return ListItem(number, citation(article, document, clause.number if clause else None, texts=texts),
                    article_title(article), snippet, note_for(corpus, document, texts))


def result_list(corpus: Any, keys: Sequence[str], start: int, count: int, query: Sequence[Word],
                texts: Texts, scores: ClauseScores | None = None,
                header: str | None = None) -> tuple[OutMessage | None, int]:
    """The page of results from `start`: one message and the new offset (None when nothing is left); header: the
    messages.json key of its first line, when not the usual one."""
    items: list[ListItem] = []
    end = start
    while end < len(keys) and len(items) < count:
        item = list_item(corpus, keys[end], end + 1, query, texts, scores)
        end += 1
        if item is not None:
            items.append(item)
    if not items:
        return None, end
    more = end < len(keys)
    buttons = [Button(texts.get("button_full", n=i.number), f"{FULL_PAYLOAD} {keys[i.number - 1]}")
               for i in items]
    if more:
        buttons.append(Button(texts.get("button_more"), MORE_PAYLOAD))
    header = texts.get(header or ("list_header" if start == 0 else "list_header_more"))
    footer = texts.get("list_footer" if more else "list_footer_last")
    return list_message(items, header, footer, buttons[:MAX_BUTTONS], texts), end


def feedback_buttons(texts: Texts) -> list[Button]:
    """ "Đúng ý" / "Chưa đúng" after an answer."""
    return [Button(texts.get("button_helpful"), HELPFUL_PAYLOAD), Button(texts.get("button_unhelpful"),
                                                                         UNHELPFUL_PAYLOAD)]


def with_feedback(message: OutMessage, texts: Texts) -> OutMessage:
    """A first answer page with the feedback buttons: its article buttons kept (up to three), "Xem thêm" dropped
    ("Chưa đúng" shows the next results too, and "thêm" still pages)."""
    articles = [b for b in message.buttons if b.payload.startswith(FULL_PAYLOAD)][:CARD_BUTTONS]
    return OutMessage(message.text, tuple(articles + feedback_buttons(texts)))


def card_message(corpus: Any, card: Any, texts: Texts, first: Sequence[str] = ()) -> tuple[OutMessage, list[str]]:
    """A card's short answer, its articles cited smallest unit first and numbered (those of `first` first, in
    that order: the ones her question ranks highest), its next steps; buttons for the first articles' full text
    and the feedback. Also the article keys in the numbered order."""
    units: dict[str, list[Any]] = {}  # article key → the refs citing it ("khoản 1, khoản 9 Điều 53 ...")
    place = {k: i for i, k in enumerate(first)}
    for ref in sorted(card.refs, key=lambda r: place.get(r.article_key, len(place))):
        if corpus.article(ref.article_key) is not None:
            units.setdefault(ref.article_key, []).append(ref)
    keys = list(units)
    sources = []
    for n, (key, refs) in enumerate(units.items(), 1):
        article = corpus.article(key)
        document = corpus.document(article.doc)
        whole = citation(article, document, texts=texts)
        parts = [citation(article, document, r.clause or None, r.point or None, texts)[:-len(whole)].strip()
                 for r in refs]
        cite = whole if not all(parts) else f"{', '.join(dict.fromkeys(parts))} {whole}"
        sources.append(texts.get("card_source", n=n, citation=cite))
    steps = [texts.get(f"card_step_{s}") for s in card.next_steps if f"card_step_{s}" in texts]
    parts = [card.answer, "\n".join([texts.get("card_sources"), *sources]), "\n".join(steps),
             texts.get("card_footer")]
    buttons = [Button(texts.get("button_full", n=i + 1), f"{FULL_PAYLOAD} {k}")
               for i, k in enumerate(keys[:CARD_BUTTONS])]
    return text_message("\n\n".join(p for p in parts if p), buttons + feedback_buttons(texts)), keys


def related_buttons(corpus: Any, article: Any, texts: Texts) -> list[Button]:
    """Buttons to related articles that the corpus holds."""
    buttons = []
    for key in article.related:
        other = corpus.article(key)
        if other is None or other.key == article.key:
            continue
        unit = "button_related" if other.number[:1].isdigit() else "button_related_section"
        buttons.append(Button(texts.get(unit, number=other.number, doc=other.doc), f"{FULL_PAYLOAD} {other.key}"))
        if len(buttons) == RELATED_BUTTONS:
            break
    return buttons


def full_article(corpus: Any, article: Any, texts: Texts, extra: Sequence[Button] = ()) -> list[OutMessage]:
    """The article's whole text (several messages when long), citation header first."""
    document = corpus.document(article.doc)
    header = texts.get("full_header", citation=citation(article, document, texts=texts), title=article_title(article))
    note = note_for(corpus, document, texts)
    if note:
        header += "\n" + note
    buttons = (related_buttons(corpus, article, texts) + list(extra))[:MAX_BUTTONS]
    return full_text_messages(header, article_body(article), buttons)


def clause_answer(corpus: Any, article: Any, clause: Any, point: str, texts: Texts) -> list[OutMessage]:
    """One clause, cited "điểm a khoản 2 Điều 185 ...", with a button to the whole article."""
    document = corpus.document(article.doc)
    cite = citation(article, document, clause.number, point or None, texts=texts)
    header = texts.get("full_header", citation=cite[:1].upper() + cite[1:], title=article_title(article))
    note = note_for(corpus, document, texts)
    if note:
        header += "\n" + note
    button = Button(texts.get("button_full_article"), f"{FULL_PAYLOAD} {article.key}")
    return full_text_messages(header, clause_text(clause), [button])


def resolve_document(corpus: Any, typed: str) -> str:
    """A corpus document number matching a typed "52/2014/qh13" or "52/2014" (folded); "" when none."""
    if not typed:
        return ""
    for number in corpus.documents:
        folded = fold_chars(number.lower())
        if folded == typed or folded.startswith(typed + "/"):
            return number
    return ""


def citation_reply(corpus: Any, texts: Texts, cite: Any, state: dict[str, Any]) -> tuple[list[OutMessage],
                                                                                    dict[str, Any]]:
    """A cited article or clause, looked up directly ("khoản 2 điều 185 bộ luật hình sự"), and the new state."""
    number = cite.doc or resolve_document(corpus, cite.typed_number) or (
        "" if cite.typed_number else str(state.get("doc", "")))
    if not number:
        return [text_message(texts.get("citation_need_doc", article=cite.article))], state
    document = corpus.document(number)
    if document is None:
        return [text_message(texts.get("citation_doc_missing", doc=number))], state
    key = f"{number}:{cite.article}"
    article = corpus.article(key)
    if article is None:
        return [text_message(texts.get("citation_not_found", article=cite.article, doc=document.name))], \
            {**state, "doc": number}
    # counted like a question (officials' statistics of asked articles); no text is kept for a found article
    new = {"keys": [key], "offset": 1, "doc": number,
           "actions": {"question": {"query": "", "keys": [key], "found": True}}}
    if cite.clause:
        clause = next((c for c in article.clauses if c.number == cite.clause), None)
        if clause is not None:
            return clause_answer(corpus, article, clause, cite.point, texts), new
        note = text_message(texts.get("clause_not_found", doc=document.name, article=cite.article,
                                      clause=cite.clause))
        return [note, *full_article(corpus, article, texts)], new
    return full_article(corpus, article, texts), new


def content_query(intents: Intents, query: str) -> list[Word]:
    """The query's meaningful words for coverage and clause choice."""
    return intents.content_words(query)
