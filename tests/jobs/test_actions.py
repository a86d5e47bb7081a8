"""What the dialogue asks for in its state's "actions", carried out on the store: subscriptions and statistics."""
from __future__ import annotations

from bot.jobs.actions import apply_actions
from bot.store import stats, subscriptions
from bot.store.redis_state import RedisStateStore


def test_actions_from_the_dialogue_are_recorded(redis_client) -> None:
    store = RedisStateStore(redis_client)
    done = apply_actions(store, "u1", [
        {"subscribe": {"topics": ["lao-dong-nu"]}},
        {"question": {"query": "nghỉ đẻ", "keys": ["45/2019/QH14:139"], "found": True}},
        {"question": {"query": "abc xyz", "keys": [], "found": False}},
        {"question": {"query": "làm sổ đỏ", "keys": [], "found": False, "subject": "dat-dai"}},
    ])
    assert done == ["subscribe:subscribed", "question", "question", "question"]
    data = stats.report(store, days=1)
    assert data["questions"] == 3 and data["unanswered"][1]["query"] == "abc xyz"
    assert [d["subject"] for d in data["declined_subjects"]] == [stats.UNKNOWN_SUBJECT, "dat-dai"]
    assert data["top_topics"] == [{"topic": "lao-dong-nu", "count": 1}]
    assert apply_actions(store, "u1", {"unsubscribe": {"topics": []}}) == ["unsubscribe:unsubscribed"]
    assert subscriptions.counts(store)["total"] == 0
