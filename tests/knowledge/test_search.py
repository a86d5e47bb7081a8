"""bot.knowledge.search.index: ranking on a tiny corpus, accent-insensitive matching, filters, save/load, BM25 parity."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge.corpus.model import REPLACED, Article, Document
from bot.knowledge.search.analysis import Params, pair_runs
from bot.knowledge.search.hits import Hit
from bot.knowledge.search.index import SearchIndex, build_index
from bot.knowledge.search.lexicon import Lexicon
from bot.knowledge.search.passages import clause_scores, passage_clauses, passages
from bot.knowledge.search.text import syllables
from tests.fakes import StaticSearchIndex

LAW = "52/2014/QH13"
LABOUR = "45/2019/QH14"
OLD = "58/2014/QH13"


def _docs() -> dict[str, Document]:
    arts = {
        LAW: [
            Article(LAW, "8", "Điều kiện kết hôn", "1. Nam từ đủ 20 tuổi trở lên, nữ từ đủ 18 tuổi trở lên.\n"
                    "2. Việc kết hôn do nam và nữ tự nguyện quyết định."),
            Article(LAW, "51", "Quyền yêu cầu giải quyết ly hôn", "1. Vợ, chồng hoặc cả hai người có quyền "
                    "yêu cầu Tòa án giải quyết ly hôn.\n2. Chồng không có quyền yêu cầu ly hôn khi vợ đang có thai."),
            Article(LAW, "107", "Nghĩa vụ cấp dưỡng", "Nghĩa vụ cấp dưỡng được thực hiện giữa cha, mẹ và con. "
                    "Cha, mẹ có nghĩa vụ cấp dưỡng cho con chưa thành niên.", related=(f"{LAW}:8",)),
        ],
        LABOUR: [
            Article(LABOUR, "139", "Nghỉ thai sản", "1. Lao động nữ được nghỉ thai sản trước và sau khi sinh con "
                    "là 06 tháng.\n2. Hết thời gian nghỉ thai sản, người lao động được hưởng 100% tiền lương."),
            Article(LABOUR, "137", "Bảo vệ thai sản", "Người sử dụng lao động không được sa thải người lao động "
                    "vì lý do kết hôn, mang thai, nghỉ thai sản, nuôi con dưới 12 tháng tuổi."),
        ],
        OLD: [Article(OLD, "34", "Thời gian hưởng chế độ khi sinh con",
                      "Lao động nữ sinh con được nghỉ việc hưởng chế độ thai sản trước và sau khi sinh con là 06 tháng.")],
    }
    meta = {LAW: ("Luật", "Luật Hôn nhân và gia đình", "in_force"), LABOUR: ("Bộ luật", "Bộ luật Lao động", "in_force"),
            OLD: ("Luật", "Luật Bảo hiểm xã hội", REPLACED)}
    return {n: Document(n, type=t, title=ti, status=st, articles=tuple(arts[n])) for n, (t, ti, st) in meta.items()}


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    docs = _docs()
    return SearchIndex.build([a for d in docs.values() for a in d.articles], docs)


def keys(hits: list[Hit]) -> list[str]:
    return [h.key for h in hits]


@pytest.mark.parametrize("query, expected_first", [
    ("nghỉ thai sản mấy tháng", f"{LABOUR}:139"),
    ("điều kiện kết hôn", f"{LAW}:8"),
    ("nghĩa vụ cấp dưỡng cho con", f"{LAW}:107"),
    ("bị sa thải vì mang thai", f"{LABOUR}:137"),
    ("ly hôn khi vợ có thai", f"{LAW}:51"),
    ("52/2014/QH13 kết hôn", f"{LAW}:8"),
])
def test_best_article_first(index: SearchIndex, query: str, expected_first: str) -> None:
    assert keys(index.search(query))[0] == expected_first


def test_exact_order_and_positive_scores(index: SearchIndex) -> None:
    hits = index.search("nghỉ thai sản")
    assert keys(hits)[:3] == [f"{LABOUR}:139", f"{LABOUR}:137", f"{OLD}:34"]
    assert all(h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].title == "Nghỉ thai sản" and hits[0].doc == LABOUR and hits[0].article == "139"


@pytest.mark.parametrize("query, expected_first", [
    ("nghi thai san may thang", f"{LABOUR}:139"),
    ("dieu kien ket hon", f"{LAW}:8"),
    ("ck ko dua tien nuoi con", f"{LAW}:107"),  # teencode + colloquial "tiền nuôi con" → cấp dưỡng
    ("NGHĨA VỤ CẤP DƯỠNG", f"{LAW}:107"),
])
def test_accent_insensitive_and_colloquial(index: SearchIndex, query: str, expected_first: str) -> None:
    assert keys(index.search(query))[0] == expected_first


@pytest.mark.parametrize("word, left_bare", [
    ("hon", True),  # only "hôn" in these laws
    ("san", True),  # "sản"
    ("con", False),  # written so
    ("thai", False),  # "thai sản", "mang thai"
    ("xyzzy", False),  # not in the laws at all
])
def test_a_word_is_left_bare_when_the_laws_write_it_with_marks(index: SearchIndex, word: str,
                                                               left_bare: bool) -> None:
    assert index.left_bare(word) is left_bare


def test_nfd_query_equals_nfc(index: SearchIndex) -> None:
    import unicodedata

    q = "nghĩa vụ cấp dưỡng"
    assert index.search(unicodedata.normalize("NFD", q)) == index.search(q)


@pytest.mark.parametrize("query", ["", "   ", "xyzzy qwerty", "?!."])
def test_nothing_matches(index: SearchIndex, query: str) -> None:
    assert index.search(query) == []


def test_filters(index: SearchIndex) -> None:
    assert {h.doc for h in index.search("thai sản", docs=[LABOUR])} == {LABOUR}
    assert index.search("thai sản", docs=["1/2000/QH10"]) == []
    assert OLD in {h.doc for h in index.search("thai sản sinh con")}
    assert OLD not in {h.doc for h in index.search("thai sản sinh con", in_force_only=True)}
    assert len(index.search("thai sản", top=2)) == 2 and index.search("thai sản", top=0) == []


def test_a_boost_adds_a_share_of_the_best_score(index: SearchIndex) -> None:
    plain = index.search("nghỉ thai sản sinh con")
    assert plain and f"{LAW}:8" not in [h.key for h in plain]
    boosted = index.search("nghỉ thai sản sinh con", boost={f"{LAW}:8": 1.5, "9/9999/QH99:1": 9.0})
    assert boosted[0].key == f"{LAW}:8" and boosted[0].score == pytest.approx(1.5 * plain[0].score, rel=1e-4)
    assert [h.key for h in boosted[1:]] == [h.key for h in plain]  # unknown keys are ignored, the rest unchanged
    scores = index.scores("nghỉ thai sản sinh con")
    assert index.rank(scores, boost={f"{LAW}:8": 1.5}) == boosted and index.rank(scores) == plain
    # the Answerer's one scoring for both lists: the articles' own ranking, and with the cards' votes
    assert index.search_with_votes("nghỉ thai sản sinh con", 10, {f"{LAW}:8": 1.5}) == (plain, boosted)
    assert index.search("xyzzy quux", boost={f"{LAW}:8": 1.0}) == []  # nothing matches: a vote alone finds nothing


def test_a_boost_cap_bounds_the_score_the_shares_are_of(index: SearchIndex) -> None:
    scores = index.scores("nghỉ thai sản sinh con")
    best, own = float(scores.max()), float(scores[index.position[f"{LAW}:8"]])
    capped = index.rank(scores, boost={f"{LAW}:8": 1.5}, boost_cap=best / 4)
    assert next(h for h in capped if h.key == f"{LAW}:8").score == pytest.approx(own + 1.5 * best / 4, rel=1e-4)
    assert capped[0].key != f"{LAW}:8"  # a vote no longer outweighs the question's own best match
    assert index.rank(scores, boost={f"{LAW}:8": 1.5}, boost_cap=10 * best) == index.rank(
        scores, boost={f"{LAW}:8": 1.5})  # a cap above the best score changes nothing
    assert index.search_with_votes("nghỉ thai sản sinh con", 10, {f"{LAW}:8": 1.5}, best / 4)[1] == capped


def test_save_load_round_trip(index: SearchIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "idx")
    loaded = SearchIndex.load(tmp_path / "idx")
    assert len(loaded) == len(index)
    for q in ("nghỉ thai sản", "ket hon", "cấp dưỡng"):
        assert loaded.search(q) == index.search(q)
        assert loaded.search(q, in_force_only=True, docs=[LAW, OLD]) == index.search(q, in_force_only=True,
                                                                                     docs=[LAW, OLD])


def test_build_index_from_corpus_and_empty(tmp_path: Path) -> None:
    class Corpus:
        documents = _docs()

        def articles(self) -> list[Article]:
            return [a for d in self.documents.values() for a in d.articles]

    build_index(Corpus(), tmp_path / "a")
    assert keys(SearchIndex.load(tmp_path / "a").search("kết hôn"))[0] == f"{LAW}:8"
    empty = SearchIndex.build([], {})
    empty.save(tmp_path / "b")
    assert SearchIndex.load(tmp_path / "b").search("kết hôn") == []


def test_passages_keep_points_with_their_clause() -> None:
    assert passages("Mở đầu\n1. Khoản một\na) điểm a\nb) điểm b\n2. Khoản hai") == [
        "Mở đầu", "1. Khoản một\na) điểm a\nb) điểm b", "2. Khoản hai"]


@pytest.mark.parametrize("text, expected", [
    ("Mở đầu\n1. Khoản một\na) điểm a\n2. Khoản hai", ["", "1", "2"]),
    ("1. Một\n" + "a) " + "dài " * 300 + "\nb) tiếp", ["1", "1"]),  # a long clause cut in two stays clause 1
    ("Không có khoản nào", [""]),
])
def test_each_passage_knows_its_clause(text: str, expected: list[str]) -> None:
    assert passage_clauses(text) == expected


def test_clause_scores_take_the_best_passage_of_each_clause() -> None:
    text = "Mở đầu\n1. Một\na) " + "dài " * 300 + "\nb) tiếp\n2. Hai"
    assert clause_scores(text, [9.0, 1.0, 3.0, 2.0]) == {"1": 3.0, "2": 2.0}


def test_the_clause_scorer_reads_each_clause_on_its_own() -> None:
    law = "52/2014/QH13"
    article = Article(law, "51", "Quyền yêu cầu giải quyết ly hôn",
                      "1. Vợ, chồng hoặc cả hai người có quyền yêu cầu Tòa án giải quyết ly hôn.\n"
                      "2. Cha, mẹ, người thân thích khác có quyền yêu cầu Tòa án giải quyết ly hôn.\n"
                      "3. Chồng không có quyền yêu cầu ly hôn trong trường hợp vợ đang có thai.")
    index = SearchIndex.build([article], {law: Document(law, "Luật", "Hôn nhân và gia đình", articles=(article,))})
    scores = index.clause_scorer("chồng đòi ly hôn khi vợ đang có thai")(article)
    assert set(scores) == {"1", "2", "3"} and max(scores, key=scores.__getitem__) == "3"
    assert index.clause_scorer("xyzzy")(article) == {"1": 0.0, "2": 0.0, "3": 0.0}
    assert index.clause_scorer("ly hôn")(Article("1/2000/QH10", "1", "Khác", "1. ly hôn")) == {}  # not indexed


@pytest.mark.parametrize("text, expected", [
    ("Quyền, nghĩa vụ của anh, chị, em", [["quyền", "nghĩa", "vụ", "của", "anh", "chị", "em"]]),
    ("Tài sản riêng của vợ, chồng", [["tài", "sản", "riêng", "của", "vợ", "chồng"]]),
    ("Chiếm hữu, sử dụng, định đoạt", [["chiếm", "hữu"], ["sử", "dụng"], ["định", "đoạt"]]),  # lists of phrases
    ("cha, mẹ; con. Vợ, chồng", [["cha", "mẹ"], ["con"], ["vợ", "chồng"]]),  # only a lone comma joins
    ("Điều 3. Hôn nhân", [["điều", "3"], ["hôn", "nhân"]]),
    ("", []),
])
def test_pairs_meet_across_a_comma_next_to_one_word(text: str, expected: list[list[str]]) -> None:
    assert pair_runs(text) == expected


def test_a_listed_kinship_matches_what_people_write() -> None:
    arts = [Article("1/2000/QH10", "1", "Đi lại", "Anh. Chị. Em đi làm. Về quê. Ở nhà giúp đỡ."),  # same words, not a list
            Article("1/2000/QH10", "2", "Đi lại", "Anh, chị, em đi làm, về quê, ở nhà giúp đỡ.")]
    index = SearchIndex.build(arts, {})
    index.lexicon = Lexicon.empty()
    assert [h.article for h in index.search("anh chị em giúp đỡ")] == ["2", "1"]


def test_plain_bm25_parity_with_reference() -> None:
    """With every extra switched off the score is Okapi BM25 (Lucene idf), the order the one of rank_bm25."""
    from rank_bm25 import BM25Okapi

    texts = ["vợ chồng bình đẳng", "vợ chồng ly hôn tài sản chung", "tài sản riêng của vợ chồng",
             "con chung con riêng", "nghỉ thai sản sáu tháng", "tiền lương thai sản", "kết hôn", "cấp dưỡng con"]
    arts = [Article("1/2000/QH10", str(i + 1), "", t) for i, t in enumerate(texts)]
    plain = Params(title_repeat=0, name_repeat=0, weight_pair=0, weight_word=0, passage_weight=0,
                   citation_prior=0, secondary_factor=1, related_boost=0)
    index = SearchIndex.build(arts, {}, plain)
    index.lexicon = Lexicon.empty()
    corpus = [syllables(t) for t in texts]
    k1, b, n = plain.k1, plain.b, len(corpus)
    avg = sum(map(len, corpus)) / n
    okapi = BM25Okapi(corpus, k1=k1, b=b)
    for query in ("tài sản chung", "thai sản", "con riêng"):
        words = syllables(query)
        expected = []
        for doc in corpus:
            s = 0.0
            for w in words:
                df = sum(w in d for d in corpus)
                tf = doc.count(w)
                s += math.log(1 + (n - df + 0.5) / (df + 0.5)) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / avg))
            expected.append(s)
        got = index.scores(query)
        assert got.tolist() == pytest.approx(expected, rel=1e-5)
        ref = okapi.get_scores(words)
        top_ours = sorted(range(n), key=lambda i: (-got[i], i))[:1]  # idf differs (rank_bm25 floors it)
        top_ref = sorted(range(n), key=lambda i: (-ref[i], i))[:1]
        assert top_ours == top_ref


def test_static_index() -> None:
    hit = Hit(LAW, "8", "Điều kiện kết hôn", 3.0)
    fake = StaticSearchIndex({"Kết hôn": [hit, Hit(LABOUR, "1", "x", 0.0)]})
    assert fake.search("kết hôn") == [hit]
    assert fake.search("kết hôn", docs=[LABOUR]) == [] and fake.search("khác") == []
    assert hit.key == f"{LAW}:8"


@pytest.mark.parametrize("query, expected", [
    # everyday words (bot/data/synonyms.tsv) reach the statute's own wording; phrasings written here, not from dev
    ("hàng xóm bịa chuyện nói xấu em", {"100/2015/QH13:156"}),
    # wording found missing by everyday_questions4.tsv's tuning half, asked here in other words
    ("công ty trả lương đàn ông cao hơn đàn bà cùng một việc", {"73/2006/QH11:13"}),
    ("cong ty tra luong dan ong cao hon dan ba cung mot viec", {"73/2006/QH11:13"}),
    ("chồng bảo nấu cơm rửa bát là việc của đàn bà", {"73/2006/QH11:18"}),
    ("chong bao nau com rua bat la viec cua dan ba", {"73/2006/QH11:18"}),
    ("tố cáo nhầm người thì có bị phạt không", {"25/2018/QH14:8", "25/2018/QH14:9"}),
    ("to cao nham nguoi thi co bi phat khong", {"25/2018/QH14:8", "25/2018/QH14:9"}),
    ("cháu gái 14 tuổi tự nguyện ngủ với bạn trai 19 tuổi có sao không", {"100/2015/QH13:145"}),
    ("chong chet roi ma nha chong cam em di buoc nua", {"52/2014/QH13:5", "100/2015/QH13:181"}),
    ("người mang thai hộ sinh xong không muốn giao bé thì sao", {"52/2014/QH13:97", "52/2014/QH13:98"}),
    ("hoa giai xong roi ma ben kia khong chiu lam theo", {"35/2013/QH13:25", "35/2013/QH13:26"}),
    ("chồng đi biệt mấy năm không liên lạc gì, em muốn ly hôn", {"52/2014/QH13:56", "91/2015/QH13:68"}),
    ("nông dân làm ruộng có được đóng bảo hiểm để lấy lương hưu không", {"41/2024/QH15:2", "41/2024/QH15:98"}),
    ("bị người khác bôi nhọ trên facebook thì xử lý thế nào", {"100/2015/QH13:156"}),
    ("bị chửi xúc phạm giữa chợ", {"100/2015/QH13:155"}),
    ("mang bầu bị đuổi việc có đúng luật không", {"45/2019/QH14:137", "45/2019/QH14:37"}),
    ("lấy chồng sớm khi chưa đủ tuổi", {"52/2014/QH13:8", "52/2014/QH13:3"}),
])
def test_everyday_words_reach_the_statute(real_library: Any, query: str, expected: set[str]) -> None:
    assert expected & set(keys(real_library.index.search(query, top=3)))
