"""Zalo OA access tokens (OAuth v4): the current pair in the state store, refreshed under a lock, never logged."""
from __future__ import annotations

import hashlib
import logging
import time
from typing import Any, Callable

import requests
from urllib3.exceptions import NewConnectionError

from bot.ops import metrics
from bot.ops.settings import Settings
from bot.store.state import LockTimeout, StateStore

log = logging.getLogger(__name__)

TOKENS_KEY = "zlb:zalo:tokens"
ALERT_KEY = "zlb:zalo:token-alert"  # set when a refresh may have spent the refresh token without us getting the pair
LOCK_NAME = "zalo-token"
REFRESH_AHEAD_SECONDS = 300
DEFAULT_EXPIRES_IN = 90000
REFRESH_ATTEMPTS = 3


class ZaloError(RuntimeError):
    """A Zalo call that could not be completed; `code` is Zalo's error (or a local one), never holds a token."""

    def __init__(self, message: str, code: int = 0, retryable: bool = True, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.reason = reason


class TokenError(ZaloError):
    """No usable access token: the refresh failed or no tokens are configured."""


def _fingerprint(token: str) -> str:
    """A short digest telling whether the configured refresh token changed, without storing it twice."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def token_alert(store: Any) -> dict[str, Any] | None:
    """The standing token alert ({"at", "reason", "message"}) for the console's banner and /readyz, or None."""
    try:
        alert = store.get_json(ALERT_KEY)
    except Exception:  # noqa: BLE001 - the store is down: nothing to show
        return None
    return alert if isinstance(alert, dict) else None


def clear_token_alert(store: Any) -> None:
    """Lift the alert: an operator configured a new token pair (or checked that the stored one still works)."""
    store.delete(ALERT_KEY)


def _raise_alert(store: Any, reason: str) -> None:
    """Record an ambiguous refresh: logged, counted, kept for the banner; refreshes stop until it is lifted."""
    message = ("a Zalo token refresh got no clear answer (" + reason + "): the refresh token may be spent. "
               "Get a new token pair for the OA and set ZALO_ACCESS_TOKEN / ZALO_REFRESH_TOKEN")
    log.error("zalo token refresh ambiguous (%s): not retried; set a new token pair", reason)
    metrics.TOKEN_REFRESH.labels(result="ambiguous").inc()
    try:
        store.set_json(ALERT_KEY, {"at": int(time.time()), "reason": reason, "message": message})
    except Exception as exc:  # noqa: BLE001 - the log line and the metric still tell
        log.error("could not store the token alert: %s", type(exc).__name__)


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly did not reach the OAuth server (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _redact(text: str, secrets: tuple[str, ...]) -> str:
    """Text with any secret blanked out (error descriptions may echo what was sent)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text[:200]


class TokenManager:
    """Hands out a valid access token; spends the single-use refresh token once across all processes."""

    def __init__(self, settings: Settings, store: StateStore, session: requests.Session,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
                 refresh_ahead: float = REFRESH_AHEAD_SECONDS) -> None:
        self.settings = settings
        self.store = store
        self.session = session
        self.clock = clock
        self.sleep = sleep
        self.refresh_ahead = refresh_ahead
        self.refreshes = 0

    def _seed(self) -> dict[str, Any] | None:
        """The pair from the settings, stored when the store has none (or the operator configured a new one)."""
        access, refresh = self.settings.zalo_access_token, self.settings.zalo_refresh_token
        if not access and not refresh:
            return None
        # an access token from the environment has an unknown age: use it until Zalo says it expired
        old = self.store.get_json(TOKENS_KEY)
        seeds = list(old.get("seeds", [])) if isinstance(old, dict) else []
        pair = {"access": access, "refresh": refresh, "expires_at": None,
                "seeds": (seeds + [_fingerprint(refresh)])[-20:] if refresh else seeds}
        self.store.set_json(TOKENS_KEY, pair)
        self.store.delete(ALERT_KEY)  # a pair set by hand ends a standing alert
        return pair

    def _current(self, pair: Any) -> bool:
        """True when the stored pair stands: a configured refresh token already seen never replaces it."""
        refresh = self.settings.zalo_refresh_token
        # during a rolling deploy the old processes still carry the old (spent) token: only a new one re-seeds
        return isinstance(pair, dict) and (not refresh or _fingerprint(refresh) in pair.get("seeds", []))

    def _stored(self) -> dict[str, Any] | None:
        """The current pair, seeding it from the settings when missing or superseded by a new configured one."""
        pair = self.store.get_json(TOKENS_KEY)
        if self._current(pair):
            return pair
        with self._locked():
            pair = self.store.get_json(TOKENS_KEY)
            return pair if self._current(pair) else self._seed()

    def _due(self, pair: dict[str, Any]) -> bool:
        """True when the pair has no access token or expires within the refresh margin."""
        expires_at = pair.get("expires_at")
        if not pair.get("access"):
            return True
        return expires_at is not None and float(expires_at) - self.clock() < self.refresh_ahead

    def access_token(self) -> str:
        """A usable access token, refreshing first when it is missing or about to expire."""
        pair = self._stored()
        if pair is None:
            raise TokenError("no Zalo tokens configured", code=-216, retryable=False, reason="no_tokens")
        if self._due(pair):
            return self.refresh(stale=str(pair.get("access") or ""), due_only=True)
        return str(pair["access"])

    def force_refresh(self) -> str:
        """Spend the refresh token now, unless another worker replaced the current pair meanwhile."""
        pair = self._stored()
        if pair is None:
            raise TokenError("no Zalo tokens configured", code=-216, retryable=False, reason="no_tokens")
        return self.refresh(stale=str(pair.get("access") or ""))

    def refresh(self, stale: str | None = None, due_only: bool = False) -> str:
        """Spend the refresh token unless another worker already replaced `stale`; returns the access token."""
        with self._locked():
            pair = self.store.get_json(TOKENS_KEY) or self._seed() or {}
            current = str(pair.get("access") or "")
            if current and stale is not None and current != stale and not self._due(pair):
                return current  # someone refreshed while we waited: use theirs
            if due_only and current and not self._due(pair):
                return current
            refresh = str(pair.get("refresh") or "")
            if not refresh:
                raise TokenError("no Zalo refresh token", code=-216, retryable=False, reason="no_refresh_token")
            if token_alert(self.store) is not None:
                # the last refresh may have spent this refresh token: presenting it again could cost the new pair
                if current and due_only and not _expired(pair, self.clock()):
                    return current
                raise TokenError("zalo token refresh stopped after an ambiguous refresh: set a new token pair",
                                 code=-216, retryable=False, reason="refresh_blocked")
            try:
                new = self._exchange(refresh)
            except _Ambiguous as exc:
                _raise_alert(self.store, exc.reason)
                if current and due_only and not _expired(pair, self.clock()):
                    return current  # the access token in hand still works for a few minutes
                raise TokenError(f"zalo token refresh ambiguous ({exc.reason})", code=-216, retryable=False,
                                 reason="refresh_ambiguous") from exc
            new["seeds"] = pair.get("seeds", [])
            # stored before use: the old refresh token is spent, losing the new one would lock the OA out
            self.store.set_json(TOKENS_KEY, new)
            self.refreshes += 1
            metrics.TOKEN_REFRESH.labels(result="ok").inc()
            log.info("zalo access token refreshed; valid for %ds", int(new["expires_at"] - self.clock()))
            return str(new["access"])

    def _locked(self) -> Any:
        """The cross-process token lock, held longer than a refresh can take."""
        hold = max(30.0, self.settings.zalo_timeout_seconds * (REFRESH_ATTEMPTS + 1) * 2)
        return _LockGuard(self.store, hold)

    def _exchange(self, refresh: str) -> dict[str, Any]:
        """POST the refresh token to OAuth v4 and return the new pair. Only failures that prove the token was not
        spent are retried (no connection made; HTTP 500/503 answered by the server); a request that may have been
        processed without its answer reaching us (read timeout, a connection cut mid-request, 502/504 from a
        gateway) raises _Ambiguous: presenting a spent token again could cost the new pair."""
        url = f"{self.settings.zalo_oauth_base}/v4/oa/access_token"
        secrets = (refresh, self.settings.zalo_app_secret)
        form = {"app_id": self.settings.zalo_app_id, "grant_type": "refresh_token", "refresh_token": refresh}
        for attempt in range(REFRESH_ATTEMPTS):
            try:
                resp = self.session.post(url, data=form, headers={"secret_key": self.settings.zalo_app_secret},
                                         timeout=self.settings.zalo_timeout_seconds)
            except requests.RequestException as exc:
                if not _never_sent(exc):
                    raise _Ambiguous(type(exc).__name__) from exc
                log.warning("zalo token refresh: %s (attempt %d)", type(exc).__name__, attempt + 1)
                self.sleep(0.2 * 2 ** attempt)
                continue
            if resp.status_code in (502, 504):
                raise _Ambiguous(f"HTTP {resp.status_code}")
            if resp.status_code >= 500:
                log.warning("zalo token refresh: HTTP %d (attempt %d)", resp.status_code, attempt + 1)
                self.sleep(0.2 * 2 ** attempt)
                continue
            return self._parse(resp, secrets)
        metrics.TOKEN_REFRESH.labels(result="unreachable").inc()
        raise TokenError("zalo token refresh: OAuth server unreachable", code=-216, reason="oauth_unreachable")

    def _parse(self, resp: requests.Response, secrets: tuple[str, ...]) -> dict[str, Any]:
        """The new pair from an OAuth answer; failures (HTTP 200 with error_name) raise TokenError."""
        try:
            data = resp.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or not data.get("access_token") or not data.get("refresh_token"):
            data = data if isinstance(data, dict) else {}
            name = _redact(str(data.get("error_name") or f"HTTP {resp.status_code}"), secrets)
            desc = _redact(str(data.get("error_description") or data.get("message") or ""), secrets)
            log.error("zalo token refresh refused: %s %s", name, desc)
            metrics.TOKEN_REFRESH.labels(result="refused").inc()
            # callers see -216 (a token problem) whatever OAuth's own code was
            raise TokenError(f"zalo token refresh refused: {name} ({data.get('error', '')})", code=-216,
                             retryable=False, reason="refresh_refused")
        expires_in = _num(data.get("expires_in"), DEFAULT_EXPIRES_IN)
        return {"access": str(data["access_token"]), "refresh": str(data["refresh_token"]),
                "expires_at": self.clock() + expires_in}


class _Ambiguous(Exception):
    """The refresh request may have been processed, but no answer came back."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _expired(pair: dict[str, Any], now: float) -> bool:
    """True when the pair's access token is past its expiry (unknown expiry: not known to be expired)."""
    expires_at = pair.get("expires_at")
    return expires_at is not None and float(expires_at) <= now


def _num(value: Any, default: float) -> float:
    """A number from Zalo's string-or-number fields."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


class _LockGuard:
    """store.lock("zalo-token") whose timeout becomes a TokenError."""

    def __init__(self, store: StateStore, hold: float) -> None:
        self._cm = store.lock(LOCK_NAME, timeout=hold, wait=hold)

    def __enter__(self) -> None:
        try:
            self._cm.__enter__()
        except LockTimeout as exc:
            raise TokenError("zalo token lock busy", code=-216, reason="token_lock_busy") from exc

    def __exit__(self, *exc: Any) -> None:
        self._cm.__exit__(*exc)
