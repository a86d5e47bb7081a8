"""process_event: state in, dialogue, replies out exactly once (re-runs, crashes, Zalo errors), rq end to end."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest

from bot.jobs.queue import RqJobQueue, ThreadJobQueue
from bot.jobs.reply import SendFailed, process_event
from bot.jobs.worker import BotWorker
from bot.services import Services, build_services
from bot.store.keys import conv_key, done_key, last_seen_key, outbox_key
from bot.store.redis_state import RedisStateStore
from bot.store.state import InMemoryStateStore
from bot.zalo.events import Follow, Ignored, TextMessage, Unfollow, event_to_dict
from bot.zalo.messages import Button, OutMessage


@dataclass(frozen=True)
class Result:
    """Same fields as bot.zalo.client.SendResult."""

    ok: bool
    error: int = 0
    message: str = "Success"
    retryable: bool = False
    reason: str = ""


class Crash(RuntimeError):
    """The process dies in the middle of a send."""


@dataclass
class FakeZalo:
    """Records sends; `script` answers the next calls (a Result, or Crash to raise)."""

    sent: list[tuple[str, OutMessage]] = field(default_factory=list)
    script: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, user_id: str, message: OutMessage) -> Result:
        """Pretend to call the Zalo API."""
        with self.lock:
            outcome = self.script.pop(0) if self.script else Result(ok=True)
            if outcome is Crash:
                raise Crash("killed mid-send")
            if outcome.ok:
                self.sent.append((user_id, message))
            return outcome


class StubDialogue:
    """Counts turns in the state; two replies per text, a welcome on follow, forgets on unfollow."""

    def __init__(self) -> None:
        self.calls = 0

    def handle(self, event: Any, state: dict | None) -> tuple[list[OutMessage], dict | None]:
        """A tiny deterministic conversation."""
        self.calls += 1
        if isinstance(event, Unfollow):
            return [], None
        turns = (state or {}).get("turns", 0) + 1
        if isinstance(event, Follow):
            return [OutMessage("Chào chị")], {"turns": turns}
        if event.text == "đăng ký":
            return [OutMessage("Đã đăng ký")], {"turns": turns, "actions": {"subscribe": {"topics": []}}}
        return ([OutMessage(f"{event.text} #{turns}"),
                 OutMessage("Chị muốn xem thêm?", (Button("Xem toàn văn", "#xem 1"),))], {"turns": turns})


def text(msg_id: str = "m1", body: str = "nghỉ đẻ", user: str = "u1") -> dict:
    """A queued text event."""
    return event_to_dict(TextMessage(user, msg_id, body, "1700000000000"))


@pytest.fixture(params=["memory", "redis"])
def services(request: pytest.FixtureRequest, settings: Any) -> Iterator[Services]:
    """Services with a stub dialogue and a fake Zalo on both store kinds."""
    if request.param == "redis":
        store: Any = RedisStateStore(request.getfixturevalue("redis_client"))
    else:
        store = InMemoryStateStore()
    yield build_services(settings, store=store, queue=ThreadJobQueue(), zalo=FakeZalo(),
                         dialogue=StubDialogue(), library=object())


def texts(services: Services) -> list[str]:
    """Texts sent so far."""
    return [m.text for _, m in services.zalo.sent]


def test_reply_sent_and_state_saved(services: Services) -> None:
    assert process_event(text(), services=services) == "done"
    assert texts(services) == ["nghỉ đẻ #1", "Chị muốn xem thêm?"]
    assert services.zalo.sent[1][1].buttons == (Button("Xem toàn văn", "#xem 1"),)
    assert services.store.get_json(conv_key("u1")) == {"turns": 1}
    assert 0 < services.store.ttl(conv_key("u1")) <= services.settings.state_ttl_seconds
    assert services.store.get_json(outbox_key("m1")) is None
    process_event(text("m2", "tiếp"), services=services)
    assert texts(services)[-2] == "tiếp #2"


def test_same_job_twice_answers_once(services: Services) -> None:
    assert process_event(text(), services=services) == "done"
    assert process_event(text(), services=services) == "duplicate"
    assert len(services.zalo.sent) == 2
    assert services.dialogue.calls == 1
    assert services.store.get_json(done_key("m1"))


def test_crash_mid_delivery_resumes_without_repeating(services: Services) -> None:
    services.zalo.script = [Result(ok=True), Crash]
    with pytest.raises(Crash):
        process_event(text(), services=services)
    assert texts(services) == ["nghỉ đẻ #1"]
    assert process_event(text(), services=services) == "done"
    # the plan was kept: the dialogue is not asked again, and the first reply is not sent twice
    assert texts(services) == ["nghỉ đẻ #1", "Chị muốn xem thêm?"]
    assert services.dialogue.calls == 1
    assert services.store.get_json(conv_key("u1")) == {"turns": 1}


def test_retryable_error_raises_for_a_retry(services: Services) -> None:
    services.zalo.script = [Result(ok=False, error=-32, message="rate limit", retryable=True)]
    with pytest.raises(SendFailed):
        process_event(text(), services=services)
    assert texts(services) == []
    assert services.store.get_json(conv_key("u1")) is None
    assert process_event(text(), services=services) == "done"
    assert texts(services) == ["nghỉ đẻ #1", "Chị muốn xem thêm?"]


def test_permanent_error_is_not_retried(services: Services) -> None:
    services.zalo.script = [Result(ok=False, error=-230, message="no interaction in 7 days")]
    assert process_event(text(), services=services) == "done"
    assert texts(services) == ["Chị muốn xem thêm?"]
    assert services.store.get_json(conv_key("u1")) == {"turns": 1}


def test_follow_and_unfollow(services: Services) -> None:
    process_event(event_to_dict(Follow("u1", "1700000000000")), services=services)
    assert texts(services) == ["Chào chị"]
    assert services.store.get_json(conv_key("u1")) == {"turns": 1}
    assert services.store.get_json(last_seen_key("u1")) == 1700000000000
    assert process_event(event_to_dict(Unfollow("u1", "1700000000001")), services=services) == "done"
    assert services.store.get_json(conv_key("u1")) is None
    assert services.store.get_json(last_seen_key("u1")) is None


def test_last_seen_keeps_the_latest_time(services: Services) -> None:
    process_event(event_to_dict(TextMessage("u1", "late", "x", "1700000005000")), services=services)
    process_event(event_to_dict(TextMessage("u1", "early", "x", "1700000001000")), services=services)
    assert services.store.get_json(last_seen_key("u1")) == 1700000005000
    assert 0 < services.store.ttl(last_seen_key("u1")) <= 7 * 24 * 3600


def test_ignored_event_does_nothing(services: Services) -> None:
    assert process_event(event_to_dict(Ignored("user_seen_message")), services=services) == "ignored"
    assert services.dialogue.calls == 0


def test_concurrent_messages_of_one_user_keep_every_turn(services: Services) -> None:
    """Two jobs of one user at once: one answers, the other parks its event (no worker waits on the user's lock)
    and is queued again when the first one ends."""
    results: list[str] = []

    def run(prefix: str) -> None:
        for i in range(10):
            results.append(process_event(text(f"{prefix}{i}"), services=services))

    threads = [threading.Thread(target=run, args=(p,)) for p in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert set(results) <= {"done", "busy"}
    assert services.queue.join(timeout=20)  # the parked ones, queued again
    assert services.store.get_json(conv_key("u1")) == {"turns": 20}
    assert len(services.zalo.sent) == 40


def test_rq_worker_runs_process_event_once(settings: Any, redis_client: Any) -> None:
    queue = RqJobQueue(redis_client, retry_intervals=[0])
    services = build_services(settings, store=RedisStateStore(redis_client), queue=queue, zalo=FakeZalo(),
                              dialogue=StubDialogue(), library=object())
    queue.enqueue("bot.jobs.reply.process_event", text())
    queue.enqueue("bot.jobs.reply.process_event", text())
    services.zalo.script = [Result(ok=False, error=-32, retryable=True)]
    BotWorker.for_queue(queue, services).work(burst=True)
    assert texts(services) == ["nghỉ đẻ #1", "Chị muốn xem thêm?"]


def test_embedded_queue_runs_process_event_with_its_services(settings: Any) -> None:
    services = build_services(settings, zalo=FakeZalo(), dialogue=StubDialogue(), library=object())
    assert isinstance(services.queue, ThreadJobQueue)
    services.queue.enqueue("bot.jobs.reply.process_event", text())
    assert services.queue.join(timeout=10)
    services.queue.stop()
    assert texts(services) == ["nghỉ đẻ #1", "Chị muốn xem thêm?"]


@pytest.mark.parametrize("redis_url, store_type, queue_type", [
    ("", InMemoryStateStore, ThreadJobQueue),
    ("redis://127.0.0.1:1/0", RedisStateStore, RqJobQueue),
])
def test_build_services_picks_backends_without_connecting(settings: Any, redis_url: str, store_type: type,
                                                          queue_type: type) -> None:
    services = build_services(settings.with_(redis_url=redis_url))
    assert isinstance(services.store, store_type) and isinstance(services.queue, queue_type)
    assert services.embedded is (queue_type is ThreadJobQueue)
    assert not services.library.loaded


def test_library_given_as_value_or_provider(settings: Any) -> None:
    from bot.knowledge.library_watch import LibraryHolder

    library = object()
    assert build_services(settings, library=library).library() is library
    assert build_services(settings, library=lambda: library).library() is library
    assert isinstance(build_services(settings).library, LibraryHolder)


def test_the_worker_readies_each_library_its_dialogue_serves(settings: Any, real_library: Any) -> None:
    services = build_services(settings, zalo=FakeZalo(), library=real_library)
    services.warm()
    assert services.library.prepare == services.dialogue.warm  # later corpus versions are warmed before they serve
    scope = services.dialogue.answerer.scope
    assert scope._titles._held and scope._titles._held[0][0]() is real_library


def test_dialogue_actions_are_carried_out_once(services: Services) -> None:
    from bot.store import subscriptions

    services.zalo.script = [Crash]
    with pytest.raises(Crash):
        process_event(text("s1", "đăng ký"), services=services)
    assert subscriptions.current_topics(services.store, "u1") == ()
    subscriptions.unsubscribe(services.store, "u1")
    # the re-run resumes delivery; the subscription step was already done and is not repeated
    assert process_event(text("s1", "đăng ký"), services=services) == "done"
    assert subscriptions.current_topics(services.store, "u1") is None
    assert texts(services) == ["Đã đăng ký"]


def test_unfollow_unsubscribes(services: Services) -> None:
    from bot.store import subscriptions

    process_event(text("s1", "đăng ký"), services=services)
    assert subscriptions.current_topics(services.store, "u1") == ()
    process_event(event_to_dict(Unfollow("u1", "1700000000009")), services=services)
    assert subscriptions.current_topics(services.store, "u1") is None


def test_a_maybe_sent_reply_is_recorded_not_repeated(services: Services) -> None:
    """Zalo answered the first reply too late (it may be in her chat): not resent, the rest goes, the job is done."""
    from bot.ops import metrics

    before = metrics.MAYBE_SENT.labels(kind="reply")._value.get()
    services.zalo.script = [Result(ok=False, error=-1, message="ReadTimeout", retryable=False, reason="maybe_sent")]
    assert process_event(text(), services=services) == "done"
    assert texts(services) == ["Chị muốn xem thêm?"]
    assert process_event(text(), services=services) == "duplicate"
    assert metrics.MAYBE_SENT.labels(kind="reply")._value.get() == before + 1
    assert services.store.get_json(conv_key("u1")) == {"turns": 1}
