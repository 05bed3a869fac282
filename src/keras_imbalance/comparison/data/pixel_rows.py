"""A file of decoded images, ``uint8`` rows ``(N, height, width, 3)``: written once, read by rows.

The file is a plain ``.npy`` (``np.load(path, mmap_mode="r")`` opens it), written a chunk at a
time into a temporary file beside it and renamed into place (:func:`write_rows`), so a crash
never leaves a half-written file under the final name. :func:`read_rows` reads the rows asked
for with ``seek`` and ``readinto`` (one read per run of consecutive rows), never through a
memory map: the pages of a map that were read count in the process's resident memory, and a
pass over every image would make it grow with the folder; file reads go to the kernel's page
cache, which is shared and not charged to the process.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["read_header", "read_rows", "write_rows"]


def read_header(handle: Any) -> tuple[tuple[int, ...], np.dtype[Any]]:
    """``(shape, dtype)`` of the ``.npy`` open in ``handle``, which is left at the first byte of
    data; ``ValueError`` for a Fortran-ordered array (never written here)."""
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    if fortran:
        raise ValueError(f"{handle.name} holds a Fortran-ordered array; remove it")
    return tuple(int(side) for side in shape), np.dtype(dtype)


def write_rows(path: str, shape: tuple[int, ...], chunks: Iterable[np.ndarray]) -> None:
    """Write the ``uint8`` array of ``shape`` given as consecutive ``chunks`` to ``path``.

    The rows go to a temporary file in the same folder, which is flushed, synced and renamed to
    ``path`` only when every row is written; on any error it is removed.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "rows.npy")
        >>> chunks = [np.ones((2, 1, 2, 3), "uint8"), np.zeros((1, 1, 2, 3), "uint8")]
        >>> write_rows(path, (3, 1, 2, 3), chunks)
        >>> np.load(path)[:, 0, 0, 0].tolist()
        [1, 1, 0]
    """
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(
        prefix=os.path.basename(path) + ".", suffix=".tmp", dir=folder
    )
    try:
        with os.fdopen(handle, "wb") as out:
            header = {"descr": "|u1", "fortran_order": False, "shape": tuple(shape)}
            np.lib.format.write_array_header_1_0(out, header)
            written = 0
            for chunk in chunks:
                block = np.ascontiguousarray(chunk, dtype="uint8")
                out.write(block.data)
                written += len(block)
            if written != shape[0]:
                raise ValueError(f"{written} rows were written for a file of {shape[0]}")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide a shared cache from its readers
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def read_rows(path: str, rows: np.ndarray) -> np.ndarray:
    """The rows ``rows`` (indices, any order, repeats allowed) of the ``.npy`` at ``path``.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "rows.npy")
        >>> np.save(path, np.arange(12, dtype="uint8").reshape(4, 1, 1, 3))
        >>> read_rows(path, np.array([3, 0, 1]))[:, 0, 0, 0].tolist()
        [9, 0, 3]
    """
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    with open(path, "rb", buffering=0) as handle:
        shape, dtype = read_header(handle)
        start = handle.tell()
        out = np.empty((len(rows), *shape[1:]), dtype=dtype)
        if not len(rows):
            return out
        if rows.min() < 0 or rows.max() >= shape[0]:
            raise IndexError(f"rows out of range for {path} with {shape[0]} rows")
        row_bytes = out[0].nbytes
        flat = out.reshape(len(rows), -1).data.cast("B")
        # Runs of consecutive rows (a predict chunk is one run) are read with one call each.
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        for first, last in zip(
            np.concatenate([[0], breaks]), np.concatenate([breaks, [len(rows)]]), strict=True
        ):
            handle.seek(start + int(rows[first]) * row_bytes)
            target = flat[int(first) * row_bytes : int(last) * row_bytes]
            while len(target):
                got = handle.readinto(target)
                if not got:
                    raise ValueError(f"{path} ends before row {int(rows[last - 1])}")
                target = target[got:]
    return out
