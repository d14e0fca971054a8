"""``python -m assistant index|ask``: a thin shell over ``Assistant``.

Heavy libraries are imported inside the commands so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from .errors import AssistantError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__.splitlines()[0])
    parser.add_argument("--sources", default=None, help="sources folder (env ASSISTANT_SOURCES_DIR)")
    parser.add_argument("--index", default=None, help="index folder (env ASSISTANT_INDEX_DIR)")
    commands = parser.add_subparsers(dest="command", required=True)

    index = commands.add_parser("index", help="build or refresh the index from the sources folder")
    index.add_argument("--sources", default=argparse.SUPPRESS, help="sources folder")
    index.add_argument("--index", default=argparse.SUPPRESS, help="index folder")
    index.add_argument("--quiet", action="store_true", help="no progress bar")

    ask = commands.add_parser("ask", help="answer a question with ranked, cited passages")
    ask.add_argument("question")
    ask.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    ask.add_argument("--source", action="append", help="only search this source id (repeatable)")
    ask.add_argument("--mode", choices=("hybrid", "dense", "bm25"), default=None, help="ranking (default hybrid)")
    ask.add_argument("--json", action="store_true", help="print one JSON object (schema in the README)")
    ask.add_argument(
        "--reported-also-by",
        action="store_true",
        help="with each result, the sentences of other sources that state the same thing in other words",
    )
    ask.add_argument("--index", default=argparse.SUPPRESS, help="index folder")
    ask.add_argument("--sources", default=argparse.SUPPRESS, help="sources folder")
    verify = commands.add_parser("verify", help="check a quote against the sources: exact, altered or not found")
    verify.add_argument("quote")
    verify.add_argument("--json", action="store_true", help="print one JSON object (schema in the README)")
    verify.add_argument("--index", default=argparse.SUPPRESS, help="index folder")
    verify.add_argument("--sources", default=argparse.SUPPRESS, help="sources folder")

    from .evaluation.cli import add_arguments as add_eval_arguments

    add_eval_arguments(commands.add_parser("eval", help="measure retrieval on the gold questions or a BEIR folder"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    from .service import Assistant

    assistant = Assistant(sources_dir=args.sources, index_dir=args.index)
    try:
        if args.command == "index":
            return _index(assistant, quiet=args.quiet)
        if args.command == "verify":
            return _verify(assistant, args)
        if args.command == "eval":
            from .evaluation.cli import run as run_eval

            return run_eval(args)
        return _ask(assistant, args)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _index(assistant, *, quiet: bool) -> int:  # type: ignore[no-untyped-def]
    report = assistant.refresh(progress=not quiet)
    for failure in report.failures:
        print(f"skipped {failure.path}: {failure.reason}", file=sys.stderr)
    from .render import build_report_to_text

    print(build_report_to_text(report))
    return 1 if report.documents == 0 else 0


def _ask(assistant, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from .render import result_to_json, result_to_text

    result = assistant.search(args.question, k=args.k, sources=args.source, mode=args.mode)
    reported = [assistant.reported_also_by(p) for p in result.results] if args.reported_also_by else None
    if args.json:
        print(json.dumps(result_to_json(result, reported), ensure_ascii=False, indent=2))
    else:
        print(result_to_text(result, reported))
    return 0


def _verify(assistant, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from .render import verification_to_json, verification_to_text

    verification = assistant.verify(args.quote)
    print(
        json.dumps(verification_to_json(verification), ensure_ascii=False, indent=2)
        if args.json
        else verification_to_text(verification)
    )
    return 0
