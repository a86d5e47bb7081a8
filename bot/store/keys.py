"""Names of the per-user and per-message keys several packages share (README "Privacy" lists them all)."""
from __future__ import annotations

DONE_TTL = 2 * 24 * 3600  # "answered" marks and outboxes: longer than Zalo's last redelivery (1 h)
LAST_SEEN_TTL = 7 * 24 * 3600  # Zalo's consultation window
LAST_SEEN_PREFIX = "zlb:last:"


def conv_key(user_id: str) -> str:
    """A user's conversation state."""
    return f"zlb:conv:{user_id}"


def last_seen_key(user_id: str) -> str:
    """When a user last wrote (consultation replies are allowed for 7 days after it)."""
    return LAST_SEEN_PREFIX + user_id


def taken_key(key: str) -> str:
    """A webhook delivery of an event taken (its job queued): later deliveries are duplicates."""
    return f"zlb:dedup:{key}"


def done_key(key: str) -> str:
    """An event fully answered."""
    return f"zlb:done:{key}"


def outbox_key(key: str) -> str:
    """An event's planned replies and how many were sent."""
    return f"zlb:outbox:{key}"


def turns_key(user_id: str) -> str:
    """A user's messages waiting to be answered, in the order they were accepted."""
    return f"zlb:turns:{user_id}"


def parked_key(user_id: str) -> str:
    """Events of a user's messages that wait for their turn (message key → event)."""
    return f"zlb:parked:{user_id}"
