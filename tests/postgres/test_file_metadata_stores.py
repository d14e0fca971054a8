"""A page's own metadata survives both stores' manifests, and an incremental publish, without reading text."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from .conftest import make_assistant

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_an_html_pages_author_date_and_url_come_back_from_either_store(tmp_path: Path, store_url, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "sources"
    folder.mkdir()
    shutil.copy(FIXTURES / "met_article.html", folder / "met.html")
    (folder / "sources.toml").write_text('["met.html"]\nauthor = "Desk editor"\n', encoding="utf-8")
    make_assistant(folder, store_url, tmp_path / "index", fake_embedder).refresh()
    (folder / "later.txt").write_text("Harbour board meets\n18 August 2022\n\nThe board met.\n", encoding="utf-8")
    make_assistant(folder, store_url, tmp_path / "index", fake_embedder).refresh()
    metadata = make_assistant(folder, store_url, tmp_path / "index", fake_embedder).metadata()
    met = metadata["met.html"]
    assert (met.author, met.published, met.url) == ("Desk editor", date(2022, 8, 19), "https://example.org/news/uk-england-london-62585836")
    assert metadata["later.txt"].published == date(2022, 8, 18)
