"""Carrying out what the dialogue asks for in its new state's "actions": subscriptions, question statistics,
erasure; once per event, by the reply job and by `python -m bot chat` alike."""
from __future__ import annotations

from typing import Any

from bot.knowledge.topics import find_topic
from bot.ops import metrics
from bot.store import privacy, stats, subscriptions
from bot.zalo.events import Unfollow


def apply_actions(store: Any, user_id: str, actions: Any) -> list[str]:
    """Carry out what the dialogue left in state["actions"]; returns what was done (for logs and tests)."""
    # understood: {"subscribe": {"topics": [...]}}, {"unsubscribe": {"topics": [...]}} and
    # {"question": {"query": str, "keys": [DOC:ARTICLE, ...], "found": bool, "card": id, "subject": slug of a missing
    # subject}} and {"feedback": {"helpful": bool, "card": id, "keys": [...], "query": str}} (bot.store.stats, no user
    # id); or a list
    done: list[str] = []
    for item in actions if isinstance(actions, list) else [actions or {}]:
        for name, args in (item or {}).items():
            args = args if isinstance(args, dict) else {}
            if name in ("subscribe", "unsubscribe"):
                slugs = tuple(t.slug for t in (find_topic(str(s)) for s in args.get("topics") or ()) if t)
                change = subscriptions.subscribe if name == "subscribe" else subscriptions.unsubscribe
                done.append(f"{name}:{change(store, user_id, slugs).status}")
            elif name == "question":
                keys = [str(k) for k in args.get("keys") or ()]
                stored = stats.record_question(store, str(args.get("query", "")), keys[:3],
                                               bool(args.get("found", keys)),
                                               args.get("topics") or stats.topics_of(keys[:3]),
                                               card=str(args.get("card") or ""),
                                               subject=str(args.get("subject") or ""))
                if stored is not None:
                    privacy.link_question(store, user_id, *stored)  # "xóa dữ liệu" can find it later
                done.append("question")
            elif name == "feedback":
                helpful = bool(args.get("helpful"))
                stored = stats.record_feedback(store, helpful, str(args.get("card") or ""),
                                               [str(k) for k in args.get("keys") or ()], str(args.get("query", "")))
                if stored is not None:
                    privacy.link_question(store, user_id, *stored, kind="unhelpful")
                done.append("helpful" if helpful else "unhelpful")
    return done


def carry_out(store: Any, event: Any, user_id: str, state: dict[str, Any] | None) -> None:
    """Do what the dialogue asked for in state["actions"] (subscriptions, question stats, erasure)."""
    if isinstance(event, Unfollow):
        # nothing can reach a user who left the OA: stop counting them as a subscriber
        subscriptions.unsubscribe(store, user_id)
        return
    actions = (state or {}).get("actions")
    if actions:
        apply_actions(store, user_id, actions)
    if privacy.requested(state):
        privacy.erase_user(store, user_id)
        metrics.ERASURES.inc()
