"""Imbalanced data sets for examples, tests and benchmarks.

* :func:`make_long_tailed` subsamples a balanced set into a long-tailed one (exponential, as in
  CIFAR-10-LT, or step imbalance).
* :func:`make_detector` turns class labels into a one-vs-rest binary detector ("dog vs not-dog").
* :func:`load_digits_lt`: scikit-learn's bundled 8x8 digits, long-tailed (no download).
* :func:`load_fashion_mnist` and :func:`load_fashion_mnist_lt`: Fashion-MNIST from local IDX files
  when they exist, else through Keras (which downloads it).
"""

from __future__ import annotations

import gzip
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.labels import decode_labels

Profile = Literal["exponential", "step"]
PROFILES: tuple[str, ...] = ("exponential", "step")

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


@dataclass(frozen=True)
class ImbalancedDataset:
    """A train split (long-tailed) and a held-out test split.

    Attributes:
        x_train, y_train: the long-tailed training data.
        x_test, y_test: the test data, drawn before the training split was made long-tailed, so
            its class distribution is the original one.
        class_names: the class names, in label order.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]

    def class_counts(self, split: Literal["train", "test"] = "train") -> np.ndarray:
        """Samples per class of the ``"train"`` or ``"test"`` split."""
        check_option("split", split, ("train", "test"))
        y = self.y_train if split == "train" else self.y_test
        return np.bincount(y, minlength=len(self.class_names))


def long_tailed_counts(
    n_max: int, num_classes: int, ratio: float, *, profile: Profile = "exponential"
) -> list[int]:
    """Samples per class, head first, for a long-tailed profile.

    * ``"exponential"``: ``n_i = floor(n_max * ratio ** (-i / (C - 1)))`` for ``i = 0..C-1``:
      the CIFAR-10-LT / CIFAR-100-LT protocol (Cui et al., CVPR 2019; Cao et al., "Learning
      Imbalanced Datasets with Label-Distribution-Aware Margin Loss", NeurIPS 2019).
    * ``"step"``: the first ``C - C // 2`` classes (the head) keep ``n_max``, the last ``C // 2``
      (the tail) get ``floor(n_max / ratio)`` (step imbalance with ``mu = 0.5``, Buda et al.,
      Neural Networks 2018; Cao et al. 2019).

    Example:
        >>> long_tailed_counts(5000, 10, 100)
        [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]
        >>> long_tailed_counts(100, 4, 10, profile="step")
        [100, 100, 10, 10]
    """
    check_option("profile", profile, PROFILES)
    if num_classes < 2:
        raise ValueError(f"num_classes={num_classes} is fewer than 2; imbalance needs 2 classes")
    if profile == "exponential":
        # Written as in the reference code of Cao et al. (get_img_num_per_cls).
        factor = 1.0 / ratio
        return [int(n_max * factor ** (i / (num_classes - 1.0))) for i in range(num_classes)]
    tail = num_classes // 2
    return [n_max] * (num_classes - tail) + [int(n_max * (1.0 / ratio))] * tail


def make_long_tailed(
    x: Any,
    y: Any,
    ratio: float,
    *,
    profile: Profile = "exponential",
    class_order: Sequence[Any] | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Subsample ``(x, y)`` so the class sizes follow a long-tailed profile.

    ``n_max`` is the size of the *smallest* class in the input, so that every class can supply
    its quota; for a balanced input (CIFAR-10, Fashion-MNIST) that is the per-class count, exactly
    as in CIFAR-10-LT. The ``i``-th class of ``class_order`` (head first) keeps ``n_i`` samples,
    from :func:`long_tailed_counts`: ``floor(n_max * ratio ** (-i / (C - 1)))`` for
    ``"exponential"``, ``n_max`` for the head half and ``floor(n_max / ratio)`` for the tail half
    for ``"step"``. Samples are drawn at random without replacement (``seed``), and kept in their
    input order. The input arrays are never modified.

    Args:
        x: features, one row per sample (any array-like indexable by position).
        y: labels: class indices, strings or one-hot rows (decoded by
            :func:`~keras_imbalance.labels.decode_labels`); returned in the same encoding.
        ratio: imbalance ratio ``n_max / n_min`` (>= 1; 1 keeps ``n_max`` of every class).
        profile: ``"exponential"`` or ``"step"``.
        class_order: the classes (labels as they appear in ``y``), head first: the last ones
            become the tail. Default: the classes in index order.
        seed: seed of the random draw.

    Returns:
        ``(x_lt, y_lt)``, new arrays.

    Example:
        >>> y = np.repeat(np.arange(3), 10)
        >>> x_lt, y_lt = make_long_tailed(np.arange(30), y, 10, class_order=[2, 1, 0])
        >>> np.bincount(y_lt).tolist()
        [1, 3, 10]
    """
    check_option("profile", profile, PROFILES)
    ratio = check_number("ratio", ratio, low=1.0)
    seed = check_number("seed", seed, low=0, integer=True)  # type: ignore[assignment]
    y_array = np.asarray(y)
    decoded = decode_labels(y_array, name="y")
    if decoded.indices is None:
        raise ValueError("y holds multi-hot rows; make_long_tailed needs one class per sample")
    indices = decoded.indices
    if indices.ndim != 1:
        raise ValueError(f"y has shape {y_array.shape}; give one label per sample")
    x_array = np.asarray(x)
    if len(x_array) != indices.shape[0]:
        raise ValueError(
            f"x has {len(x_array)} samples but y has {indices.shape[0]}; give one label per sample"
        )
    classes = list(decoded.classes)
    num_classes = len(classes)
    if num_classes < 2:
        raise ValueError(
            f"y has only the class {short_repr(classes)}; a long-tailed set needs 2 classes or more"
        )
    order = _class_positions(class_order, classes)
    counts = np.bincount(indices, minlength=num_classes)
    n_max = int(counts.min())
    if n_max == 0:
        empty = classes[int(np.argmin(counts))]
        raise ValueError(
            f"y has no samples of class {empty!r}; every class needs samples (relabel the classes "
            f"to 0..C-1 without gaps)"
        )
    quotas = long_tailed_counts(n_max, num_classes, ratio, profile=profile)
    if min(quotas) < 1:
        raise ValueError(
            f"ratio={ratio:g} leaves the tail class with 0 samples (the smallest class has "
            f"{n_max}); use ratio <= {n_max}"
        )
    rng = np.random.default_rng(seed)
    chosen = []
    for position, quota in zip(order, quotas, strict=True):
        members = np.flatnonzero(indices == position)
        chosen.append(rng.choice(members, size=quota, replace=False))
    keep = np.sort(np.concatenate(chosen))
    return x_array[keep], y_array[keep]


def _class_positions(class_order: Sequence[Any] | None, classes: list[Any]) -> list[int]:
    if class_order is None:
        return list(range(len(classes)))
    if isinstance(class_order, str) or not isinstance(class_order, Sequence | np.ndarray):
        raise TypeError(f"class_order must be a list of classes, got {short_repr(class_order)}")
    items = [c.item() if isinstance(c, np.generic) else c for c in class_order]
    lookup = {c: i for i, c in enumerate(classes)}
    lookup.update({str(c): i for i, c in enumerate(classes)})
    unknown = [c for c in items if c not in lookup]
    if unknown:
        raise ValueError(
            f"class_order has {short_repr(unknown)}, which are not classes of y "
            f"({short_repr(classes)}); list each class of y once"
        )
    positions = [lookup[c] for c in items]
    if sorted(positions) != list(range(len(classes))):
        missing = [classes[i] for i in range(len(classes)) if i not in positions]
        repeated = sorted({classes[p] for p in positions if positions.count(p) > 1}, key=str)
        problem = f"misses {short_repr(missing)}" if missing else f"repeats {short_repr(repeated)}"
        raise ValueError(
            f"class_order {problem}; it must list each of the {len(classes)} classes exactly once"
        )
    return positions


def make_detector(y: Any, positive: Any, *, class_names: Sequence[str] | None = None) -> np.ndarray:
    """One-vs-rest labels: 1 for the ``positive`` class, 0 for every other class.

    The seed tutorial's "dog detector" wrote ``0 if y == 5 else 1`` (dog = 0); here the positive
    class is 1, as scikit-learn's ``pos_label`` and :func:`~keras_imbalance.evaluation.report`
    expect, so precision and recall are those of the class you care about.

    Args:
        y: labels: class indices, strings or one-hot rows.
        positive: the positive class: a label as in ``y``, or a name from ``class_names``.
        class_names: names of the classes in index order, to name ``positive``.

    Returns:
        An ``int64`` array of 0/1, one per sample.

    Example:
        >>> make_detector([3, 5, 1, 5], 5).tolist()
        [0, 1, 0, 1]
        >>> make_detector([0, 2, 1], "bird", class_names=["plane", "car", "bird"]).tolist()
        [0, 1, 0]
    """
    declared = len(class_names) if class_names is not None else None
    decoded = decode_labels(y, classes=declared, name="y")
    if decoded.indices is None:
        raise ValueError("y holds multi-hot rows; each label already is a detector target")
    classes = list(decoded.classes)
    position = None
    if isinstance(positive, np.generic):
        positive = positive.item()
    if class_names is not None and isinstance(positive, str):
        names = [str(c) for c in class_names]
        if positive in names:
            position = names.index(positive)
    if position is None and not isinstance(positive, bool):
        for i, c in enumerate(classes):
            if c == positive:
                position = i
                break
    if position is None:
        known = list(class_names) if class_names is not None else classes
        raise ValueError(
            f"positive={positive!r} is not a class of y ({short_repr(known)}); give one of them"
            + ("" if class_names is not None else " or pass class_names=")
        )
    return (decoded.indices == position).astype(np.int64)


def load_digits_lt(
    ratio: float = 10,
    *,
    profile: Profile = "exponential",
    class_order: Sequence[int] | None = None,
    seed: int = 0,
    test_size: float = 0.3,
    flatten: bool = False,
) -> ImbalancedDataset:
    """scikit-learn's bundled 8x8 digits (1797 images, no download), long-tailed.

    A stratified test split (``test_size``) is taken first, so the test set keeps the original,
    nearly balanced distribution; then the training split is made long-tailed with
    :func:`make_long_tailed`. Needs the ``sklearn`` extra.

    Args:
        ratio: imbalance ratio of the training split.
        profile: ``"exponential"`` or ``"step"``.
        class_order: digits head first (default ``0..9``).
        seed: seed of both the split and the subsampling.
        test_size: share of the data held out for testing, in ``(0, 1)``.
        flatten: return ``(N, 64)`` rows instead of ``(N, 8, 8, 1)`` images.

    Returns:
        An :class:`ImbalancedDataset`: ``x`` are ``float32`` in ``[0, 1]`` (pixel / 16),
        ``(N, 8, 8, 1)`` images (channels last, as Keras ``Conv2D`` expects) unless ``flatten``;
        ``y`` are ``int64`` digits.

    Example:
        >>> data = load_digits_lt(ratio=10)
        >>> data.x_train.shape[1:], data.class_counts("train").tolist()
        ((8, 8, 1), [122, 94, 73, 56, 43, 33, 26, 20, 15, 12])
    """
    test_size = check_number(
        "test_size", test_size, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as error:  # pragma: no cover - sklearn is installed in the test env
        raise ImportError(
            "load_digits_lt needs scikit-learn; install it with "
            'pip install "keras-imbalance[sklearn]"'
        ) from error
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, stratify=y, random_state=seed
    )
    x_train, y_train = make_long_tailed(
        x_train, y_train, ratio, profile=profile, class_order=class_order, seed=seed
    )
    if not flatten:
        x_train = x_train.reshape(-1, 8, 8, 1)
        x_test = x_test.reshape(-1, 8, 8, 1)
    return ImbalancedDataset(x_train, y_train, x_test, y_test, tuple(str(d) for d in range(10)))


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


def load_arrays(
    path: str | os.PathLike[str], *, label_column: str | None = None, image_size: int = 32
) -> Any:
    """Load a classification data set from an image folder, a ``.npz`` or a ``.csv`` file.

    The result is in a form :func:`~keras_imbalance.compare` takes.

    * A folder with one sub-folder per class: the images, decoded by Keras's
      ``image_dataset_from_directory`` at ``image_size`` x ``image_size`` and scaled to
      ``[0, 1]``, with the folder names as labels (needs TensorFlow).
    * A ``.npz`` file with arrays ``x`` and ``y``, or ``x_train``, ``y_train``, ``x_test`` and
      ``y_test``.
    * A ``.csv`` file with numeric feature columns and the label column ``label_column``.

    Returns:
        ``(x, y)``, or ``((x_train, y_train), (x_test, y_test))`` for a split ``.npz``.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "data.csv").write_text("a,b,label\\n1,2,cat\\n3,4,dog\\n")
        >>> x, y = load_arrays(folder / "data.csv", label_column="label")
        >>> x.tolist(), y.tolist()
        ([[1.0, 2.0], [3.0, 4.0]], ['cat', 'dog'])
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"path {str(path)!r} does not exist; give an image folder, a .npz or a .csv file"
        )
    if path.is_dir():
        return _load_image_folder(path, int(check_number("image_size", image_size, low=1)))
    suffix = path.suffix.lower()
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            keys = set(archive.files)
            if {"x_train", "y_train", "x_test", "y_test"} <= keys:
                return (
                    (archive["x_train"], archive["y_train"]),
                    (archive["x_test"], archive["y_test"]),
                )
            if {"x", "y"} <= keys:
                return (archive["x"], archive["y"])
        raise ValueError(
            f"{path} holds the arrays {sorted(keys)}; "
            "it needs x and y (or x_train, y_train, x_test, y_test)"
        )
    if suffix == ".csv":
        return _load_csv(path, label_column)
    raise ValueError(
        f"path {str(path)!r} has the unsupported suffix {suffix!r}; give a folder, .npz or .csv"
    )


def _load_csv(path: Path, column: str | None) -> tuple[np.ndarray, np.ndarray]:
    import csv

    if not column:
        raise ValueError(f"{path} is a CSV file; name its label column with label_column=")
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    if not rows:
        raise ValueError(f"{path} has no data rows")
    if column not in rows[0]:
        raise ValueError(
            f"label_column={column!r} is not a column of {path}; its columns are {list(rows[0])}"
        )
    features = [name for name in rows[0] if name != column]
    try:
        x = np.asarray([[float(row[name]) for name in features] for row in rows], dtype="float32")
    except ValueError as error:
        raise ValueError(
            f"{path} has a non-numeric feature column ({error}); give numeric features"
        ) from error
    y = np.asarray([row[column] for row in rows])
    return x, y


def _load_image_folder(path: Path, size: int) -> tuple[np.ndarray, np.ndarray]:
    import keras

    dataset = keras.utils.image_dataset_from_directory(
        path,
        image_size=(size, size),
        batch_size=256,
        shuffle=False,
        label_mode="int",
        verbose=False,
    )
    xs, ys = [], []
    for x, y in dataset.as_numpy_iterator():
        xs.append(x / 255.0)
        ys.append(y)
    names = list(dataset.class_names)
    return np.concatenate(xs).astype("float32"), np.asarray(names)[np.concatenate(ys)]
