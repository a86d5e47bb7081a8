"""Replies to messages that ask no question (small talk, stopping updates, a phone number, a link, anger, a follow,
a topic button) and the confirmations of (un)subscribing: short, in the wording of messages.json; and her list of
results read page by page or item by item (Pages)."""
from __future__ import annotations

from typing import Any, Callable

from bot.conversation import answers
from bot.conversation.answers import MORE_PAYLOAD, topic_buttons
from bot.conversation.commands import Command
from bot.conversation.intents import LAST_ITEM, Citation, Intents
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


class Pages:
    """Reads the list kept in her state (keys, offset, query, doc) for the dialogue."""

    def __init__(self, library_provider: Callable[[], Any], texts: Texts, intents: Intents, top: int) -> None:
        """The library to read from, the wording, the message reader (for citations) and the page size."""
        self.library_provider = library_provider
        self.texts = texts
        self.intents = intents
        self.top = top

    def page(self, library: Any, state: dict[str, Any], start: int,
             header: str | None = None) -> tuple[list[OutMessage], int]:
        """The list message from `start` and the new offset (header: a messages.json key for its first line)."""
        query = str(state.get("query", ""))
        words = answers.content_query(self.intents, query)
        message, offset = answers.result_list(library.corpus, state.get("keys", []), start, self.top, words,
                                              self.texts, library.index.clause_scorer(query) if query else None,
                                              header)
        return ([message] if message is not None else []), offset

    def more(self, state: dict[str, Any]) -> Reply:
        """The next results of the last question."""
        keys, offset = state.get("keys") or [], int(state.get("offset", 0))
        if not keys:
            return [text_message(self.texts.get("no_list"))], state
        if offset < len(keys):
            page, new_offset = self.page(self.library_provider(), state, offset)
            if page:
                return page, {**state, "offset": new_offset}
        return [text_message(self.texts.get("no_more"), answers.topic_buttons(self.texts))], \
            {**state, "offset": len(keys)}

    def again(self, name: str, state: dict[str, Any]) -> Reply:
        """ "xem toàn văn" with no number: the only article shown, or which one; "xem lại": her list from item 1."""
        keys, offset = state.get("keys") or [], int(state.get("offset", 0))
        shown = min(offset, len(keys))
        if not shown:
            return [text_message(self.texts.get("no_list"))], state
        if name == "read":
            if shown == 1:
                return self.full(keys[0], state)
            return [text_message(self.texts.get("read_which", count=shown))], state
        page, end = self.page(self.library_provider(), state, 0)
        return page, {**state, "offset": max(offset, end)}

    def select(self, number: int, text: str, state: dict[str, Any]) -> Reply:
        """Item `number` of the listed results; "điều 82" after reading a law means that law's article."""
        keys, offset = state.get("keys") or [], int(state.get("offset", 0))
        if number == LAST_ITEM:
            number = min(offset, len(keys))  # "cái cuối": the last she was shown, not the last kept
        if 1 <= number <= min(offset, len(keys)):
            return self.full(keys[number - 1], state)
        cite = self.intents.citation(text)
        if cite is not None and (state.get("doc") or not keys):
            return self.citation(cite, state)
        if not keys:
            return [text_message(self.texts.get("no_list"))], state
        return [text_message(self.texts.get("select_out_of_range", count=min(offset, len(keys))))], state

    def full(self, key: str, state: dict[str, Any]) -> Reply:
        """An article's whole text by key (works in any state, so buttons outlive restarts)."""
        corpus = self.library_provider().corpus
        article = corpus.article(key)
        if article is None:
            return [text_message(self.texts.get("article_missing"))], state
        extra = []
        if int(state.get("offset", 0)) < len(state.get("keys") or []):
            extra.append(Button(self.texts.get("button_more"), MORE_PAYLOAD))
        return answers.full_article(corpus, article, self.texts, extra), {**state, "doc": article.doc}

    def citation(self, cite: Citation, state: dict[str, Any]) -> Reply:
        """A cited article or clause, looked up directly ("khoản 2 điều 185 bộ luật hình sự")."""
        return answers.citation_reply(self.library_provider().corpus, self.texts, cite, state)
