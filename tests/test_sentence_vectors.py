"""Sentence vectors made in the index build: as the setting says, verbatim spans, carried over for unchanged text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.config import ModelSettings
from assistant.errors import SettingsError
from assistant.quoting import sentences_in

TEXT = "The unit was formed in January. It has 625 cases. Officers face misconduct hearings."


def _assistant(tmp_path: Path, embedder, texts: dict[str, str], **settings) -> Assistant:  # type: ignore[no-untyped-def]
    sources = tmp_path / "sources"
    sources.mkdir(exist_ok=True)
    for name, text in texts.items():
        (sources / name).write_text(text, encoding="utf-8")
    return Assistant(sources_dir=sources, index_dir=tmp_path / "index", embedder=embedder, settings=Settings(**settings))


def test_by_default_each_sentence_is_embedded_on_its_own(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = _assistant(tmp_path, fake_embedder, {"a.txt": TEXT})
    assistant.refresh()
    snapshot = assistant.snapshot
    stored = snapshot.sentences([0])[0]
    sentences = [TEXT[s:e] for s, e in stored.spans]
    assert sentences == ["The unit was formed in January.", "It has 625 cases.", "Officers face misconduct hearings."]
    assert np.allclose(stored.vectors, fake_embedder.encode(sentences), atol=2e-3)  # stored in half precision


def test_a_chunk_whose_text_moved_keeps_its_vectors_with_its_spans_moved(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = _assistant(tmp_path, fake_embedder, {"a.txt": TEXT})
    assistant.refresh()
    before = assistant.snapshot.sentences([0])[0]
    (tmp_path / "sources" / "a.txt").write_text("\n\n" + TEXT, encoding="utf-8")  # the same chunk, two characters on
    fake_embedder.calls.clear()
    report = assistant.refresh()
    assert report.updated == ("a.txt",) and report.embedded_chunks == 0 and fake_embedder.calls == []
    after = assistant.snapshot.sentences([0])[0]
    doc, chunk = assistant.snapshot.documents["a.txt"], assistant.snapshot.chunks[0]
    assert list(after.spans) == sentences_in(doc, chunk.start, chunk.end) == [(s + 2, e + 2) for s, e in before.spans]
    assert np.array_equal(after.vectors, before.vectors)


def test_changing_how_sentences_are_embedded_rebuilds_the_index(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    _assistant(tmp_path, fake_embedder, {"a.txt": TEXT}).refresh()
    pooled = _assistant(tmp_path, fake_embedder, {}, model=ModelSettings(sentence_vectors="pooled"))
    report = pooled.refresh()
    assert report.changed and report.reason.startswith("rebuilt")


def test_an_unknown_sentence_method_is_refused_by_name() -> None:
    with pytest.raises(SettingsError, match="sentence_vectors must be one of pooled, separate, got 'mean'"):
        ModelSettings(sentence_vectors="mean")


def test_the_build_writes_every_chunks_vectors_into_files_it_hands_the_store_mapped(
    tmp_path: Path, fake_embedder
) -> None:  # type: ignore[no-untyped-def]
    from assistant.sentence_vectors import embed_chunks
    from assistant.types import Chunk, Document

    first = Document("a.txt", "a.txt", "A", None, "Allegations rose. The unit said so.", "x")
    second = Document("b.txt", "b.txt", "B", None, "Cressida Dick resigned.", "y")
    chunks = [Chunk("a.txt", 0, 17, first.text[0:17]), Chunk("a.txt", 18, 35, first.text[18:35])]
    chunks.append(Chunk("b.txt", 0, 23, second.text))
    made = embed_chunks(chunks, [first, second], None, fake_embedder, "separate", tmp_path)
    assert isinstance(made.vectors, np.memmap) and isinstance(made.sentences.vectors, np.memmap)
    assert np.allclose(made.vectors, fake_embedder.encode([c.text for c in chunks]))
    assert made.sentences.starts.tolist() == [0, 1, 2, 3] and made.embedded == 3
    with pytest.raises(ValueError, match=r"chunk 1 \(a.txt\) is not with its document"):
        embed_chunks(chunks[::-1], [first, second], None, fake_embedder, "separate", tmp_path / "again")
