"""Replies to messages that ask no question (small talk, stopping updates, a phone number, a link, anger, a follow,
a topic button) and the confirmations of (un)subscribing: short, in the wording of messages.json."""
from __future__ import annotations

from typing import Any

from bot.conversation.answers import topic_buttons
from bot.conversation.commands import Command
from bot.conversation.reading import Intent
from bot.conversation.replies import text_message
from bot.knowledge.topics import topic_names
from bot.ops.datafiles import Texts
from bot.zalo.messages import Button, OutMessage

TALK = frozenset({"chat", "who", "halt", "unsubscribe", "phone", "link", "insult", "human", "explain", "buttons", "ask",
                  "news"})

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


def noted(texts: Texts, note: str, answer: list[OutMessage]) -> list[OutMessage]:
    """A short note ("english", "phone", "link") before the answer; alone, with topic buttons, when there is none."""
    return [text_message(texts.get(f"{note}_note"), () if answer else topic_buttons(texts)), *answer]


def welcome(texts: Texts) -> OutMessage:
    """The first message after a follow."""
    buttons = tuple(Button(b["title"], b["payload"]) for b in texts.raw("welcome_buttons"))
    return text_message(texts.get("welcome"), buttons)


def topic_intro(texts: Texts, slug: str) -> list[OutMessage]:
    """A topic's introduction with example questions as buttons."""
    for topic in texts.raw("topics"):
        if topic["slug"] == slug:
            return [text_message(topic["intro"], tuple(Button(q, q) for q in topic["examples"]))]
    return [text_message(texts.get("topic_unknown"), topic_buttons(texts))]
