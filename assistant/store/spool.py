"""Arrays a build writes to disk as it makes them, so the corpus's vectors never sit on the heap at once.

A ``Spool`` is an ``.npy`` file laid out in full up front and filled block by block with ``os.pwrite``
(file writes, not a writable map: dirty mapped pages would count in the process's memory until
unmapped). Once filled it is read back memory-mapped, so untouched rows take no memory, and ``save``
links (or copies) the file into a segment instead of rewriting it through memory. At 50,000 documents
the sentence vectors alone are ~1.6 GB in half precision and the chunk vectors 0.85 GB.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from .jsonl import fsync


class Spool:
    """An ``.npy`` file of ``shape`` and ``dtype`` at ``path``, filled by ``put`` (rows may come in any order)."""

    def __init__(self, path: Path, shape: tuple[int, ...], dtype: np.dtype | type) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self.shape = shape
        self._row_bytes = int(np.prod(shape[1:], dtype=np.int64)) * self.dtype.itemsize
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": shape}
        with open(path, "wb") as handle:
            np.lib.format.write_array_header_1_0(handle, header)  # what np.save writes for such an array
            self._offset = handle.tell()
            handle.truncate(self._offset + shape[0] * self._row_bytes)
        self._fd: int | None = os.open(path, os.O_WRONLY)

    def put(self, row: int, block: np.ndarray) -> None:
        """Write ``block`` (rows of this array, converted to its dtype) from row ``row`` on."""
        if self._fd is None:
            raise ValueError(f"{self.path} is closed")
        data = np.ascontiguousarray(block, dtype=self.dtype)
        if data.shape[1:] != self.shape[1:] or not 0 <= row <= self.shape[0] - len(data):
            raise ValueError(f"rows {row}:{row + len(data)} of shape {data.shape[1:]} do not fit {self.path.name} {self.shape}")
        os.pwrite(self._fd, data.tobytes(), self._offset + row * self._row_bytes)

    def close(self) -> np.memmap:
        """The array, memory-mapped read-only (rows never ``put`` read as zeros)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        return np.load(self.path, mmap_mode="r", allow_pickle=False)


def save(path: Path, array: np.ndarray, dtype: np.dtype | type | None = None) -> None:
    """``np.save`` of ``array`` (as ``dtype``), fsynced; an array that is a whole ``.npy`` file mapped
    read-only, as ``Spool.close`` gives, is linked or copied by the kernel instead of read through memory."""
    source = _whole_file(array, dtype)
    if source is not None:
        try:
            os.link(source, path)
            return
        except OSError:  # another file system: a kernel copy still keeps it out of this process's memory
            shutil.copyfile(source, path)
        with open(path, "rb+") as handle:
            fsync(handle)
        return
    with open(path, "wb") as handle:
        np.save(handle, np.ascontiguousarray(array, dtype=dtype), allow_pickle=False)
        fsync(handle)


def _whole_file(array: np.ndarray, dtype: np.dtype | type | None) -> str | None:
    """The ``.npy`` file ``array`` maps in full, unchanged, or None."""
    if not isinstance(array, np.memmap) or array.mode != "r" or not array.filename or not array.flags.c_contiguous:
        return None
    if dtype is not None and np.dtype(dtype) != array.dtype:
        return None
    try:
        with open(array.filename, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, stored = read_header(handle)
            data_at = handle.tell()
    except (OSError, ValueError):
        return None
    whole = shape == array.shape and not fortran and stored == array.dtype and array.offset == data_at
    return str(array.filename) if whole else None
