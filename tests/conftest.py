"""Shared fixtures: paths to ../shared, a real Redis (a spare db, flushed), settings."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterator

import pytest

from bot.ops.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(autouse=True)
def root_logging_restored() -> Iterator[None]:
    """Each test leaves the root logger as it found it: create_app() and the CLI's entry points add a JSON stderr
    handler (bot.ops.logs.setup) that would otherwise print into the captured stderr of every later test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


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
        admin_token="admin-token-test-Vq3xT9kLm2Pz7sRw5YbN",
    )


@pytest.fixture(scope="session")
def real_laws_dir(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A $LAWS_DIR imported once per session from everything in ../shared/laws, as the README's command does: the
    Pháp điển đề mục of demuc/ and more/, and the official texts (with their SOURCES.tsv). laws/text holds only an
    extract of 41/2024/QH15, whose whole consolidated text official-text/ carries."""
    from bot.knowledge.importing import import_sources

    laws_dir = tmp_path_factory.mktemp("real-laws") / "laws"
    sources = [str(shared_dir / "laws" / part) for part in ("phapdien/demuc", "phapdien/more", "official-text")]
    import_sources(Settings(laws_dir=laws_dir), sources)
    return laws_dir


@pytest.fixture(scope="session")
def real_library(real_laws_dir: Path):
    """The law library (corpus and search index) of real_laws_dir, loaded once; treat it as read-only."""
    from bot.knowledge.library import load_library

    return load_library(Settings(laws_dir=real_laws_dir))


@pytest.fixture(scope="session")
def carded_library(real_library):
    """The real library with the starter deck (bot/data/cards), as `cards import` would store it."""
    from dataclasses import replace

    from bot.knowledge.cards import checks
    from bot.knowledge.cards.index import CardIndex
    from bot.knowledge.cards.model import CardDeck, card_from_fields, read_yaml_cards, yaml_files

    read = [card_from_fields(e, p.name) for p in yaml_files([Path(__file__).parents[1] / "bot/data/cards"])
            for e in read_yaml_cards(p)]
    cards = [replace(c, reviewed=checks.digests(c, real_library.corpus)) for c in read]  # reviewed, as imported
    return replace(real_library, cards=CardIndex.build(CardDeck({c.id: c for c in cards}), real_library.corpus))


@pytest.fixture(scope="session")
def intents():
    """The phrase tables of bot/data (intents.tsv, danger.tsv, aliases.tsv), read once; treat them as read-only."""
    from bot.conversation.intents import Intents

    return Intents.load()


@pytest.fixture(scope="session")
def all_laws_dir(real_laws_dir: Path) -> Path:
    """A $LAWS_DIR holding everything in ../shared/laws (Pháp điển demuc and more, the official texts): what the
    answer cards cite. The same session import as real_laws_dir; read it, never write to it."""
    return real_laws_dir


def small_card_corpus() -> list:
    """Three articles the card tests cite (Marriage and Family Law, Labour Code), as corpus documents."""
    from bot.knowledge.corpus.model import Article, Clause, Document, Point

    def article(doc: str, number: str, title: str, clauses: list[tuple[str, str, list[tuple[str, str]]]]) -> Article:
        built = tuple(Clause(n, f"{n}. {t}", tuple(Point(p, f"{p}) {pt}") for p, pt in pts)) for n, t, pts in clauses)
        lines = [line for c in built for line in [c.text, *(p.text for p in c.points)]]
        return Article(doc, number, title, "\n".join(lines), clauses=built)

    marriage = Document("52/2014/QH13", "Luật", "Luật Hôn nhân và gia đình", source="text", articles=(
        article("52/2014/QH13", "8", "Điều kiện kết hôn", [
            ("1", "Nam, nữ kết hôn với nhau phải tuân theo các điều kiện sau đây:",
             [("a", "Nam từ đủ 20 tuổi trở lên, nữ từ đủ 18 tuổi trở lên;"), ("b", "Việc kết hôn do nam và nữ tự nguyện quyết định;")]),
            ("2", "Nhà nước không thừa nhận hôn nhân giữa những người cùng giới tính.", [])]),
        article("52/2014/QH13", "81", "Việc trông nom, chăm sóc, nuôi dưỡng, giáo dục con sau khi ly hôn", [
            ("1", "Sau khi ly hôn, cha mẹ vẫn có quyền, nghĩa vụ trông nom, chăm sóc, nuôi dưỡng con.", []),
            ("2", "Con từ đủ 07 tuổi trở lên thì phải xem xét nguyện vọng của con.", []),
            ("3", "Con dưới 36 tháng tuổi được giao cho mẹ trực tiếp nuôi.", [])])))
    labour = Document("45/2019/QH14", "Bộ luật", "Bộ luật Lao động", source="text", articles=(
        article("45/2019/QH14", "139", "Nghỉ thai sản", [
            ("1", "Lao động nữ được nghỉ thai sản trước và sau khi sinh con là 06 tháng; thời gian nghỉ trước khi "
                  "sinh không quá 02 tháng.", []),
            ("2", "Trong thời gian nghỉ thai sản, lao động nữ được hưởng chế độ thai sản.", [])]),))
    return [marriage, labour]


SMALL_DECK = """\
- id: ket-hon-do-tuoi
  topic: hon-nhan-gia-dinh
  title: Bao nhiêu tuổi thì được kết hôn?
  questions:
    - Con gái mấy tuổi thì được lấy chồng theo luật?
    - nam nu bao nhieu tuoi thi duoc dang ky ket hon
    - e 17t muốn cưới ny có được ko ạ
    - tuoi ket hon cua nu la bao nhieu
    - Độ tuổi kết hôn hợp pháp là bao nhiêu?
    - Chưa đủ tuổi mà cưới thì có sao không?
  answer: Theo luật, nam phải từ đủ 20 tuổi, nữ từ đủ 18 tuổi mới được kết hôn, và phải do hai người tự nguyện.
  articles: [52/2014/QH13:8.1.a, 52/2014/QH13:8.1.b]
  next_steps: [commune]
- id: thai-san-thoi-gian-nghi
  topic: lao-dong-nu
  title: Nghỉ thai sản được mấy tháng?
  questions:
    - Sinh con được nghỉ bao lâu?
    - nghi de duoc may thang
    - Đẻ xong công ty cho nghỉ mấy tháng?
    - nghi thai san bao lau
    - Lao động nữ nghỉ sinh được mấy tháng vậy ạ?
    - Nghỉ trước khi sinh được bao nhiêu tháng?
  answer: Chị được nghỉ thai sản 6 tháng trước và sau khi sinh, trong đó nghỉ trước khi sinh không quá 2 tháng.
  articles: [45/2019/QH14:139.1]
  next_steps: [social_insurance]
"""


@pytest.fixture
def card_laws_dir(tmp_path: Path) -> Path:
    """A $LAWS_DIR with the small card corpus imported (real index) and no cards yet."""
    from bot.knowledge.corpus.store import CorpusStore
    from bot.knowledge.search.index import build_index

    laws_dir = tmp_path / "laws"
    CorpusStore(laws_dir).commit(small_card_corpus(), build_index)
    return laws_dir


@pytest.fixture(scope="session")
def demuc_pages(shared_dir: Path) -> dict[str, bytes]:
    """The Pháp điển đề mục pages of ../shared/laws/phapdien/demuc by their name in the official ZIP."""
    from tests.phapdien_server import demuc_pages as pages

    return pages(shared_dir / "laws/phapdien/demuc")


@pytest.fixture
def phapdien_site(demuc_pages: dict[str, bytes]):
    """A loopback server serving the Pháp điển ZIP built from demuc_pages (+ jsonData.js), with ETags."""
    from tests.phapdien_server import PhapdienSite, build_zip

    site = PhapdienSite(build_zip(demuc_pages)).start()
    yield site
    site.stop()


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest):
    """Both state stores, one test each: the in-process one and a real Redis (flushed test database)."""
    from bot.store.redis_state import RedisStateStore
    from bot.store.state import InMemoryStateStore

    if request.param == "memory":
        return InMemoryStateStore()
    return RedisStateStore(request.getfixturevalue("redis_client"))
