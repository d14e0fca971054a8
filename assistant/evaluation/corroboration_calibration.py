"""Choosing "reported also by"'s threshold and figure weight on labelled pairs, and the quote desk's report.

``python -m assistant.evaluation.corroboration_calibration`` measures precision and recall of links on
``eval/corroboration_pairs.jsonl`` (pairs of sentences from different sources, labelled whether they
state the same thing), chooses the operating point and regenerates ``eval/quote_desk_report.md``.
The choice is pinned in ``DeskSettings`` (``link_threshold``, ``figure_weight``); a test checks the pairs
still choose it. Calibration only: the runtime lives in ``assistant/corroboration.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import DeskSettings, Settings
from ..corroboration import corroborate_text, link_score, span_vector
from ..embedding import Embedder
from ..errors import AssistantError
from ..store import Snapshot
from ..types import Document, Quote
from ..verification import verify_quote

WEIGHTS = (0.0, 0.05, 0.1, 0.15, 0.2)
THRESHOLDS = tuple(t / 100 for t in range(30, 96))
PAIRS = Path("eval/corroboration_pairs.jsonl")
REPORT = Path("eval/quote_desk_report.md")
COMMAND = "python -m assistant.evaluation.corroboration_calibration"


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


def measure(pairs: Sequence[Pair], snapshot: Snapshot, embedder: Embedder) -> list[Operating]:
    """Precision, recall and F1 of "link when score >= threshold" for every weight and threshold, on the
    sentence vectors the index stored (what "reported also by" compares)."""
    a = np.stack([_stored(snapshot, embedder, p.a_source, p.a) for p in pairs])
    b = np.stack([_stored(snapshot, embedder, p.b_source, p.b) for p in pairs])
    cosines = np.sum(a * b, axis=1).tolist()
    labels = [p.same for p in pairs]
    rows = []
    for weight in WEIGHTS:
        scores = [link_score(c, p.a.text, p.b.text, weight) for c, p in zip(cosines, pairs, strict=True)]
        rows.extend(sweep(scores, labels, THRESHOLDS, weight))
    return rows


def _stored(snapshot: Snapshot, embedder: Embedder, source_id: str, quote: Quote) -> np.ndarray:
    vector = span_vector(snapshot, source_id, quote.start, quote.end)
    return embedder.encode([quote.text])[0] if vector is None else vector


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
    for pair in pairs:
        vector = _stored(snapshot, embedder, pair.a_source, pair.a)
        links = corroborate_text(pair.a.text, snapshot, embedder, {pair.a_source}, settings, vector=vector)
        hit = any(
            c.source.id == pair.b_source and c.quote.start < pair.b.end and pair.b.start < c.quote.end for c in links
        )
        tp += hit and pair.same
        fp += hit and not pair.same
        fn += (not hit) and pair.same
    return tp, fp, fn


def write_report(snapshot: Snapshot, embedder: Embedder, pairs_path: Path = PAIRS, report_path: Path = REPORT) -> Operating:
    """Measure the pair scores, choose the threshold, measure the links and verification; write the report."""
    load = os.getloadavg()
    pairs = load_pairs(pairs_path, dict(snapshot.documents))
    measured = measure(pairs, snapshot, embedder)
    chosen = choose(measured)
    quotes = [p.a.text for p in pairs] + [p.b.text for p in pairs]
    lines = [
        "# Quote desk: measured figures",
        "",
        f"Generated by `{COMMAND}` over {len(snapshot.documents)} sources "
        f"({len(snapshot.chunks)} chunks) with {embedder.name}.",
        "",
        *_threshold_section(pairs, pairs_path, measured, chosen),
        *_links_section(link_outcomes(pairs, snapshot, embedder, chosen)),
        *_speed_section(snapshot, embedder, quotes),
        f"Machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} when the run began and "
        f"{os.getloadavg()[0]:.1f} when it ended (other work shares the machine; times scale with it).",
        "",
    ]
    report_path.write_text("\n".join(lines), encoding="utf-8")
    return chosen


def _threshold_section(pairs: Sequence[Pair], pairs_path: Path, measured: Sequence[Operating], chosen: Operating) -> list[str]:
    labels = [p.same for p in pairs]
    shown = [o for o in measured if o.weight in (0.0, chosen.weight) and round(o.threshold * 100) % 5 == 0]
    best_by_weight = [choose([o for o in measured if o.weight == w]) for w in WEIGHTS]
    head = ["| figure weight | threshold | precision | recall | F1 |", "|---|---|---|---|---|"]

    def rows(operating: Sequence[Operating]) -> list[str]:
        return [f"| {o.weight:.2f} | {o.threshold:.2f} | {o.precision:.2f} | {o.recall:.2f} | {o.f1:.2f} |" for o in operating]

    return [
        "## Reported also by: choosing the threshold",
        "",
        f"{len(pairs)} labelled pairs in `{pairs_path}` ({sum(labels)} state the same thing in other words, "
        f"{len(pairs) - sum(labels)} are hard negatives: same story, people or numbers, another fact). "
        "Score: cosine between the two sentences' embeddings, plus the figure weight when they state a figure in "
        "common, minus it when both state figures and none agree.",
        "",
        "Best F1 for each figure weight:",
        "",
        *head,
        *rows(best_by_weight),
        "",
        "Sweep, without figures and with the chosen weight:",
        "",
        *head,
        *rows(shown),
        "",
        f"**Chosen: weight {chosen.weight:.2f}, threshold {chosen.threshold:.2f}** (best F1; ties to the smaller "
        f"weight, then the higher threshold): precision {chosen.precision:.2f}, recall {chosen.recall:.2f}, "
        f"F1 {chosen.f1:.2f}.",
        "",
    ]


def _links_section(outcomes: tuple[int, int, int]) -> list[str]:
    tp, fp, fn = outcomes
    return [
        "## Reported also by: the links, end to end",
        "",
        "From each pair's first sentence, `corroborate_text` searches every other source (best sentence per "
        "source); a pair is linked when the returned sentence of the second source overlaps the labelled one.",
        "",
        f"- true links {tp}, false links {fp}, missed {fn}",
        f"- precision {tp / (tp + fp) if tp + fp else 1.0:.2f}, recall {tp / (tp + fn) if tp + fn else 1.0:.2f}",
        "",
    ]


def _speed_section(snapshot: Snapshot, embedder: Embedder, quotes: Sequence[str]) -> list[str]:
    """Time ``verify_quote`` on each quote, with the model and with the quote's vector computed ahead."""
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
    return [
        "## Verify a quote: speed",
        "",
        f"`verify_quote` on the {len(quotes)} pair sentences (each found exact): median {np.median(ms):.1f} ms, "
        f"95th percentile {np.percentile(ms, 95):.1f} ms, max {ms.max():.1f} ms. With the quote's vector "
        f"already computed, finding candidates, folding and aligning take a median {np.median(rest_ms):.1f} ms "
        f"(95th percentile {np.percentile(rest_ms, 95):.1f} ms): the rest is the model. Candidates come from the "
        "index and only windows around candidate chunks are aligned, so the time does not grow with the size "
        "of the documents.",
        "",
    ]


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
    parser = argparse.ArgumentParser(prog=COMMAND, description=write_report.__doc__)
    parser.add_argument("--sources", default="sources")
    parser.add_argument("--index", default="index")
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    from ..service import Assistant

    assistant = Assistant(sources_dir=args.sources, index_dir=args.index)
    assistant.refresh()
    chosen = write_report(assistant.snapshot, assistant.embedder, args.pairs, args.report)
    print(f"weight {chosen.weight:.2f}, threshold {chosen.threshold:.2f}: precision {chosen.precision:.2f}, recall {chosen.recall:.2f}; wrote {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
