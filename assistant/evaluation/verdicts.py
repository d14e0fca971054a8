"""What the figures say: the default's figures, the pinned bars' check, and which settings the study favours."""

from __future__ import annotations

from dataclasses import replace

from .experiment import ConfigFigures, Study, ranking_name
from .harness import GoldFigures
from .tables import chunk_label
from .thresholds import Expected

NOISE = 1  # questions: a difference this small between two settings is not evidence


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
    elif default.quote_accuracy - best_f.quote_accuracy > unit + 1e-9:
        # A passage found higher whose quote more often misses the answer is not what a writer pastes.
        lines.append(
            f"- Chunks of {chunk_label(best_c.chunk)}, {best_m}, beat the default on MRR@10 by more than one question "
            f"but quote the answer for fewer ({best_f.quote_accuracy:.3f} against {default.quote_accuracy:.3f}): "
            "the default stays."
        )
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
    return lines + _fusion_lines(study, unit)


def _fusion_lines(study: Study, unit: float) -> list[str]:
    """How the hybrid compares with each retriever alone and with the other fusion, at the default chunking."""
    lines: list[str] = []
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
