"""Reported also by: sentences in *other* sources that state what a result's quote states, in other words.

The near-duplicate grouping of retrieval ("also in") catches copies; this catches paraphrases. A
candidate is a sentence of another source near the quote in the dense index; it is a link when the
cosine of the two sentences' embeddings reaches ``DeskSettings.link_threshold``, a figure chosen by measuring precision
and recall on labelled pairs drawn from the articles (``eval/corroboration_pairs.jsonl``;
``python -m assistant.corroboration`` regenerates ``eval/quote_desk_report.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .citations import cite, location, source_label
from .candidates import find_candidates
from .config import DeskSettings, Settings
from .embedding import Embedder
from .errors import AssistantError
from .figures import figures_in
from .quoting import sentences_in
from .sentence_vectors import SentenceVectors
from .store import Snapshot
from .types import Document, Passage, Quote, SourceRef

WEIGHTS = (0.0, 0.05, 0.1, 0.15, 0.2)
THRESHOLDS = tuple(t / 100 for t in range(30, 96))
PAIRS = Path("eval/corroboration_pairs.jsonl")
REPORT = Path("eval/quote_desk_report.md")


@dataclass(frozen=True)
class Corroboration:
    """A sentence of another source that states the same thing, verbatim, with its citation data."""

    source: SourceRef
    page: int | None
    paragraph: int | None
    quote: Quote  # ``document.text[quote.start:quote.end] == quote.text``
    similarity: float  # link score: the cosine of this sentence and the quote, moved by their figures


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


def corroboration_citation(c: Corroboration) -> str:
    return cite(c.source, c.quote.text, c.page, c.paragraph)


def corroborations_to_json(links: Sequence[Corroboration]) -> list[dict[str, Any]]:
    """A result's ``"reported_also_by"`` list: source, page, paragraph, quote, similarity and citation."""
    return [{**asdict(c), "citation": corroboration_citation(c)} for c in links]


def corroborations_to_text(links: Sequence[Corroboration]) -> str:
    """``Reported also by: BBC, para 12: “…”; ITV News, para 4: “…”`` (empty when nothing corroborates)."""
    if not links:
        return ""
    return "Reported also by: " + "; ".join(
        f"{source_label(c.source)}" + (f", {location(c.page, c.paragraph)}" if location(c.page, c.paragraph) else "")
        + f": “{c.quote.text}”"
        for c in links
    )


# -- choosing the threshold ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """Two sentences of different sources, labelled whether they state the same thing."""

    a_source: str
    a: Quote
    b_source: str
    b: Quote
    same: bool
    note: str


def load_pairs(path: Path, documents: dict[str, Document]) -> list[Pair]:
    """Read labelled pairs; every sentence must stand verbatim in its source.

    Raises:
        AssistantError: naming the file and line of a malformed pair or of a sentence not in its source.
    """
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
            sides = [_locate(documents, row[side]["source"], row[side]["text"], where) for side in ("a", "b")]
            same, note = row["same"], row.get("note", "")
        except (KeyError, TypeError, json.JSONDecodeError) as error:
            raise AssistantError(f"{where}: malformed pair ({error!r}); expected a, b (source, text) and same") from None
        if not isinstance(same, bool):
            raise AssistantError(f"{where}: 'same' must be true or false, got {same!r}")
        pairs.append(Pair(row["a"]["source"], sides[0], row["b"]["source"], sides[1], same, note))
    return pairs


def _locate(documents: dict[str, Document], source: str, text: str, where: str) -> Quote:
    if source not in documents:
        raise AssistantError(f"{where}: unknown source {source!r}")
    start = documents[source].text.find(text)
    if start < 0:
        raise AssistantError(f"{where}: the sentence is not verbatim in {source}: {text[:60]!r}")
    return Quote(text, start, start + len(text))


@dataclass(frozen=True)
class Operating:
    weight: float
    threshold: float
    precision: float
    recall: float
    f1: float


