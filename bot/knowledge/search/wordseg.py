"""pyvi's Vietnamese word segmenter (its CRF model and features), loaded without scikit-learn.

`import pyvi` costs ~2 s because its pickled model needs sklearn; the model inside is a plain CRFsuite
file, so we read it out of the pickle with stand-in classes and tag with pycrfsuite directly (~0.1 s).
"""
from __future__ import annotations

import pickle
import string
import threading
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Sequence

_PUNCT = set(string.punctuation)
_lock = threading.Lock()
_state: dict[str, Any] = {}


class _Stub:
    """Stands in for any class of the pickle; keeps its state."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Accept whatever the pickle passes."""
        self.args = args

    def __setstate__(self, state: Any) -> None:
        """Keep the pickled attributes."""
        if isinstance(state, dict):
            self.__dict__.update(state)


class _Unpickler(pickle.Unpickler):
    """Maps sklearn/numpy classes to stubs so nothing heavy gets imported."""

    def find_class(self, module: str, name: str) -> Any:
        """Built-ins resolve normally; everything else becomes a stub."""
        if module in ("_codecs", "builtins", "copyreg", "collections"):
            return super().find_class(module, name)
        return _Stub


def _pyvi_dir() -> Path:
    """The installed pyvi package folder (without importing it)."""
    spec = find_spec("pyvi")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pyvi is not installed")
    return Path(list(spec.submodule_search_locations)[0])


def _load() -> dict[str, Any]:
    """Tagger plus pyvi's bi/tri-gram lexicon, loaded once per process."""
    with _lock:
        if _state:
            return _state
        import pycrfsuite

        base = _pyvi_dir() / "models"
        with open(base / "pyvi3.pkl", "rb") as fh:
            crf = _Unpickler(fh).load()
        data = crf.__dict__["modelfile"].__dict__["__FILE_RESOURCE_DATA__"]
        tagger = pycrfsuite.Tagger()
        tagger.open_inmemory(data)
        bi, tri = set(), set()
        for token in (base / "words.txt").read_text(encoding="utf-8").split("\n"):
            n = token.count(" ")
            if n == 1:
                bi.add(token)
            elif n == 2:
                tri.add(token)
        _state.update(tagger=tagger, model=data, bi=bi, tri=tri)  # the tagger reads the model in place
        return _state


def _features(sent: Sequence[str], bi: set[str], tri: set[str]) -> list[dict[str, Any]]:
    """pyvi's word2features for every syllable (same names, same values)."""
    low = [w.lower() for w in sent]
    n = len(sent)
    out = []
    for i, word in enumerate(sent):
        f: dict[str, Any] = {"bias": 1.0, "word.lower()": low[i], "word.isupper()": word.isupper(),
                             "word.istitle()": word.istitle(), "word.isdigit()": word.isdigit()}
        if i > 0:
            w1 = sent[i - 1]
            f.update({"-1:word.lower()": low[i - 1], "-1:word.istitle()": w1.istitle(),
                      "-1:word.isupper()": w1.isupper(), "-1:word.bi_gram()": f"{low[i - 1]} {low[i]}" in bi})
            if i > 1:
                f["-2:word.tri_gram()"] = f"{low[i - 2]} {low[i - 1]} {low[i]}" in tri
        if i < n - 1:
            w1 = sent[i + 1]
            f.update({"+1:word.lower()": low[i + 1], "+1:word.istitle()": w1.istitle(),
                      "+1:word.isupper()": w1.isupper(), "+1:word.bi_gram()": f"{low[i]} {low[i + 1]}" in bi})
            if i < n - 2:
                f["+2:word.tri_gram()"] = f"{low[i]} {low[i + 1]} {low[i + 2]}" in tri
        out.append(f)
    return out


def segment_syllables(sent: Sequence[str]) -> list[str]:
    """Join syllables into words with "_" exactly as pyvi's ViTokenizer.tokenize does."""
    if not sent:
        return []
    st = _load()
    labels = st["tagger"].tag(_features(sent, st["bi"], st["tri"]))
    words = [sent[0]]
    for i in range(1, len(sent)):
        cur, prev = sent[i], sent[i - 1]
        if (labels[i] == "I_W" and cur not in _PUNCT and prev not in _PUNCT and not cur[0].isdigit()
                and not prev[0].isdigit() and not (cur[0].istitle() and not prev[0].istitle())):
            words[-1] = words[-1] + "_" + cur
        else:
            words.append(cur)
    return words
