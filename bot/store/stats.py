"""What people ask: questions per day, top articles and topics, unanswered queries; no user ids, 90 days."""
from __future__ import annotations

import re
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from bot.knowledge.topics import topic_of_document

KEEP_DAYS = 90
TTL = KEEP_DAYS * 24 * 3600  # a day's keys expire 90 days after its first question: nothing is kept longer
MAX_MISSES_PER_DAY = 1000
MAX_QUERY = 300
VN = timezone(timedelta(hours=7))  # days are counted in Vietnam time

_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){8,10}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_LONG_NUMBER = re.compile(r"(?<![\d/])\d{9,}(?![\d/])")  # id card numbers


def day_of(now: float | None = None) -> str:
    """The day (YYYY-MM-DD, Vietnam time) of a Unix time."""
    return datetime.fromtimestamp(time.time() if now is None else now, VN).strftime("%Y-%m-%d")


def scrub(query: str) -> str:
    """The query with phone numbers, e-mails and id numbers masked, shortened."""
    text = _EMAIL.sub("[email]", query)
    text = _PHONE.sub("[số điện thoại]", text)
    text = _LONG_NUMBER.sub("[số]", text)
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUERY else text[:MAX_QUERY] + "…"


def _key(kind: str, day: str) -> str:
    """Store key of one day's counters of one kind."""
    return f"zlb:stats:{kind}:{day}"


def miss_key(day: str) -> str:
    """Store key of one day's unanswered questions (scrubbed texts, newest first)."""
    return _key("miss", day)


def record_question(store: Any, query: str, articles: Iterable[str] = (), found: bool = True,
                    topics: Iterable[str] = (), now: float | None = None) -> tuple[str, str] | None:
    """Count one question: its top articles and topics, or its (scrubbed) text when nothing good was found.

    Returns (day, stored text) when a text was kept, so the asker's "xóa dữ liệu" can find it (bot.store.privacy)."""
    day = day_of(now)
    store.hincr(_key("day", day), "questions", 1, ttl=TTL)
    for key in list(dict.fromkeys(articles))[:3]:
        store.hincr(_key("art", day), key, 1, ttl=TTL)
    for slug in dict.fromkeys(t for t in topics if t):
        store.hincr(_key("topic", day), slug, 1, ttl=TTL)
    if not found:
        store.hincr(_key("day", day), "no_match", 1, ttl=TTL)
        text = scrub(query)
        if text:
            store.lpush(miss_key(day), text, max_len=MAX_MISSES_PER_DAY, ttl=TTL)
            return day, text
    return None


def topics_of(articles: Iterable[str], documents: dict[str, Any] | None = None) -> list[str]:
    """Topic slugs of article keys (DOC:ARTICLE), from the documents' numbers and titles."""
    found: list[str] = []
    for key in articles:
        doc = key.rsplit(":", 1)[0]
        title = getattr((documents or {}).get(doc), "title", "")
        slug = topic_of_document(doc, title)
        if slug and slug not in found:
            found.append(slug)
    return found


def report(store: Any, days: int = 30, top: int = 10, now: float | None = None,
           misses: int = 50) -> dict[str, Any]:
    """Per-day counts, the most asked articles and topics, and the latest unanswered queries."""
    days = max(1, min(int(days), KEEP_DAYS))
    base = time.time() if now is None else now
    dates = [day_of(base - i * 86400) for i in range(days)]
    per_day, articles, topic_counts = [], Counter(), Counter()
    unanswered: list[dict[str, str]] = []
    for day in dates:
        counts = store.hgetall(_key("day", day))
        per_day.append({"date": day, "questions": int(counts.get("questions", 0)),
                        "no_match": int(counts.get("no_match", 0))})
        articles.update({k: int(v) for k, v in store.hgetall(_key("art", day)).items()})
        topic_counts.update({k: int(v) for k, v in store.hgetall(_key("topic", day)).items()})
        if len(unanswered) < misses:
            unanswered += [{"date": day, "query": q}
                           for q in store.lrange(_key("miss", day), 0, misses - len(unanswered) - 1)]
    return {
        "days": days,
        "questions": sum(d["questions"] for d in per_day),
        "no_match": sum(d["no_match"] for d in per_day),
        "per_day": per_day,
        "top_articles": [{"article": k, "count": n} for k, n in articles.most_common(top)],
        "top_topics": [{"topic": k, "count": n} for k, n in topic_counts.most_common(top)],
        "unanswered": unanswered,
    }


def format_report(data: dict[str, Any]) -> str:
    """A plain-text rendering for the command line."""
    lines = [f"Questions in the last {data['days']} days: {data['questions']} "
             f"(nothing good found: {data['no_match']})", "", "Per day:"]
    lines += [f"  {d['date']}  {d['questions']:>6}  {d['no_match']:>6}" for d in data["per_day"] if d["questions"]]
    lines += ["", "Most asked articles:"] + [f"  {a['count']:>6}  {a['article']}" for a in data["top_articles"]]
    lines += ["", "Most asked topics:"] + [f"  {t['count']:>6}  {t['topic']}" for t in data["top_topics"]]
    lines += ["", "Questions that found nothing good:"] + [f"  {u['date']}  {u['query']}" for u in data["unanswered"]]
    return "\n".join(lines)