def measure(pairs: Sequence[Pair], embedder: Embedder) -> list[Operating]:
    """Precision, recall and F1 of "link when score >= threshold" for every weight and threshold."""
    a = embedder.encode([p.a.text for p in pairs])
    b = embedder.encode([p.b.text for p in pairs])
    cosines = np.sum(a * b, axis=1).tolist()
    labels = [p.same for p in pairs]
    rows = []
    for weight in WEIGHTS:
        scores = [link_score(c, p.a.text, p.b.text, weight) for c, p in zip(cosines, pairs, strict=True)]
        rows.extend(sweep(scores, labels, THRESHOLDS, weight))
    return rows


def sweep(scores: Sequence[float], labels: Sequence[bool], thresholds: Sequence[float], weight: float = 0.0) -> list[Operating]:
    """Precision, recall and F1 of "link when score >= threshold" at each threshold."""
    score_array, label_array = np.asarray(scores), np.asarray(labels, dtype=bool)
    rows = []
    for t in thresholds:
        linked = score_array >= t
        tp = int(np.sum(linked & label_array))
        precision = tp / int(np.sum(linked)) if linked.any() else 1.0
        recall = tp / int(np.sum(label_array)) if label_array.any() else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append(Operating(weight, round(float(t), 2), precision, recall, f1))
    return rows


def choose(operating: Sequence[Operating]) -> Operating:
    """Best F1; on a tie the smaller figure weight (the simpler score), then the higher threshold,
    since a false "reported also by" misleads a writer more than a missing one."""
    return max(operating, key=lambda o: (round(o.f1, 6), -o.weight, o.threshold))


def link_outcomes(pairs: Sequence[Pair], snapshot: Snapshot, embedder: Embedder, chosen: Operating) -> tuple[int, int, int]:
    """End to end: from each pair's first sentence, does ``corroborate_text`` link the second one?

    Returns (true links, false links, missed links) over the labelled pairs.
    """
    tp = fp = fn = 0
    settings = Settings(desk=DeskSettings(link_threshold=chosen.threshold, figure_weight=chosen.weight))
    cache = SentenceVectors()
    for pair in pairs:
        anchor = (pair.a_source, pair.a.start, pair.a.end)
        links = corroborate_text(pair.a.text, snapshot, embedder, {pair.a_source}, settings, cache=cache, anchor=anchor)
        hit = any(
            c.source.id == pair.b_source and c.quote.start < pair.b.end and pair.b.start < c.quote.end for c in links
        )
        tp += hit and pair.same
        fp += hit and not pair.same
        fn += (not hit) and pair.same
    return tp, fp, fn


