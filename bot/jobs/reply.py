"""The job that answers one event exactly once, and the `worker` / `serve` commands."""
from __future__ import annotations

import logging
import sys
import time
from typing import Any

from bot import privacy
from bot.config import Settings
from bot.events import Ignored, Unfollow, dedup_key, event_from_dict, event_millis, event_user
from bot.messages import Button, OutMessage

log = logging.getLogger(__name__)

DONE_TTL = 2 * 24 * 3600
LAST_SEEN_TTL = 7 * 24 * 3600
LOCK_TIMEOUT = 150.0  # the user lock's hold when no lease is configured; renewed while the job runs
LOCK_WAIT = 60.0
RECORD_PATIENCE = 60.0  # how long a sent reply's record is retried while the store is unreachable


class SendFailed(RuntimeError):
    """A reply could not be sent for a reason worth retrying (rate limit, network, token)."""


def conv_key(user_id: str) -> str:
    """Store key of a user's conversation state."""
    return f"zlb:conv:{user_id}"


def last_seen_key(user_id: str) -> str:
    """Store key of when a user last wrote (consultation replies are allowed for 7 days after it)."""
    return f"zlb:last:{user_id}"


def done_key(key: str) -> str:
    """Store key marking an event fully answered."""
    return f"zlb:done:{key}"


def outbox_key(key: str) -> str:
    """Store key of an event's planned replies and how many were sent."""
    return f"zlb:outbox:{key}"


def message_to_dict(message: OutMessage) -> dict[str, Any]:
    """A JSON-able form of an OutMessage."""
    return {"text": message.text,
            "buttons": [{"title": b.title, "payload": b.payload, "type": b.type} for b in message.buttons]}


def message_from_dict(data: dict[str, Any]) -> OutMessage:
    """The inverse of message_to_dict."""
    return OutMessage(text=data["text"], buttons=tuple(Button(**b) for b in data.get("buttons", ())))


def _plan(services: Any, event: Any, user_id: str) -> dict[str, Any]:
    """Run the dialogue once and keep its answer, so a re-run sends the same replies (past the rate limit: not)."""
    from bot import limits

    state = services.store.get_json(conv_key(user_id))
    answer, new_state = services.dialogue.handle(event, state)
    messages, new_state = limits.limit_reply(services, event, user_id, answer, new_state, state)
    _count_question(new_state)
    return {"messages": [message_to_dict(m) for m in messages], "state": new_state, "sent": 0}


def _count_question(state: dict[str, Any] | None) -> None:
    """Count a searched question in the metrics, and whether it found a good match."""
    from bot import metrics

    actions = (state or {}).get("actions")
    asked = actions.get("question") if isinstance(actions, dict) else None
    if isinstance(asked, dict):
        metrics.question(bool(asked.get("found")))


def _carry_out(store: Any, event: Any, user_id: str, state: dict[str, Any] | None) -> None:
    """Do what the dialogue asked for in state["actions"] (subscriptions, question stats, erasure), once per event."""
    from bot import metrics, subscriptions

    if isinstance(event, Unfollow):
        # nothing can reach a user who left the OA: stop counting them as a subscriber
        subscriptions.unsubscribe(store, user_id)
        return
    actions = (state or {}).get("actions")
    if actions:
        subscriptions.apply_actions(store, user_id, actions)
    if privacy.requested(state):
        privacy.erase_user(store, user_id)
        metrics.ERASURES.inc()


def _deliver(services: Any, user_id: str, key: str, outbox: dict[str, Any]) -> None:
    """Send the planned replies not yet sent, recording each one as it goes out."""
    messages = outbox["messages"]
    for index in range(int(outbox["sent"]), len(messages)):
        result = services.zalo.send(user_id, message_from_dict(messages[index]))
        if not result.ok:
            if getattr(result, "retryable", False):
                raise SendFailed(f"zalo error {result.error}: {getattr(result, 'reason', '') or result.message}")
            # not retryable (user unreachable, bad parameter): retrying would only fail again
            log.warning("reply %d/%d not delivered: zalo error %s", index + 1, len(messages), result.error)
        outbox["sent"] = index + 1
        _record_sent(services.store, key, outbox)


def _record_sent(store: Any, key: str, outbox: dict[str, Any]) -> None:
    """Save delivery progress, retrying while the store is away: a re-run without it would send the reply twice."""
    deadline = time.monotonic() + RECORD_PATIENCE
    delay = 0.1
    while True:
        try:
            store.set_json(outbox_key(key), outbox, ttl=DONE_TTL)
            return
        except Exception as exc:  # noqa: BLE001 - Redis down: this process alone knows what went out
            if time.monotonic() + delay > deadline:
                raise
            log.warning("could not record a sent reply (%s): retrying", type(exc).__name__)
            time.sleep(delay)
            delay = min(2.0, delay * 2)


def _note_last_seen(store: Any, event: Any, user_id: str) -> None:
    """Remember the user's latest message time for broadcasts; forget it on unfollow."""
    if isinstance(event, Unfollow):
        store.delete(last_seen_key(user_id))
        return
    millis = event_millis(event)
    previous = store.get_json(last_seen_key(user_id))
    if millis is not None and (not isinstance(previous, int) or millis > previous):
        store.set_json(last_seen_key(user_id), millis, ttl=LAST_SEEN_TTL)
    from bot import subscriptions

    subscriptions.renew(store, user_id)  # a subscription lapses only after a year of silence


