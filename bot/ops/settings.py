"""Settings read once from the environment; the only module that reads os.environ."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

REPO_ROOT = Path(__file__).resolve().parents[2]
# Every variable Settings.from_env reads (tests strip them so a developer's shell never leaks into a test process).
ENV_NAMES = ("LAWS_DIR", "REDIS_URL", "ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY", "ZALO_ACCESS_TOKEN",
             "ZALO_REFRESH_TOKEN", "ZALO_API_BASE", "ZALO_OAUTH_BASE", "ADMIN_TOKEN", "PORT", "STATE_TTL_SECONDS",
             "REPLAY_WINDOW_SECONDS", "ZALO_CALLS_PER_MINUTE", "LOG_HASH_KEY", "LOG_LEVEL", "RATE_LIMIT_PER_MINUTE",
             "ADMIN_MAX_FAILURES", "ADMIN_LOCKOUT_SECONDS", "TRUSTED_PROXY_HOPS", "PROMETHEUS_MULTIPROC_DIR",
             "ZALO_TIMEOUT_SECONDS", "JOB_RETRY_INTERVALS", "WORKER_LEASE_SECONDS", "DEAD_LETTER_TTL_SECONDS",
             "PHAPDIEN_URL", "LAW_TOPICS", "LAW_FETCH_INTERVAL_HOURS", "LAW_FETCH_MAX_MB", "SECRET_KEY",
             "MAX_UPLOAD_BYTES", "METRICS_TOKEN", "TRUSTED_PROXIES")
PHAPDIEN_URL = "https://phapdien.moj.gov.vn/TraCuuPhapDien/Files/BoPhapDienDienTu.zip"
# the union's đề mục (SPEC §2): children, gender equality, population, family, civil status, adoption, criminal,
# labour, employment, civil, residence, legal aid, social assistance, elderly, disability, prostitution prevention,
# health insurance, grassroots mediation, denunciation
LAW_TOPICS = ("8.1", "8.2", "8.3", "8.4", "15.3", "15.5", "16.1", "20.2", "20.4", "9.1", "39.3", "4.5", "6.1", "6.2",
              "6.3", "6.4", "2.2", "37.1", "18.5")


class ConfigError(RuntimeError):
    """A required setting is missing or invalid."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds from the environment."""
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {raw!r}")
    return value


def _intervals(env: Mapping[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """Comma-separated whole seconds ("10,60,300"); "" keeps the default, "none" means no retries."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if raw.lower() == "none":
        return ()
    try:
        values = tuple(int(part) for part in raw.split(","))
    except ValueError as exc:
        raise ConfigError(f"{name} must be comma-separated seconds, got {raw!r}") from exc
    if any(v < 0 for v in values):
        raise ConfigError(f"{name} must not be negative, got {raw!r}")
    return values


def _topics(env: Mapping[str, str]) -> tuple[str, ...]:
    """LAW_TOPICS as đề mục numbers ("8.1, 8.4" -> ("8.1", "8.4")); unset keeps the union's topics."""
    raw = env.get("LAW_TOPICS", "").strip()
    if not raw:
        return LAW_TOPICS
    return topic_numbers(raw, "LAW_TOPICS")


def topic_numbers(raw: str, name: str = "--topics") -> tuple[str, ...]:
    """Comma-separated Pháp điển đề mục numbers ("8.1,8.4"); ConfigError names anything else."""
    numbers = tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))
    bad = [n for n in numbers if not all(part.isdigit() for part in n.split("."))]
    if bad or not numbers:
        raise ConfigError(f"{name} must be comma-separated đề mục numbers such as 8.1,8.4; got {raw!r}")
    return numbers


def _hours(env: Mapping[str, str], name: str, default: float) -> float:
    """Hours as a number, 0 meaning off."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number of hours (0 = off), got {raw!r}") from exc
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {raw!r}")
    return value


def _networks(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR networks ("10.0.0.5,192.168.0.0/16"); checked here so a typo fails fast."""
    import ipaddress

    raw = env.get(name, "").strip()
    if not raw:
        return default
    values = tuple(part.strip() for part in raw.split(",") if part.strip())
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as exc:
            raise ConfigError(f"{name} must list addresses or networks, got {value!r}") from exc
    return values


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(env: Mapping[str, str]) -> str:
    """LOG_LEVEL as a logging level name (default INFO)."""
    raw = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if raw not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return raw


