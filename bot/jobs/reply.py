"""The job that answers one event exactly once: plan the replies with the dialogue, carry out its actions, send,
save the conversation; each step recorded so a re-run resumes instead of repeating."""
from __future__ import annotations

import logging
import time
from contextlib import ExitStack
from functools import lru_cache
from typing import Any

from bot.jobs import deadletters, sequence
from bot.jobs.actions import carry_out
from bot.ops import logs, metrics
from bot.ops.datafiles import Texts
from bot.store import limits, privacy, subscriptions
from bot.store.keys import DONE_TTL, LAST_SEEN_TTL, conv_key, done_key, last_seen_key, outbox_key
from bot.zalo.events import (
    EventError,
    Ignored,
    OtherMessage,
    TextMessage,
    Unfollow,
    dedup_key,
    event_from_dict,
    event_millis,
    event_user,
)
from bot.store.state import LockTimeout
from bot.zalo.messages import Button, OutMessage
from bot.zalo.shapes import MAYBE_SENT

log = logging.getLogger(__name__)

LOCK_TIMEOUT = 150.0  # the user lock's hold when no lease is configured; renewed while the job runs
RECORD_PATIENCE = 60.0  # how long a sent reply's record is retried while the store is unreachable


class SendFailed(RuntimeError):
    """A reply could not be sent for a reason worth retrying (rate limit, network, token)."""


def message_to_dict(message: OutMessage) -> dict[str, Any]:
    """A JSON-able form of an OutMessage."""
    return {"text": message.text,
            "buttons": [{"title": b.title, "payload": b.payload, "type": b.type} for b in message.buttons]}


def message_from_dict(data: dict[str, Any]) -> OutMessage:
    """The inverse of message_to_dict."""
    return OutMessage(text=data["text"], buttons=tuple(Button(**b) for b in data.get("buttons", ())))


def _plan(services: Any, event: Any, user_id: str) -> dict[str, Any]:
    """Run the dialogue once and keep its answer, so a re-run sends the same replies (past the rate limit: not)."""
    state = services.store.get_json(conv_key(user_id))
    answer, new_state = services.dialogue.handle(event, state)
    messages, new_state = limit_reply(services, event, user_id, answer, new_state, state)
    _count_question(new_state)
    return {"messages": [message_to_dict(m) for m in messages], "state": new_state, "sent": 0}


def _count_question(state: dict[str, Any] | None) -> None:
    """Count a searched question in the metrics, and whether it found a good match."""
    actions = (state or {}).get("actions")
    asked = actions.get("question") if isinstance(actions, dict) else None
    if isinstance(asked, dict):
        metrics.question(bool(asked.get("found")))


def _deliver(services: Any, user_id: str, key: str, outbox: dict[str, Any]) -> None:
    """Send the planned replies not yet sent, recording each one as it goes out."""
    messages = outbox["messages"]
    for index in range(int(outbox["sent"]), len(messages)):
        result = services.zalo.send(user_id, message_from_dict(messages[index]))
        if not result.ok and getattr(result, "reason", "") == MAYBE_SENT:
            # Zalo took the request but answered too late: it most likely went out, and a second copy would be a
            # duplicate in her chat. Recorded, not repeated (README "Ambiguous sends").
            outbox.setdefault("maybe_sent", []).append(index)
            metrics.MAYBE_SENT.labels(kind="reply").inc()
            log.warning("reply %d/%d may have been delivered (Zalo answered late): not sent again",
                        index + 1, len(messages))
        elif not result.ok:
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
    subscriptions.renew(store, user_id)  # a subscription lapses only after a year of silence


def process_event(event_dict: dict[str, Any], *, services: Any) -> str:
    """The reply job: answer one queued event, logged under the webhook's request id and the user's keyed hash."""
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
    """Wait for the user's turn without holding a worker, then answer under the user's lock and hand the turn on."""
    event = event_from_dict(event_dict)
    key = dedup_key(event)
    user_id = event_user(event)
    if isinstance(event, Ignored) or key is None or user_id is None:
        return "ignored"
    store = services.store
    if store.get_json(done_key(key)):
        sequence.release(services, user_id, key)
        return "duplicate"
    if not sequence.take(services, user_id, key, event_dict):
        log.info("waiting for the user's earlier message")
        return "waiting"
    # held for a lease renewed while the job runs: a killed worker's lock frees itself within one lease
    hold = float(getattr(services.settings, "worker_lease_seconds", 0) or LOCK_TIMEOUT)
    with ExitStack() as held:
        if not _hold_user(held, services, user_id, key, event_dict, hold):
            log.info("the user is held by another job, which hands this message back when it ends")
            return "busy"
        result = _answer(services, event, event_dict, key, user_id)
    sequence.release(services, user_id, key)  # after the lock is free: the next job must be able to take it
    return result


