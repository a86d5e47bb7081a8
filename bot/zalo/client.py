"""Zalo OA Open API v3 client: consultation and promotion messages, followers; API errors come back as SendResult."""
from __future__ import annotations

import json
import logging
import random
import time
from typing import Any, Callable

import requests

from bot.ops import metrics
from bot.ops.settings import Settings
from bot.store.state import StateStore
from bot.zalo.messages import OutMessage
from bot.zalo.shapes import (
    BAD_PARAMETER,
    MAYBE_SENT,
    RATE_LIMITED,
    TOKEN_ERRORS,
    TRANSIENT,
    SendResult,
    message_body,
    message_parts,
    promotion_body,
    result_for,
)
from bot.zalo.tokens import TokenError, TokenManager, ZaloError

log = logging.getLogger(__name__)

CS_PATH = "/v3.0/oa/message/cs"
PROMOTION_PATH = "/v3.0/oa/message/promotion"
FOLLOWERS_PATH = "/v3.0/oa/user/getlist"
DETAIL_PATH = "/v3.0/oa/user/detail"
Body = Callable[[str, OutMessage], dict[str, Any]]


class ZaloClient:
    """Calls the OA API through one session; refreshes tokens, backs off on rate limits and transient failures."""

    def __init__(self, settings: Settings, store: StateStore, session: requests.Session | None = None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
                 backoff_base: float = 0.5, backoff_cap: float = 8.0, max_retries: int = 3,
                 retry_read_timeouts: bool = False) -> None:
        self.settings = settings
        self.store = store
        self.session = session or requests.Session()
        self.sleep = sleep
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retries = max_retries
        # a read timeout on a send means Zalo took the request and may have delivered it: a retry risks a second copy
        # in her chat, so the send comes back "maybe sent" instead (reads, GET, are always retried)
        self.retry_read_timeouts = retry_read_timeouts
        self.tokens = TokenManager(settings, store, self.session, clock=clock, sleep=sleep)
        self._random = random.Random()

    def send_text(self, user_id: str, text: str) -> SendResult:
        """Send plain text (split when longer than 2,000 characters)."""
        return self.send(user_id, OutMessage(text))

    def send(self, user_id: str, message: OutMessage) -> SendResult:
        """Send a consultation message; a long text goes as several messages, buttons on the last."""
        return self._send_parts(CS_PATH, user_id, message, message_body)

    def send_promotion(self, user_id: str, message: OutMessage) -> SendResult:
        """Send a promotion message (followers outside the 7-day window)."""
        return self._send_parts(PROMOTION_PATH, user_id, message, promotion_body)

    def list_followers(self, offset: int, count: int) -> tuple[list[str], int]:
        """One page of follower ids and the total; raises ZaloError when Zalo refuses."""
        if not 1 <= count <= 50:
            raise ValueError("count must be between 1 and 50")
        data = self._data(FOLLOWERS_PATH, {"offset": int(offset), "count": int(count), "is_follower": True})
        users = data.get("users") or []
        ids = [str(u["user_id"]) for u in users if isinstance(u, dict) and u.get("user_id")]
        return ids, int(data.get("total") or 0)

    def user_detail(self, user_id: str) -> dict[str, Any]:
        """A follower's profile (`data` of /v3.0/oa/user/detail); raises ZaloError when Zalo refuses."""
        return self._data(DETAIL_PATH, {"user_id": str(user_id)})

    def refresh_access_token(self) -> None:
        """Spend the refresh token now unless another worker just did; raises ZaloError when it fails."""
        self.tokens.force_refresh()

    def _send_parts(self, path: str, user_id: str, message: OutMessage, body: Body) -> SendResult:
        """Send each part in order, stopping at the first failure."""
        parts = message_parts(message)
        result = result_for(TRANSIENT, "nothing sent")
        uncertain: SendResult | None = None
        for index, part in enumerate(parts):
            result, _ = self._call("POST", path, body=body(user_id, part))
            if result.reason == MAYBE_SENT:
                uncertain = result  # not repeated; the following parts still go
                continue
            if not result.ok:
                if index:
                    log.warning("zalo send stopped after part %d of %d", index, len(parts))
                return result
        return uncertain or result

    def _data(self, path: str, query: dict[str, Any]) -> dict[str, Any]:
        """A GET call's `data`, or ZaloError."""
        result, data = self._call("GET", path, query=query)
        if not result.ok:
            raise ZaloError(f"zalo {path} failed: {result.error} {result.reason}", result.error,
                            result.retryable, result.reason)
        return data

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter, capped."""
        return self._random.uniform(0.5, 1.0) * min(self.backoff_cap, self.backoff_base * 2 ** attempt)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              query: dict[str, Any] | None = None) -> tuple[SendResult, dict[str, Any]]:
        """One API call with one token refresh, bounded rate-limit and transient retries; never raises for API errors."""
        refreshed = False
        attempt = 0
        while True:
            try:
                token = self.tokens.access_token()
                error, text, data = self._request(method, path, token, body, query)
                metrics.zalo_call(path, error)
                if error in TOKEN_ERRORS and not refreshed:
                    refreshed = True
                    log.info("zalo access token refused (%d): refreshing", error)
                    self.tokens.refresh(stale=token)
                    continue
            except TokenError as exc:
                log.warning("zalo token unavailable: %s", exc.reason)
                return SendResult(False, exc.code, str(exc), exc.retryable, exc.reason), {}
            ambiguous = (method == "POST" and error == TRANSIENT and text == "ReadTimeout"
                         and not self.retry_read_timeouts)
            if ambiguous:
                metrics.MAYBE_SENT.labels(kind="call").inc()
                log.warning("zalo %s: no answer in time; the message may have gone out: not sent again", path)
                return SendResult(False, TRANSIENT, text, False, MAYBE_SENT), data
            if error in (RATE_LIMITED, TRANSIENT) and attempt < self.max_retries:
                delay = self._backoff(attempt)
                attempt += 1
                log.info("zalo %s: %s, retry %d in %.2fs", path, text, attempt, delay)
                self.sleep(delay)
                continue
            result = result_for(error, text)
            if not result.ok:
                log.warning("zalo %s failed: error %d (%s)", path, error, result.reason)
            return result, data

    def _request(self, method: str, path: str, token: str, body: dict[str, Any] | None,
                 query: dict[str, Any] | None) -> tuple[int, str, dict[str, Any]]:
        """One HTTP exchange: (Zalo error code or TRANSIENT, message, data)."""
        params = {"data": json.dumps(query, separators=(",", ":"))} if query is not None else None
        try:
            resp = self.session.request(method, self.settings.zalo_api_base + path, json=body, params=params,
                                        headers={"access_token": token},
                                        timeout=self.settings.zalo_timeout_seconds)
        except requests.RequestException as exc:
            return TRANSIENT, type(exc).__name__, {}
        if resp.status_code == 429:
            return RATE_LIMITED, "HTTP 429", {}
        if resp.status_code >= 500:
            return TRANSIENT, f"HTTP {resp.status_code}", {}
        try:
            answer = resp.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            # a proxy's error page on 200 is transient; a 4xx without Zalo's JSON is our request's fault
            return (TRANSIENT if resp.status_code == 200 else BAD_PARAMETER), f"HTTP {resp.status_code}", {}
        try:
            error = int(answer.get("error", 0 if resp.status_code == 200 else BAD_PARAMETER))
        except (TypeError, ValueError):
            error = BAD_PARAMETER
        data = answer.get("data")
        return error, str(answer.get("message") or "")[:200], data if isinstance(data, dict) else {}
