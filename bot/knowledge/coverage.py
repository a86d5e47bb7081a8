"""What the library covers: its subjects from the Pháp điển đề mục, the documents' names and types and the answer
cards' topics, computed once per corpus version (coverage.json in the version's folder) and shown to officials."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from bot.knowledge.corpus.model import Document
from bot.knowledge.search.priors import folded_words
from bot.knowledge.search.text import normalize
from bot.ops.datafiles import read_tsv

COVERAGE = "coverage.json"
MISSING_FILE = "missing_subjects.tsv"
EVERYDAY_FILE = "everyday_topics.tsv"
FORMAT = 1
PRIMARY_TYPES = ("luật", "bộ luật", "pháp lệnh")
# words naming a document's kind or act, not its subject:
# "Luật Phòng, chống bạo lực gia đình" is about "bạo lực gia đình"
_NAME_FILLER = ("bo luat", "luat", "phap lenh", "phong chong", "phong", "chong", "sua doi bo sung mot so dieu cua",
                "sua doi bo sung")


@dataclass(frozen=True)
class Subject:
    """One subject the library covers: a đề mục, a document outside any đề mục, or a topic of answer cards."""

    name: str
    kind: str  # "demuc" | "document" | "cards"
    code: str  # the đề mục number ("8.4"), the document number, or the card topic's slug
    documents: tuple[str, ...] = ()
    articles: int = 0


@dataclass(frozen=True)
class Coverage:
    """The subjects of one corpus version, its documents by type, and the phrases that name what it covers."""

    version: str = ""
    subjects: tuple[Subject, ...] = ()
    types: dict[str, int] = field(default_factory=dict)
    names: tuple[str, ...] = ()  # every document's name, folded (does the library hold "luật đất đai"?)
    terms: tuple[str, ...] = ()  # folded phrases naming covered subjects ("hon nhan va gia dinh", "bao luc gia dinh")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Coverage":
        """Inverse of to_dict."""
        subjects = tuple(Subject(s["name"], s["kind"], s["code"], tuple(s.get("documents", ())),
                                 int(s.get("articles", 0))) for s in data.get("subjects", ()))
        return cls(str(data.get("version", "")), subjects, dict(data.get("types", {})),
                   tuple(data.get("names", ())), tuple(data.get("terms", ())))

    def with_cards(self, card_topics: Iterable[tuple[str, str]]) -> "Coverage":
        """This coverage with one subject per answer-card topic ((slug, name) pairs; the cards live beside the corpus
        in the version folder, so their topics are added when the library is loaded)."""
        topics = dict(card_topics)
        known = {s.code for s in self.subjects if s.kind == "cards"}
        extra = tuple(Subject(name or slug, "cards", slug) for slug, name in topics.items() if slug not in known)
        terms = tuple(sorted(set(self.terms) | {subject_phrase(s.name) for s in extra} - {""}))
        return replace(self, subjects=self.subjects + extra, terms=terms)

    def holds_document(self, phrases: Iterable[str]) -> bool:
        """True when a document's name holds one of the phrases (whole words, diacritics ignored)."""
        wanted = [" ".join(folded_words(p)) for p in phrases if p.strip()]
        return any(f" {w} " in f" {name} " for w in wanted for name in self.names)


Phrase = tuple[str, ...]


def phrase_words(text: str) -> Phrase:
    """A data-file phrase as normalized words."""
    return tuple(w for w in normalize(text).replace(",", " ").split() if w)


def _phrases(cell: str) -> tuple[Phrase, ...]:
    """The ';'-separated phrases of a cell."""
    return tuple(p for p in (phrase_words(x) for x in cell.split(";")) if p)


@dataclass(frozen=True)
class MissingSubject:
    """A subject of law the library lacks (bot/data/missing_subjects.tsv): its name for users and the words that
    show a question is about it."""

    slug: str
    name: str
    decisive: tuple[Phrase, ...]
    other: tuple[Phrase, ...]
    laws: tuple[str, ...]  # names of the documents that would cover it, once imported
    legal: bool = True  # False: an everyday subject that is not law at all (bot/data/everyday_topics.tsv)


def load_missing_subjects(data_dir: Path | None = None) -> tuple[MissingSubject, ...]:
    """The rows of missing_subjects.tsv."""
    out = []
    for r in read_tsv(MISSING_FILE, data_dir):
        cells = r + [""] * (5 - len(r))
        out.append(MissingSubject(cells[0], cells[1], _phrases(cells[2]), _phrases(cells[3]),
                                  tuple(x.strip() for x in cells[4].split(";") if x.strip())))
    return tuple(out)


