"""``python app.py``: the web app on http://127.0.0.1:7860 over ``index/``, built from ``sources/`` first if needed.

The same as ``python -m assistant serve``, options and all: ``--host``, ``--port``, ``--sources``, ``--index``,
``--store URL`` and ``--replica-url URL`` (the index in PostgreSQL; see docs/postgres.md).
The quote desk is on: a "Verify a quote" tab, the figures under each answer, "reported also by" on each card.

Set ``ASSISTANT_AUTH="user:password[,user2:password2]"`` to require a login.
"""

from __future__ import annotations

import sys

from assistant.cli import main as cli_main


def main(argv: list[str] | None = None) -> int:
    return cli_main(["serve", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
