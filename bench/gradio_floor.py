"""``python -m bench.gradio_floor --port N --answer FILE``: the floor under the app's own figures in bench.serve.

A Gradio app with nothing but ``/search``, registered as the app registers it (the same queue, limit and
queue settings, ``assistant/webapp/queues.py``), that returns a recorded answer of the real app at once.
Whatever latency and CPU it shows under concurrent clients is Gradio's and the clients', not the search's:
the peer that says how much of the app's figures any Gradio app on this machine would have.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import gradio as gr

from assistant.webapp import queues
from assistant.webapp.server import launch


def build(answer: str) -> gr.Blocks:
    with gr.Blocks() as app:

        def search(query: str, k: int = 5, sources: list[str] | None = None, mode: str = "") -> str:
            """The recorded answer, whatever is asked."""
            return answer

        gr.api(search, api_name="search", **queues.SEARCH.options(api=True))
    queues.start(app)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gradio_floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--answer", type=Path, required=True, help="a file holding the JSON text /search returns")
    args = parser.parse_args(argv)
    launch(build(args.answer.read_text(encoding="utf-8")), port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
