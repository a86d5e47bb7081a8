"""A tiny law library for dialogue tests: real model values, an in-memory corpus and a word-overlap index."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Mapping

from bot.knowledge.corpus.model import REPLACED, Article, Clause, Document, Point
from bot.knowledge.search.hits import Hit


def _fold(text: str) -> str:
    """Lower case, no diacritics (the fake index only)."""
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", _fold(text))


class FakeCorpus:
    """The bot.knowledge.corpus.store.Corpus interface over a few documents."""

    def __init__(self, documents: list[Document], version: str = "v-test") -> None:
        self.documents = {d.number: d for d in documents}
        self._articles = {a.key: a for d in documents for a in d.articles}
        self.version = version

    def article(self, key: str) -> Article | None:
        return self._articles.get(key)

    def document(self, number: str) -> Document | None:
        return self.documents.get(number)

    def articles(self) -> list[Article]:
        return list(self._articles.values())


class FakeIndex:
    """Scores an article by how many distinct query words its title and text hold (title words count double)."""

    calibrated_scores = False  # made-up scores: the "I don't know" thresholds do not apply

    def __init__(self, corpus: FakeCorpus, fixed: dict[str, list[tuple[str, float]]] | None = None) -> None:
        self.corpus = corpus
        self.fixed = fixed or {}
        self.queries: list[str] = []

    def search(self, query: str, top: int = 10, docs: Collection[str] | None = None,
               in_force_only: bool = False) -> list[Hit]:
        self.queries.append(query)
        if query in self.fixed:
            return [Hit(*k.split(":", 1), self.corpus.article(k).title, s)  # type: ignore[union-attr]
                    for k, s in self.fixed[query]][:top]
        q = set(_words(query)) - {"thi", "la", "sao", "bi", "co", "khong", "duoc", "gi"}
        hits = []
        for a in self.corpus.articles():
            title, body = set(_words(a.title)), set(_words(a.text))
            score = 2.0 * len(q & title) + len(q & body)
            if score > 0:
                hits.append(Hit(a.doc, a.number, a.title, float(score)))
        hits.sort(key=lambda h: (-h.score, h.doc, h.article))
        return hits[:top]

    def search_with_votes(self, query: str, top: int, votes: Mapping[str, float],
                          cap: float = 0.0) -> tuple[list[Hit], list[Hit]]:
        """The same hits twice: the votes do not reorder them."""
        hits = self.search(query, top)
        return hits, hits

    def clause_scorer(self, query: str) -> Callable[[Article], dict[str, float]]:
        return lambda article: {}  # no clause scores: the clause sharing most of her words is shown

    def left_bare(self, word: str) -> bool:
        """No word statistics: every message is read as typed."""
        return False


@dataclass(frozen=True)
class FakeLibrary:
    """Same fields as bot.knowledge.library.Library."""

    corpus: Any
    index: Any
    version: str = "v-test"


def _article(doc: str, number: str, title: str, clauses: list[tuple[str, str, list[tuple[str, str]]]],
             related: tuple[str, ...] = ()) -> Article:
    if len(clauses) == 1 and not clauses[0][0]:
        return Article(doc=doc, number=number, title=title, text=clauses[0][1], related=related)
    built = tuple(Clause(n, t, tuple(Point(letter, pt) for letter, pt in pts)) for n, t, pts in clauses)
    lines = []
    for c in built:
        lines.append(f"{c.number}. {c.text}")
        lines.extend(f"{p.letter}) {p.text}" for p in c.points)
    return Article(doc=doc, number=number, title=title, text="\n".join(lines), clauses=built, related=related)


LONG_CLAUSE = ("Người lao động được hưởng các quyền lợi theo quy định của pháp luật về lao động, việc làm, "
               "tiền lương, bảo hiểm xã hội và các chế độ khác theo thỏa thuận trong hợp đồng lao động. ")


def sample_documents() -> list[Document]:
    """Articles from the Labour Code, the Marriage and Family Law, the Criminal Code and a replaced SI law."""
    a139 = _article("45/2019/QH14", "139", "Nghỉ thai sản", [
        ("1", "Lao động nữ được nghỉ thai sản trước và sau khi sinh con là 06 tháng; thời gian nghỉ trước khi "
              "sinh không quá 02 tháng. Trường hợp lao động nữ sinh đôi trở lên thì tính từ con thứ 02 trở đi, "
              "cứ mỗi con, người mẹ được nghỉ thêm 01 tháng.", []),
        ("2", "Trong thời gian nghỉ thai sản, lao động nữ được hưởng chế độ thai sản theo quy định của pháp luật "
              "về bảo hiểm xã hội.", []),
        ("3", "Hết thời gian nghỉ thai sản theo quy định tại khoản 1 Điều này, nếu có nhu cầu, lao động nữ có thể "
              "nghỉ thêm một thời gian không hưởng lương sau khi thỏa thuận với người sử dụng lao động.", []),
    ], related=("45/2019/QH14:140",))
    a140 = _article("45/2019/QH14", "140", "Bảo đảm việc làm cho lao động nghỉ thai sản", [
        ("", "Lao động được bảo đảm việc làm cũ khi trở lại làm việc sau khi nghỉ hết thời gian theo quy định "
             "tại các khoản 1, 3 và 5 Điều 139 của Bộ luật này mà không bị cắt giảm tiền lương.", [])])
    a137 = _article("45/2019/QH14", "137", "Bảo vệ thai sản", [
        ("1", "Người sử dụng lao động không được sử dụng lao động nữ làm việc ban đêm, làm thêm giờ và đi công "
              "tác xa khi mang thai từ tháng thứ 07.", []),
        ("3", "Người sử dụng lao động không được sa thải hoặc đơn phương chấm dứt hợp đồng lao động đối với "
              "người lao động vì lý do kết hôn, mang thai, nghỉ thai sản, nuôi con dưới 12 tháng tuổi.", []),
    ])
    a5 = _article("45/2019/QH14", "5", "Quyền và nghĩa vụ của người lao động",
                  [("1", LONG_CLAUSE * 10, []), ("2", LONG_CLAUSE * 10, []), ("3", LONG_CLAUSE * 6, [])])
    labour = Document("45/2019/QH14", "Bộ luật", "Bộ luật Lao động", articles=(a5, a137, a139, a140))
    a81 = _article("52/2014/QH13", "81", "Việc trông nom, chăm sóc, nuôi dưỡng, giáo dục con sau khi ly hôn", [
        ("1", "Sau khi ly hôn, cha mẹ vẫn có quyền, nghĩa vụ trông nom, chăm sóc, nuôi dưỡng, giáo dục con chưa "
              "thành niên.", []),
        ("2", "Vợ, chồng thỏa thuận về người trực tiếp nuôi con; trường hợp không thỏa thuận được thì Tòa án "
              "quyết định giao con cho một bên trực tiếp nuôi; nếu con từ đủ 07 tuổi trở lên thì phải xem xét "
              "nguyện vọng của con.", []),
        ("3", "Con dưới 36 tháng tuổi được giao cho mẹ trực tiếp nuôi, trừ trường hợp người mẹ không đủ điều kiện "
              "để trực tiếp trông nom, chăm sóc, nuôi dưỡng, giáo dục con.", []),
    ])
    family = Document("52/2014/QH13", "Luật", "Luật Hôn nhân và gia đình", articles=(a81,))
    a185 = _article("100/2015/QH13", "185",
                    "Tội ngược đãi hoặc hành hạ ông bà, cha mẹ, vợ chồng, con, cháu hoặc người có công nuôi "
                    "dưỡng mình", [
                        ("1", "Người nào đối xử tồi tệ hoặc có hành vi bạo lực xâm phạm thân thể ông bà, cha mẹ, "
                              "vợ chồng, con, cháu thì bị phạt cảnh cáo, phạt cải tạo không giam giữ đến 03 năm "
                              "hoặc phạt tù từ 06 tháng đến 03 năm:",
                         [("a", "Thường xuyên làm cho nạn nhân bị đau đớn về thể xác, tinh thần;"),
                          ("b", "Đã bị xử phạt vi phạm hành chính về hành vi này mà còn vi phạm.")]),
                        ("2", "Phạm tội thuộc một trong các trường hợp sau đây, thì bị phạt tù từ 02 năm đến "
                              "05 năm:",
                         [("a", "Đối với người dưới 16 tuổi, phụ nữ mà biết là có thai, người già yếu;"),
                          ("b", "Đối với người khuyết tật nặng hoặc người mắc bệnh hiểm nghèo.")]),
                    ])
    criminal = Document("100/2015/QH13", "Bộ luật", "Bộ luật Hình sự", articles=(a185,))
    a34 = _article("58/2014/QH13", "34", "Thời gian hưởng chế độ khi sinh con", [
        ("1", "Lao động nữ sinh con được nghỉ việc hưởng chế độ thai sản trước và sau khi sinh con là 06 "
              "tháng.", []),
        ("2", "Lao động nam đang đóng bảo hiểm xã hội khi vợ sinh con được nghỉ việc hưởng chế độ thai sản "
              "05 ngày làm việc.", []),
    ])
    old_si = Document("58/2014/QH13", "Luật", "Luật Bảo hiểm xã hội", status=REPLACED,
                      replaced_by="41/2024/QH15", articles=(a34,))
    new_si = Document("41/2024/QH15", "Luật", "Luật Bảo hiểm xã hội", articles=())
    return [labour, family, criminal, old_si, new_si]


def sample_library(fixed: dict[str, list[tuple[str, float]]] | None = None) -> FakeLibrary:
    """A FakeLibrary over sample_documents()."""
    corpus = FakeCorpus(sample_documents())
    return FakeLibrary(corpus, FakeIndex(corpus, fixed))


def empty_library() -> FakeLibrary:
    """A library with nothing imported."""
    corpus = FakeCorpus([])
    return FakeLibrary(corpus, FakeIndex(corpus))


@dataclass
class Recorder:
    """Calls the dialogue with growing timestamps and keeps the state, like the worker does."""

    dialogue: Any
    state: dict[str, Any] | None = None
    clock: int = 1_700_000_000_000
    sent: list[Any] = field(default_factory=list)

    def text(self, text: str) -> list[Any]:
        from bot.zalo.events import TextMessage

        self.clock += 1000
        messages, self.state = self.dialogue.handle(
            TextMessage("u1", f"m{self.clock}", text, str(self.clock)), self.state)
        self.sent.extend(messages)
        return messages
