"""/console/stats (charts drawn on the server, numbers beside them), /console/subscribers (by topic) and
/console/audit: thin over bot.store and bot.officials."""
from __future__ import annotations

import logging
from typing import Any

from flask import Response, request

from bot.knowledge.topics import topics
from bot.officials import audit as audit_log
from bot.store import stats as stats_store
from bot.store import subscriptions
from bot.web.console.charts import bars, per_day, share
from bot.web.console.core import bp, page, services
from bot.web.console.wording import say

log = logging.getLogger(__name__)
PERIODS = (7, 30, 90)


def _days() -> int:
    """The period asked for (?days=7|30|90, default 30)."""
    raw = request.args.get("days", "30")
    return int(raw) if raw.isdigit() and int(raw) in PERIODS else 30


def article_titles(keys: list[str]) -> dict[str, str]:
    """Titles of articles (DOC:ARTICLE) in the library in use; a key it lacks keeps no title."""
    try:
        corpus = services().library().corpus
    except Exception:  # noqa: BLE001 - no library loaded: the keys alone still say which articles
        log.warning("library unavailable for article titles")
        return {}
    found = {k: corpus.article(k) for k in keys}
    return {k: say("article_title", number=a.number, title=a.title).strip() for k, a in found.items() if a is not None}


@bp.get("/stats")
def stats() -> Response:
    """Questions per day, answered and unanswered, top topics and articles: charts with their numbers."""
    days = _days()
    data = stats_store.report(services().store, days, top=10)
    names = {t.slug: t.name for t in topics()}
    top_topics = [(names.get(t["topic"], t["topic"]), t["count"]) for t in data["top_topics"]]
    titles = article_titles([a["article"] for a in data["top_articles"]])
    top_articles = [(a["article"], a["count"], titles.get(a["article"], "")) for a in data["top_articles"]]
    answered = data["questions"] - data["no_match"]
    figures: dict[str, Any] = {
        "per_day": per_day(data["per_day"], say("chart_per_day", days=days)),
        "share": share(answered, data["no_match"], say("chart_share")),
        "topics": bars(top_topics, say("chart_topics")),
        "articles": bars([(k, n) for k, n, _ in top_articles], say("chart_articles"))}
    return page("stats.html", data=data, days=days, periods=PERIODS, answered=answered, charts=figures,
                top_topics=top_topics, top_articles=top_articles)


@bp.get("/subscribers")
def subscribers() -> Response:
    """Subscriber counts by topic."""
    return page("subscribers.html", counts=subscriptions.counts(services().store))


@bp.get("/audit")
def audit() -> Response:
    """The latest entries of the audit log (every door: console, admin API, command line)."""
    limit = request.args.get("limit", "200")
    return page("audit.html", entries=audit_log.recent(services().store, int(limit) if limit.isdigit() else 200))
