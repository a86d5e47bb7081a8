"""Each user's turns: her messages are answered one at a time, in the order the webhook accepted them.

The webhook appends a message's key to the user's turn list in the same step that queues its job. A job whose message
is not at the head parks itself (its event kept in a hash) and ends, so no worker waits; the job that finishes the
head hands the next parked message back to be queued. Every step that reads and changes the list is one atomic step
(a Lua script on Redis, the store's mutex in one process).
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from bot.store.keys import DONE_TTL, done_key, parked_key, taken_key, turns_key

TURN_TTL = DONE_TTL  # a user's pending turns outlive Zalo's last redelivery, like the done marks
# each parked copy carries a nonce: a job handing a parked event back forgets exactly that copy, never one the
# re-queued job parked again in the meantime (it would then be neither parked nor queued: lost)
NONCE = "_parked"

# KEYS: turns, parked. ARGV: key, payload, done prefix, taken prefix, job key prefix, ttl.
# Returns {"go"} or {"wait"} or {"wait", head, head payload} (the head is parked with no job: queue it again).
_TAKE = """
if not redis.call('LPOS', KEYS[1], ARGV[1]) then
  redis.call('HDEL', KEYS[2], ARGV[1])
  return {'go'}
end
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if (not head) or head == ARGV[1] then
    redis.call('HDEL', KEYS[2], ARGV[1])
    return {'go'}
  end
  if redis.call('EXISTS', ARGV[3] .. head) == 1 then
    redis.call('LPOP', KEYS[1])
  else
    local parked = redis.call('HGET', KEYS[2], head)
    local live = parked and true or false
    if not live then
      local mark = redis.call('GET', ARGV[4] .. head)
      local ok, decoded = pcall(cjson.decode, mark or '')
      live = ok and type(decoded) == 'table' and type(decoded.job) == 'string'
             and redis.call('EXISTS', ARGV[5] .. decoded.job) == 1
    end
    if live then
      redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
      redis.call('EXPIRE', KEYS[2], ARGV[6])
      if parked then return {'wait', head, parked} end
      return {'wait'}
    end
    redis.call('LPOP', KEYS[1])
  end
