"""Importing the API stays light: the model, FAISS and Gradio load only when used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_importing_the_package_loads_no_heavy_library() -> None:
    code = (
        "import sys, assistant, assistant.chunking, assistant.service, assistant.cli; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'faiss', 'gradio', 'bm25s') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == "[]"
