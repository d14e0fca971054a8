"""The one way to find candidate chunks for a text: dense and BM25 over the index, fused as the settings say.

Search, quote verification and "reported also by" all start here, so a change to how candidates are
found (another fusion, a database backend's own search) changes one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .config import MODES, SearchSettings
from .errors import AssistantError, SettingsError
from .fusion import blend, rrf
from .store import Hits, Snapshot


@dataclass(frozen=True)
class Candidates:
    """Each retriever's hits, best first, and the ranking the mode asks for."""

    dense: Hits
    sparse: Hits
    ranked: Hits  # dense alone, BM25 alone, or for hybrid the two fused by ``SearchSettings.fusion``


def find_candidates(
    snapshot: Snapshot,
    text: str,
    vector: np.ndarray,
    depth: int,
    settings: SearchSettings,
    *,
    mode: str = "hybrid",
    allowed: np.ndarray | None = None,
) -> Candidates:
    """The ``depth`` nearest chunks to ``text`` (whose embedding is ``vector``) per retriever, among ``allowed`` rows."""
    if mode not in MODES:
        raise SettingsError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    dense = snapshot.dense_search(vector, depth, allowed) if mode != "bm25" else []
    sparse = snapshot.bm25_search(text, depth, allowed) if mode != "dense" else []
    if mode == "dense":
        return Candidates(dense, sparse, dense)
    if mode == "bm25":
        return Candidates(dense, sparse, sparse)
    if settings.fusion == "blend":
        return Candidates(dense, sparse, blend(dense, sparse, settings.dense_weight))
    return Candidates(dense, sparse, rrf([dense, sparse], settings.rrf_k))


def allowed_rows(snapshot: Snapshot, sources: Sequence[str] | None) -> np.ndarray | None:
    """The chunk rows of ``sources`` (None: every row); an unknown source id is an error naming the known ones."""
    if not sources:
        return None
    unknown = [s for s in sources if s not in snapshot.documents]
    if unknown:
        raise AssistantError(
            f"unknown source(s): {', '.join(unknown)}; indexed sources: {', '.join(sorted(snapshot.documents))}"
        )
    return snapshot.rows_of(list(sources))