def _hold_user(held: ExitStack, services: Any, user_id: str, key: str, event_dict: dict[str, Any],
               hold: float) -> bool:
    """Take the user's lock without waiting; when it is busy, park the event first and try once more, so either we
    get the lock or its holder, releasing it, finds the parked event and queues it again."""
    for attempt in range(2):
        try:
            held.enter_context(services.store.lock(f"user:{user_id}", timeout=hold, wait=0, keepalive=True))
        except LockTimeout:
            if attempt:
                return False
            sequence.park(services, user_id, key, event_dict)
            continue
        if attempt:
            sequence.unpark(services, user_id, key)
        return True
    return False


def _answer(services: Any, event: Any, event_dict: dict[str, Any], key: str, user_id: str) -> str:
    """Plan (once), carry out the actions (once), send what is not sent yet, save the state, mark it answered."""
    store = services.store
    if store.get_json(done_key(key)):
        return "duplicate"
    _note_last_seen(store, event, user_id)
    outbox = store.get_json(outbox_key(key))
    if outbox is None:
        outbox = _plan(services, event, user_id)
        store.set_json(outbox_key(key), outbox, ttl=DONE_TTL)
    if not outbox.get("acted"):
        carry_out(store, event, user_id, outbox["state"])
        outbox["acted"] = True
        if privacy.requested(outbox["state"]):
            outbox["state"] = None  # erased: nothing of the conversation is written back
        store.set_json(outbox_key(key), outbox, ttl=DONE_TTL)
    _deliver(services, user_id, key, outbox)
    if outbox.get("replay"):
        pass  # a dead letter replayed days later must not roll the conversation back to its old state
    elif outbox["state"] is None:
        store.delete(conv_key(user_id))
    elif _newer_state(store, user_id, event):
        log.info("a later message already moved the conversation on: its state is kept")
    else:
        store.set_json(conv_key(user_id), outbox["state"], ttl=services.settings.state_ttl_seconds)
    store.set_json(done_key(key), 1, ttl=DONE_TTL)
    store.delete(outbox_key(key))
    log.info("event answered: %s, %d message(s)", event_dict.get("type"), len(outbox["messages"]))
    return "done"


def _newer_state(store: Any, user_id: str, event: Any) -> bool:
    """True when the stored conversation comes from a message sent after this one (a redelivery accepted late)."""
    current = store.get_json(conv_key(user_id))
    millis = event_millis(event)
    try:
        return isinstance(current, dict) and millis is not None and int(current.get("updated") or 0) > millis
    except (TypeError, ValueError):
        return False


def failed_for_good(services: Any, event_dict: Any, error: str, job_id: str | None = None) -> str | None:
    """A reply job out of retries: keep a dead letter, and hand the user's turn on so her later messages are
    answered; the letter's id (None when there was nothing left to answer)."""
    letter = deadletters.record(services.store, event_dict, error, services.settings, job_id=job_id)
    try:
        event = event_from_dict(event_dict)
    except EventError:
        return letter
    user_id, key = event_user(event), dedup_key(event)
    if user_id is not None and key is not None:
        sequence.release(services, user_id, key)
    return letter


def on_thread_failure(services: Any, func: Any, args: tuple[Any, ...], exc: BaseException) -> None:
    """Embedded mode's ThreadJobQueue.on_failure: failed_for_good for reply jobs."""
    if func is process_event and args:
        failed_for_good(services, args[0], f"{type(exc).__name__}: {exc}")


@lru_cache(maxsize=1)
def rate_limit_notice() -> OutMessage:
    """The one polite "slow down" message (bot/data/messages.json "rate_limited", with the hotlines)."""
    return OutMessage(Texts.load().get("rate_limited"))


def _without_actions(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored state minus last turn's actions, so nothing is carried out again."""
    return None if state is None else {k: v for k, v in state.items() if k != "actions"}


def limit_reply(services: Any, event: Any, user_id: str, messages: list[OutMessage],
                new_state: dict[str, Any] | None, old_state: dict[str, Any] | None
                ) -> tuple[list[OutMessage], dict[str, Any] | None]:
    """The dialogue's answer, or, past the user's rate limit, the notice (once) or nothing; the state unchanged."""
    if not isinstance(event, (TextMessage, OtherMessage)) or privacy.requested(new_state):
        return messages, new_state  # follows are not messages; a deletion request is always honoured
    verdict = limits.check_user(services.store, user_id, services.settings.rate_limit_per_minute)
    if verdict == limits.OK:
        return messages, new_state
    metrics.RATE_LIMITED.labels(action=verdict).inc()
    log.info("user over the rate limit: %s", verdict, extra={"limit": services.settings.rate_limit_per_minute})
    return ([rate_limit_notice()] if verdict == limits.NOTICE else []), _without_actions(old_state)
