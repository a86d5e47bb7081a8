"""Zalo webhook signatures and the replay window; pure and constant-time."""
from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-ZEvent-Signature"
TIMESTAMP_HEADER = "X-ZEvent-Timestamp"


def sign(app_id: str, raw_body: bytes, timestamp: str, oa_secret: str) -> str:
    """The header value Zalo sends: `mac=` + SHA-256 hex of app_id + body + timestamp + OA secret key."""
    digest = hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + oa_secret.encode()).hexdigest()
    return "mac=" + digest


def _mac(header_value: str) -> str:
    """The hex part of `mac=<hex>` (a bare hex value is tolerated), lower-cased."""
    value = header_value.strip()
    if value[:4].lower() == "mac=":
        value = value[4:]
    return value.strip().lower()


def verify_signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret: str, header_value: str | None) -> bool:
    """True when the X-ZEvent-Signature header matches; compared in constant time."""
    if not header_value or not oa_secret or not timestamp:
        return False
    expected = _mac(sign(app_id, raw_body, timestamp, oa_secret))
    return hmac.compare_digest(expected.encode(), _mac(header_value).encode("utf-8", "replace"))


def verify_any(app_ids: list[str], raw_body: bytes, timestamps: list[str], oa_secret: str,
               header_value: str | None) -> str | None:
    """The timestamp that makes the signature valid for one of the app ids, or None."""
    for timestamp in timestamps:
        for app_id in app_ids:
            if verify_signature(app_id, raw_body, timestamp, oa_secret, header_value):
                return timestamp
    return None


def to_millis(timestamp: str) -> int | None:
    """Epoch milliseconds from a Zalo timestamp (seconds tolerated: anything below 1e11 is taken as seconds)."""
    try:
        value = int(str(timestamp).strip())
    except ValueError:
        return None
    return value * 1000 if value < 100_000_000_000 else value


def is_fresh(timestamp: str, now_ms: int, window_seconds: int) -> bool:
    """True when the timestamp is within the replay window either side of now (window 0 = no check)."""
    if window_seconds <= 0:
        return True
    millis = to_millis(timestamp)
    return millis is not None and abs(now_ms - millis) <= window_seconds * 1000
