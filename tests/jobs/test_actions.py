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
    ])
    assert done == ["subscribe:subscribed", "question", "question"]
    data = stats.report(store, days=1)
    assert data["questions"] == 2 and data["unanswered"][0]["query"] == "abc xyz"
    assert data["top_topics"] == [{"topic": "lao-dong-nu", "count": 1}]
    assert apply_actions(store, "u1", {"unsubscribe": {"topics": []}}) == ["unsubscribe:unsubscribed"]
    assert subscriptions.counts(store)["total"] == 0
