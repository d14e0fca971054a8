"""Reported also by: sentences in *other* sources that state what a result's quote states, in other words.

The near-duplicate grouping of retrieval ("also in") catches copies; this catches paraphrases. A
candidate is a sentence of another source near the quote in the dense index; it is a link when the
cosine of the two sentences' embeddings reaches ``DeskSettings.link_threshold``, a figure chosen by measuring precision
and recall on labelled pairs drawn from the articles (``eval/corroboration_pairs.jsonl``;
``python -m assistant.evaluation.corroboration_calibration`` regenerates ``eval/quote_desk_report.md``).
"""

from __future__ import annotations

from .candidates import find_candidates
from .config import Settings
from .embedding import Embedder
from .figures import figures_in
from .quoting import sentences_in
from .sentence_vectors import SentenceVectors
from .store import Snapshot
from .types import Corroboration, Document, Passage, Quote, SourceRef



def corroborate(
    passage: Passage,
    snapshot: Snapshot,
    embedder: Embedder,
    settings: Settings | None = None,
    *,
    cache: SentenceVectors | None = None,
) -> list[Corroboration]:
    """Sources other than the passage's own and its "also in" copies that state its quote, best first.

    ``cache`` is the snapshot's sentence cache (the retriever's), so a sentence is embedded once.
    """
    exclude = {passage.source.id, *(o.source.id for o in passage.also_in)}
    anchor = (passage.source.id, passage.quote.start, passage.quote.end)
    return corroborate_text(passage.quote.text, snapshot, embedder, exclude, settings, cache=cache, anchor=anchor)


def corroborate_text(
    text: str,
    snapshot: Snapshot,
    embedder: Embedder,
    exclude: set[str],
    settings: Settings | None = None,
    *,
    cache: SentenceVectors | None = None,
    anchor: tuple[str, int, int] | None = None,
) -> list[Corroboration]:
    """The best sentence of each source not in ``exclude`` whose link score with ``text`` reaches ``settings.desk.link_threshold``.

    Candidates: the sentences of each other source's nearest chunks, dense and BM25, a few per source,
    so the sentences embedded per call stay few whatever the corpus size.
    """
    others = [sid for sid in snapshot.documents if sid not in exclude]
    if not others:
        return []
    settings = settings or Settings()
    desk = settings.desk
    cache = SentenceVectors() if cache is None else cache
    vector = cache.lookup(embedder, [anchor], [text])[0] if anchor else embedder.encode([text])[0]
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
    spans = list(
        dict.fromkeys(
            (chunk.source_id, s, e)
            for chunk in (snapshot.chunks[row] for kept in per_source.values() for row in kept)
            for s, e in sentences_in(snapshot.documents[chunk.source_id], chunk.start, chunk.end)
            if not snapshot.documents[chunk.source_id].text[s:e].rstrip("\"'”’ ").endswith("?")  # asks, states nothing
        )
    )
    sentences = [snapshot.documents[sid].text[s:e] for sid, s, e in spans]
    cosines = cache.lookup(embedder, spans, sentences) @ vector
    best: dict[str, tuple[float, int, int]] = {}
    for (sid, s, e), sentence, cosine in zip(spans, sentences, cosines.tolist(), strict=True):
        score = link_score(cosine, text, sentence, desk.figure_weight)
        if score >= desk.link_threshold and score > best.get(sid, (-1.0, 0, 0))[0]:
            best[sid] = (score, s, e)
    found = [_corroboration(snapshot.documents[sid], s, e, score) for sid, (score, s, e) in best.items()]
    return sorted(found, key=lambda c: (-c.similarity, c.source.id))


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
