"""In-memory fakes of the bot's seams for pure unit tests: a Zalo client that records what it would send, and a
search index with fixed hits per query. Everything else talks to real Redis and real HTTP servers."""
from __future__ import annotations

import threading
from typing import Any, Callable, Collection, Iterable, Mapping

from bot.knowledge.search.hits import Hit
from bot.knowledge.search.text import normalize
from bot.zalo.messages import OutMessage
from bot.zalo.shapes import SendResult, message_parts, result_for


class RecordingZaloClient:
    """In-memory stand-in with the client's methods: records what each user would receive, failures scripted."""

    def __init__(self, followers: Iterable[str] = ()) -> None:
        self.sent: list[tuple[str, OutMessage]] = []
        self.promotions: list[tuple[str, OutMessage]] = []
        self.followers = [str(f) for f in followers]
        self.pages: list[tuple[int, int]] = []
        self.refreshes = 0
        self.calls = 0
        self._errors: dict[str, list[int]] = {}
        self._always: dict[str, int] = {}
        self._lock = threading.Lock()

    def fail(self, user_id: str, *errors: int, always: bool = False) -> None:
        """Answer the user's next calls with these Zalo error codes in turn (or every call, with always=True)."""
        with self._lock:
            if always:
                self._always[str(user_id)] = errors[0]
            else:
                self._errors.setdefault(str(user_id), []).extend(errors)

    def texts(self, user_id: str) -> list[str]:
        """Every text delivered to a user, consultation and promotion, in order."""
        return [m.text for u, m in self.sent + self.promotions if u == str(user_id)]

    def send_text(self, user_id: str, text: str) -> SendResult:
        """Record plain text."""
        return self.send(user_id, OutMessage(text))

    def send(self, user_id: str, message: OutMessage) -> SendResult:
        """Record a consultation message, split as the real client would."""
        return self._record(self.sent, str(user_id), message)

    def send_promotion(self, user_id: str, message: OutMessage) -> SendResult:
        """Record a promotion message."""
        return self._record(self.promotions, str(user_id), message)

    def list_followers(self, offset: int, count: int) -> tuple[list[str], int]:
        """A page of the configured followers."""
        if not 1 <= count <= 50:
            raise ValueError("count must be between 1 and 50")
        with self._lock:
            self.pages.append((offset, count))
            return self.followers[offset:offset + count], len(self.followers)

    def refresh_access_token(self) -> None:
        """Count refreshes."""
        with self._lock:
            self.refreshes += 1

    def _record(self, box: list[tuple[str, OutMessage]], user_id: str, message: OutMessage) -> SendResult:
        """Deliver every part or answer the scripted failure."""
        parts = message_parts(message)
        with self._lock:
            self.calls += 1
            queued = self._errors.get(user_id)
            error = queued.pop(0) if queued else self._always.get(user_id, 0)
            if error:
                return result_for(error, "scripted")
            box.extend((user_id, part) for part in parts)
            return result_for(0)


class StaticSearchIndex:
    """A fake index for unit tests: fixed hits per query (normalized), [] otherwise."""

    calibrated_scores = False  # made-up scores: the "I don't know" thresholds do not apply

    def __init__(self, hits_by_query: Mapping[str, Iterable[Hit]]) -> None:
        """hits_by_query: query → hits, best first."""
        self._norm = normalize
        self._hits = {normalize(q).strip(): list(h) for q, h in hits_by_query.items()}

    def search(self, query: str, top: int = 10, docs: Collection[str] | None = None,
               in_force_only: bool = False) -> list[Hit]:
        """The stored hits for this query, filtered by document."""
        hits = self._hits.get(self._norm(query).strip(), [])
        if docs is not None:
            wanted = {d.upper() for d in docs}
            hits = [h for h in hits if h.doc.upper() in wanted]
        return [h for h in hits if h.score > 0][:max(top, 0)]

    def search_with_votes(self, query: str, top: int, votes: Mapping[str, float],
                          cap: float = 0.0) -> tuple[list[Hit], list[Hit]]:
        """The stored hits twice: the votes do not reorder them."""
        hits = self.search(query, top)
        return hits, hits

    def clause_scorer(self, query: str) -> Callable[[Any], dict[str, float]]:
        """No clause scores: the clause sharing most of her words is shown."""
        return lambda article: {}

    def left_bare(self, word: str) -> bool:
        """No word statistics: every message is read as typed."""
        return False

    def __len__(self) -> int:
        """Number of distinct articles it knows."""
        return len({h.key for hs in self._hits.values() for h in hs})
