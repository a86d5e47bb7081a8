"""/console/cards: answer cards listed, created, edited, retired and reviewed; each previewed exactly as the Zalo
message will look (bot.conversation.answers.card_message); cards flagged after a law change with the diff of their
cited articles. Thin over bot.officials.cards, which checks, versions and audits every change."""
from __future__ import annotations

import logging
from typing import Any

from flask import Response, flash, redirect, request, url_for

from bot.conversation.answers import card_message
from bot.conversation.replies import default_texts
from bot.knowledge.cards.checks import card_topics, next_steps
from bot.knowledge.cards.model import card_from_fields
from bot.officials import cards as card_admin
from bot.officials import laws as law_admin
from bot.web.console.core import bp, error_page, official, page, services
from bot.web.console.wording import say

log = logging.getLogger(__name__)
FIELDS = ("id", "topic", "title", "questions", "answer", "articles", "next_steps")


def library() -> Any:
    """The library this process serves, or None when it cannot be loaded (the card files still answer)."""
    try:
        return services().library()
    except Exception:  # noqa: BLE001 - a page without previews beats no page
        log.warning("library unavailable for the cards pages")
        return None


def _lines(text: str) -> list[str]:
    """Non-empty lines of a textarea."""
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]


def form_fields(card_id: str = "") -> dict[str, Any]:
    """A card's fields from the form: one question or article key a line, next steps ticked."""
    form = request.form
    return {"id": card_id or form.get("id", "").strip(), "topic": form.get("topic", ""),
            "title": form.get("title", "").strip(), "questions": _lines(form.get("questions", "")),
            "answer": form.get("answer", "").strip(), "articles": _lines(form.get("articles", "")),
            "next_steps": form.getlist("next_steps")}


def preview(fields: dict[str, Any]) -> Any:
    """The Zalo message a card with these fields sends (None without a library)."""
    found = library()
    if found is None:
        return None
    return card_message(found.corpus, card_from_fields(fields), default_texts())[0]


def article_changes(keys: list[str]) -> dict[str, list[str]]:
    """The diff of each cited article in the latest law change report (changed or removed articles only)."""
    latest = law_admin.load_report(services().store, "last")
    if latest is None:
        return {}
    wanted = {k.split(".")[0] for k in keys}
    return {a.key: list(a.diff) or [a.kind] for a in latest[1].articles() if a.key in wanted and a.kind != "added"}


def _editor(fields: dict[str, Any], card: dict[str, Any] | None, problems: list[str] = (), status: int = 200,
            show_preview: bool = True) -> Response:
    """The card form, its preview as Zalo shows it, and for a saved card its review state and article diffs."""
    keys = [k.split(".")[0] for k in fields.get("articles", [])]
    corpus = getattr(library(), "corpus", None)
    articles = {k: corpus.article(k) for k in keys} if corpus is not None else {}
    return page("card.html", status, fields=fields, card=card, problems=list(problems),
                message=preview(fields) if show_preview and fields.get("answer") else None,
                topics=card_topics(), steps=sorted(next_steps()), diffs=article_changes(keys) if card else {},
                articles=articles)


@bp.get("/cards")
def cards() -> Response:
    """Cards in use, those waiting for review first; retired ones with ?all=1."""
    everything = request.args.get("all") == "1"
    rows = card_admin.list_cards(services().settings, library(), everything)
    rows.sort(key=lambda c: (not c["needs_review"], c["retired"], c["topic"], c["id"]))
    return page("cards.html", cards=rows, topics=card_topics(), everything=everything,
                flagged=sum(c["needs_review"] for c in rows))


@bp.get("/cards/new")
def card_new() -> Response:
    """An empty card form."""
    return _editor({"id": "", "topic": "", "title": "", "questions": [], "answer": "", "articles": [],
                    "next_steps": []}, None, show_preview=False)


@bp.get("/cards/<card_id>")
def card_show(card_id: str) -> Response:
    """One card: its form, its preview, why it waits for review, the diffs of its articles."""
    card = card_admin.show_card(services().settings, card_id, library())
    if card is None:
        return error_page(404, say("page_no_card"))
    return _editor({k: card.get(k) or ([] if k in ("questions", "articles", "next_steps") else "") for k in FIELDS},
                   card)


@bp.post("/cards")
def card_save() -> Response:
    """Preview the form ("Xem trước") or save it as a new or edited card (checked like any import)."""
    card_id = request.form.get("card_id", "")
    fields = form_fields(card_id)
    existing = card_admin.show_card(services().settings, card_id, library()) if card_id else None
    if request.form.get("action") == "preview":
        return _editor(fields, existing)
    try:
        report = card_admin.save_card(services().settings, services().store, fields, official().name, card_id)
    except card_admin.CardError as exc:
        return _editor(fields, existing, [str(exc), *exc.problems], 400)
    # A card only waiting for a law not imported yet is not shown to users either: say so as before.
    waits = [say("card_waits_for", doc=doc) for doc in report.waits_for(fields["id"])]
    flagged = report.flagged.get(fields["id"]) or waits
    if flagged:
        flash(say("flash_card_saved_flagged", problems="; ".join(flagged)), "error")
    else:
        flash(say("flash_card_saved"), "ok")
    return redirect(url_for("console.card_show", card_id=fields["id"]))


@bp.post("/cards/<card_id>/retire")
def card_retire(card_id: str) -> Response:
    """Stop using a card (importing it again brings it back)."""
    try:
        card_admin.retire_card(services().settings, services().store, card_id, official().name)
    except card_admin.CardError as exc:
        flash(say("flash_card_retire_refused", reason=exc), "error")
        return redirect(url_for("console.card_show", card_id=card_id))
    flash(say("flash_card_retired", card=card_id), "ok")
    return redirect(url_for("console.cards"))


@bp.post("/cards/<card_id>/review")
def card_review(card_id: str) -> Response:
    """An official read the flagged card against its articles as they are now: check it and use it again."""
    try:
        card_admin.review_card(services().settings, services().store, card_id, official().name)
    except card_admin.CardError as exc:
        flash(say("flash_card_still_flagged", problems="; ".join([str(exc), *exc.problems])), "error")
        return redirect(url_for("console.card_show", card_id=card_id))
    flash(say("flash_card_reviewed", card=card_id), "ok")
    return redirect(url_for("console.card_show", card_id=card_id))