@dataclass(frozen=True)
class Settings:
    """Everything configurable, frozen; build with Settings.from_env()."""

    laws_dir: Path = REPO_ROOT / "laws"
    redis_url: str = ""
    zalo_app_id: str = ""
    zalo_app_secret: str = field(default="", repr=False)
    zalo_oa_secret_key: str = field(default="", repr=False)
    zalo_access_token: str = field(default="", repr=False)
    zalo_refresh_token: str = field(default="", repr=False)
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    admin_token: str = field(default="", repr=False)
    port: int = 8000
    state_ttl_seconds: int = 30 * 24 * 3600
    webhook_max_bytes: int = 64 * 1024
    replay_window_seconds: int = 3600
    zalo_timeout_seconds: float = 5.0
    zalo_calls_per_minute: int = 3000
    log_hash_key: str = field(default="", repr=False)
    log_level: str = "INFO"
    rate_limit_per_minute: int = 20
    admin_max_failures: int = 10
    admin_lockout_seconds: int = 600
    trusted_proxy_hops: int = 0
    metrics_dir: str = ""
    job_retry_intervals: tuple[int, ...] = (10, 60, 300)
    worker_lease_seconds: int = 30
    dead_letter_ttl_seconds: int = 7 * 24 * 3600
    phapdien_url: str = PHAPDIEN_URL
    law_topics: tuple[str, ...] = LAW_TOPICS
    law_fetch_interval_hours: float = 24.0  # the worker's scheduled `laws fetch`; 0 = off
    law_fetch_max_mb: int = 500  # a bigger download is refused
    secret_key: str = field(default="", repr=False)  # signs the console's cookies; unset: the console answers 503
    max_upload_bytes: int = 200 * 1024 * 1024  # a law upload (the official Pháp điển ZIP fits)
    metrics_token: str = field(default="", repr=False)
    trusted_proxies: tuple[str, ...] = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                        "fc00::/7")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Read the environment (or the given mapping)."""
        env = os.environ if env is None else env
        laws_dir = Path(env.get("LAWS_DIR") or REPO_ROOT / "laws")
        return cls(
            laws_dir=laws_dir,
            redis_url=env.get("REDIS_URL", ""),
            zalo_app_id=env.get("ZALO_APP_ID", ""),
            zalo_app_secret=env.get("ZALO_APP_SECRET", ""),
            zalo_oa_secret_key=env.get("ZALO_OA_SECRET_KEY", ""),
            zalo_access_token=env.get("ZALO_ACCESS_TOKEN", ""),
            zalo_refresh_token=env.get("ZALO_REFRESH_TOKEN", ""),
            zalo_api_base=(env.get("ZALO_API_BASE") or "https://openapi.zalo.me").rstrip("/"),
            zalo_oauth_base=(env.get("ZALO_OAUTH_BASE") or "https://oauth.zaloapp.com").rstrip("/"),
            admin_token=env.get("ADMIN_TOKEN", ""),
            port=_int(env, "PORT", 8000),
            state_ttl_seconds=_int(env, "STATE_TTL_SECONDS", 30 * 24 * 3600),
            replay_window_seconds=_int(env, "REPLAY_WINDOW_SECONDS", 3600),
            zalo_calls_per_minute=_int(env, "ZALO_CALLS_PER_MINUTE", 3000),
            log_hash_key=env.get("LOG_HASH_KEY", "") or env.get("ZALO_OA_SECRET_KEY", ""),
            log_level=_log_level(env),
            rate_limit_per_minute=max(0, _int(env, "RATE_LIMIT_PER_MINUTE", 20)),
            admin_max_failures=max(0, _int(env, "ADMIN_MAX_FAILURES", 10)),
            admin_lockout_seconds=max(1, _int(env, "ADMIN_LOCKOUT_SECONDS", 600)),
            trusted_proxy_hops=max(0, _int(env, "TRUSTED_PROXY_HOPS", 0)),
            metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR", ""),
            zalo_timeout_seconds=_float(env, "ZALO_TIMEOUT_SECONDS", 5.0),
            job_retry_intervals=_intervals(env, "JOB_RETRY_INTERVALS", (10, 60, 300)),
            worker_lease_seconds=max(2, _int(env, "WORKER_LEASE_SECONDS", 30)),
            dead_letter_ttl_seconds=_int(env, "DEAD_LETTER_TTL_SECONDS", 7 * 24 * 3600),
            phapdien_url=(env.get("PHAPDIEN_URL") or PHAPDIEN_URL).strip(),
            law_topics=_topics(env),
            law_fetch_interval_hours=_hours(env, "LAW_FETCH_INTERVAL_HOURS", 24.0),
            law_fetch_max_mb=max(1, _int(env, "LAW_FETCH_MAX_MB", 500)),
            secret_key=env.get("SECRET_KEY", ""),
            max_upload_bytes=max(1, _int(env, "MAX_UPLOAD_BYTES", 200 * 1024 * 1024)),
            metrics_token=env.get("METRICS_TOKEN", ""),
            trusted_proxies=_networks(env, "TRUSTED_PROXIES", cls.trusted_proxies),
        )

    def require_zalo(self) -> "Settings":
        """Fail fast when the webhook or sending secrets are missing."""
        missing = [name for name, value in (
            ("ZALO_APP_ID", self.zalo_app_id),
            ("ZALO_APP_SECRET", self.zalo_app_secret),
            ("ZALO_OA_SECRET_KEY", self.zalo_oa_secret_key),
        ) if not value]
        if missing:
            raise ConfigError("missing required settings: " + ", ".join(missing))
        return self

    def with_(self, **changes: object) -> "Settings":
        """A copy with some fields changed (tests)."""
        return replace(self, **changes)  # type: ignore[arg-type]
