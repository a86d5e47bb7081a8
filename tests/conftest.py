"""Shared fixtures: paths to ../shared, a real Redis (a spare db, flushed), settings."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.ops.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the repository (SHARED_DIR); its absence fails the tests that need it, never skips them."""
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: the tests read ../shared (set SHARED_DIR to its path)")
    return SHARED


def flushed_redis():
    """A real Redis connection on the test database, flushed before and after (a generator for fixtures)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis not reachable at {REDIS_URL}: start redis-server")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def redis_client():
    """A real Redis connection on a spare database, flushed before and after."""
    yield from flushed_redis()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for tests: a temporary LAWS_DIR and test Zalo secrets."""
    return Settings(
        laws_dir=tmp_path / "laws",
        zalo_app_id="app-test",
        zalo_app_secret="app-secret-test",
        zalo_oa_secret_key="oa-secret-test",
        zalo_access_token="access-0",
        zalo_refresh_token="refresh-0",
        admin_token="admin-token-test",
    )


@pytest.fixture(scope="session")
def real_laws_dir(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A $LAWS_DIR imported once per session from ../shared/laws (every Pháp điển đề mục file and text statute)."""
    from bot.knowledge.importing import import_sources

    laws_dir = tmp_path_factory.mktemp("real-laws") / "laws"
    texts = sorted(str(p) for p in (shared_dir / "laws/text").glob("*.txt"))
    sources = [str(shared_dir / "laws/phapdien/demuc"), *texts]
    import_sources(Settings(laws_dir=laws_dir), sources)
    return laws_dir


@pytest.fixture(scope="session")
def real_library(real_laws_dir: Path):
    """The law library (corpus and search index) of real_laws_dir, loaded once; treat it as read-only."""
    from bot.knowledge.library import load_library

    return load_library(Settings(laws_dir=real_laws_dir))
