"""Settings from the environment: the fault-handling knobs (timeouts, retries, lease, dead-letter TTL)."""
from __future__ import annotations

import re

import pytest

from bot.ops.settings import ENV_NAMES, ConfigError, Settings
from tests.conftest import ROOT


def test_fault_settings_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.zalo_timeout_seconds == 5.0
    assert settings.job_retry_intervals == (10, 60, 300)
    assert settings.worker_lease_seconds == 30
    assert settings.dead_letter_ttl_seconds == 7 * 24 * 3600


def test_fault_settings_from_env() -> None:
    settings = Settings.from_env({"ZALO_TIMEOUT_SECONDS": "1.5", "JOB_RETRY_INTERVALS": "1, 2,3",
                                  "WORKER_LEASE_SECONDS": "1", "DEAD_LETTER_TTL_SECONDS": "3600"})
    assert settings.zalo_timeout_seconds == 1.5
    assert settings.job_retry_intervals == (1, 2, 3)
    assert settings.worker_lease_seconds == 2  # renewed every lease/3: shorter leases would flap
    assert settings.dead_letter_ttl_seconds == 3600
    assert Settings.from_env({"JOB_RETRY_INTERVALS": "none"}).job_retry_intervals == ()


@pytest.mark.parametrize("name, value", [("ZALO_TIMEOUT_SECONDS", "0"), ("ZALO_TIMEOUT_SECONDS", "soon"),
                                         ("JOB_RETRY_INTERVALS", "10,x"), ("JOB_RETRY_INTERVALS", "-1"),
                                         ("WORKER_LEASE_SECONDS", "half")])
def test_bad_fault_settings_fail_fast(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_env_names_lists_every_variable_read() -> None:
    source = (ROOT / "bot" / "ops" / "settings.py").read_text(encoding="utf-8")
    body = source[source.index("def from_env"):]
    read = set(re.findall(r'env(?:\.get\(|, )"([A-Z_]+)"', body)) | set(re.findall(r'env\.get\("([A-Z_]+)"', source))
    assert read and read <= set(ENV_NAMES), read - set(ENV_NAMES)
    assert len(set(ENV_NAMES)) == len(ENV_NAMES)


def test_law_fetch_settings() -> None:
    default = Settings.from_env({})
    assert default.phapdien_url == "https://phapdien.moj.gov.vn/TraCuuPhapDien/Files/BoPhapDienDienTu.zip"
    assert {"8.1", "8.4", "20.2", "16.1", "39.3", "20.4"} <= set(default.law_topics) and len(default.law_topics) == 19
    assert (default.law_fetch_interval_hours, default.law_fetch_max_mb) == (24.0, 500)
    chosen = Settings.from_env({"PHAPDIEN_URL": "http://127.0.0.1:8080/p.zip", "LAW_TOPICS": " 8.4, 20.2,8.4",
                                "LAW_FETCH_INTERVAL_HOURS": "0", "LAW_FETCH_MAX_MB": "50"})
    assert (chosen.phapdien_url, chosen.law_topics) == ("http://127.0.0.1:8080/p.zip", ("8.4", "20.2"))
    assert (chosen.law_fetch_interval_hours, chosen.law_fetch_max_mb) == (0.0, 50)


@pytest.mark.parametrize("name, value", [("LAW_TOPICS", "hôn nhân"), ("LAW_TOPICS", "8.4,x"),
                                         ("LAW_FETCH_INTERVAL_HOURS", "-1"), ("LAW_FETCH_INTERVAL_HOURS", "daily"),
                                         ("LAW_FETCH_MAX_MB", "lots")])
def test_bad_law_fetch_settings_fail_fast(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})
