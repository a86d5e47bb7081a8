"""The conversation: one event and the user's state in, the replies and the new state out (pure, deterministic)."""
from __future__ import annotations

from typing import Any, Callable

from bot.conversation import answers, hotlines, talk
from bot.conversation.answering import Answerer
from bot.conversation.answers import (
    FULL_PAYLOAD,
    HELPFUL_PAYLOAD,
    MENU_PAYLOAD,
    MORE_PAYLOAD,
    TOPIC_PAYLOAD,
    UNHELPFUL_PAYLOAD,
)
from bot.conversation.commands import Command, parse_command
from bot.conversation.intents import Danger, Intent, Intents
from bot.conversation.replies import text_message
from bot.conversation.talk import Pages, Reply
from bot.ops.datafiles import Texts
from bot.zalo.events import Follow, Ignored, OtherMessage, TextMessage, Unfollow
from bot.zalo.messages import OutMessage


class Dialogue:
    """Answers a user's events; the caller keeps the small JSON-able state between events."""

    # State keys: query (last search), base (the question follow-ups refine), keys (ranked article keys),
    # offset (how many were listed), doc (last document read, so "điều 82" needs no law name), updated (ms),
    # actions (for the caller to carry out, e.g. {"subscribe": {"topics": [...]}}; dropped on the next event),
    # answer (the last answer shown, for "Đúng ý"/"Chưa đúng": its card, its keys, the query; "rated" once rated),
    # card (the card the last search led with: a follow-up leading with it again lists its articles instead).

    def __init__(self, library_provider: Callable[[], Any], texts: Texts | None = None, top: int = 3,
                 intents: Intents | None = None, min_score: float | None = None, min_coverage: float | None = None,
                 followup_seconds: int = 1800, on_search: Callable[[float], None] | None = None,
                 subscribed: Callable[[str], Any] | None = None, answerer: Answerer | None = None) -> None:
        """Thresholds (defaults from data/idk.json, see Answerer): min_score, min_coverage; on_search receives each
        search's duration in seconds (metrics, kept out of here); subscribed(user_id) says whether a user
        subscribed (None: no), so "hủy đăng ký" is not confirmed falsely."""
        self.library_provider = library_provider
        self.texts = texts or Texts.load()
        self.top = top
        self.intents = intents or Intents.load()
        self.hotlines = hotlines.load_hotlines()
        self.answerer = answerer or Answerer(self.intents, top, min_score, min_coverage, on_search)
        self.followup_ms = followup_seconds * 1000
        self.subscribed = subscribed
        self.pages = Pages(library_provider, self.texts, self.intents, top)

    def warm(self, library: Any) -> None:
        """Ready a library for its first question before it serves (see Answerer.warm)."""
        self.answerer.warm(library)

    def handle(self, event: Any, state: dict[str, Any] | None) -> tuple[list[OutMessage], dict[str, Any] | None]:
        """Replies to send and the new state (None: forget the user)."""
        if isinstance(event, Unfollow):
            return [], None
        if isinstance(event, Ignored):
            return [], state
        current = {k: v for k, v in (state or {}).items() if k != "actions"}
        now = _millis(getattr(event, "timestamp", ""), current.get("updated", 0))
        if isinstance(event, Follow):
            return [talk.welcome(self.texts)], {"updated": now}
        if isinstance(event, OtherMessage):
            messages: list[OutMessage] = [text_message(self.texts.get("other_message"))]
            new = current
        elif isinstance(event, TextMessage):
            messages, new = self._text(event.text.strip(), current, now, event.user_id)
        else:
            return [], state
        return messages, {**new, "updated": now}

    # --- routing -------------------------------------------------------------------------------------
    def _text(self, text: str, state: dict[str, Any], now: int, user_id: str = "") -> Reply:
        """A typed message or a button payload."""
        if not text:
            return [text_message(self.texts.get("empty"), answers.topic_buttons(self.texts))], state
        if text.startswith("#"):
            reply = self._command(text, state, user_id)
            if reply is not None:
                return reply
            text = text.lstrip("#").strip()
        danger = self.intents.danger(text)
        if danger is not None:
            return self._danger(text, danger, state)
        command = parse_command(text)
        if command is not None:
            return self._subscription(command, state, user_id)
        intent = self.intents.classify(text)
        if intent.name == "erase":
            # the caller deletes everything kept about the user (bot/store/privacy.py); no state survives
            return [text_message(self.texts.get("erased"))], {"actions": {"erase": {}}}
        if intent.name in ("greeting", "help"):
            key = "greeting" if intent.name == "greeting" else "help"
            return [text_message(self.texts.get(key), answers.topic_buttons(self.texts))], state
        if intent.name in ("helpful", "unhelpful"):
            return self._feedback(intent.name == "helpful", state)
        if intent.name in ("thanks", "ack"):
            return [text_message(self.texts.get(intent.name))], state
        if intent.name in talk.TALK:
            return talk.talk_reply(self.texts, intent, state, self._subscribed(user_id))
        if intent.name == "empty":
            return [text_message(self.texts.get("empty"), answers.topic_buttons(self.texts))], state
        if intent.name == "more":
            return self.pages.more(state)
        if intent.name in ("read", "back"):
            return self.pages.again(intent.name, state)
        if intent.name == "select":
            return self.pages.select(intent.number, text, state)
        if intent.name == "citation" and intent.citation is not None:
            return self.pages.citation(intent.citation, state)
        fresh = now - int(state.get("updated", 0)) <= self.followup_ms
        base = str(state.get("base") or "") if fresh else ""  # the question her follow-ups refine
        if intent.name == "followup":
            return (self._search(intent.text, state, context=base, follows=True) if base else
                    self._search(text, state))[:2]
        if intent.note:
            return self._noted(intent, state)
        return self._search(intent.text or text, state, context=base)[:2]

    def _subscribed(self, user_id: str) -> bool | None:
        """Whether the user receives updates (None: no way to know here)."""
        return None if self.subscribed is None else self.subscribed(user_id) is not None

    def _noted(self, intent: Intent, state: dict[str, Any]) -> Reply:
        """A short note (English, a phone number, a link), then the search; English finding nothing: the note alone."""
        messages, new, _ = self._search(intent.text, state, quiet=intent.note == "english")
        return talk.noted(self.texts, intent.note, messages), new

    def _command(self, text: str, state: dict[str, Any], user_id: str = "") -> Reply | None:
        """Button payloads ("#xem 52/2014/QH13:81", "#tiep", "#menu", "#chude tre-em", "#dangky")."""
        word, _, arg = text.partition(" ")
        word, arg = word.lower(), arg.strip()
        if word in (FULL_PAYLOAD, "#dieu"):
            if arg.isdigit():
                return self.pages.select(int(arg), text, state)
            return self.pages.full(arg, state)
        if word == MORE_PAYLOAD:
            return self.pages.more(state)
        if word in (HELPFUL_PAYLOAD, UNHELPFUL_PAYLOAD):
            return self._feedback(word == HELPFUL_PAYLOAD, state)
        if word == MENU_PAYLOAD:
            return [text_message(self.texts.get("help"), answers.topic_buttons(self.texts))], state
        if word == TOPIC_PAYLOAD:
            return talk.topic_intro(self.texts, arg), state
        command = parse_command(text)
        if command is not None:
            return self._subscription(command, state, user_id)
        return None

    # --- answers -------------------------------------------------------------------------------------
    def _subscription(self, command: Command, state: dict[str, Any], user_id: str) -> Reply:
        """Confirm a (un)subscription; the caller carries out the action left in the state."""
        return talk.subscription_reply(self.texts, command, state, self._subscribed(user_id))

    def _danger(self, text: str, danger: Danger, state: dict[str, Any]) -> Reply:
        """Hotlines first; then the articles, when any match well (none for self-harm: see danger.tsv "quiet")."""
        categories = danger.categories
        if set(categories) <= self.intents.quiet:
            return [hotlines.hotline_message(self.texts, self.hotlines, categories, with_articles=False)], state
        hints = [self.intents.hints[c] for c in danger.searched if c in self.intents.hints]
        messages, new, found = self._search(self.intents.spell_out(text, " ".join(hints)), state, quiet=True)
        first = hotlines.hotline_message(self.texts, self.hotlines, categories, with_articles=found)
        return [first, *messages], new

    def _search(self, query: str, state: dict[str, Any], quiet: bool = False, context: str = "",
                follows: bool = False) -> tuple[list[OutMessage], dict[str, Any], bool]:
        """Search and list the best articles, or say honestly that nothing matched (quiet: say nothing); context:
        the question she asked just before, read with this one when it does not stand alone (follows: always, as a
        follow-up of it, unless only her own words find an answer)."""
        library = self.library_provider()
        if follows:
            found, joined = self.answerer.refined(library, context, query)
        elif context:
            found, joined = self.answerer.in_context(library, context, query)
        else:
            found, joined = self.answerer.answer(library, query), False
        # read with the question before, she still asks about that one; else this one is what follow-ups refine
        new: dict[str, Any] = {"query": found.query, "base": context if joined else found.query,
                               "keys": [], "offset": 0}
        if state.get("doc"):
            new["doc"] = state["doc"]
        keys = found.keys
        # for the officials' statistics: what is asked, which articles answer, what goes unanswered
        asked = {"query": found.query, "keys": keys[:self.top] if found.answered else [], "found": found.answered}
        if found.subject and found.subject_legal:  # declined for a law the library lacks: officials see what to import
            asked["subject"] = found.subject
        new["actions"] = {"question": asked}
        if not found.answered:
            if state.get("keys"):
                # a question that found nothing keeps her list: "xem thêm" and "2" still mean that list (a rating
                # now would be about this question, not about the answer before it)
                new = {**{k: v for k, v in state.items() if k != "answer"}, "actions": new["actions"]}
            if quiet:  # danger: the hotlines stand alone, whatever the subject
                return [], new, False
            return [self._decline(library, found)], new, False
        card, header = found.card, None
        last = state.get("answer") if context else None
        if joined and state.get("card"):
            new["card"] = state["card"]  # read with the question before, she is still in the thread that card led
        if card is not None:
            new["card"] = card.id  # the card this thread led with, shown or not
            if context and state.get("card") == card.id:
                # the card she has just read, again: its articles instead, each at the clause nearest her new words
                card, header = None, "list_header_again"
        elif isinstance(last, dict) and last.get("keys") and keys[:self.top] == last["keys"]:
            header = "list_header_again"  # the same articles: said so, each at the clause nearest her new words
        if card is not None:  # the card's short answer leads, its articles numbered first
            message, cited = answers.card_message(library.corpus, card, self.texts, found.keys[:found.placed])
            new["keys"], new["offset"] = cited + [k for k in keys if k not in cited], len(cited)
            page = [message]
            new["actions"]["question"]["card"] = card.id
        else:
            new["keys"] = keys
            page, new["offset"] = self.pages.page(library, new, 0, header)
            page[:1] = [answers.with_feedback(m, self.texts) for m in page[:1]]
        shown = new["keys"][:new["offset"]]
        new["answer"] = {"card": card.id if card is not None else "", "keys": shown, "query": found.query}
        return page, new, True

    def _feedback(self, helpful: bool, state: dict[str, Any]) -> Reply:
        """ "Đúng ý" / "Chưa đúng" about the last answer: counted for officials (with the question's text when it
        missed, for teaching); "Chưa đúng" shows the next results and where to get legal aid."""
        last = state.get("answer")
        rated = last.get("rated") if isinstance(last, dict) else None  # "helpful", "unhelpful" (True: older states)
        if not isinstance(last, dict) or (rated and helpful):
            key = "thanks" if helpful else "feedback_none"
            return [text_message(self.texts.get(key))], state
        new = {**state, "answer": {**last, "rated": "helpful" if helpful else "unhelpful"}}
        if not rated or rated == "helpful":  # "Đúng ý", then "Chưa đúng": her question still reaches the officials
            asked = "" if helpful else last.get("query", "")
            new["actions"] = {"feedback": {"helpful": helpful, "card": last.get("card", ""),
                                           "keys": last.get("keys", []), "query": asked}}
        if helpful:
            return [text_message(self.texts.get("feedback_thanks"))], new
        sorry = text_message(self.texts.get("feedback_sorry") + "\n" + self.texts.get("feedback_legal_aid"))
        keys, offset = new.get("keys") or [], int(new.get("offset", 0))
        page: list[OutMessage] = []
        if offset < len(keys):
            page, new["offset"] = self.pages.page(self.library_provider(), new, offset)
        return [sorry, *page], new

    def _decline(self, library: Any, found: Any) -> OutMessage:
        """The honest answer when no article answers: the subject the library lacks and where to ask, when known."""
        if not library.corpus.documents:
            return text_message(self.texts.get("library_empty"), answers.topic_buttons(self.texts))
        if found.subject_name and not found.subject_legal:
            return text_message(self.texts.get("decline_not_law", subject=found.subject_name),
                                answers.topic_buttons(self.texts))
        if found.subject_name:
            return text_message(self.texts.get("decline_subject", subject=found.subject_name))
        return text_message(self.texts.get("idk"), answers.topic_buttons(self.texts))


def _millis(raw: Any, default: int) -> int:
    """An event timestamp in ms (the previous one when missing, so the dialogue stays deterministic)."""
    text = str(raw or "")
    return int(text) if text.isdigit() else int(default or 0)
