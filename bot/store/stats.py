"""What people ask: questions per day, top articles, cards and topics, unanswered queries, "Đúng ý"/"Chưa đúng"
feedback with the texts of questions marked unhelpful; no user ids, 90 days."""
from __future__ import annotations

import re
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from bot.knowledge.coverage import missing_subject_names
from bot.knowledge.topics import topic_of_document

KEEP_DAYS = 90
TTL = KEEP_DAYS * 24 * 3600  # a day's keys expire 90 days after its first question: nothing is kept longer
MAX_MISSES_PER_DAY = 1000
MAX_QUERY = 300
UNKNOWN_SUBJECT = "-"  # declined without a subject the bot could name
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


def unhelpful_key(day: str) -> str:
    """Store key of one day's questions whose answer was marked "Chưa đúng" (scrubbed texts, newest first)."""
    return _key("unhelpful", day)


QUESTION_LISTS = {"unanswered": miss_key, "unhelpful": unhelpful_key}  # kind → key of a day's list of texts


def record_question(store: Any, query: str, articles: Iterable[str] = (), found: bool = True,
                    topics: Iterable[str] = (), now: float | None = None, card: str = "",
                    subject: str = "") -> tuple[str, str] | None:
    """Count one question: its top articles and topics, or its (scrubbed) text when nothing good was found, and the
    subject the library lacks when it was declined for one (bot/data/missing_subjects.tsv: which laws to import).

    Returns (day, stored text) when a text was kept, so the asker's "xóa dữ liệu" can find it (bot.store.privacy)."""
    day = day_of(now)
    store.hincr(_key("day", day), "questions", 1, ttl=TTL)
    for key in list(dict.fromkeys(articles))[:3]:
        store.hincr(_key("art", day), key, 1, ttl=TTL)
    for slug in dict.fromkeys(t for t in topics if t):
        store.hincr(_key("topic", day), slug, 1, ttl=TTL)
    if card:
        store.hincr(_key("card", day), card, 1, ttl=TTL)
    if not found:
        store.hincr(_key("day", day), "no_match", 1, ttl=TTL)
        store.hincr(_key("declined", day), subject or UNKNOWN_SUBJECT, 1, ttl=TTL)
        text = scrub(query)
        if text:
            store.lpush(miss_key(day), text, max_len=MAX_MISSES_PER_DAY, ttl=TTL)
            return day, text
    return None


def record_feedback(store: Any, helpful: bool, card: str = "", articles: Iterable[str] = (), query: str = "",
                    now: float | None = None) -> tuple[str, str] | None:
    """Count "Đúng ý"/"Chưa đúng" for the card or the articles of the answer; keep an unhelpful question's text
    (scrubbed) for teaching. Returns (day, stored text) when a text was kept, for "xóa dữ liệu"."""
    day = day_of(now)
    side = "up" if helpful else "down"
    store.hincr(_key("day", day), "helpful" if helpful else "unhelpful", 1, ttl=TTL)
    targets = [f"card:{card}"] if card else [f"article:{k}" for k in list(dict.fromkeys(articles))[:3]]
    for target in targets:
        store.hincr(_key("feedback", day), f"{side}|{target}", 1, ttl=TTL)
    text = scrub(query) if not helpful else ""
    if text:
        store.lpush(unhelpful_key(day), text, max_len=MAX_MISSES_PER_DAY, ttl=TTL)
        return day, text
    return None


def questions(store: Any, days: int = 30, now: float | None = None, limit: int = 200) -> list[dict[str, str]]:
    """The latest questions officials may teach from: unanswered ones and those marked unhelpful (no user ids)."""
    base = time.time() if now is None else now
    found: list[dict[str, str]] = []
    for i in range(max(1, min(int(days), KEEP_DAYS))):
        day = day_of(base - i * 86400)
        for kind, key in QUESTION_LISTS.items():
            found += [{"date": day, "kind": kind, "query": q} for q in store.lrange(key(day), 0, limit - 1)]
        if len(found) >= limit:
            break
    return found[:limit]


