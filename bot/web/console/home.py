"""The console's home: today's figures at a glance, each read from the service that owns it."""
from __future__ import annotations

from typing import Any

from flask import Response

from bot.jobs import deadletters
from bot.officials import laws as law_admin
from bot.ops import metrics
from bot.store import stats
from bot.web.console.core import bp, page, services


def corpus_facts(settings: Any) -> dict[str, Any]:
    """The corpus version in force, when it was made and its size."""
    store = law_admin.corpus_store(settings)
    version = store.current_version()
    if not version:
        return {"version": None}
    manifest = store.manifest(version)
    return {"version": version, "created": str(manifest.get("created", ""))[:16].replace("T", " "),
            "documents": manifest.get("documents"), "articles": manifest.get("articles")}


def today() -> dict[str, Any]:
    """Today's questions, share answered, unanswered, new subscribers; queue depth, dead letters, corpus."""
    svc = services()
    day = stats.report(svc.store, 1, misses=5)
    counts = day["per_day"][0]
    asked, missed = counts["questions"], counts["no_match"]
    try:
        depth = metrics.queue_depth(svc.queue)
    except Exception:  # noqa: BLE001 - Redis trouble: the page still shows the rest
        depth = {}
    return {"date": counts["date"], "questions": asked, "unanswered": missed,
            "answered_share": round(100 * (asked - missed) / asked) if asked else None,
            "new_subscribers": counts["new_subscribers"], "queue": depth,
            "queued": sum(v for k, v in depth.items() if k in ("queued", "scheduled", "started")),
            "deadletters": len(deadletters.letters(svc.store)), "corpus": corpus_facts(svc.settings),
            "latest_unanswered": day["unanswered"]}


@bp.get("/")
def home() -> Response:
    """Today's figures."""
    return page("home.html", figures=today())
