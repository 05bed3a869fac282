"""Fashion-MNIST: IDX reading, loaders and its long-tailed version."""

from __future__ import annotations

import gzip
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from keras_imbalance._validation import short_repr
from keras_imbalance.datasets.synthetic import ImbalancedDataset, Profile, make_long_tailed

#: Fashion-MNIST class names, in label order (Xiao et al., 2017).
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


#: Where Debian's ``dataset-fashion-mnist`` package installs the IDX files.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


FASHION_MNIST_FILES: tuple[str, ...] = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


# --- Fashion-MNIST -------------------------------------------------------------------------------

_IDX_DTYPES: dict[int, Any] = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzipped or not.

    Format: two zero bytes, a type code (``0x08`` = unsigned byte), the number of dimensions
    ``d``, then ``d`` big-endian ``uint32`` sizes, then the data in C order.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise ValueError(
                f"{path} is a corrupt gzip file ({error}); download it again"
            ) from error
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{path} is not an IDX file (magic number {raw[:4].hex() or 'missing'}); give the "
            f"original MNIST-format files, gzipped or not"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ValueError(f"{path} has a truncated IDX header ({len(raw)} bytes); download it again")
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = math.prod(shape) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path} declares shape {shape} ({expected} bytes of data) but holds "
            f"{len(raw) - header} bytes; the file is corrupt or truncated, download it again"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # type: ignore[no-any-return]


def _find_idx(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _keras_cache() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "fashion-mnist"


def fashion_mnist_folders(path: str | os.PathLike[str] | None = None) -> list[Path]:
    """The folders :func:`load_fashion_mnist` searches, in order."""
    if path is not None:
        return [Path(path)]
    return [DEBIAN_FASHION_MNIST, _keras_cache()]


def load_fashion_mnist(
    path: str | os.PathLike[str] | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Fashion-MNIST as ``((x_train, y_train), (x_test, y_test))``, ``uint8``, like Keras.

    Reads the four IDX files (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each gzipped ``.gz`` or not) from
    ``path`` if given (and only from there), else from ``/usr/share/datasets/fashion-mnist``
    (Debian's ``dataset-fashion-mnist``), else from the Keras cache
    (``~/.keras/datasets/fashion-mnist``), and only then calls
    ``keras.datasets.fashion_mnist.load_data()``, which downloads it. Class names are
    :data:`FASHION_MNIST_CLASSES`.

    Returns:
        ``x_train`` ``(60000, 28, 28)``, ``y_train`` ``(60000,)``, ``x_test`` ``(10000, 28, 28)``,
        ``y_test`` ``(10000,)``, all ``uint8``.
    """
    for folder in fashion_mnist_folders(path):
        files = [_find_idx(folder, stem) for stem in FASHION_MNIST_FILES]
        if all(f is not None for f in files):
            x_train, y_train, x_test, y_test = (read_idx(f) for f in files)  # type: ignore[arg-type]
            _check_pair(x_train, y_train, files[0], files[1])
            _check_pair(x_test, y_test, files[2], files[3])
            return (x_train, y_train), (x_test, y_test)
        if path is not None:
            missing = [
                stem for stem, f in zip(FASHION_MNIST_FILES, files, strict=True) if f is None
            ]
            raise FileNotFoundError(
                f"path={str(path)!r} lacks the Fashion-MNIST files {missing} (plain or .gz); "
                f"give the folder that holds all four, or path=None to download them"
            )
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    return (x_train, y_train), (x_test, y_test)


def _check_pair(x: np.ndarray, y: np.ndarray, x_path: Any, y_path: Any) -> None:
    if x.ndim != 3 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"{x_path} (shape {x.shape}) and {y_path} (shape {y.shape}) do not match: images "
            f"must be (N, rows, cols) and labels (N,); the files are mixed up or corrupt"
        )


def load_fashion_mnist_lt(
    ratio: float = 100,
    *,
    profile: Profile = "exponential",
    class_order: Sequence[int | str] | None = None,
    seed: int = 0,
    path: str | os.PathLike[str] | None = None,
) -> ImbalancedDataset:
    """Fashion-MNIST with a long-tailed training set (the test set stays balanced).

    Args:
        ratio: imbalance ratio of the training set (100 as in CIFAR-10-LT's hardest setting).
        profile: ``"exponential"`` or ``"step"``.
        class_order: classes head first, as indices or names from
            :data:`FASHION_MNIST_CLASSES`; for example put ``"Shirt"``, ``"Pullover"``,
            ``"Coat"`` last to make the hardest classes the tail.
        seed: seed of the subsampling.
        path: folder of the IDX files (see :func:`load_fashion_mnist`).

    Returns:
        An :class:`ImbalancedDataset` of ``uint8`` images ``(N, 28, 28)`` and ``uint8`` labels.
    """
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(path)
    order = None
    if class_order is not None:
        if isinstance(class_order, str) or not isinstance(class_order, Sequence | np.ndarray):
            raise TypeError(f"class_order must be a list of classes, got {short_repr(class_order)}")
        order = [
            FASHION_MNIST_CLASSES.index(c)
            if isinstance(c, str) and c in FASHION_MNIST_CLASSES
            else c
            for c in class_order
        ]
    x_lt, y_lt = make_long_tailed(
        x_train, y_train, ratio, profile=profile, class_order=order, seed=seed
    )
    return ImbalancedDataset(x_lt, y_lt, x_test, y_test, FASHION_MNIST_CLASSES)
