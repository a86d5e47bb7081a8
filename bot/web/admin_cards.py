"""/admin/cards, /admin/questions, /admin/teach: answer cards and teaching over JSON, behind the same bearer check
and audit as /admin/*; thin views over bot.officials.cards (which audits each change)."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any, Callable

from flask import Blueprint, Response, current_app, g, request

from bot.knowledge.cards.model import CardFileError, read_yaml_cards
from bot.officials import cards as card_admin
from bot.web.admin_auth import answer, audit_reads, authorize

bp = Blueprint("admin_cards", __name__, url_prefix="/admin")
bp.before_request(authorize)
bp.after_request(audit_reads)
MAX_UPLOAD = 5 * 1024 * 1024  # a card file is text: hundreds of cards fit in well under a megabyte


def _services() -> Any:
    """This app's Services."""
    return current_app.extensions["zlb"]


def _library() -> Any:
    """The library this process serves (its cards' review state), or None when it cannot be had."""
    provider = _services().library
    try:
        return provider() if callable(provider) else provider
    except Exception:  # noqa: BLE001 - the card files on disk still answer
        return None


def _json() -> dict[str, Any]:
    """The request's JSON object ({} when empty); 400 on anything else."""
    from werkzeug.exceptions import BadRequest

    data = request.get_json(silent=True) if request.data else {}
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


def _change(run: Callable[[Any, Any], card_admin.CardReport]) -> Response:
    """Run a card change as the authorized official: 200 with the report, 400 with the problems."""
    services = _services()
    try:
        report = run(services.settings, services.store)
    except card_admin.CardError as exc:
        return answer(400, error=str(exc), problems=list(exc.problems))
    return answer(200, **report.to_dict())


def _uploaded_entries() -> tuple[str, list[Any]] | None:
    """(file name, entries) of an uploaded card YAML file (multipart "file" or raw body with ?filename=)."""
    upload = request.files.get("file")
    name = upload.filename if upload is not None else request.args.get("filename", "")
    name = re.sub(r"[^\w.-]", "_", Path(name or "").name)[-100:]
    if not name.lower().endswith((".yaml", ".yml")):
        return None
    with tempfile.TemporaryDirectory(prefix="zlb-cards-") as tmp:
        path = Path(tmp) / name
        if upload is not None:
            upload.save(path)
        else:
            path.write_bytes(request.get_data())
        return name, read_yaml_cards(path)


@bp.get("/cards")
def cards_list() -> Response:
    """Cards in use (?all=1: retired ones too), with whether each waits for review."""
    services = _services()
    everything = request.args.get("all", "") in ("1", "true", "yes")
    return answer(200, cards=card_admin.list_cards(services.settings, _library(), everything))


@bp.get("/cards/<card_id>")
def cards_show(card_id: str) -> Response:
    """One card in full."""
    card = card_admin.show_card(_services().settings, card_id, _library())
    return answer(200, **card) if card is not None else answer(404, error="no such card")


@bp.post("/cards")
def cards_import() -> Response:
    """Import cards: an uploaded YAML file (cards it no longer holds are retired) or {"cards": [...]}."""
    if (request.content_length or 0) > MAX_UPLOAD:
        return answer(413, error="upload too large")
    try:
        uploaded = _uploaded_entries() if request.files or request.args.get("filename") else None
    except CardFileError as exc:
        return answer(400, error=str(exc), problems=[str(exc)])
    if uploaded is not None:
        name, entries = uploaded
        return _change(lambda settings, store: card_admin.import_entries(
            settings, store, [(name, e) for e in entries], g.actor, retire_missing=True, sources=[name]))
    data = _json()
    entries = data.get("cards")
    if not isinstance(entries, list) or not entries:
        return answer(400, error='send a YAML file (field "file" or ?filename=x.yaml) or {"cards": [...]}')
    source = re.sub(r"[^\w.-]", "_", str(data.get("source") or "admin"))[:100]
    return _change(lambda settings, store: card_admin.import_entries(
        settings, store, [(source, e) for e in entries], g.actor))


@bp.put("/cards/<card_id>")
def cards_save(card_id: str) -> Response:
    """Create or edit one card from its fields (id from the path)."""
    fields = _json()
    return _change(lambda settings, store: card_admin.save_card(settings, store, fields, g.actor, card_id))


@bp.post("/cards/<card_id>/retire")
def cards_retire(card_id: str) -> Response:
    """Stop using a card."""
    return _change(lambda settings, store: card_admin.retire_card(settings, store, card_id, g.actor))


@bp.post("/cards/<card_id>/review")
def cards_review(card_id: str) -> Response:
    """An official has read a flagged card against its articles: check it again and use it again."""
    return _change(lambda settings, store: card_admin.review_card(settings, store, card_id, g.actor))


@bp.get("/questions")
def questions_list() -> Response:
    """Questions unanswered or marked "Chưa đúng" (no user ids), newest first, with what each was taught to."""
    services = _services()
    days = request.args.get("days", "30")
    rows = card_admin.questions(services.settings, services.store, int(days) if days.isdigit() else 30, _library())
    return answer(200, questions=rows)


@bp.post("/teach")
def teach() -> Response:
    """{"question", "card" | "article"}: the question becomes an example of that card or article."""
    data = _json()
    return _change(lambda settings, store: card_admin.teach(
        settings, store, str(data.get("question") or ""), g.actor, card=str(data.get("card") or ""),
        article=str(data.get("article") or "")))
