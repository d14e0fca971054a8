"""Starting the app does not depend on how fast the machine answers Gradio's own reachability probe."""

from __future__ import annotations

import gradio as gr
import httpx
import pytest
from gradio import networking

from assistant.webapp.server import launch


def test_the_app_starts_and_serves_when_the_probe_of_its_own_address_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # What a loaded machine does to the probe: a HEAD request over 3 s counts as "localhost is not accessible".
    monkeypatch.setattr(networking, "url_ok", lambda url: False)
    with gr.Blocks() as app:
        gr.Markdown("served")
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True, auth=None)
    try:
        assert httpx.get(url, timeout=30).status_code == 200
    finally:
        app.close()
