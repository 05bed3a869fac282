"""Read ``.npy`` and ``.npz`` files safely: never with pickle, and with errors that say what is
wrong with the file (numpy's own advice to load with pickle is never passed on)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"


def _head(path: Path, size: int = 8) -> bytes:
    with path.open("rb") as file:
        return file.read(size)


def read_npy(path: str | os.PathLike[str]) -> np.ndarray:
    """The array in a ``.npy`` file, memory-mapped, refusing pickled (object) arrays.

    Raises:
        ValueError: naming the file, if it is empty, not a ``.npy`` file, truncated, or holds
            Python objects.
    """
    path = Path(path)
    head = _head(path)
    if not head:
        raise ValueError(f"{path} is empty (0 bytes); it is not a NumPy .npy file")
    if not head.startswith(_NPY_MAGIC):
        raise ValueError(
            f"{path} is not a NumPy .npy file (it does not start with the .npy header); save "
            f"labels with np.save(path, y)"
        )
    try:
        with path.open("rb") as file:
            version = np.lib.format.read_magic(file)
            header = (
                np.lib.format.read_array_header_1_0(file)
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0(file)
            )
    except (ValueError, EOFError, OSError) as error:
        raise ValueError(f"{path} is a damaged .npy file (its header cannot be read)") from error
    if header[2].hasobject:
        raise ValueError(
            f"{path} holds Python objects, which are never loaded (they would run code); save "
            f"string labels as fixed-width text: np.save(path, np.asarray(y, dtype=str))"
        )
    try:
        return np.load(path, allow_pickle=False, mmap_mode="r")
    except (ValueError, EOFError, OSError) as error:
        raise ValueError(
            f"{path} is a damaged .npy file (shorter than its header says; was it cut off?)"
        ) from error


class NpzArchive:
    """The arrays of a ``.npz`` file, read one by one without pickle (a context manager)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        head = _head(self.path, 4)
        if not head:
            raise ValueError(f"{self.path} is empty (0 bytes); it is not a NumPy .npz file")
        if head not in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
            raise ValueError(
                f"{self.path} is not a NumPy .npz file (not a zip archive); save arrays with "
                f"np.savez(path, x=x, y=y)"
            )
        try:
            self._archive = np.load(self.path, allow_pickle=False)
        except (ValueError, EOFError, OSError, zipfile.BadZipFile) as error:
            raise ValueError(f"{self.path} is a damaged .npz file (it cannot be opened)") from error
        self.files: list[str] = list(self._archive.files)

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._archive[name]  # type: ignore[no-any-return]
        except ValueError as error:
            if "allow_pickle" in str(error) or "pickled" in str(error):
                raise ValueError(
                    f"array {name!r} of {self.path} holds Python objects, which are never loaded "
                    f"(they would run code); save it with a numeric or fixed-width text dtype"
                ) from error
            raise ValueError(f"array {name!r} of {self.path} is damaged ({error})") from error
        except (EOFError, OSError, zipfile.BadZipFile) as error:
            raise ValueError(f"array {name!r} of {self.path} is damaged (cut off?)") from error

    def close(self) -> None:
        self._archive.close()

    def __enter__(self) -> NpzArchive:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
