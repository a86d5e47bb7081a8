"""Who a broadcast goes to: subscribers (by topic), users inside Zalo's 7-day window, or every follower."""
from __future__ import annotations

import time
from typing import Any, Iterable

from bot.store import subscriptions
from bot.store.keys import LAST_SEEN_PREFIX, last_seen_key

AUDIENCES = ("subscribers", "recent", "followers")
WINDOW_MS = 7 * 24 * 3600 * 1000
FOLLOWERS_PAGE = 50  # Zalo's maximum `count` for /v3.0/oa/user/getlist
MAX_FOLLOWERS = 5_000_000
CONSULTATION = "cs"
PROMOTION = "promo"


def last_seen(store: Any, user_id: str) -> int | None:
    """Epoch ms of the user's latest message, when known."""
    value = store.get_json(last_seen_key(user_id))
    return value if isinstance(value, int) else None


def recent_users(store: Any, now_ms: int | None = None) -> set[str]:
    """Users who wrote within the 7-day consultation window."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    users = set()
    for key in store.keys(LAST_SEEN_PREFIX + "*"):
        user_id = key[len(LAST_SEEN_PREFIX):]
        seen = last_seen(store, user_id)
        if seen is not None and now_ms - seen < WINDOW_MS:
            users.add(user_id)
    return users


def followers(zalo: Any, page: int = FOLLOWERS_PAGE) -> list[str]:
    """Every follower id, paging /v3.0/oa/user/getlist (count <= 50) in order, without duplicates."""
    page = max(1, min(page, FOLLOWERS_PAGE))
    found: dict[str, None] = {}
    offset = 0
    while offset < MAX_FOLLOWERS:
        ids, total = zalo.list_followers(offset, page)
        for user_id in ids:
            found[str(user_id)] = None
        offset += page
        if not ids or offset >= int(total or 0):
            break
    return list(found)


def plan(store: Any, zalo: Any, audience: str, topics: Iterable[str] = (),
         now_ms: int | None = None) -> dict[str, str]:
    """Recipients and how to reach each: "cs" (consultation, inside the window) or "promo" (promotion)."""
    if audience == "subscribers":
        return {u: CONSULTATION for u in sorted(subscriptions.audience(store, topics))}
    recent = recent_users(store, now_ms)
    if audience == "recent":
        return {u: CONSULTATION for u in sorted(recent)}
    if audience == "followers":
        return {u: CONSULTATION if u in recent else PROMOTION for u in followers(zalo)}
    raise ValueError(f"unknown audience {audience!r}")


def explain(store: Any, audience: str, topics: Iterable[str], recipients: dict[str, str],
            now_ms: int | None = None) -> dict[str, int]:
    """Why people are left out or reached another way, as counts by reason (shown with a broadcast's plan):
    other_topics (subscribers of other topics only), outside_window (planned, but silent for 7 days: Zalo refuses
    consultation messages to them, -230), not_recent (subscribers left out of "recent"), promotion (followers
    outside the window, sent as paid promotion messages)."""
    reasons: dict[str, int] = {}
    if audience == "subscribers":
        recent = recent_users(store, now_ms)
        reasons["other_topics"] = len(subscriptions.audience(store) - set(recipients))
        reasons["outside_window"] = sum(1 for u in recipients if u not in recent)
    elif audience == "recent":
        reasons["not_recent"] = len(subscriptions.audience(store) - set(recipients))
    elif audience == "followers":
        reasons["promotion"] = sum(1 for mode in recipients.values() if mode == PROMOTION)
    return {k: v for k, v in reasons.items() if v}