def write_report(snapshot: Snapshot, embedder: Embedder, pairs_path: Path = PAIRS, report_path: Path = REPORT) -> Operating:
    """Measure the pair scores, choose the threshold, measure the links and verification; write the report."""
    from .verification import verify_quote

    load = os.getloadavg()
    pairs = load_pairs(pairs_path, dict(snapshot.documents))
    labels = [p.same for p in pairs]
    measured = measure(pairs, embedder)
    chosen = choose(measured)
    tp, fp, fn = link_outcomes(pairs, snapshot, embedder, chosen)
    shown = [o for o in measured if o.weight in (0.0, chosen.weight) and round(o.threshold * 100) % 5 == 0]
    best_by_weight = [choose([o for o in measured if o.weight == w]) for w in WEIGHTS]

    quotes = [p.a.text for p in pairs] + [p.b.text for p in pairs]
    known = _Precomputed(embedder, quotes)
    total, without_model = [], []
    for quote in quotes:
        started = time.perf_counter()
        verify_quote(snapshot, embedder, quote)
        verified = time.perf_counter()
        verify_quote(snapshot, known, quote)
        total.append(verified - started)
        without_model.append(time.perf_counter() - verified)
    ms, rest_ms = np.asarray(total) * 1000, np.asarray(without_model) * 1000

    lines = [
        "# Quote desk: measured figures",
        "",
        f"Generated by `python -m assistant.corroboration` over {len(snapshot.documents)} sources "
        f"({len(snapshot.chunks)} chunks) with {embedder.name}.",
        "",
        "## Reported also by: choosing the threshold",
        "",
        f"{len(pairs)} labelled pairs in `{pairs_path}` ({sum(labels)} state the same thing in other words, "
        f"{len(pairs) - sum(labels)} are hard negatives: same story, people or numbers, another fact). "
        "Score: cosine between the two sentences' embeddings, plus the figure weight when they state a figure in "
        "common, minus it when both state figures and none agree.",
        "",
        "Best F1 for each figure weight:",
        "",
        "| figure weight | threshold | precision | recall | F1 |",
        "|---|---|---|---|---|",
        *(f"| {o.weight:.2f} | {o.threshold:.2f} | {o.precision:.2f} | {o.recall:.2f} | {o.f1:.2f} |" for o in best_by_weight),
        "",
        "Sweep, without figures and with the chosen weight:",
        "",
        "| figure weight | threshold | precision | recall | F1 |",
        "|---|---|---|---|---|",
        *(f"| {o.weight:.2f} | {o.threshold:.2f} | {o.precision:.2f} | {o.recall:.2f} | {o.f1:.2f} |" for o in shown),
        "",
        f"**Chosen: weight {chosen.weight:.2f}, threshold {chosen.threshold:.2f}** (best F1; ties to the smaller "
        f"weight, then the higher threshold): precision {chosen.precision:.2f}, recall {chosen.recall:.2f}, "
        f"F1 {chosen.f1:.2f}.",
        "",
        "## Reported also by: the links, end to end",
        "",
        "From each pair's first sentence, `corroborate_text` searches every other source (best sentence per "
        "source); a pair is linked when the returned sentence of the second source overlaps the labelled one.",
        "",
        f"- true links {tp}, false links {fp}, missed {fn}",
        f"- precision {tp / (tp + fp) if tp + fp else 1.0:.2f}, recall {tp / (tp + fn) if tp + fn else 1.0:.2f}",
        "",
        "## Verify a quote: speed",
        "",
        f"`verify_quote` on the {len(quotes)} pair sentences (each found exact): median {np.median(ms):.1f} ms, "
        f"95th percentile {np.percentile(ms, 95):.1f} ms, max {ms.max():.1f} ms. With the quote's vector "
        f"already computed, finding candidates, folding and aligning take a median {np.median(rest_ms):.1f} ms "
        f"(95th percentile {np.percentile(rest_ms, 95):.1f} ms): the rest is the model. Candidates come from the "
        "index and only windows around candidate chunks are aligned, so the time does not grow with the size "
        "of the documents.",
        "",
        f"Machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} when the run began and "
        f"{os.getloadavg()[0]:.1f} when it ended (other work shares the machine; times scale with it).",
        "",
    ]
    report_path.write_text("\n".join(lines), encoding="utf-8")
    return chosen


class _Precomputed:
    """The embedder with some texts' vectors computed ahead, to time verification without the model."""

    def __init__(self, embedder: Embedder, texts: Sequence[str]) -> None:
        self.inner, self.name, self.dim = embedder, embedder.name, embedder.dim
        self.vectors = dict(zip(texts, embedder.encode(list(texts)), strict=True))

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if all(t in self.vectors for t in texts):
            return np.stack([self.vectors[t] for t in texts])
        return self.inner.encode(texts, progress=progress)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.corroboration", description=write_report.__doc__)
    parser.add_argument("--sources", default="sources")
    parser.add_argument("--index", default="index")
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    from .service import Assistant

    assistant = Assistant(sources_dir=args.sources, index_dir=args.index)
    assistant.refresh()
    chosen = write_report(assistant.snapshot, assistant.embedder, args.pairs, args.report)
    print(f"weight {chosen.weight:.2f}, threshold {chosen.threshold:.2f}: precision {chosen.precision:.2f}, recall {chosen.recall:.2f}; wrote {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
