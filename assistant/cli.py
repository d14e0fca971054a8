"""``python -m assistant index|ask|chat|verify|eval|serve|db``: a thin shell over ``Assistant``.

Heavy libraries are imported inside the commands so ``--help`` answers at once. A user's mistake is one line
on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from .render import verification_to_json, verification_to_text
from .service import Assistant
from .types import Exchange, SearchResult
from .config import MODES
from .errors import AssistantError
from .options import add_database_server, add_folders, add_server, add_store, run_database_server
from .render import build_report_to_text, failure_to_text, result_to_json, result_to_text

STDIN = "-"
# Commands that are done when they return. Their process ends without the interpreter's teardown (freeing
# every module and object; torch's alone takes a noticeable part of a cold ask): nothing is left to run,
# every file was written and closed by then. serve and chat hold a server or a conversation, so they end
# the ordinary way.
QUICK_EXIT = frozenset({"ask", "verify", "index"})


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m assistant", description=__doc__.splitlines()[0])
    add_folders(parser)
    add_store(parser)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        add_folders(sub, defaults=False)
        add_store(sub, defaults=False)
        return sub

    command("index", "build or refresh the index from the sources folder").add_argument(
        "--quiet", action="store_true", help="no progress bar"
    )
    ask = command("ask", "answer a question with ranked, cited passages")
    ask.add_argument("question", help=f"the question, or {STDIN} to read it from standard input")
    _add_answer_options(ask)
    chat = command("chat", "a conversation: one question per line of standard input; follow-ups continue it")
    _add_answer_options(chat)
    verify = command("verify", "check a quote against the sources: exact, altered or not found")
    verify.add_argument("quote", help=f"the quote, or {STDIN} to read it from standard input")
    verify.add_argument("--json", action="store_true", help="print one JSON object (schema in the README)")
    add_server(command("serve", "serve the web app over the index (built or refreshed first), as app.py does"))

    from .evaluation.cli import add_arguments as add_eval_arguments

    # The evaluation builds temporary indexes of its own (one per chunk size): never in the user's database.
    add_eval_arguments(command("eval", "measure retrieval on the gold questions or a BEIR folder"))
    add_database_server(
        commands.add_parser(
            "db", help="a local PostgreSQL + pgvector server: start, stop, status, or a read replica",
            description="a local PostgreSQL + pgvector server in a data folder; prints the URL for --store",
        )
    )
    return parser


def _add_answer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    parser.add_argument("--source", action="append", help="only search this source id (repeatable)")
    parser.add_argument("--mode", choices=MODES, default=None, help="ranking (default hybrid)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per answer (schema in the README)")
    parser.add_argument(
        "--reported-also-by",
        action="store_true",
        help="with each result, the sentences of other sources that state the same thing in other words",
    )


def main(argv: Sequence[str] | None = None, *, quick_exit: bool = False) -> int:
    """Run one command; its exit code. ``quick_exit`` (``python -m assistant``) ends the process at once
    after ask, verify and index, with the output flushed and the same code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    if args.command == "db":
        return run_database_server(args)
    if args.command == "eval":
        from .evaluation.cli import run as run_eval

        return run_eval(args)
    try:
        assistant = Assistant(
            sources_dir=args.sources, index_dir=args.index, store_url=args.store, replica_urls=args.replica_url
        )
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    run = {"index": _index, "ask": _ask, "chat": _chat, "verify": _verify, "serve": _serve}[args.command]
    try:
        code = run(assistant, args)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        code = 2
    if quick_exit and args.command in QUICK_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(code)
    return code


def _index(assistant: Assistant, args: argparse.Namespace) -> int:
    report = assistant.refresh(progress=not args.quiet)
    for failure in report.failures:
        print(failure_to_text(failure), file=sys.stderr)
    print(build_report_to_text(report))
    return 1 if report.documents == 0 else 0


def _ask(assistant: Assistant, args: argparse.Namespace) -> int:
    question = sys.stdin.read() if args.question == STDIN else args.question
    _answer(assistant, args, question, ())
    return 0


def _chat(assistant: Assistant, args: argparse.Namespace) -> int:
    """Each line a question; a follow-up ("and his predecessor?") continues the questions before it."""
    history: list[Exchange] = []
    for line in sys.stdin:
        if line.strip():
            history.append(Exchange(line.strip(), _answer(assistant, args, line.strip(), history)))
    return 0


def _answer(assistant: Assistant, args: argparse.Namespace, question: str, history: Sequence[Exchange]) -> SearchResult:
    result = assistant.ask(question, history, k=args.k, sources=args.source, mode=args.mode)
    reported = [assistant.reported_also_by(p) for p in result.results] if args.reported_also_by else None
    if args.json:  # a chat prints one object per line
        indent = None if args.command == "chat" else 2
        print(json.dumps(result_to_json(result, reported), ensure_ascii=False, indent=indent))
        return result
    if result.query != question.strip():
        print(f"(a follow-up: searched with the conversation as “{result.query}”)")
    if result.results and not result.answered:
        print(f"{result.reason} The nearest passages:\n")
    print(result_to_text(result, reported), end="\n\n" if args.command == "chat" else "\n")
    return result


def _verify(assistant: Assistant, args: argparse.Namespace) -> int:
    quote = sys.stdin.read() if args.quote == STDIN else args.quote
    verification = assistant.verify(quote)
    if args.json:
        print(json.dumps(verification_to_json(verification), ensure_ascii=False, indent=2))
    else:
        print(verification_to_text(verification))
    return 0


def _serve(assistant: Assistant, args: argparse.Namespace) -> int:
    from .webapp import serve

    serve(assistant, host=args.host, port=args.port)
    return 0
