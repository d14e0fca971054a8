"""BM25's stop words and stemmer (``config.BM25_PARAMS``), loaded without importing bm25s.

Importing bm25s pulls in scipy and numba (seconds of a cold ``ask``, and ~100 MB of a build's memory),
yet its stop words are a plain list in a module that imports nothing: BM25's tokenizer (store/sparse.py)
and the quote's term statistics (term_stats.py) both read it from there.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from .config import BM25_PARAMS

_STOPWORD_LISTS = {"en": "STOPWORDS_EN", "english": "STOPWORDS_EN"}


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """bm25s's stop words, read from its ``stopwords`` module alone (it imports nothing)."""
    name = str(BM25_PARAMS["stopwords"])
    if name not in _STOPWORD_LISTS:
        raise ValueError(f"BM25 stopwords must be one of {', '.join(_STOPWORD_LISTS)}, got {name!r}")
    package = importlib.util.find_spec("bm25s")
    if package is None or package.origin is None:
        raise ModuleNotFoundError("bm25s is not installed: pip install -e . installs it")
    spec = importlib.util.spec_from_file_location("_bm25s_stopwords", Path(package.origin).parent / "stopwords.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return frozenset(getattr(module, _STOPWORD_LISTS[name]))


@lru_cache(maxsize=1)
def stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer(str(BM25_PARAMS["stemmer"]))
