"""The polite frame around a question ("chị ơi cho em hỏi là … với ạ"): where it ends and where the question starts,
read with the phrase tables of bot/data/intents.tsv (greeting, filler, opening, opening_tail, closing, closing_plain)."""
from __future__ import annotations

from bot.conversation.phrases import GAP, Pattern, Word, match_at, word_eq


class Frame:
    """Finds the frame at both ends of a message's words."""

    def __init__(self, phrases: dict[str, list[Pattern]]) -> None:
        """Read from these phrase tables (by kind)."""
        self.phrases = phrases
        self.by_first: dict[str, dict[str, list[Pattern]]] = {}  # per kind, the phrases by their first folded word

    def span(self, msg: list[Word]) -> tuple[int, int]:
        """Where the question starts and ends among the words (0 and len(msg) when nothing frames it)."""
        start = self._opening(msg)
        end, bare = len(msg), all(plain for _, _, plain in msg)
        while end > start and (cut := self._ending(msg[start:end], "closing")):
            if cut == 1 and not self._closing_word(msg[end - 1], bare):
                break  # "thai nhi", "ban nha": typed without marks, "nhi", "nha" may be words of hers; two are "với ạ"
            end -= cut
        return start, end

    def _opening(self, msg: list[Word]) -> int:
        """How many words open the message politely: greetings, "chị ơi", "cho em hỏi", then "là", "về việc"."""
        start, framed = 0, False
        while start < len(msg):
            rest = msg[start:]
            polite = len(rest) - len(self._after_fillers(rest))
            greeting = self._starting(rest[polite:], "greeting")
            if greeting:
                after = rest[polite + greeting:]
                start += polite + greeting + len(after) - len(self._after_fillers(after))
            elif (opening := self._starting(rest, "opening")) and (opening > 1 or self._typed_as(rest[0], "opening")):
                start += opening  # one word must be typed as listed: "da mặt" is skin, not "dạ"
            else:
                break
            framed = True
        while framed and start < len(msg) and (tail := self._starting(msg[start:], "opening_tail")):
            start += tail
        return start

    def _starting(self, msg: list[Word], kind: str) -> int:
        """Length of the longest phrase of this kind the words start with (0 when none), trying only the phrases
        whose first word is theirs: every question asks it."""
        if not msg:
            return 0
        if kind not in self.by_first:
            index: dict[str, list[Pattern]] = {}
            for p in self.phrases.get(kind, ()):
                index.setdefault(p.words[0][1] if p.words else "", []).append(p)
            self.by_first[kind] = index
        index = self.by_first[kind]
        candidates = index.get(msg[0][1], []) + index.get(GAP, [])
        return max((e for p in candidates if (e := match_at(msg, p.words, 0))), default=0)

    def _ending(self, msg: list[Word], kind: str) -> int:
        """Length of the longest phrase of this kind (no gaps) the words end with (0 when none)."""
        n = len(msg)
        return max((len(p.words) for p in self.phrases.get(kind, ())
                    if len(p.words) <= n and match_at(msg, p.words, n - len(p.words)) == n), default=0)

    def _typed_as(self, word: Word, kind: str) -> bool:
        """Whether the word is typed exactly as a one-word phrase of this kind (marks and all)."""
        return any(len(p.words) == 1 and p.words[0][0] == word[0] for p in self.phrases.get(kind, ()))

    def _closing_word(self, word: Word, bare: bool) -> bool:
        """Whether one word at the end only softens the question: typed as listed, and in a message typed without
        any marks only the words that cannot be hers ("a", "ad")."""
        return self._typed_as(word, "closing_plain" if bare else "closing") or self._typed_as(word, "closing_plain")

    def _after_fillers(self, msg: list[Word]) -> list[Word]:
        """The words after the polite fillers they start with ("em", "ạ")."""
        fillers = [p for p in self.phrases.get("filler", ()) if len(p.words) == 1]
        i = 0
        while i < len(msg) and any(word_eq(msg[i], p.words[0]) for p in fillers):
            i += 1
        return msg[i:]