def process_event(event_dict: dict[str, Any], services: Any = None) -> str:
    """Answer one queued event, logged under the webhook's request id and the user's keyed hash; counted."""
    from bot import logs, metrics
    from bot.services import current_services

    services = services or current_services()
    fields = event_dict if isinstance(event_dict, dict) else {}
    user = fields.get("user_id")
    with logs.bound(logs.valid_request_id(fields.get("request_id")) or logs.new_request_id(),
                    logs.user_ref(services.settings, str(user)) if user else None):
        try:
            result = _process_event(event_dict, services)
        except Exception:
            metrics.job_finished("failed")
            raise
        metrics.job_finished(result, fields.get("queued_at"))
        return result


def _process_event(event_dict: dict[str, Any], services: Any) -> str:
    """Load state, run the dialogue, carry out its actions and send replies once, save state."""
    event = event_from_dict(event_dict)
    key = dedup_key(event)
    user_id = event_user(event)
    if isinstance(event, Ignored) or key is None or user_id is None:
        return "ignored"
    store = services.store
    if store.get_json(done_key(key)):
        return "duplicate"
    _note_last_seen(store, event, user_id)
    # one job per user at a time: two quick messages must not overwrite each other's state
    # held for a lease renewed while the job runs: a killed worker's lock frees itself within one lease
    hold = float(getattr(services.settings, "worker_lease_seconds", 0) or LOCK_TIMEOUT)
    with store.lock(f"user:{user_id}", timeout=hold, wait=LOCK_WAIT, keepalive=True):
        if store.get_json(done_key(key)):
            return "duplicate"
        outbox = store.get_json(outbox_key(key))
        if outbox is None:
            outbox = _plan(services, event, user_id)
            store.set_json(outbox_key(key), outbox, ttl=DONE_TTL)
        if not outbox.get("acted"):
            _carry_out(store, event, user_id, outbox["state"])
            outbox["acted"] = True
            if privacy.requested(outbox["state"]):
                outbox["state"] = None  # erased: nothing of the conversation is written back
            store.set_json(outbox_key(key), outbox, ttl=DONE_TTL)
        _deliver(services, user_id, key, outbox)
        if outbox.get("replay"):
            pass  # a dead letter replayed days later must not roll the conversation back to its old state
        elif outbox["state"] is None:
            store.delete(conv_key(user_id))
        else:
            store.set_json(conv_key(user_id), outbox["state"], ttl=services.settings.state_ttl_seconds)
        store.set_json(done_key(key), 1, ttl=DONE_TTL)
        store.delete(outbox_key(key))
    log.info("event answered: %s, %d message(s)", event_dict.get("type"), len(outbox["messages"]))
    return "done"


def _setup_logging(settings: Settings) -> None:
    """JSON logs to stderr at LOG_LEVEL for the long-running commands (bot.logs)."""
    from bot import logs

    logs.setup(settings)


def _resume_broadcasts(services: Any) -> None:
    """Queue again the broadcasts a killed worker left unfinished."""
    try:
        from bot.broadcast import resume_stalled

        resumed = resume_stalled(services)
    except Exception:  # noqa: BLE001 - replies must flow even if broadcasts cannot be resumed
        log.exception("could not resume broadcasts")
        return
    if resumed:
        log.info("resumed %d unfinished broadcast(s)", len(resumed))


def cmd_worker(settings: Settings) -> int:
    """`python -m bot worker`: an rq worker on the "zalo-bot" queue (SIGTERM finishes the current job first)."""
    from bot.queue import RqJobQueue
    from bot.services import build_services, set_current

    if not settings.redis_url:
        print("error: `python -m bot worker` needs REDIS_URL (e.g. redis://127.0.0.1:6379/0); "
              "without Redis, `python -m bot serve` runs jobs inside the web process", file=sys.stderr)
        return 2
    settings.require_zalo()
    _setup_logging(settings)
    from bot import multiproc

    # before prometheus_client is imported: the worker's samples join the web's /metrics (same host)
    multiproc.prepare(settings)
    services = build_services(settings)
    set_current(services)
    if not services.store.ping():
        print("error: Redis at REDIS_URL is not reachable", file=sys.stderr)
        return 1
    try:
        services.library()
    except Exception:  # noqa: BLE001 - jobs will retry loading; the worker must still drain the queue
        log.exception("law library could not be loaded")
    if not isinstance(services.queue, RqJobQueue):
        print("error: the worker needs the rq queue", file=sys.stderr)
        return 2
    _resume_broadcasts(services)
    from bot import rq_worker

    return rq_worker.run(services.queue)


def cmd_serve(settings: Settings) -> int:
    """`python -m bot serve`: the web app on the development server (jobs in a thread without REDIS_URL)."""
    from bot import create_app

    _setup_logging(settings)
    app = create_app(settings)
    services = app.extensions["zlb"]
    mode = "embedded: jobs run in this process" if services.embedded else \
        "jobs go to Redis: run `python -m bot worker` too"
    print(f"serving on http://0.0.0.0:{settings.port} ({mode})", file=sys.stderr)
    app.run(host="0.0.0.0", port=settings.port, threaded=True, use_reloader=False)
    return 0
