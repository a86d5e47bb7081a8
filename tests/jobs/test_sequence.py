"""Per-user order (bot.jobs.sequence, bot.store.turns): her messages answered in the order accepted, a retry never
lets a later message overtake, an older message never rolls her state back, and no job waits on a busy user."""
from __future__ import annotations

import time
from typing import Any


from bot.jobs import sequence
from bot.jobs.reply import process_event
from bot.store import turns
from bot.store.keys import conv_key
from bot.zalo.events import TextMessage, event_to_dict
from bot.zalo.messages import OutMessage
from tests.conftest import REDIS_URL
from tests.jobs.test_accept import MORE, Bot, event
from tests.jobs.test_reply import Result


def test_a_retried_message_is_not_overtaken_by_her_next_one(settings: Any, redis_client: Any) -> None:
    bot = Bot(settings, REDIS_URL, redis_client)
    bot.zalo.script = [Result(ok=False, error=-32, message="rate limit", retryable=True)]
    assert bot.post(event("u1", "a", "q0")) == 200
    assert bot.post(event("u1", "b", "q1")) == 200
    assert bot.post(event("u2", "c", "q0")) == 200
    bot.work()  # a fails and is retried after b and c; b waits for a's turn instead of going first
    assert bot.texts("u1") == ["q0 #1", MORE, "q1 #2", MORE]
    assert bot.texts("u2") == ["q0 #1", MORE]
    assert turns.pending(bot.services.store, "u1") == []
    assert redis_client.hlen("zlb:parked:u1") == 0


class DatedDialogue:
    """Remembers the text and time of the message that produced the state (like the real dialogue's "updated")."""

    def handle(self, event: Any, state: dict | None) -> tuple[list[OutMessage], dict | None]:
        """One reply naming the message; the state dated by the event."""
        return [OutMessage(f"re: {event.text}")], {"last": event.text, "updated": int(event.timestamp)}


def test_an_older_message_answered_late_keeps_the_newer_state(settings: Any, store: Any) -> None:
    from bot.jobs.queue import ThreadJobQueue
    from bot.services import build_services
    from tests.jobs.test_reply import FakeZalo

    services = build_services(settings, store=store, queue=ThreadJobQueue(), zalo=FakeZalo(),
                              dialogue=DatedDialogue(), library=object())
    newer = event_to_dict(TextMessage("u1", "newer", "mới", "1700000002000"))
    older = event_to_dict(TextMessage("u1", "older", "cũ", "1700000001000"))  # redelivered, accepted after
    assert process_event(newer, services=services) == "done"
    assert process_event(older, services=services) == "done"
    assert [m.text for _, m in services.zalo.sent] == ["re: mới", "re: cũ"]
    assert store.get_json(conv_key("u1")) == {"last": "mới", "updated": 1700000002000}
    services.queue.stop()


def test_a_busy_user_parks_the_job_at_once_and_the_holder_hands_it_back(settings: Any, redis_client: Any) -> None:
    bot = Bot(settings, REDIS_URL, redis_client)
    assert bot.post(event("u1", "a", "q0")) == 200
    [job_id] = bot.queue.rq_queue.job_ids
    bot.queue.rq_queue.remove(job_id)
    payload = bot.queue.rq_queue.fetch_job(job_id).args[0]
    with bot.services.store.lock("user:u1", timeout=30, wait=1):  # another job holds her
        started = time.monotonic()
        assert process_event(payload, services=bot.services) == "busy"
        assert time.monotonic() - started < 0.5  # parked, not waiting for the lock
    assert redis_client.hexists("zlb:parked:u1", "a")
    sequence.release(bot.services, "u1", None)  # what the holder does once it lets go of her
    assert bot.queue.rq_queue.count == 1 and not redis_client.hexists("zlb:parked:u1", "a")
    bot.work()
    assert bot.texts("u1") == ["q0 #1", MORE]


def test_a_head_whose_job_vanished_does_not_stall_her(settings: Any, redis_client: Any) -> None:
    bot = Bot(settings, REDIS_URL, redis_client)
    assert bot.post(event("u1", "a", "q0")) == 200
    assert bot.post(event("u1", "b", "q1")) == 200
    first, _ = bot.queue.rq_queue.job_ids
    bot.queue.rq_queue.remove(first)
    redis_client.delete(f"rq:job:{first}")  # a's job is gone and a was never answered
    bot.work()
    assert bot.texts("u1") == ["q1 #1", MORE]
    assert turns.pending(bot.services.store, "u1") == []
