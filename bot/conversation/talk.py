"""Replies to messages that ask no question (small talk, stopping updates, a phone number, a link, anger) and the
confirmations of (un)subscribing: short, in the wording of messages.json, her list left as it was."""
from __future__ import annotations

from typing import Any

from bot.conversation.answers import topic_buttons
from bot.conversation.commands import Command
from bot.conversation.reading import Intent
from bot.conversation.replies import text_message
from bot.knowledge.topics import topic_names
from bot.ops.datafiles import Texts
from bot.zalo.messages import OutMessage

TALK = frozenset({"chat", "who", "halt", "unsubscribe", "phone", "link", "insult", "human"})

Reply = tuple[list[OutMessage], dict[str, Any]]


def talk_reply(texts: Texts, intent: Intent, state: dict[str, Any], subscribed: bool | None) -> Reply:
    """The reply to one of TALK, nothing searched or kept; a bare "hủy" stops updates only if `subscribed`."""
    if intent.name == "unsubscribe" or (intent.name == "halt" and subscribed):
        return subscription_reply(texts, Command("unsubscribe"), state, subscribed)
    if intent.name == "halt":
        return [text_message(texts.get("halt_unknown"))], state
    if intent.name == "chat":
        return [text_message(texts.get("chat_with_list" if state.get("keys") else "chat"))], state
    if intent.name == "who":
        return [text_message(texts.get("who"), topic_buttons(texts))], state
    return [text_message(texts.get(f"kind_{intent.name}", reach=texts.get("reach_people")))], state


def subscription_reply(texts: Texts, command: Command, state: dict[str, Any], subscribed: bool | None) -> Reply:
    """Confirm a (un)subscription (the caller carries out the action), or say she is known not to be subscribed."""
    if command.action == "unsubscribe" and subscribed is False:
        return [text_message(texts.get("not_subscribed"))], state
    topics = list(command.topics)
    names = topic_names(topics) if topics else ""
    key = f"{command.action}_{'topics' if topics else 'all'}"
    action = {command.action: {"topics": topics}}
    return [text_message(texts.get(key, topics=names))], {**state, "actions": action}
