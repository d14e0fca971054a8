"""Importing the API stays light: the model, FAISS and Gradio load only when used."""

from __future__ import annotations

import ast
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


# What a shell may import from the package: the facade, the values that travel, the presentation, the errors
# and the settings (issue 11). Anything else is the core's business, reached through `Assistant`.
FACADE = {
    "assistant",  # the package's public names, re-exported from the modules below
    "assistant.service",
    "assistant.types",
    "assistant.render",
    "assistant.citations",
    "assistant.errors",
    "assistant.config",
    "assistant.options",  # the shells' shared --sources/--index/--host/--port, declared once
    "assistant.links",  # answer and passage links: values the shells make and read, resolved by the facade
    "assistant.answer_links",
}
ROOT = Path(__file__).resolve().parent.parent
WEBAPP = ROOT / "assistant" / "webapp"


def imported_modules(path: Path, package: str) -> set[str]:
    """Every ``assistant`` module ``path`` imports, at any depth of the file, relative imports resolved."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            # `from . import cards` imports a module; `from .types import Quote` a name from one.
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names)
    return {name for name in found if name == "assistant" or name.startswith("assistant.")}


MODULES = {
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "assistant").rglob("*.py")
}


def shells() -> list[tuple[Path, str, set[str]]]:
    """(file, its package, what it may import) for every shell module."""
    web = {f"assistant.webapp.{p.stem}" for p in WEBAPP.glob("*.py")} | {"assistant.webapp"}
    found = [(p, "assistant.webapp", FACADE | web) for p in sorted(WEBAPP.glob("*.py"))]
    found.append((ROOT / "assistant" / "cli.py", "assistant", FACADE | {"assistant.evaluation.cli", "assistant.webapp"}))
    found.append((ROOT / "assistant" / "__main__.py", "assistant", {"assistant.cli"}))
    found.append((ROOT / "app.py", "", {"assistant.cli"}))
    return found


def test_the_shells_reach_the_core_only_through_the_facade_types_presentation_errors_and_settings() -> None:
    strays = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path, package) - allowed)
        for path, package, allowed in shells()
    }
    assert {path: modules for path, modules in strays.items() if modules} == {}


def test_the_import_check_sees_relative_nested_and_late_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"  # read as if it were a module of assistant/webapp/
    probe.write_text(
        "from ..retrieval import Retriever\nfrom . import cards\ndef f():\n    import assistant.figures\n", encoding="utf-8"
    )
    assert imported_modules(probe, "assistant.webapp") == {"assistant.retrieval", "assistant.webapp.cards", "assistant.figures"}