def record_subscriber(store: Any, now: float | None = None) -> None:
    """Count one new subscriber on today's figures (a number only: who it was stays in bot.store.subscriptions)."""
    store.hincr(_key("day", day_of(now)), "new_subscribers", 1, ttl=TTL)


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
    per_day: list[dict[str, Any]] = []
    articles, topic_counts, cards, feedback, declined = Counter(), Counter(), Counter(), Counter(), Counter()
    unanswered: list[dict[str, str]] = []
    for day in dates:
        counts = store.hgetall(_key("day", day))
        per_day.append({"date": day, "questions": int(counts.get("questions", 0)),
                        "no_match": int(counts.get("no_match", 0)),
                        "new_subscribers": int(counts.get("new_subscribers", 0))})
        articles.update({k: int(v) for k, v in store.hgetall(_key("art", day)).items()})
        topic_counts.update({k: int(v) for k, v in store.hgetall(_key("topic", day)).items()})
        cards.update({k: int(v) for k, v in store.hgetall(_key("card", day)).items()})
        feedback.update({k: int(v) for k, v in store.hgetall(_key("feedback", day)).items()})
        declined.update({k: int(v) for k, v in store.hgetall(_key("declined", day)).items()})
        if len(unanswered) < misses:
            unanswered += [{"date": day, "query": q}
                           for q in store.lrange(_key("miss", day), 0, misses - len(unanswered) - 1)]
    names = missing_subject_names()
    return {
        "days": days,
        "questions": sum(d["questions"] for d in per_day),
        "no_match": sum(d["no_match"] for d in per_day),
        "per_day": per_day,
        "top_articles": [{"article": k, "count": n} for k, n in articles.most_common(top)],
        "top_topics": [{"topic": k, "count": n} for k, n in topic_counts.most_common(top)],
        "top_cards": [{"card": k, "count": n} for k, n in cards.most_common(top)],
        "feedback": _feedback_rows(feedback),
        "declined_subjects": [{"subject": k, "name": names.get(k, ""), "count": n}
                              for k, n in sorted(declined.items(), key=lambda kv: (-kv[1], kv[0]))],
        "unanswered": unanswered,
    }


def _feedback_rows(counts: Counter) -> list[dict[str, Any]]:
    """Per card or article: how often its answer was marked helpful and unhelpful, most rated first."""
    rows: dict[str, dict[str, Any]] = {}
    for field, n in counts.items():
        side, _, target = str(field).partition("|")
        row = rows.setdefault(target, {"target": target, "helpful": 0, "unhelpful": 0})
        row["helpful" if side == "up" else "unhelpful"] += n
    return sorted(rows.values(), key=lambda r: (-(r["helpful"] + r["unhelpful"]), r["target"]))


def format_report(data: dict[str, Any]) -> str:
    """A plain-text rendering for the command line."""
    lines = [f"Questions in the last {data['days']} days: {data['questions']} "
             f"(nothing good found: {data['no_match']})", "", "Per day:"]
    lines += [f"  {d['date']}  {d['questions']:>6}  {d['no_match']:>6}" for d in data["per_day"] if d["questions"]]
    lines += ["", "Most asked articles:"] + [f"  {a['count']:>6}  {a['article']}" for a in data["top_articles"]]
    lines += ["", "Most asked topics:"] + [f"  {t['count']:>6}  {t['topic']}" for t in data["top_topics"]]
    lines += ["", "Most used answer cards:"] + [f"  {c['count']:>6}  {c['card']}" for c in data.get("top_cards", [])]
    lines += ["", "Feedback (helpful / unhelpful):"] + [f"  {f['helpful']:>6} {f['unhelpful']:>6}  {f['target']}"
                                                         for f in data.get("feedback", [])]
    lines += ["", "Declined, by subject the library lacks (which laws to import next; '-': no subject named):"]
    lines += [f"  {d['count']:>6}  {d['subject']}  {d.get('name', '')}".rstrip()
              for d in data.get("declined_subjects", [])]
    lines += ["", "Questions that found nothing good:"] + [f"  {u['date']}  {u['query']}" for u in data["unanswered"]]
    return "\n".join(lines)
