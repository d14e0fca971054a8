"""``python app.py``: the web app on http://127.0.0.1:7860 over ``index/``, built from ``sources/`` first if needed.

The quote desk is on: a "Verify a quote" tab, the figures under each answer, "reported also by" on each card.

Set ``ASSISTANT_AUTH="user:password[,user2:password2]"`` to require a login.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from assistant import Assistant, AssistantError
from assistant.webapp import build_app_with_quote_desk, launch, load_abstain_threshold

ROOT = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", default=None, help="sources folder (env ASSISTANT_SOURCES_DIR, default sources/)")
    parser.add_argument("--index", default=None, help="index folder (env ASSISTANT_INDEX_DIR, default index/)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")

    assistant = Assistant(sources_dir=args.sources, index_dir=args.index)
    try:
        # A no-op in well under a second when the index already matches the sources.
        report = assistant.refresh(progress=True)
        for failure in report.failures:
            print(f"skipped {failure.path}: {failure.reason}", file=sys.stderr)
        app = build_app_with_quote_desk(
            assistant, abstain_below=load_abstain_threshold(ROOT / "eval" / "expected.toml")
        )
        launch(app, host=args.host, port=args.port)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
