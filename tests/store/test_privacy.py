"""Privacy: "xóa dữ liệu" deletes everything kept about the user (checked key by key in a real Redis), every per-user
key expires, the officials' statistics keep questions 90 days at most."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from bot.conversation.dialogue import Dialogue
from bot.conversation.intents import Intents
from bot.jobs import deadletters
from bot.jobs.actions import apply_actions
from bot.officials import broadcasts as broadcast
from bot.ops.datafiles import Texts
from bot.store import limits, privacy, stats, subscriptions
from bot.store.keys import conv_key, last_seen_key
from bot.store.redis_state import RedisStateStore
from bot.store.state import InMemoryStateStore
from bot.zalo.events import TextMessage, event_to_dict
from tests.dialogue_fakes import sample_library
from tests.ops_stack import USER, Stack, follow_event, stack  # noqa: F401 - fixture

OTHER = "1234567890123456789"
ERASED = Texts.load().get("erased")
# keys shared by every user (their members are users, pruned when a record lapses) and rq's own bookkeeping
GLOBAL_WITHOUT_TTL = ("zlb:sub:all", "zlb:sub:everything", "zlb:sub:topic:", "zlb:zalo:tokens", "zlb:audit",
                      "zlb:bc:ids", "zlb:corpus:version", "rq:")


def text(value: Any) -> str:
    """A Redis reply as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


def holding(client: Any, user: str) -> dict[str, str]:
    """Every key whose name, members, fields or value hold the user id -> where it was found."""
    found: dict[str, str] = {}
    for raw in client.scan_iter(count=1000):
        key = text(raw)
        if user in key:
            found[key] = "name"
            continue
        if key.startswith("rq:"):
            continue  # rq's job hashes keep the (compressed) job for an hour; see /work/notes/ops.md
        kind = text(client.type(key))
        if kind == "set":
            values = [text(m) for m in client.smembers(key)]
        elif kind == "hash":
            values = [text(x) for pair in client.hgetall(key).items() for x in pair]
        elif kind == "list":
            values = [text(v) for v in client.lrange(key, 0, -1)]
        elif kind == "zset":
            values = [text(m) for m in client.zrange(key, 0, -1)]
        elif kind == "string":
            values = [text(client.get(key))]
        else:
            values = []
        if any(user in v for v in values):
            found[key] = kind
    return found


def converse(stack: Stack, user: str = USER) -> None:
    """Follow, ask (found and not found), read an article, subscribe to everything and to a topic."""
    stack.post(follow_event(user))
    for said in ("nghỉ thai sản mấy tháng", "1", "qwertyuiop zxcv asdf", "đăng ký", "ly hôn ai nuôi con"):
        stack.say(said, user)
    stack.work()


@pytest.fixture
def busy(stack: Stack) -> Iterator[Stack]:
    """The user and another one after a conversation, plus a broadcast entry and a dead letter for the user."""
    converse(stack, USER)
    converse(stack, OTHER)
    store = stack.services.store
    store.hset(broadcast.rcpt_key("bc1"), {USER: "sent|cs|", OTHER: "sent|cs|"}, ttl=broadcast.TTL)
    store.hincr(broadcast.tries_key("bc1"), USER, 1, ttl=broadcast.TTL)
    letter = event_to_dict(TextMessage(USER, "dead-1", "câu hỏi chưa gửi được", "1700000000000"))
    store.set_json(privacy.DEAD_LETTERS + "d1", {"id": "d1", "user_id": USER, "event": letter}, ttl=7 * 86400)
    subscriptions.subscribe(store, USER, ("tre-em",))
    yield stack


def test_conversation_leaves_per_user_data(busy: Stack) -> None:
    where = holding(busy.redis, USER)
    for key in (conv_key(USER), last_seen_key(USER), limits.user_key(USER), subscriptions.user_key(USER),
                privacy.questions_key(USER), subscriptions.ALL_KEY, broadcast.rcpt_key("bc1")):
        assert key in where, (key, sorted(where))
    assert any(k.startswith(privacy.DEAD_LETTERS) for k in where)
    assert any(":follow:" in k for k in where)


def test_every_per_user_key_expires(busy: Stack) -> None:
    client = busy.redis
    no_ttl = [text(k) for k in client.scan_iter(count=1000) if client.ttl(k) == -1]
    unexpected = [k for k in no_ttl if not k.startswith(GLOBAL_WITHOUT_TTL)]
    assert not unexpected, unexpected
    for key in list(holding(client, USER)) + list(holding(client, OTHER)):
        if not key.startswith(GLOBAL_WITHOUT_TTL):
            assert client.ttl(key) > 0, key
    # the subscription itself lasts a year after the user's last message, not forever
    assert 364 * 86400 < client.ttl(subscriptions.user_key(USER)) <= subscriptions.RECORD_TTL


def test_each_message_renews_the_subscription(busy: Stack) -> None:
    busy.redis.expire(subscriptions.user_key(USER), 100)
    busy.say("xin chào")
    busy.work()
    assert busy.redis.ttl(subscriptions.user_key(USER)) > 364 * 86400


def test_stored_questions_are_kept_90_days_at_most(busy: Stack) -> None:
    keys = [text(k) for k in busy.redis.scan_iter(match="zlb:stats:*")]
    assert any(k.startswith("zlb:stats:miss:") for k in keys)
    for key in keys + [privacy.questions_key(USER)]:
        assert 0 < busy.redis.ttl(key) <= 90 * 86400, key


