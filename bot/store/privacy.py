"""A user's "xóa dữ liệu": delete everything the bot keeps about them, and the links that make that possible.

Per-user data (all with a TTL; the README lists them under "Privacy"): conversation state, last-seen time, rate-limit counter,
subscription record and set memberships, follow/unfollow delivery marks, dead letters, broadcast recipient entries,
and pointers to the user's unanswered questions kept (without any user id) in the officials' statistics.
"""
from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from typing import Any

from bot.store import limits, stats, subscriptions
from bot.store.keys import conv_key, last_seen_key

log = logging.getLogger(__name__)

ERASE = "erase"  # the dialogue's action: {"erase": {}}
QUESTIONS_PREFIX = "zlb:asked:"
DEAD_LETTERS = "zlb:dead:"  # bot.jobs.deadletters.DEAD_PREFIX: letters hold the event, user id included
MAX_LINKED = 500


def requested(state: dict[str, Any] | None) -> bool:
    """True when the dialogue's new state asks for the user's data to be erased."""
    actions = (state or {}).get("actions") if isinstance(state, dict) else None
    items = actions if isinstance(actions, list) else [actions]
    return any(isinstance(item, dict) and ERASE in item for item in items)


def questions_key(user_id: str) -> str:
    """Store key of a user's pointers (day|digest) to the unanswered questions the statistics keep."""
    return QUESTIONS_PREFIX + user_id


def _digest(text: str) -> str:
    """A short digest of a stored question: the pointer names it without repeating it."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def link_question(store: Any, user_id: str, day: str, text: str, kind: str = "unanswered") -> None:
    """Remember that this user's question is stored under that day (in the list of that kind: unanswered or
    unhelpful, bot.store.stats.QUESTION_LISTS), so "xóa dữ liệu" can find it again."""
    key = questions_key(user_id)
    pointer = f"{day}|{_digest(text)}" + ("" if kind == "unanswered" else f"|{kind}")
    store.lpush(key, pointer, max_len=MAX_LINKED, ttl=stats.TTL)
    store.expire(key, stats.TTL)  # the pointers outlive the newest question they point to, never longer


def _erase_questions(store: Any, user_id: str) -> int:
    """Remove the user's unanswered questions from the statistics; how many were removed."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for pointer in store.lrange(questions_key(user_id), 0, -1):
        day, digest, kind = (pointer.split("|") + ["unanswered"])[:3]
        if kind in stats.QUESTION_LISTS:
            wanted[stats.QUESTION_LISTS[kind](day)].append(digest)
    removed = 0
    for key, digests in wanted.items():
        by_digest: dict[str, str] = {_digest(text): text for text in store.lrange(key, 0, -1)}
        for digest in digests:
            # one occurrence per pointer: someone else may have asked the very same words
            if digest in by_digest:
                removed += store.lrem(key, by_digest[digest], 1)
    return removed


def _subscription(store: Any, user_id: str) -> None:
    """Drop the subscription record and the user from every subscriber set, even sets of retired topics."""
    with store.lock(f"sub:{user_id}", timeout=10.0, wait=10.0):
        for key in [subscriptions.ALL_KEY, subscriptions.EVERYTHING_KEY, *store.keys("zlb:sub:topic:*")]:
            store.srem(key, user_id)
        store.delete(subscriptions.user_key(user_id))


def _keyed_by_user(store: Any, user_id: str) -> list[str]:
    """Keys holding the user id: follow/unfollow marks ("zlb:done:follow:<id>:<ts>") and the user's dead letters."""
    found = [k for k in store.keys("zlb:*follow:*")
             if f":follow:{user_id}:" in k or f":unfollow:{user_id}:" in k]
    for key in store.keys(DEAD_LETTERS + "*"):
        letter = store.get_json(key)
        if isinstance(letter, dict) and str(letter.get("user_id")) == user_id:
            found.append(key)
    return found


def erase_user(store: Any, user_id: str) -> dict[str, int]:
    """Delete everything kept about a user; counts of what went (for the log and tests)."""
    questions = _erase_questions(store, user_id)
    _subscription(store, user_id)
    broadcasts = 0
    for key in store.keys("zlb:bc:*"):
        if key.endswith((":r", ":t")):
            broadcasts += store.hdel(key, user_id)
    keys = [conv_key(user_id), last_seen_key(user_id), limits.user_key(user_id), questions_key(user_id),
            *_keyed_by_user(store, user_id)]
    deleted = store.delete(*keys)
    counts = {"keys": deleted, "questions": questions, "broadcast_entries": broadcasts}
    log.info("user data erased on request", extra=counts)
    return counts
