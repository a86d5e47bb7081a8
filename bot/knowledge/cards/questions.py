"""Article questions: example questions tied to the one article that answers them, kept as data next to the cards
(bot/data/cards/questions-*.tsv, `DOC:ARTICLE[.CLAUSE]<TAB>question`) and imported with them as taught examples of
that article. Each example remembers its file, so importing the file again replaces its examples (idempotent) while
what officials taught one by one stays."""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

from bot.knowledge.cards.checks import has_diacritics, resolve
from bot.knowledge.cards.model import Example, parse_ref
from bot.knowledge.topics import texts

QUESTION_GLOB = "questions-*.tsv"
HEADER = ("article", "question")
MAX_CHARS = 300  # as a question taught one by one (bot.officials.cards.MAX_TAUGHT_CHARS)


@dataclass(frozen=True)
class ArticleQuestion:
    """One row of a questions file: the unit of law that answers (DOC:ARTICLE[.CLAUSE[.POINT]]) and the question."""

    key: str
    text: str
    source: str  # the file's name
    line: int

    @property
    def where(self) -> str:
        """File and line, for problems."""
        return f"{self.source}:{self.line}"


def question_files(sources: Iterable[str | Path]) -> list[Path]:
    """Questions files named by the sources: every questions-*.tsv of a folder (sorted), or a .tsv file itself."""
    out: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            out += sorted(p for p in path.glob(QUESTION_GLOB) if p.is_file())
        elif path.is_file() and path.suffix == ".tsv":
            out.append(path)
    return out


def read_questions(path: Path) -> list[ArticleQuestion]:
    """The rows of one questions file (blank lines, '#' comments and the header row left out)."""
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        key, _, text = line.partition("\t")
        if tuple(c.strip().lower() for c in (key, text)) == HEADER:
            continue
        text = " ".join(unicodedata.normalize("NFC", text).split())
        rows.append(ArticleQuestion(unicodedata.normalize("NFC", key).strip(), text, Path(path).name, number))
    return rows


def shape_problems(rows: Sequence[ArticleQuestion]) -> list[str]:
    """Problems with the rows as written: a malformed key, an empty or long question, a question given twice."""
    t = texts()
    problems: list[str] = []
    seen: set[str] = set()  # one question, one article: the same words taught to two would cancel out
    for row in rows:
        if parse_ref(row.key) is None:
            problems.append(f"{row.where}: " + t.get("card_problem_article_key", value=row.key))
        if not row.text:
            problems.append(f"{row.where}: " + t.get("card_problem_example_text"))
        elif len(row.text) > MAX_CHARS:
            problems.append(f"{row.where}: " + t.get("card_problem_question_long", count=len(row.text),
                                                      limit=MAX_CHARS))
        if row.text.lower() in seen:
            problems.append(f"{row.where}: " + t.get("card_problem_duplicate_questions"))
        seen.add(row.text.lower())
    return problems


def corpus_problems(rows: Sequence[ArticleQuestion], corpus: Any) -> dict[str, str]:
    """Per row (file:line), why its unit of law cannot be used in this corpus: missing, not in force, repealed."""
    found: dict[str, str] = {}
    for key in {r.key for r in rows}:
        found[key] = resolve(key, corpus)[1]
    return {r.where: found[r.key] for r in rows if found[r.key]}


def waiting_rows(rows: Sequence[ArticleQuestion], corpus: Any) -> list[ArticleQuestion]:
    """The rows whose document is not in this library at all (not imported yet, unlike a missing article)."""
    return [r for r in rows if (ref := parse_ref(r.key)) is not None and corpus.document(ref.doc) is None]


def waiting_documents(rows: Sequence[ArticleQuestion]) -> dict[str, int]:
    """Per document, how many rows wait for it: the most awaited first, then by number."""
    counts = Counter(ref.doc for r in rows if (ref := parse_ref(r.key)) is not None)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def plain_share(rows: Sequence[ArticleQuestion]) -> float:
    """The share of questions typed without diacritics (as many women type on Zalo)."""
    return sum(not has_diacritics(r.text) for r in rows) / max(len(rows), 1)


class Merged(NamedTuple):
    """What merging questions files gives: the examples, how many added and dropped, the rows' problems by file:line,
    and per document not in the library how many rows wait for it (left out, but not problems of the rows)."""

    examples: tuple[Example, ...]
    added: int
    dropped: int
    problems: dict[str, tuple[str, ...]]
    waiting: dict[str, int]


def merge(examples: Sequence[Example], rows: Sequence[ArticleQuestion], sources: set[str], corpus: Any,
          actor: str, now: str) -> Merged:
    """The deck's examples with those of the imported files replaced by their rows. Rows whose article is not usable
    are left out: reported one by one, except those waiting for a document not imported yet (counted per document);
    a row an official already taught one by one is not added twice; an unchanged row keeps its date."""
    bad = corpus_problems(rows, corpus)
    waiting = waiting_rows(rows, corpus)
    later = {r.where for r in waiting}
    old = {(e.source, e.text.lower(), e.target): e for e in examples if e.source in sources}
    taught = {(e.text.lower(), e.target) for e in examples if e.source not in sources}
    kept = [e for e in examples if e.source not in sources]
    new: dict[tuple[str, str, str], Example] = {}
    for row in rows:
        ref = parse_ref(row.key)
        if ref is None or row.where in bad:
            continue
        example = Example(row.text, article=ref.article_key, added=now, added_by=actor, source=row.source)
        mark = (row.source, row.text.lower(), example.target)
        if (row.text.lower(), example.target) in taught or mark in new:
            continue
        previous = old.get(mark)
        new[mark] = replace(previous, text=row.text) if previous is not None else example
    added = len(new.keys() - old.keys())
    dropped = len(old.keys() - new.keys())
    problems = {k: (v,) for k, v in sorted(bad.items()) if k not in later}
    return Merged((*kept, *new.values()), added, dropped, problems, waiting_documents(waiting))
