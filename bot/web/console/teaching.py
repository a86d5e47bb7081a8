"""/console/questions: what people ask, those nothing good was found for and those marked "Chưa đúng"; teach one
from its row: search the corpus and the cards as the bot would, then link the question to an article or a card.
Thin over bot.officials.cards (questions, teach: versioned, published, audited) and the dialogue's Answerer."""
from __future__ import annotations

from flask import Response, flash, redirect, request, url_for

from bot.officials import cards as card_admin
from bot.store import stats as stats_store
from bot.web.console.cards import library
from bot.web.console.core import bp, official, page, services
from bot.web.console.reports import PERIODS, article_titles
from bot.web.console.wording import say, table

KINDS = table("question_kinds")


def _days() -> int:
    """The period asked for (?days=7|30|90, default 30)."""
    raw = request.args.get("days", "30")
    return int(raw) if raw.isdigit() and int(raw) in PERIODS else 30


@bp.get("/questions")
def questions() -> Response:
    """Questions to teach from (unanswered, "Chưa đúng"), with what each was taught to, and the most asked articles."""
    days = _days()
    rows = card_admin.questions(services().settings, services().store, days, library())
    data = stats_store.report(services().store, days, top=20, misses=0)
    return page("questions.html", rows=rows, kinds=KINDS, data=data, days=days, periods=PERIODS,
                titles=article_titles([a["article"] for a in data["top_articles"]]))


@bp.get("/questions/teach")
def teach_form() -> Response:
    """One question: the articles and the card the bot finds for it (or for other words), and every card to pick."""
    question = " ".join(request.args.get("q", "").split())[:card_admin.MAX_TAUGHT_CHARS]
    words = request.args.get("search", "").strip() or question
    found = library()
    answer = services().dialogue.answerer.answer(found, words) if found is not None and words else None
    hits = [(h.key, h.title) for h in (answer.hits if answer else [])]
    match = answer.match if answer is not None else None
    cards = card_admin.list_cards(services().settings, found)
    return page("teach.html", question=question, words=words, hits=hits, cards=cards,
                suggested=match.card_id if match is not None and match.card_id else "",
                answered=bool(answer and answer.answered))


@bp.post("/questions/teach")
def teach() -> Response:
    """Link the question to the chosen article (DOC:ARTICLE) or card; from the next message on, it answers so."""
    form = request.form
    question = form.get("question", "")
    target = form.get("target", "")  # a radio: one of the articles found, or the card suggested
    if not target:  # or a card picked from the list, or an article key typed in
        target = f"card:{form['card_pick']}" if form.get("card_pick") else f"article:{form.get('article', '').strip()}"
    card = target[5:] if target.startswith("card:") else ""
    article = target[8:] if target.startswith("article:") else ""
    try:
        card_admin.teach(services().settings, services().store, question, official().name, card=card,
                         article=article)
    except card_admin.CardError as exc:
        flash(say("flash_teach_refused", problems="; ".join([str(exc), *exc.problems])), "error")
        return redirect(url_for("console.teach_form", q=question))
    flash(say("flash_taught", question=question, target=card or article), "ok")
    return redirect(url_for("console.questions"))