end
"""

# KEYS: turns, parked. ARGV: key (may be ''), done prefix. Returns {} or {head, head payload} to queue again;
# with no turns left, any parked event (one that was never ordered, like a replay that found the user busy).
_FINISH = """
if ARGV[1] ~= '' then
  redis.call('LREM', KEYS[1], 1, ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
end
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then
    local left = redis.call('HGETALL', KEYS[2])
    if #left > 0 then return {left[1], left[2]} end
    return {}
  end
  if redis.call('EXISTS', ARGV[2] .. head) == 1 then
    redis.call('LPOP', KEYS[1])
  else
    local parked = redis.call('HGET', KEYS[2], head)
    if parked then return {head, parked} end
    return {}
  end
end
"""

# KEYS: parked. ARGV: key, payload, ttl. Parks only while the key is still pending somewhere.
_PARK = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""

# KEYS: parked. ARGV: key, nonce. Forgets the parked copy only while it is the one with this nonce.
_UNPARK_COPY = """
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return 0 end
local ok, decoded = pcall(cjson.decode, value)
if ok and type(decoded) == 'table' and decoded['_parked'] == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""


def _parked(payload: dict[str, Any]) -> dict[str, Any]:
    """The event as parked: with a fresh nonce naming this copy."""
    return {**payload, NONCE: secrets.token_hex(8)}


def event_of(parked: dict[str, Any]) -> dict[str, Any]:
    """The event of a parked copy (its nonce dropped)."""
    return {k: v for k, v in parked.items() if k != NONCE}


@dataclass(frozen=True)
class Turn:
    """The outcome of asking for a turn: go now, or wait (and maybe first queue a stuck head again)."""

    go: bool
    stuck: tuple[str, dict[str, Any]] | None = None


def _text(value: Any) -> str:
    """A Redis reply as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


def _client(store: Any) -> Any:
    """The redis.Redis behind a RedisStateStore, or None for the in-process store."""
    return getattr(store, "client", None)


def _script(client: Any, name: str, source: str) -> Any:
    """A registered Lua script, cached on the client (EVALSHA, reloaded by redis-py after a Redis restart)."""
    cache = client.__dict__.setdefault("_zlb_scripts", {})
    if name not in cache:
        cache[name] = client.register_script(source)
    return cache[name]


def push(store: Any, user_id: str, key: str) -> None:
    """Append a message to the user's turns (the in-process path; on Redis the webhook does it in its transaction)."""
    client = _client(store)
    if client is not None:
        pipe = client.pipeline()
        pipe.rpush(turns_key(user_id), key)
        pipe.expire(turns_key(user_id), TURN_TTL)
        pipe.execute()
        return
    with store.atomic():
        order = store.get_json(turns_key(user_id)) or []
        store.set_json(turns_key(user_id), [*order, key], ttl=TURN_TTL)


def withdraw(store: Any, user_id: str, key: str) -> None:
    """Take a message out of the user's turns (its job could not be queued after all)."""
    finish(store, user_id, key)


def take(store: Any, user_id: str, key: str, payload: dict[str, Any], job_prefix: str = "") -> Turn:
    """Go when the message is the user's oldest pending one (or not ordered at all); else park it and wait.

    A head whose job no longer exists (job_prefix + id, from its webhook mark) and that is neither answered nor parked
    is dropped, so one lost job cannot stall her later messages.
    """
    data = json.dumps(_parked(payload), ensure_ascii=False)
    client = _client(store)
    if client is not None:
        reply = _script(client, "take", _TAKE)(
            keys=[turns_key(user_id), parked_key(user_id)],
            args=[key, data, done_key(""), taken_key(""), job_prefix, TURN_TTL])
        words = [_text(r) for r in reply]
        if words[0] == "go":
            return Turn(True)
        return Turn(False, (words[1], json.loads(words[2])) if len(words) == 3 else None)
    return _take_local(store, user_id, key, payload)


def _take_local(store: Any, user_id: str, key: str, payload: dict[str, Any]) -> Turn:
    """take() on the in-process store: its jobs live as long as the process, so every head is live."""
    with store.atomic():
        order = store.get_json(turns_key(user_id)) or []
        parked = store.get_json(parked_key(user_id)) or {}
        if key not in order:
            if parked.pop(key, None) is not None:
                store.set_json(parked_key(user_id), parked, ttl=TURN_TTL)
            return Turn(True)
        while order and order[0] != key and store.get_json(done_key(order[0])):
            order.pop(0)
        store.set_json(turns_key(user_id), order, ttl=TURN_TTL)
        if not order or order[0] == key:
            parked.pop(key, None)
            store.set_json(parked_key(user_id), parked, ttl=TURN_TTL)
            return Turn(True)
        head = order[0]
        stuck = (head, parked[head]) if head in parked else None
        parked[key] = _parked(payload)
        store.set_json(parked_key(user_id), parked, ttl=TURN_TTL)
        return Turn(False, stuck)


def park(store: Any, user_id: str, key: str, payload: dict[str, Any]) -> None:
    """Keep a message's event until the job holding the user hands it back (that job ends by calling finish)."""
    client = _client(store)
    if client is not None:
        _script(client, "park", _PARK)(keys=[parked_key(user_id)],
                                        args=[key, json.dumps(_parked(payload), ensure_ascii=False), TURN_TTL])
        return
    with store.atomic():
        parked = store.get_json(parked_key(user_id)) or {}
        parked[key] = _parked(payload)
        store.set_json(parked_key(user_id), parked, ttl=TURN_TTL)


def unpark(store: Any, user_id: str, key: str, copy: dict[str, Any] | None = None) -> None:
    """Forget a parked event (its job got the user after all); given the parked `copy` handed back by take or
    finish, only while that copy is still the one parked (the job queued again may have parked a new one)."""
    nonce = (copy or {}).get(NONCE)
    client = _client(store)
    if client is not None:
        if copy is None:
            client.hdel(parked_key(user_id), key)
        else:
            _script(client, "unpark_copy", _UNPARK_COPY)(keys=[parked_key(user_id)], args=[key, str(nonce)])
        return
    with store.atomic():
        parked = store.get_json(parked_key(user_id)) or {}
        if key in parked and (copy is None or parked[key].get(NONCE) == nonce):
            parked.pop(key)
            store.set_json(parked_key(user_id), parked, ttl=TURN_TTL)


def finish(store: Any, user_id: str, key: str | None) -> tuple[str, dict[str, Any]] | None:
    """A message is over (answered, or failed for good): the next parked message to queue again, if any.

    key None only looks for a parked head (after a job that was not in the turns, e.g. a replay, held the user).
    """
    client = _client(store)
    if client is not None:
        reply = _script(client, "finish", _FINISH)(keys=[turns_key(user_id), parked_key(user_id)],
                                                   args=[key or "", done_key("")])
        return (_text(reply[0]), json.loads(_text(reply[1]))) if reply else None
    with store.atomic():
        order = store.get_json(turns_key(user_id)) or []
        parked = store.get_json(parked_key(user_id)) or {}
        if key:
            order = [k for k in order if k != key] if key in order else order
            parked.pop(key, None)
        while order and store.get_json(done_key(order[0])):
            order.pop(0)
        store.set_json(turns_key(user_id), order, ttl=TURN_TTL)
        store.set_json(parked_key(user_id), parked, ttl=TURN_TTL)
        if not order:
            return next(iter(parked.items()), None)
        return (order[0], parked[order[0]]) if order[0] in parked else None


def pending(store: Any, user_id: str) -> list[str]:
    """The user's pending message keys, oldest first (tests and diagnostics)."""
    client = _client(store)
    if client is not None:
        return [_text(k) for k in client.lrange(turns_key(user_id), 0, -1)]
    return list(store.get_json(turns_key(user_id)) or [])
