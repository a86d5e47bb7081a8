"""Law-update subscriptions in the store: each subscriber's topics, per-topic sets, counts, lapsing after a year.
The commands that ask for them are bot.conversation.commands; the topics (bot/data/topics.tsv) bot.knowledge.topics."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterable

from bot.knowledge.topics import topics
from bot.store import stats

ALL_KEY = "zlb:sub:all"  # every subscriber
EVERYTHING_KEY = "zlb:sub:everything"  # subscribers to every topic
# a subscription lapses after a year without a message from the user (each message renews it), so no
# per-user record is kept forever; lapsed users are pruned from the sets before counting or broadcasting
RECORD_TTL = 365 * 24 * 3600

def user_key(user_id: str) -> str:
    """Store key of one subscriber's record."""
    return f"zlb:sub:user:{user_id}"


def topic_key(slug: str) -> str:
    """Store key of the set of users subscribed to one topic explicitly."""
    return f"zlb:sub:topic:{slug}"


@dataclass(frozen=True)
class Outcome:
    """What a command did: status subscribed|already|unsubscribed|not_subscribed; topics () = every topic."""

    status: str
    topics: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def _write(store: Any, user_id: str, new: tuple[str, ...] | None, old: tuple[str, ...] | None) -> None:
    """Move a user between the sets: new None = unsubscribed, () = every topic."""
    for slug in old or ():
        store.srem(topic_key(slug), user_id)
    if old == () and new != ():
        store.srem(EVERYTHING_KEY, user_id)
    if new is None:
        store.srem(ALL_KEY, user_id)
        store.delete(user_key(user_id))
        return
    store.set_json(user_key(user_id), {"topics": list(new), "since": int(time.time())}, ttl=RECORD_TTL)
    store.sadd(ALL_KEY, user_id)
    if new == ():
        store.sadd(EVERYTHING_KEY, user_id)
    for slug in new:
        store.sadd(topic_key(slug), user_id)


def current_topics(store: Any, user_id: str) -> tuple[str, ...] | None:
    """A user's topics: None when not subscribed, () for every topic."""
    record = store.get_json(user_key(user_id))
    return None if record is None else tuple(record.get("topics") or ())


def subscribe(store: Any, user_id: str, slugs: tuple[str, ...] = ()) -> Outcome:
    """Subscribe a user (to every topic unless slugs are given); repeating it changes nothing."""
    with store.lock(f"sub:{user_id}", timeout=10.0, wait=10.0):
        old = current_topics(store, user_id)
        if old == () and slugs:
            return Outcome("already", slugs)
        new: tuple[str, ...] = () if not slugs else tuple(dict.fromkeys((old or ()) + slugs))
        _write(store, user_id, new, old)
        if old is None:
            stats.record_subscriber(store)
        return Outcome("subscribed", new)


def unsubscribe(store: Any, user_id: str, slugs: tuple[str, ...] = ()) -> Outcome:
    """Unsubscribe a user (from everything unless slugs are given); repeating it changes nothing."""
    with store.lock(f"sub:{user_id}", timeout=10.0, wait=10.0):
        old = current_topics(store, user_id)
        if old is None:
            return Outcome("not_subscribed")
        if not slugs:
            _write(store, user_id, None, old)
            return Outcome("unsubscribed")
        base = old or tuple(t.slug for t in topics())
        left = tuple(s for s in base if s not in slugs)
        _write(store, user_id, left or None, old)
        return Outcome("unsubscribed" if not left else "unsubscribed_topics", left, slugs)


def renew(store: Any, user_id: str) -> None:
    """Keep a subscriber's record alive for another RECORD_TTL (the user wrote to the OA)."""
    store.expire(user_key(user_id), RECORD_TTL)


def prune(store: Any) -> int:
    """Take users whose subscription record lapsed out of every set; how many were removed."""
    lapsed = [u for u in store.smembers(ALL_KEY) if store.get_json(user_key(u)) is None]
    for user_id in lapsed:
        with store.lock(f"sub:{user_id}", timeout=10.0, wait=10.0):
            if store.get_json(user_key(user_id)) is None:  # not re-subscribed meanwhile
                for key in [ALL_KEY, EVERYTHING_KEY, *(topic_key(t.slug) for t in topics())]:
                    store.srem(key, user_id)
    return len(lapsed)


def audience(store: Any, slugs: Iterable[str] = ()) -> set[str]:
    """Subscribers to receive an update about any of the topics (every subscriber when none given)."""
    prune(store)
    slugs = [s for s in slugs if s]
    if not slugs:
        return store.smembers(ALL_KEY)
    users = store.smembers(EVERYTHING_KEY)
    for slug in slugs:
        users |= store.smembers(topic_key(slug))
    return users


def counts(store: Any) -> dict[str, Any]:
    """Subscriber counts: total, every-topic subscribers, and per topic (every-topic ones included)."""
    prune(store)
    everything = store.scard(EVERYTHING_KEY)
    return {"total": store.scard(ALL_KEY), "all_topics": everything,
            "topics": {t.slug: {"name": t.name, "explicit": store.scard(topic_key(t.slug)),
                                "reached": store.scard(topic_key(t.slug)) + everything} for t in topics()}}


