"""Measure retrieval on the gold questions or on a BEIR folder, and write the report.

``python -m assistant.evaluation`` runs standalone; ``python -m assistant eval`` calls ``add_arguments``
and ``run`` from here.

Gold set: builds a temporary index per chunk size, scores dense, BM25 and hybrid (under each fusion),
prints the table and writes eval/report.md, eval/recall_by_mode.png and eval/results.json; exits 1 when
the default settings fall below the bar pinned in eval/expected.toml for either fusion. The default
settings are also measured on both index stores (``backends.py``): in the empty PostgreSQL database
``--store`` names, else on a throwaway local server.

BEIR: ``--beir DIR`` indexes the folder's corpus into a temporary index and prints and writes the figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from ..config import MODES, ChunkSettings, Settings
from ..errors import AssistantError
from .gold import DEFAULT_GOLD, EVAL_DIR

DEFAULT_REPORT = EVAL_DIR / "report.md"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the evaluation's options to ``parser`` (a sub-command's or a program's own); ``--sources`` (the gold
    set's sources folder) comes from ``options.add_folders``, which the caller adds."""
    parser.add_argument("--beir", type=Path, metavar="DIR", help="score a BEIR-format folder instead of the gold set")
    parser.add_argument(
        "--squad", type=Path, metavar="FILE", help="score a SQuAD 2.0 file (one half tunes, the other is held out)"
    )
    parser.add_argument(
        "--follow-ups",
        action="store_true",
        help="score the follow-up chains (eval/follow_ups.toml) through the conversation; writes eval/follow-ups.md",
    )
    parser.add_argument(
        "--chunking",
        action="store_true",
        help="with --squad: compare token windows with paragraphs on SQuAD and the gold set; writes eval/chunking.md",
    )
    parser.add_argument(
        "--limit", type=int, metavar="N", help="SQuAD: a deterministic sample of N questions per half (default all)"
    )
    parser.add_argument("--split", default="test", help="BEIR judgements to use: qrels/SPLIT.tsv (default test)")
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="gold questions (default eval/gold.toml)")
    parser.add_argument(
        "--mode",
        action="append",
        choices=MODES,
        help="ranking to score (repeatable; default all three; gold set: hybrid once per fusion)",
    )
    parser.add_argument(
        "--max-tokens",
        type=int,
        nargs="+",
        metavar="N",
        help="chunk sizes to try (gold default: 96 128 192 256; BEIR: 128)",
    )
    parser.add_argument(
        "--overlap-ratio", type=float, default=0.25, help="overlap as a share of the chunk size (default 0.25)"
    )
    parser.add_argument("--overlap-tokens", type=int, help="a fixed overlap instead of --overlap-ratio")
    parser.add_argument("-k", type=int, default=10, help="passages asked per query (BEIR; default 10)")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="gold report path (default eval/report.md)")
    parser.add_argument(
        "--json", type=Path, help="figures as JSON (default eval/results.json; BEIR: eval/beir-NAME.json)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "replica_url", None):
        print("error: eval writes the gold sources into --store's primary; --replica-url does not apply", file=sys.stderr)
        return 2
    try:
        chunkings = _chunkings(args)
        if args.beir is not None:
            return _run_beir(args, chunkings)
        if args.follow_ups:
            return _run_follow_ups(args)
        if args.chunking:
            return _run_chunking(args)
        if args.squad is not None:
            return _run_squad(args)
        return _run_gold(args, chunkings)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _chunkings(args: argparse.Namespace) -> list[ChunkSettings]:
    from .experiment import CHUNK_SIZES, chunk_settings

    sizes = args.max_tokens or ([Settings().chunk.max_tokens] if args.beir is not None else list(CHUNK_SIZES))
    if args.overlap_tokens is not None:
        return [ChunkSettings(max_tokens=size, overlap_tokens=args.overlap_tokens) for size in sizes]
    return chunk_settings(sizes, args.overlap_ratio)


def _embedder():  # type: ignore[no-untyped-def]
    from ..embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(Settings().model)
    # Loaded now: loaded lazily, by the first file's token count, the model's import would count against that
    # file's time limit (SourceSettings.seconds_per_file) and, on a loaded machine, skip it from the corpus.
    embedder.count_tokens("")
    return embedder


def _run_gold(args: argparse.Namespace, chunkings: list[ChunkSettings]) -> int:
    from .backends import compare_stores, store_table
    from .experiment import run_study
    from .report import plot_recall, render_markdown, write_json
    from .tables import study_table
    from .verdicts import bar_check
    from .thresholds import load_expected

    expected = load_expected()
    embedder = _embedder()
    log = (lambda _: None) if args.quiet else (lambda line: print(line, file=sys.stderr))
    sources = Path(getattr(args, "sources", None) or "sources")
    study = run_study(
        sources, embedder, chunkings, tuple(args.mode or MODES), args.gold, log=log, abstain_below=expected.abstain_below
    )
    print(study_table(study))
    # Only an explicit --store, never $ASSISTANT_DATABASE_URL: the evaluation writes the gold sources into it.
    stores = compare_stores(sources, embedder, args.gold, expected.abstain_below, getattr(args, "store", None), log)
    print(store_table(stores))
    write_json(study, args.json or EVAL_DIR / "results.json")
    png = args.report.with_name("recall_by_mode.png")
    args.report.parent.mkdir(parents=True, exist_ok=True)
    plot_recall(study, png)
    args.report.write_text(render_markdown(study, expected, png.name, embedder.name, stores), encoding="utf-8")
    failed = [(ranking, name, bar, value) for ranking, name, bar, value, ok in bar_check(study, expected) if not ok]
    for ranking, name, bar, value in failed:
        print(f"below the pinned bar: {ranking} {name} = {value:.3f} < {bar}", file=sys.stderr)
    print(f"wrote {args.report}, {png}", file=sys.stderr)
    return 1 if failed else 0


def _run_beir(args: argparse.Namespace, chunkings: list[ChunkSettings]) -> int:
    from dataclasses import asdict, replace

    from . import beir
    from .report import write_json
    from .tables import RANK_HEADERS, chunk_label, markdown_table, ranking_cells

    data = beir.load_beir(args.beir, args.split)
    embedder = _embedder()
    rows, payload = [], []
    for chunk in chunkings:
        settings = replace(Settings(), chunk=chunk)
        with tempfile.TemporaryDirectory(prefix="assistant-beir-") as tmp:
            assistant = beir.index_corpus(data, Path(tmp), embedder, settings, progress=not args.quiet)
            chunks = len(assistant.snapshot.chunks)
            for mode in args.mode or MODES:
                f = beir.evaluate(assistant, data, mode, k=args.k, progress=not args.quiet)
                rows.append(
                    [chunk_label(chunk), chunks, mode, *ranking_cells(f.ranking), f"{f.p50_ms:.0f}", f"{f.p95_ms:.0f}"]
                )
                payload.append({"chunk": asdict(chunk), "chunks": chunks, **asdict(f)})
    print(markdown_table(["chunk (overlap)", "chunks", "mode", *RANK_HEADERS, "p50 ms", "p95 ms"], rows))
    out = args.json or EVAL_DIR / f"beir-{args.beir.resolve().name}.json"
    write_json({"dataset": str(args.beir), "split": args.split, "k": args.k, "runs": payload}, out)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _run_squad(args: argparse.Namespace) -> int:
    from .squad_run import render_squad, run_squad

    if args.limit is not None and args.limit < 1:
        raise AssistantError(f"--limit must be at least 1, got {args.limit}")
    log = (lambda _: None) if args.quiet else (lambda line: print(line, file=sys.stderr))
    figures = run_squad(args.squad, _embedder(), args.limit, log)
    out = args.report if args.report != DEFAULT_REPORT else EVAL_DIR / "squad.md"
    text = render_squad(figures, args.squad, args.limit)
    print(text)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _run_chunking(args: argparse.Namespace) -> int:
    import os

    from .chunking_study import render_chunking, run_chunking_study

    if args.squad is None:
        raise AssistantError("--chunking needs --squad FILE, the SQuAD articles it measures on besides the gold set")
    log = (lambda _: None) if args.quiet else (lambda line: print(line, file=sys.stderr))
    sources = Path(getattr(args, "sources", None) or "sources")
    figures = run_chunking_study(args.squad, sources, _embedder(), args.limit, log, args.gold)
    command = f"python -m assistant eval --chunking --squad {args.squad.name}" + (f" --limit {args.limit}" if args.limit else "")
    text = render_chunking(figures, command, "{:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg()))
    out = args.report if args.report != DEFAULT_REPORT else EVAL_DIR / "chunking.md"
    print(text)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _run_follow_ups(args: argparse.Namespace) -> int:
    import os

    from ..service import Assistant
    from .follow_ups import load_chains, measure, render

    from dataclasses import replace

    sources = Path(getattr(args, "sources", None) or "sources")
    # The per-file time limit guards the app against hostile files; on a loaded machine it can skip an article
    # here, and the chains' answers would then name a source that is not indexed.
    defaults = Settings()
    settings = replace(defaults, sources=replace(defaults.sources, seconds_per_file=3600))
    with tempfile.TemporaryDirectory(prefix="assistant-follow-ups-") as tmp:
        assistant = Assistant(sources_dir=sources, index_dir=Path(tmp) / "index", embedder=_embedder(), settings=settings)
        assistant.refresh()
        text = render(measure(assistant, load_chains(assistant)), "{:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg()))
    out = args.report if args.report != DEFAULT_REPORT else EVAL_DIR / "follow-ups.md"
    print(text)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    from ..options import add_folders, add_store

    parser = argparse.ArgumentParser(prog="python -m assistant.evaluation", description=__doc__.splitlines()[0])
    add_folders(parser)
    add_store(parser)
    add_arguments(parser)
    return run(parser.parse_args(argv))
