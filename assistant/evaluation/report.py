"""Present the figures: Markdown tables (printed as they are), ``eval/report.md``, a PNG, and JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import ChunkSettings
from ..quoting import KIND_WEIGHT, LEXICAL_WEIGHT
from ..types import ABSTENTION_WITHIN
from .experiment import ConfigFigures, Study, ranking_name
from .harness import GoldFigures
from .metrics import CALIBRATION_BETA, RANKING_METRICS
from .thresholds import Expected

NOISE = 1  # questions: a difference this small between two settings is not evidence

SQUAD_LINK = (
    "Held-out figures on SQuAD 2.0 (passage hit@1/5, quote hit@1 against a best-cosine baseline, \"nothing "
    "answers\" on its impossible questions): [squad.md](squad.md), made by `python -m assistant eval --squad FILE`; "
    "quote choice, reranking by the quote and \"nothing answers\" measured idea by idea: [quote-study.md](quote-study.md)."
)

RANK_HEADERS = ["R@1", "R@5", "R@10", "MRR@10", "nDCG@10"]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table whose columns line up, so it reads the same in a terminal."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells)])


def _cell(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def ranking_cells(figures: dict[str, float]) -> list[float]:
    return [figures[m] for m in RANKING_METRICS]


def study_table(study: Study) -> str:
    headers = [
        "chunk (overlap)",
        "chunks",
        "ranking",
        *RANK_HEADERS,
        "quote",
        "abst. P",
        "abst. R",
        "hidden",
        "p50 ms",
        "p95 ms",
    ]
    rows = []
    for config in study.configs:
        for mode, f in config.by_mode.items():
            rows.append(
                [
                    chunk_label(config.chunk) + (" *" if config.chunk == study.default and mode == study.mode else ""),
                    config.chunks,
                    mode,
                    *ranking_cells(f.ranking),
                    f.quote_accuracy,
                    f.abstention.precision,
                    f.abstention.recall,
                    f.abstention.hidden,
                    f"{f.p50_ms:.0f}",
                    f"{f.p95_ms:.0f}",
                ]
            )
    return markdown_table(headers, rows)


def default_config(study: Study) -> ConfigFigures:
    return next(c for c in study.configs if c.chunk == study.default)


def default_figures(study: Study) -> GoldFigures:
    return default_config(study).by_mode[study.mode]


def bar_check(study: Study, expected: Expected) -> list[tuple[str, str, float, float, bool]]:
    """(ranking, figure, bar, measured, holds) for each pinned bar, at the default chunking in the pinned mode."""
    by_mode = default_config(study).by_mode
    checks = []
    for fusion, bars in expected.bars.items():
        name = ranking_name(expected.mode, replace(study.search, fusion=fusion))
        if name not in by_mode:
            continue  # that ranking was not run
        measured = flat_figures(by_mode[name])
        checks.extend((name, figure, bar, measured[figure], measured[figure] >= bar) for figure, bar in bars.items())
    return checks


def flat_figures(figures: GoldFigures) -> dict[str, float]:
    """The names the bars in expected.toml use."""
    return {
        **{m.replace("@", "_at_"): v for m, v in figures.ranking.items()},
        "quote_accuracy": figures.quote_accuracy,
        "abstain_recall": figures.abstention.recall,
        "abstain_precision": figures.abstention.precision,
    }


def decision(study: Study) -> list[str]:
    """Which settings the figures favour, in sentences.

    MRR@10 decides, because a chat user reads the first results first; Recall@5 breaks ties. A gap of
    one question or less is called a tie, since that is noise on a gold set of this size.
    """
    unit = NOISE / study.answerable
    rows = [(c, m, f) for c in study.configs for m, f in c.by_mode.items()]
    best_c, best_m, best_f = max(rows, key=lambda r: (r[2].ranking["mrr@10"], r[2].ranking["recall@5"]))
    recall_c, recall_m, recall_f = max(rows, key=lambda r: (r[2].ranking["recall@5"], r[2].ranking["mrr@10"]))
    default = default_figures(study)
    lines = [
        f"- The default: chunks of {chunk_label(study.default)} tokens, {study.mode}: "
        f"MRR@10 {default.ranking['mrr@10']:.3f}, "
        f"R@5 {default.ranking['recall@5']:.3f}. One question is {unit:.3f} of the answerable set.",
        f"- Best by MRR@10: chunks of {chunk_label(best_c.chunk)}, {best_m}: MRR@10 {best_f.ranking['mrr@10']:.3f}, "
        f"R@5 {best_f.ranking['recall@5']:.3f}.",
        f"- Best by R@5: chunks of {chunk_label(recall_c.chunk)}, {recall_m}: R@5 {recall_f.ranking['recall@5']:.3f}, "
        f"MRR@10 {recall_f.ranking['mrr@10']:.3f}.",
    ]
    if best_f.ranking["mrr@10"] - default.ranking["mrr@10"] <= unit + 1e-9:
        lines.append("- Nothing beats the default on MRR@10 by more than one question: the default stays.")
    elif best_c.chunk == study.default:
        lines.append(
            f"- {best_m} at the default chunking beats the default ({study.mode}) by more than one question: "
            "make it the default."
        )
    else:
        lines.append(
            f"- Chunks of {chunk_label(best_c.chunk)} in {best_m} mode beat the default by more than one question: "
            "make it the default."
        )
    by_mode = default_config(study).by_mode
    hybrids = {name: f for name, f in by_mode.items() if name.startswith("hybrid")}
    singles = {name: f.ranking["mrr@10"] for name, f in by_mode.items() if name not in hybrids}
    if study.mode in hybrids and singles:
        best_single = max(singles, key=singles.__getitem__)
        hybrid = by_mode[study.mode].ranking["mrr@10"]
        verdict = "beats" if hybrid > singles[best_single] + unit else "does not clearly beat"
        lines.append(
            f"- At the default chunking {study.mode} {verdict} the best single retriever ({best_single}) on MRR@10: "
            f"{hybrid:.3f} against {singles[best_single]:.3f}; R@5 {by_mode[study.mode].ranking['recall@5']:.3f} "
            f"against {by_mode[best_single].ranking['recall@5']:.3f}."
        )
    for name, f in hybrids.items():
        if name == study.mode:
            continue
        default = by_mode[study.mode]
        delta = f.ranking["mrr@10"] - default.ranking["mrr@10"]
        verdict = (
            f"better by {delta:.3f} MRR@10: make its fusion the default"
            if delta > unit + 1e-9
            else "not better by more than one question: the default fusion stays"
        )
        lines.append(
            f"- Fusion end to end at the default chunking: {name} MRR@10 {f.ranking['mrr@10']:.3f}, R@1 "
            f"{f.ranking['recall@1']:.3f}, quote {f.quote_accuracy:.3f} against {study.mode} "
            f"{default.ranking['mrr@10']:.3f}, {default.ranking['recall@1']:.3f}, {default.quote_accuracy:.3f}: "
            f"{verdict}."
        )
    fusion = default_config(study).fusion
    rrf_name = next((n for n in fusion if n.startswith("rrf")), None)
    blends = {n: v for n, v in fusion.items() if n.startswith("blend")}
    if rrf_name and blends:
        best_blend = max(blends, key=lambda n: (blends[n]["mrr@10"], blends[n]["recall@5"]))
        delta = blends[best_blend]["mrr@10"] - fusion[rrf_name]["mrr@10"]
        verdict = "keep RRF" if delta <= unit else f"the blend is better by {delta:.3f} MRR@10"
        wins = sum(c.fusion[best_blend]["mrr@10"] > c.fusion[rrf_name]["mrr@10"] for c in study.configs)
        lines.append(
            f"- Fusion over the raw chunk rankings at the default chunking: {rrf_name} MRR@10 "
            f"{fusion[rrf_name]['mrr@10']:.3f}, best blend ({best_blend}) {blends[best_blend]['mrr@10']:.3f}: "
            f"{verdict}; "
            f"the same blend beats RRF at {wins} of {len(study.configs)} chunk sizes."
        )
    return lines


def chunk_label(chunk: ChunkSettings) -> str:
    return f"{chunk.max_tokens} ({chunk.overlap_tokens})"


def render_markdown(study: Study, expected: Expected, png_name: str, model: str) -> str:
    d = study.detail
    default = default_figures(study)
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "# Evaluation report",
        "",
        f"Generated by `python -m assistant.evaluation` on {created} with {model}: {study.questions} gold questions "
        f"({study.answerable} answerable, {study.questions - study.answerable} that nothing in the sources answers) "
        'from `eval/gold.toml`. A result is relevant when its passage (or a quote it lists as "also in") overlaps '
        "an answer span; each question has one relevant unit, its answer, so Recall@k is the share of questions "
        "answered within the first k results. Ranking figures are over the answerable questions; follow-ups are "
        "searched with the previous question as context, as the chat does. Metrics by ranx.",
        "",
        SQUAD_LINK,
        "",
        "## Figures per chunk size and ranking",
        "",
        study_table(study),
        "",
        "*hybrid rrf* and *hybrid blend 0.5* are the two fusions `SearchSettings.fusion` offers, over the same "
        "index (*blend* with the settings' `dense_weight`). "
        "`*` = the shipped default. *quote* = share of answerable questions whose first result's quote overlaps an "
        'answer. *abst. P / R* = precision and recall of the app\'s "nothing answers" verdict '
        "(`answerability.assess`: similarity, term coverage and answer kind over the first "
        f"{ABSTENTION_WITHIN} results, at the pinned `abstain_below`); *hidden* = answerable questions it tells "
        "that nothing answers. Latency is per question through "
        "`Assistant.search` (k=10) on a shared 2-core machine: compare rows of one run, not runs.",
        "",
        f"![Recall@k by mode]({png_name})",
        "",
        "## Defaults chosen, and why",
        "",
        *decision(study),
        "",
        "## Pinned bar (eval/expected.toml)",
        "",
        f"The regression test fails when the default settings in {expected.mode} mode, searched with either "
        "fusion, fall below that fusion's figures (abstention at the pinned threshold). "
        "Each bar sits about two questions under the measured figure (abstention: one, of the few unanswerable "
        "questions), so one question changing is tolerated and a real regression is not.",
        "",
        markdown_table(
            ["ranking", "figure", "bar", "measured", "holds"],
            [
                (ranking, name, bar, value, "yes" if ok else "NO")
                for ranking, name, bar, value, ok in bar_check(study, expected)
            ],
        ),
        "",
        "## Abstention",
        "",
        "The app says nothing answers (`SearchResult.answered`, `answerability.assess`) when, among the first "
        f"{ABSTENTION_WITHIN} results, the best `Passage.similarity` is under `abstain_below = "
        f"{expected.abstain_below}` (pinned), or the passages carry under `min_term_coverage` of the question's "
        "terms, or the question asks for a name, date, figure or place and no quote holds one "
        f"(`Settings.answer`). With these, {study.mode} abstains on {default.abstention.abstained} questions "
        f"(precision {default.abstention.precision:.3f}, recall {default.abstention.recall:.3f} over "
        f"{default.abstention.unanswerable} unanswerable questions; {default.abstention.hidden} answerable hidden). "
        "The similarity test alone, calibrated on this run: "
        f"{default.calibrated.threshold} (precision {default.calibrated.precision:.3f}, recall "
        f"{default.calibrated.recall:.3f}, {default.calibrated.abstained} abstentions). The pin is set by hand "
        "from these figures; eval/expected.toml says why.",
        "",
        markdown_table(
            ["questions", "n", "min", "median", "max"],
            [
                (name, len(values), min(values), values[len(values) // 2], max(values))
                for name, values in d.similarity.items()
                if values
            ],
        ),
        "",
        "The best *passage* similarity only separates questions off the subject (cake, weather) from the rest: "
        "an on-subject question the sources cannot answer (the Met's budget) finds passages as similar as a real "
        "answer does, which is why the verdict also checks the question's terms and the kind of answer asked. "
        f"The similarity of the first result's *quote* as the signal: threshold {d.quote_signal['threshold']}, "
        f"precision {d.quote_signal['precision']:.3f}, recall {d.quote_signal['recall']:.3f}, "
        f"F0.5 {d.quote_signal['f']:.3f} (best passage similarity: F0.5 "
        f"{default.calibrated.f_beta(CALIBRATION_BETA):.3f}).",
        "",
        "Each ranking's best threshold (F0.5) for two signals: the first result's similarity alone "
        f"(`best_similarity(within=1)`) and the best among the first {ABSTENTION_WITHIN} (`best_similarity()`, the "
        "verdict's first test). A fusion that lets BM25 put a passage first can put one with a "
        "low cosine there on a question the sources do answer; the best of the first few still sees the passage "
        "that answers it.",
        "",
        markdown_table(
            ["ranking", "signal", "at sim <", "abst. P", "abst. R", "abstentions"],
            [
                (name, signal, a.threshold, a.precision, a.recall, a.abstained)
                for name, signals in d.signals.items()
                for signal, a in signals.items()
            ],
        ),
        "",
        "## Quote choice: the lexical term",
        "",
        "A quote is the passage's sentence with the best cosine to the question, plus "
        f"{KIND_WEIGHT} times how fully it holds the kind of answer asked for (who: a name; when: a date; how "
        "many: a count, half for a bound such as \"more than 600\"; where: a place; see assistant/answer_kind.py), plus the *lexical weight* times the IDF-weighted share of the question's words (stemmed; "
        "stop words and question words out; IDF over the sentences of the quote's document) that the sentence "
        f"carries. The product uses {LEXICAL_WEIGHT:g}. Below, the first result of each ranking stays as "
        "searched and only its quote is chosen again under each weight; the figure is the share of answerable "
        "questions whose first result's own quote overlaps an answer. From a weight of about 0.5 the term "
        "outweighs the cosine and the figure bonus: the ITV chunk's headline (\"investigates more than 600 abuse "
        'allegations") then beats its "625 misconduct allegations" sentence, which the end-to-end tests require.',
        "",
        markdown_table(
            ["ranking", *(f"weight {w}" for w in next(iter(d.quotes.values()), {}))],
            [(name, *weights.values()) for name, weights in d.quotes.items()],
        ),
        "",
        "## Follow-ups: searched alone and with the previous question",
        "",
        markdown_table(
            ["ranking", "search", *RANK_HEADERS],
            [(m, how, *ranking_cells(r)) for m, runs in d.follow_ups.items() for how, r in runs.items()],
        ),
        "",
        "## By kind of question (default chunking)",
        "",
        markdown_table(
            ["ranking", "tag", *RANK_HEADERS],
            [(m, tag, *ranking_cells(r)) for m, tags in d.by_tag.items() for tag, r in tags.items()],
        ),
        "",
        "## Fusion of the raw chunk rankings (before quotes and duplicate grouping)",
        "",
        "The same dense and BM25 candidate lists (100 each) fused by RRF or by a blend of min-max normalised "
        "scores (the weight is the dense side's), judged on chunks: overlapping windows of one source can "
        "take several places, so compare rows with each other rather than with the table above.",
        "",
        markdown_table(
            ["chunk (overlap)", "ranking", *RANK_HEADERS],
            [(chunk_label(c.chunk), name, *ranking_cells(r)) for c in study.configs for name, r in c.fusion.items()],
        ),
        "",
        f"## Answers not in the first 5 ({study.mode}, default chunking)",
        "",
        markdown_table(
            ["question id", "searched as", "first answer at"],
            [(m.id, m.query if len(m.query) < 90 else m.query[:87] + "...", m.rank or "-") for m in d.misses],
        )
        if d.misses
        else "None.",
        "",
    ]
    return "\n".join(parts)


def plot_recall(study: Study, path: Path) -> None:
    """Recall@1/5/10 by ranking at the default chunking, and Recall@5 by chunk size for each ranking."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ks = [1, 5, 10]
    default = next(c for c in study.configs if c.chunk == study.default)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for mode, f in default.by_mode.items():
        left.plot(ks, [f.ranking[f"recall@{k}"] for k in ks], marker="o", label=mode)
    left.set(
        title=f"Recall@k by ranking (chunks of {study.default.max_tokens} tokens)", xlabel="k", ylabel="recall", xticks=ks
    )
    left.legend()
    sizes = [c.chunk.max_tokens for c in study.configs]
    for mode in default.by_mode:
        right.plot(sizes, [c.by_mode[mode].ranking["recall@5"] for c in study.configs], marker="o", label=mode)
    right.set(title="Recall@5 by chunk size", xlabel="max tokens per chunk", ylabel="recall@5", xticks=sizes)
    right.legend()
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_json(payload: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(asdict(payload) if hasattr(payload, "__dataclass_fields__") else payload, indent=2) + "\n"
    )
