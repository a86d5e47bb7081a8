"""Question statistics: per day, top articles and topics, unanswered queries scrubbed, 90-day expiry."""
from __future__ import annotations

import time

import pytest

from bot.store import stats
from bot.store.redis_state import RedisStateStore

NOW = time.time()
DAY = 86400


@pytest.mark.parametrize("query, expected", [
    ("chồng tôi đánh tôi, sđt 0912345678", "chồng tôi đánh tôi, sđt [số điện thoại]"),
    ("gọi +84 912 345 678 giúp", "gọi [số điện thoại] giúp"),
    ("email toi la lan@example.com", "email toi la [email]"),
    ("cccd 001234567890 bị mất", "cccd [số] bị mất"),
    ("điều 139 luật 45/2019/QH14", "điều 139 luật 45/2019/QH14"),
    ("x" * 400, "x" * 300 + "…"),
])
def test_scrub(query: str, expected: str) -> None:
    assert stats.scrub(query) == expected


def test_counts_tops_and_unanswered(redis_client) -> None:
    store = RedisStateStore(redis_client)
    store.set_json("zlb:last:user-1", 1)
    for _ in range(3):
        stats.record_question(store, "nghỉ thai sản mấy tháng", ["45/2019/QH14:139", "41/2024/QH15:53"],
                              topics=stats.topics_of(["45/2019/QH14:139"]), now=NOW)
    stats.record_question(store, "ly hôn chia tài sản", ["52/2014/QH13:59"], topics=["hon-nhan-gia-dinh"],
                          now=NOW - DAY)
    stats.record_question(store, "con mèo nhà hàng xóm, gọi 0987654321", [], found=False, now=NOW - DAY)
    data = stats.report(store, days=7, now=NOW)
    assert data["questions"] == 5 and data["no_match"] == 1
    assert data["per_day"][0]["questions"] == 3 and data["per_day"][1] == {
        "date": stats.day_of(NOW - DAY), "questions": 2, "no_match": 1, "new_subscribers": 0}
    assert data["top_articles"][0] == {"article": "45/2019/QH14:139", "count": 3}
    assert data["top_topics"] == [{"topic": "lao-dong-nu", "count": 3}, {"topic": "hon-nhan-gia-dinh", "count": 1}]
    assert data["unanswered"] == [{"date": stats.day_of(NOW - DAY),
                                   "query": "con mèo nhà hàng xóm, gọi [số điện thoại]"}]
    stored = b" ".join(redis_client.dump(k) or b"" for k in redis_client.keys("zlb:stats:*"))
    assert b"user-1" not in stored
    for key in store.keys("zlb:stats:*"):
        assert 89 * DAY < store.ttl(key) <= 91 * DAY
    assert "45/2019/QH14:139" in stats.format_report(data)


def test_declined_questions_counted_by_missing_subject(redis_client) -> None:
    """Officials see which laws to import next: declined questions by the subject the library lacks."""
    store = RedisStateStore(redis_client)
    for _ in range(2):
        stats.record_question(store, "làm sổ đỏ lần đầu", [], found=False, now=NOW, subject="dat-dai")
    stats.record_question(store, "vượt đèn đỏ phạt bao nhiêu", [], found=False, now=NOW - DAY, subject="giao-thong")
    stats.record_question(store, "thời tiết hôm nay", [], found=False, now=NOW)
    stats.record_question(store, "nghỉ thai sản mấy tháng", ["45/2019/QH14:139"], now=NOW)
    data = stats.report(store, days=7, now=NOW)
    assert data["declined_subjects"] == [{"subject": "dat-dai", "name": "đất đai", "count": 2},
                                         {"subject": stats.UNKNOWN_SUBJECT, "name": "", "count": 1},
                                         {"subject": "giao-thong", "name": "giao thông", "count": 1}]
    text = stats.format_report(data)
    assert "dat-dai  đất đai" in text.split("Declined, by subject")[1]
    assert redis_client.ttl(f"zlb:stats:declined:{stats.day_of(NOW)}") > 0  # kept 90 days like the other counts
