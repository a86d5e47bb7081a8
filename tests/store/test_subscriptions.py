"""Per-topic subscriber sets and counts; the store's hash/set/list operations on both stores."""
from __future__ import annotations


from bot.knowledge.topics import topics
from bot.store import subscriptions as subs


def test_subscribe_unsubscribe_and_counts(store) -> None:
    assert subs.subscribe(store, "u1").status == "subscribed"
    assert subs.subscribe(store, "u1").status == "subscribed"  # repeating changes nothing
    assert subs.subscribe(store, "u2", ("tre-em",)).topics == ("tre-em",)
    assert subs.subscribe(store, "u2", ("hinh-su",)).topics == ("tre-em", "hinh-su")
    assert subs.subscribe(store, "u1", ("tre-em",)).status == "already"
    counts = subs.counts(store)
    assert counts["total"] == 2 and counts["all_topics"] == 1
    assert counts["topics"]["tre-em"] == {"name": "trẻ em", "explicit": 1, "reached": 2}
    assert counts["topics"]["lao-dong-nu"]["reached"] == 1
    assert subs.audience(store, ["lao-dong-nu"]) == {"u1"}
    assert subs.audience(store, ["hinh-su"]) == {"u1", "u2"}
    assert subs.audience(store) == {"u1", "u2"}

    out = subs.unsubscribe(store, "u2", ("tre-em",))
    assert (out.status, out.topics) == ("unsubscribed_topics", ("hinh-su",))
    assert subs.unsubscribe(store, "u2").status == "unsubscribed"
    assert subs.unsubscribe(store, "u2").status == "not_subscribed"
    out = subs.unsubscribe(store, "u1", ("tre-em",))  # from "everything" to every topic but one
    assert "tre-em" not in out.topics and len(out.topics) == len(topics()) - 1
    assert subs.audience(store, ["tre-em"]) == set()
    assert subs.counts(store)["total"] == 1 and subs.counts(store)["all_topics"] == 0


def test_store_collections(store) -> None:
    store.hset("zlb:h", {"a": "1", "b": "x"}, ttl=100)
    assert store.hgetall("zlb:h") == {"a": "1", "b": "x"} and store.hget("zlb:h", "b") == "x"
    assert store.hsetnx("zlb:h", "c", "3") and not store.hsetnx("zlb:h", "c", "4")
    assert store.hincr("zlb:h", "a", 2) == 3 and store.hget("zlb:h", "missing") is None
    assert 0 < store.ttl("zlb:h") <= 100
    assert store.sadd("zlb:s", "x", "y") == 2 and store.sadd("zlb:s", "y") == 0
    assert store.smembers("zlb:s") == {"x", "y"} and store.scard("zlb:s") == 2
    assert store.srem("zlb:s", "x", "z") == 1 and store.smembers("zlb:s") == {"y"}
    for i in range(5):
        store.lpush("zlb:l", f"v{i}", max_len=3, ttl=50)
    assert store.lrange("zlb:l", 0, -1) == ["v4", "v3", "v2"] and store.lrange("zlb:l", 0, 0) == ["v4"]
    assert store.expire("zlb:l", 10) and not store.expire("zlb:nothing", 10)
    assert store.hgetall("zlb:none") == {} and store.smembers("zlb:none") == set()
    store.srem("zlb:s", "y")
    assert store.keys("zlb:s") == []


def test_new_subscribers_are_counted_once_on_todays_figures(store) -> None:
    from bot.store import stats

    subs.subscribe(store, "u1")
    subs.subscribe(store, "u1", ("tre-em",))  # changes her topics: not a new subscriber
    subs.subscribe(store, "u2", ("tre-em",))
    subs.unsubscribe(store, "u2")
    subs.subscribe(store, "u2")  # back again: counted again
    assert stats.report(store, 1)["per_day"][0]["new_subscribers"] == 3
