"""Vectors a build spools to disk as it makes them: the files a segment ends up with are np.save's, byte for byte."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from assistant.store.spool import Spool, save


def _saved_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def test_rows_put_in_any_order_read_back_and_save_as_np_save_would(tmp_path: Path) -> None:
    expected = np.arange(5 * 3, dtype=np.float32).reshape(5, 3) / 7
    spool = Spool(tmp_path / "spooled.npy", expected.shape, np.float16)
    spool.put(3, expected[3:])
    spool.put(0, expected[:3])
    mapped = spool.close()
    assert np.array_equal(mapped, expected.astype(np.float16))
    save(tmp_path / "segment.npy", mapped)
    assert (tmp_path / "segment.npy").read_bytes() == _saved_bytes(expected.astype(np.float16))
    assert (tmp_path / "segment.npy").stat().st_ino == (tmp_path / "spooled.npy").stat().st_ino  # linked, not rewritten


def test_part_of_a_spooled_array_or_another_dtype_is_written_out_not_linked(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spooled.npy", (4, 2), np.float32)
    spool.put(0, np.ones((4, 2)))
    mapped = spool.close()
    save(tmp_path / "part.npy", mapped[1:])
    save(tmp_path / "half.npy", mapped, np.float16)
    assert (tmp_path / "part.npy").read_bytes() == _saved_bytes(np.ones((3, 2), dtype=np.float32))
    assert (tmp_path / "half.npy").read_bytes() == _saved_bytes(np.ones((4, 2), dtype=np.float16))
    assert (tmp_path / "part.npy").stat().st_ino != (tmp_path / "spooled.npy").stat().st_ino


def test_rows_that_do_not_fit_are_refused_with_the_file_named(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spooled.npy", (2, 3), np.float32)
    with pytest.raises(ValueError, match=r"rows 1:3 .* spooled\.npy"):
        spool.put(1, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="spooled.npy"):
        spool.put(0, np.zeros((1, 4)))
