"""An in-process bot for the ops tests: Flask webhook, rq on a real Redis, real dialogue over the sample library,
the real Zalo client against FakeZalo over HTTP."""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest

from bot import create_app
from bot.conversation.dialogue import Dialogue
from bot.jobs.queue import RqJobQueue
from bot.jobs.worker import BotWorker
from bot.ops import metrics
from bot.ops.settings import Settings
from bot.services import Services, build_services
from bot.store.redis_state import RedisStateStore
from tests.conftest import REDIS_URL
from tests.dialogue_fakes import sample_library
from tests.fake_zalo import FakeZalo, point_at
from tests.procs import now_ms
from tests.procs import signed_for as signed

URL = "/zalo/webhook"
USER = "8381381219617247797"  # a Zalo-like id: 19 digits
LOG_HASH_KEY = "log-hash-key-test"
_ids = itertools.count(1)


def text_event(user: str, text: str, msg_id: str | None = None) -> dict[str, Any]:
    """A user_send_text event as Zalo posts it."""
    return {"app_id": "app-test", "sender": {"id": user}, "user_id_by_app": "552177279717587730",
            "recipient": {"id": "579745863508352884"}, "event_name": "user_send_text",
            "message": {"text": text, "msg_id": msg_id or f"msg-{next(_ids)}-{time.time_ns()}"},
            "timestamp": now_ms()}


def follow_event(user: str) -> dict[str, Any]:
    """A follow event."""
    return {"app_id": "app-test", "oa_id": "579745863508352884", "user_id_by_app": "1923626015168953374",
            "event_name": "follow", "timestamp": now_ms(), "source": "oa_profile", "follower": {"id": user}}


@dataclass
class Stack:
    """The app, its services and the fake Zalo; `say` posts a message, `work` runs the queued jobs."""

    settings: Settings
    services: Services
    app: Any
    fake: FakeZalo
    redis: Any
    statuses: list[int] = field(default_factory=list)

    def post(self, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        """POST a signed event to the webhook; the response."""
        body, signed_headers = signed(self.settings, payload)
        response = self.app.test_client().post(URL, data=body, headers={**signed_headers, **(headers or {})})
        self.statuses.append(response.status_code)
        return response

    def say(self, text: str, user: str = USER, headers: dict[str, str] | None = None) -> Any:
        """A user's text message through the webhook."""
        return self.post(text_event(user, text), headers)

    def work(self) -> None:
        """Run every queued job with an rq worker in burst mode."""
        BotWorker.for_queue(self.services.queue, self.services).work(burst=True)

    def texts(self, user: str = USER) -> list[str]:
        """What the user received."""
        return self.fake.texts(user)


def make_stack(settings: Settings, redis_client: Any, fake: FakeZalo, **changes: Any) -> Stack:
    """Wire a Stack on the test Redis db."""
    settings = point_at(settings, fake).with_(redis_url=REDIS_URL, log_hash_key=LOG_HASH_KEY, **changes)
    library = sample_library()
    services = build_services(settings, store=RedisStateStore(redis_client),
                              queue=RqJobQueue(redis_client, retry_intervals=[]),
                              dialogue=Dialogue(lambda: library, on_search=metrics.observe_search),
                              library=library)
    return Stack(settings, services, create_app(settings, services=services), fake, redis_client)


@pytest.fixture
def stack(settings: Settings, redis_client: Any) -> Iterator[Stack]:
    """A Stack with a started FakeZalo."""
    with FakeZalo() as fake:
        yield make_stack(settings, redis_client, fake)