def test_erase_deletes_everything_about_the_user_and_nothing_else(busy: Stack) -> None:
    other_before = holding(busy.redis, OTHER)
    misses_before = busy.services.store.lrange(stats.miss_key(stats.day_of()), 0, -1)
    response = busy.say("xóa dữ liệu")
    assert response.status_code == 200
    busy.work()
    assert busy.texts()[-1] == ERASED
    assert holding(busy.redis, USER) == {}
    # the other user keeps everything, including the same unanswered question asked in their own words
    assert holding(busy.redis, OTHER) == other_before
    misses_after = busy.services.store.lrange(stats.miss_key(stats.day_of()), 0, -1)
    assert len(misses_after) == len(misses_before) - 1 and "qwertyuiop zxcv asdf" in misses_after
    assert subscriptions.current_topics(busy.services.store, USER) is None
    assert USER not in subscriptions.audience(busy.services.store)


def test_after_erasure_the_user_starts_afresh(busy: Stack) -> None:
    busy.say("xoa du lieu")
    busy.work()
    busy.say("1")  # "item 1" means nothing without the erased list
    busy.work()
    assert busy.texts()[-2] == ERASED and busy.texts()[-1] != ERASED
    state = busy.services.store.get_json(conv_key(USER))
    assert state is not None and not state.get("keys")


def test_erase_is_honoured_past_the_rate_limit(stack: Stack) -> None:
    stack.services.settings = stack.services.settings.with_(rate_limit_per_minute=2)
    converse(stack)  # 5 messages: the last ones are over the limit
    stack.say("xóa dữ liệu")
    stack.work()
    assert stack.texts()[-1] == ERASED and holding(stack.redis, USER) == {}


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_erase_user_on_both_stores(kind: str, request: pytest.FixtureRequest) -> None:
    store: Any = RedisStateStore(request.getfixturevalue("redis_client")) if kind == "redis" else InMemoryStateStore()
    for user in (USER, OTHER):
        store.set_json(conv_key(user), {"query": "x"}, ttl=60)
        store.set_json(last_seen_key(user), 1, ttl=60)
        limits.check_user(store, user, 20)
        subscriptions.subscribe(store, user, ("tre-em",))
        apply_actions(store, user, {"question": {"query": "câu hỏi lạ", "keys": [], "found": False}})
        store.hset(broadcast.rcpt_key("b"), {user: "sent|cs|"}, ttl=60)
    counts = privacy.erase_user(store, USER)
    assert counts["questions"] == 1 and counts["broadcast_entries"] == 1 and counts["keys"] >= 4
    left = [k for k in store.keys("*") if USER in k]
    assert not left
    assert store.smembers(subscriptions.ALL_KEY) == {OTHER}
    assert store.hgetall(broadcast.rcpt_key("b")) == {OTHER: "sent|cs|"}
    assert store.lrange(stats.miss_key(stats.day_of()), 0, -1) == ["câu hỏi lạ"]


@pytest.mark.parametrize("said", [
    "xóa dữ liệu", "xoa du lieu", "Xóa dữ liệu của tôi", "xoá thông tin của tôi", "xóa thông tin cá nhân",
    "xóa hết dữ liệu của tôi đi", "xóa toàn bộ dữ liệu của tôi nhé", "tôi muốn xóa dữ liệu", "xoa lich su tro chuyen",
    "xóa tài khoản", "hãy quên tôi"])
def test_erase_phrases(said: str) -> None:
    assert Intents.load().classify(said).name == "erase"


@pytest.mark.parametrize("said", [
    "xóa án tích", "xóa án tích của tôi", "xóa dữ liệu camera có phạm tội không", "xóa dữ liệu camera",
    "xóa thông tin trên facebook", "quên mật khẩu của tôi", "thông tin", "dữ liệu cá nhân bị lộ thì sao"])
def test_questions_about_deleting_are_not_erasure(said: str) -> None:
    assert Intents.load().classify(said).name != "erase"


def test_dead_letters_are_found_where_bot_deadletters_writes_them(redis_client: Any, settings: Any) -> None:
    store = RedisStateStore(redis_client)
    letter = event_to_dict(TextMessage(USER, "dead-2", "câu hỏi", "1700000000000"))
    assert deadletters.record(store, letter, "HTTP 503", settings)
    assert deadletters.DEAD_PREFIX == privacy.DEAD_LETTERS
    privacy.erase_user(store, USER)
    assert store.keys(privacy.DEAD_LETTERS + "*") == []


def test_dialogue_confirms_and_asks_the_worker_to_erase() -> None:
    library = sample_library()
    messages, state = Dialogue(lambda: library).handle(TextMessage("u", "m", "xóa dữ liệu", "5"), {"keys": ["a"]})
    assert [m.text for m in messages] == [ERASED]
    assert privacy.requested(state) and "keys" not in (state or {})


def test_lapsed_subscriptions_leave_the_sets(redis_client: Any) -> None:
    store = RedisStateStore(redis_client)
    subscriptions.subscribe(store, USER, ("tre-em",))
    subscriptions.subscribe(store, OTHER)
    store.delete(subscriptions.user_key(USER))  # what a year without a message does
    assert subscriptions.audience(store, ("tre-em",)) == {OTHER}
    assert USER not in store.smembers(subscriptions.topic_key("tre-em"))
    assert subscriptions.counts(store)["total"] == 1


def test_chat_command_erases_too(redis_client: Any) -> None:
    import io

    from bot.cli.chat import ChatSession

    store = RedisStateStore(redis_client)
    library = sample_library()
    session = ChatSession(Dialogue(lambda: library), store, 3600, io.StringIO(), user_id=USER)
    session.say("nghỉ thai sản mấy tháng")
    session.say("đăng ký")
    assert store.get_json(conv_key(USER)) is not None
    session.say("xóa dữ liệu")
    assert holding(redis_client, USER) == {}