def load_everyday_topics(data_dir: Path | None = None) -> tuple[MissingSubject, ...]:
    """The rows of everyday_topics.tsv: subjects that are not law, whose phrases only ever count as other words."""
    return tuple(MissingSubject(r[0], r[1], (), _phrases(r[2]), (), legal=False)
                 for r in read_tsv(EVERYDAY_FILE, data_dir) if len(r) > 2)


def missing_subject_names(data_dir: Path | None = None) -> dict[str, str]:
    """Slug → name of the subjects the library lacks (for officials' statistics)."""
    return {s.slug: s.name for s in load_missing_subjects(data_dir)}


def demuc_names(data_dir: Path | None = None) -> dict[str, str]:
    """Đề mục number → name (bot/data/demuc.tsv)."""
    return {r[0]: r[1] for r in read_tsv("demuc.tsv", data_dir) if len(r) > 1}


def demuc_of(anchor: str) -> str:
    """The đề mục number ("8.4") of a Pháp điển anchor ("0800400000…"), "" for other articles."""
    if len(anchor) < 5 or not anchor[:5].isdigit():
        return ""
    return f"{int(anchor[:2])}.{int(anchor[2:5])}"


def subject_phrase(name: str) -> str:
    """A document or đề mục name without the words for its kind, folded ("Luật Phòng, chống mua bán người" →
    "mua ban nguoi")."""
    words = " ".join(folded_words(name))
    for filler in _NAME_FILLER:
        if words.startswith(filler + " "):
            words = words[len(filler) + 1:]
    return words.strip()


def compute(documents: Iterable[Document], version: str = "", card_topics: Iterable[tuple[str, str]] = (),
            data_dir: Path | None = None) -> Coverage:
    """The coverage of a corpus: one subject per đề mục its Pháp điển articles come from, one per law, code or
    ordinance outside every đề mục (imported from its own text), one per card topic ((slug, name) pairs)."""
    names = demuc_names(data_dir)
    demuc_docs: dict[str, list[str]] = {}
    demuc_articles: Counter[str] = Counter()
    loose: list[Document] = []
    docs = list(documents)
    for doc in docs:
        codes = Counter(demuc_of(a.anchor) for a in doc.articles if not a.repealed)
        codes.pop("", None)
        for code, n in codes.items():
            demuc_docs.setdefault(code, []).append(doc.number)
            demuc_articles[code] += n
        if not codes and (doc.type.lower() in PRIMARY_TYPES or doc.articles):
            loose.append(doc)
    subjects = [Subject(names.get(code, f"Đề mục {code}"), "demuc", code, tuple(demuc_docs[code]), demuc_articles[code])
                for code in sorted(demuc_docs, key=lambda c: tuple(int(x) for x in c.split(".")))]
    subjects += [Subject(d.title or d.name, "document", d.number, (d.number,), len(d.articles)) for d in loose]
    subjects += [Subject(name or slug, "cards", slug) for slug, name in dict(card_topics).items()]
    types = Counter((d.type or "?") for d in docs)
    terms = {subject_phrase(s.name) for s in subjects}
    terms |= {subject_phrase(d.title) for d in docs if d.type.lower() in PRIMARY_TYPES and d.title}
    return Coverage(version, tuple(subjects), dict(types.most_common()),
                    tuple(sorted({" ".join(folded_words(d.name)) for d in docs})), tuple(sorted(t for t in terms if t)))


def write(version_dir: Path, coverage: Coverage) -> None:
    """Keep the coverage beside the corpus version it describes."""
    (Path(version_dir) / COVERAGE).write_text(json.dumps(coverage.to_dict(), ensure_ascii=False, indent=1),
                                              encoding="utf-8")


def read(version_dir: Path) -> Coverage | None:
    """The coverage kept with a version (None for versions made before coverage was kept)."""
    try:
        data = json.loads((Path(version_dir) / COVERAGE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return Coverage.from_dict(data) if data.get("format") == FORMAT else None


def describe_version(version_dir: Path, documents: Iterable[Document], version: str) -> Coverage:
    """Compute a version's coverage and keep it in its folder (a failed write only costs recomputing it later)."""
    found = compute(documents, version)
    try:
        write(version_dir, found)
    except OSError:
        pass
    return found


def of_version(version_dir: Path | None, documents: Iterable[Document], version: str) -> Coverage:
    """The coverage kept with a version, computed (and kept) when an older import did not keep one."""
    kept = read(version_dir) if version_dir is not None else None
    if kept is not None and kept.version == version:
        return kept
    return describe_version(version_dir, documents, version) if version_dir is not None else compute(documents, version)
