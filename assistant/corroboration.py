"""Reported also by: sentences in *other* sources that state what a result's quote states, in other words.

The near-duplicate grouping of retrieval ("also in") catches copies; this catches paraphrases. A
candidate is a sentence of another source near the quote in the dense index; it is a link when the
cosine of the two sentences' embeddings reaches ``DeskSettings.link_threshold``, a figure chosen by measuring precision
and recall on labelled pairs drawn from the articles (``eval/corroboration_pairs.jsonl``;
``python -m assistant.evaluation.corroboration_calibration`` regenerates ``eval/quote_desk_report.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .candidates import find_candidates
from .config import Settings
from .embedding import Embedder
from .figures import figures_in
from .onnx_embedding import normalise
from .store import Snapshot
from .types import Corroboration, Document, Passage, Quote, SourceRef


def corroborate(
    passage: Passage, snapshot: Snapshot, embedder: Embedder, settings: Settings | None = None
) -> list[Corroboration]:
    """Sources other than the passage's own and its "also in" copies that state its quote, best first.

    The quote's vector is its sentences' as the index stored them with the passage's chunk, so no model
    call is made (``embedder`` only encodes a quote whose chunk the snapshot no longer holds).
    """
    exclude = {passage.source.id, *(o.source.id for o in passage.also_in)}
    quote = passage.quote
    vector = span_vector(snapshot, passage.source.id, quote.start, quote.end, within=(passage.start, passage.end))
    return corroborate_text(quote.text, snapshot, embedder, exclude, settings, vector=vector)


def span_vector(
    snapshot: Snapshot, source_id: str, start: int, end: int, within: tuple[int, int] | None = None
) -> np.ndarray | None:
    """The stored vector of the text ``start:end`` of a source: the normalised mean of the sentences it covers
    in the chunk spanning ``within`` (else the first chunk holding it), or None when no chunk holds it."""
    for row in snapshot.rows_of([source_id]).tolist():
        chunk = snapshot.chunks[row]
        if (chunk.start, chunk.end) == within or (within is None and chunk.start <= start and end <= chunk.end):
            stored = snapshot.sentences([row])[0]
            covered = [i for i, (s, e) in enumerate(stored.spans) if s < end and start < e]
            return normalise(stored.vectors[covered].mean(axis=0, keepdims=True))[0] if covered else None
    return None


def corroborate_text(
    text: str,
    snapshot: Snapshot,
    embedder: Embedder,
    exclude: set[str],
    settings: Settings | None = None,
    *,
    vector: np.ndarray | None = None,
) -> list[Corroboration]:
    """The best sentence of each source not in ``exclude`` whose link score with ``text`` reaches ``settings.desk.link_threshold``.

    Candidates: the sentences of each other source's nearest chunks, dense and BM25, a few per source,
    compared through the sentence vectors the index stored. ``vector`` is ``text``'s when known; else
    ``text`` is encoded, the one model call.
    """
    others = [sid for sid in snapshot.documents if sid not in exclude]
    if not others:
        return []
    settings = settings or Settings()
    desk = settings.desk
    vector = embedder.encode([text])[0] if vector is None else vector
    found = find_candidates(
        snapshot, text, vector, desk.link_candidates, settings.search, allowed=snapshot.rows_of(others)
    )
    per_source: dict[str, list[int]] = {}
    for run in (found.dense, found.sparse):
        taken: dict[str, int] = {}
        for row, _ in run:
            sid = snapshot.chunks[row].source_id
            taken[sid] = taken.get(sid, 0) + 1
            if taken[sid] <= desk.link_chunks_per_source and row not in per_source.setdefault(sid, []):
                per_source[sid].append(row)
    best: dict[str, tuple[float, int, int]] = {}
    for sid, (s, e), cosine in _candidate_sentences(snapshot, [row for rows in per_source.values() for row in rows], vector):
        sentence = snapshot.documents[sid].text[s:e]
        score = link_score(cosine, text, sentence, desk.figure_weight)
        if score >= desk.link_threshold and score > best.get(sid, (-1.0, 0, 0))[0]:
            best[sid] = (score, s, e)
    links = [_corroboration(snapshot.documents[sid], s, e, score) for sid, (score, s, e) in best.items()]
    return sorted(links, key=lambda c: (-c.similarity, c.source.id))


def _candidate_sentences(
    snapshot: Snapshot, rows: Sequence[int], vector: np.ndarray
) -> list[tuple[str, tuple[int, int], float]]:
    """(source, span, cosine to ``vector``) of each distinct sentence of these chunks that states something;
    a sentence two chunks share counts with its first chunk's vector."""
    seen: dict[tuple[str, int, int], float] = {}
    for row, stored in zip(rows, snapshot.sentences(rows), strict=True):
        sid = snapshot.chunks[row].source_id
        text = snapshot.documents[sid].text
        for (s, e), cosine in zip(stored.spans, (stored.vectors @ vector).tolist(), strict=True):
            if not text[s:e].rstrip("\"'”’ ").endswith("?"):  # a question asks, it states nothing
                seen.setdefault((sid, s, e), cosine)
    return [(sid, (s, e), cosine) for (sid, s, e), cosine in seen.items()]


def link_score(cosine: float, a: str, b: str, weight: float) -> float:
    """Cosine of the two sentences, moved by ``weight`` when they state the same figure or different ones.

    The embedding barely tells "625 allegations" from "1,600 allegations"; the figures do.
    """
    ours, theirs = _counted(a), _counted(b)
    if ours & theirs:
        return cosine + weight
    if ours and theirs:
        return cosine - weight
    return cosine


def _counted(text: str) -> set[float | int | str]:
    """Values of the figures a sentence states with a noun (bare numbers are often ages or labels)."""
    return {f.value for f in figures_in(text) if f.noun or f.kind in ("percent", "money")}


def _corroboration(doc: Document, start: int, end: int, similarity: float) -> Corroboration:
    quote = Quote(doc.text[start:end], start, end)
    return Corroboration(SourceRef.of(doc), doc.page_at(start), doc.paragraph_at(start), quote, round(similarity, 4))
