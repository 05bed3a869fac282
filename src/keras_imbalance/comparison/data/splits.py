"""Train, validation and test splits for :func:`~keras_imbalance.comparison.compare`.

The test split never chooses anything: every choice ``compare`` makes (a strategy's
hyperparameter, the epoch whose weights are kept, the ranking, the best strategy) is made on the
validation split, and the test split is scored once, for the report.

* ``(x, y)``: a stratified three-way split; every class appears in all three splits.
* ``((x_train, y_train), (x_test, y_test))`` or a dataset from :mod:`keras_imbalance.datasets`:
  the validation split is carved from the training data, stratified.
* ``validation_data=(x_val, y_val)``: the user's own validation split.
* an image folder (a path): split like ``(x, y)`` *by file list*, before any image is decoded;
  each split's ``x`` is then an :class:`~keras_imbalance.comparison.data.images.ImageFiles`,
  decoded a batch at a time (see :mod:`~keras_imbalance.comparison.data.images`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np

from keras_imbalance._validation import check_number, short_repr
from keras_imbalance.comparison.data.images import ImageFiles, image_folder_data, joined_cache
from keras_imbalance.comparison.data.stratify import decode_single, stratified
from keras_imbalance.comparison.data.stream_splits import stream_splits
from keras_imbalance.comparison.data.streams import Stream, is_stream

if TYPE_CHECKING:
    from typing import Unpack

SPLITS: tuple[str, ...] = ("train", "validation", "test")


@dataclass
class Splits:
    """The three splits of one comparison, with class indices ``0..C-1`` as labels.

    The ``x`` of each split is an array, or an :class:`ImageFiles` for an image folder.
    ``sources`` says where each split came from, in words (it goes into ``results.json``).
    """

    x_train: Any
    y_train: np.ndarray
    x_val: Any
    y_val: np.ndarray
    x_test: Any
    y_test: np.ndarray
    class_names: list[str]
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def counts(self, split: str) -> np.ndarray:
        """Samples per class of ``"train"``, ``"validation"`` or ``"test"``."""
        y = {"train": self.y_train, "validation": self.y_val, "test": self.y_test}[split]
        return np.bincount(y, minlength=self.num_classes)


class SplitOptions(TypedDict, total=False):
    """The options of :func:`make_splits` besides the data and the seed (documented there)."""

    validation_data: Any
    test_data: Any
    validation_size: float
    test_size: float
    class_names: Sequence[str] | None
    image_size: Any
    skip_corrupt: bool


_SPLIT_DEFAULTS: SplitOptions = {
    "validation_data": None,
    "test_data": None,
    "validation_size": 0.2,
    "test_size": 0.2,
    "class_names": None,
    "image_size": 32,
    "skip_corrupt": False,
}


def make_splits(data: Any, *, seed: int = 0, **options: Unpack[SplitOptions]) -> Splits:
    """Decode the labels of ``data`` and return its train, validation and test splits.

    Args:
        data: ``(x, y)``; ``((x_train, y_train), (x_test, y_test))``; an object or dict with
            ``x_train, y_train, x_test, y_test`` (and optionally ``class_names``); or the path
            of an image folder (one sub-folder per class), split like ``(x, y)`` by file list.
        validation_data: ``(x_val, y_val)`` to use as the validation split as given.
        validation_size: the share carved out for validation (of all samples for ``(x, y)``, of
            the training samples otherwise), stratified by class.
        test_size: the test share when ``data`` is ``(x, y)``.
        class_names: names of the classes in label order (default: from ``data`` or the labels).
        seed: seed of the stratified draws (test: ``seed``, validation: ``seed + 1``).
        image_size: ``side`` or ``(height, width)`` the images of a folder are resized to.
        skip_corrupt: skip (with a warning) the empty or corrupt images of a folder instead of
            raising :class:`~keras_imbalance.comparison.data.images.CorruptImageError`.
        test_data: ``(x_test, y_test)`` with ``data=(x, y)``, the same as
            ``data=((x, y), (x_test, y_test))``; or, for a stream, the test stream.

    ``data`` may also be a ``tf.data.Dataset`` or ``keras.utils.PyDataset`` of ``(x, y)``
    batches, or a pair ``(train, test)`` of them: the validation and test splits not given are
    carved out of a finite, unshuffled ``tf.data.Dataset`` like arrays (a ``PyDataset`` needs
    both), and each split's ``x`` is a :class:`~keras_imbalance.comparison.data.streams.Stream` (see
    :mod:`~keras_imbalance.comparison.data.streams`).

    Example:
        >>> x = np.arange(40, dtype="float32").reshape(20, 2)
        >>> y = np.array([0] * 14 + [1] * 6)
        >>> splits = make_splits((x, y), validation_size=0.25, test_size=0.25)
        >>> [splits.counts(s).tolist() for s in SPLITS]
        [[7, 3], [3, 1], [4, 2]]
    """
    unknown = sorted(set(options) - set(_SPLIT_DEFAULTS))
    if unknown:
        raise TypeError(
            f"make_splits got {unknown[0]!r}, which it does not take; use some of "
            f"{', '.join(sorted(_SPLIT_DEFAULTS))}"
        )
    given: dict[str, Any] = {**_SPLIT_DEFAULTS, **options}
    for name in ("validation_size", "test_size"):
        check_number(name, given[name], low=0, high=1, low_inclusive=False, high_inclusive=False)
    if _is_pair(data) and is_stream(data[0]) and is_stream(data[1]):
        if given["test_data"] is not None:
            raise ValueError("test_data was given and data holds a test stream too; give one")
        data, given["test_data"] = data
    split = _streamed if is_stream(data) else _in_memory
    splits = split(data, given, seed)
    _check_splits(splits)
    return splits


def _streamed(data: Any, given: Mapping[str, Any], seed: int) -> Splits:
    """The splits of a stream: given ones as they are, the others carved out of ``data``."""
    streams, _, names = stream_splits(
        data,
        given["validation_data"],
        given["test_data"],
        given["class_names"],
        validation_size=given["validation_size"],
        test_size=given["test_size"],
        seed=seed,
    )
    train, val, test = streams["train"], streams["val"], streams["test"]
    return Splits(
        train,
        train.labels,
        val,
        val.labels,
        test,
        test.labels,
        [str(name) for name in names],
        {"train": train.source, "validation": val.source, "test": test.source},
    )


def _in_memory(data: Any, given: Mapping[str, Any], seed: int) -> Splits:
    """The splits of arrays or of an image folder's file list."""
    validation_size, test_size = given["validation_size"], given["test_size"]
    if given["test_data"] is not None:
        if x_test_given(data):
            raise ValueError("test_data was given and data holds a test split too; give one")
        data = (data, given["test_data"])
    x_train, y_train, x_test, y_test, names = _unpack(
        data, given["image_size"], given["skip_corrupt"]
    )
    if x_test is None and validation_size + test_size >= 1:
        raise ValueError(
            f"validation_size={validation_size!r} + test_size={test_size!r} leaves no training "
            f"data; keep their sum below 1, e.g. 0.2 and 0.2"
        )
    labels = decode_single(y_train, None, "y" if x_test is None else "y_train")
    classes = list(labels.classes)
    sources: dict[str, str] = {}
    if x_test is None:
        # (x, y): test first, then validation, both stratified from the same pool.
        train_idx, test_idx = stratified(labels.indices, test_size, seed, "test", classes, keep=2)
        sources["test"] = f"stratified {test_size:g} of the data (seed {seed})"
        pool = (take_rows(x_train, train_idx), labels.indices[train_idx])
        test = (take_rows(x_train, test_idx), labels.indices[test_idx])
        share = validation_size / (1 - test_size)
    else:
        pool = (x_train, labels.indices)
        test = (x_test, decode_single(y_test, classes, "y_test").indices)
        sources["test"] = "given"
        share = validation_size
    (fit, val), sources["validation"] = _validation(pool, given, share, seed, classes)
    if sources["validation"] != "given":
        of = "data" if "stratified" in sources["test"] else "training data"
        sources["validation"] = f"stratified {validation_size:g} of the {of} (seed {seed + 1})"
    sources["train"] = "the rest" if given["validation_data"] is None or x_test is None else "given"
    return Splits(
        _as_array(fit[0]),
        fit[1],
        _as_array(val[0]),
        val[1],
        _as_array(test[0]),
        test[1],
        _class_names(given["class_names"], names, classes),
        sources,
    )


def _validation(
    pool: tuple[Any, np.ndarray],
    given: Mapping[str, Any],
    share: float,
    seed: int,
    classes: list[Any],
) -> tuple[tuple[tuple[Any, np.ndarray], tuple[Any, np.ndarray]], str]:
    """``((fit, validation), source)``: the given validation split, or one carved from ``pool``."""
    if given["validation_data"] is not None:
        x_val, y_val = _pair(given["validation_data"], "validation_data")
        y_val_idx = decode_single(y_val, classes, "validation_data labels").indices
        return (pool, (x_val, y_val_idx)), "given"
    x_pool, y_pool = pool
    fit_idx, val_idx = stratified(y_pool, share, seed + 1, "validation", classes, keep=1)
    fit = (take_rows(x_pool, fit_idx), y_pool[fit_idx])
    return (fit, (take_rows(x_pool, val_idx), y_pool[val_idx])), "stratified"


def _class_names(
    given: Sequence[str] | None, found: Sequence[Any] | None, classes: list[Any]
) -> list[str]:
    """The class names: given, else found in the data, else the labels; one per class."""
    names = [str(name) for name in given] if given is not None else list(found or [])
    names = names or [str(c) for c in classes]
    if len(names) != len(classes):
        raise ValueError(
            f"class_names has {len(names)} names but the labels hold {len(classes)} classes "
            f"({short_repr(classes)}); give one name per class, in label order"
        )
    return list(names)


def x_test_given(data: Any) -> bool:
    """Whether ``data`` already holds a test split (``x_test``, or a pair of pairs)."""
    if hasattr(data, "x_train") or (isinstance(data, Mapping) and "x_train" in data):
        return True
    return _is_pair(data) and _is_pair(data[0]) and _is_pair(data[1])


def join_inputs(first: Any, second: Any) -> Any:
    """``first`` followed by ``second``: arrays concatenated (float32), image files as one file
    list (a second split under another root keeps its full paths). Image files of different
    sizes, or image files with arrays, raise ``ValueError``.

    Example:
        >>> join_inputs(np.zeros((2, 3)), np.ones((1, 3))).shape
        (3, 3)
    """
    if isinstance(first, ImageFiles) or isinstance(second, ImageFiles):
        if not (isinstance(first, ImageFiles) and isinstance(second, ImageFiles)):
            raise ValueError("the training and validation splits are not both image files")
        if first.image_size != second.image_size:
            raise ValueError(
                f"the training images are read at {first.image_size} and the validation images "
                f"at {second.image_size}; they cannot be joined"
            )
        paths = second.paths
        if second.root != first.root:
            paths = tuple(os.path.abspath(os.path.join(second.root, p)) for p in second.paths)
        cache = joined_cache(first, second)
        return ImageFiles(first.root, first.paths + paths, first.image_size, cache)
    return np.concatenate([np.asarray(first, "float32"), np.asarray(second, "float32")])


def take_rows(x: Any, rows: np.ndarray) -> Any:
    """The samples at ``rows``: undecoded for image files."""
    return x.take(rows) if isinstance(x, ImageFiles) else x[rows]


def _as_array(x: Any) -> Any:
    return x if isinstance(x, ImageFiles | Stream) else np.asarray(x)


def is_folder(data: Any) -> bool:
    """Whether ``data`` is the path of a folder (an image folder for compare)."""
    import os

    return isinstance(data, str | os.PathLike) and os.path.isdir(data)


def _unpack(
    data: Any, image_size: Any = 32, skip_corrupt: bool = False
) -> tuple[Any, Any, Any, Any, list[str]]:
    """``(x_train, y_train, x_test | None, y_test | None, class_names)``."""
    if is_folder(data):
        files, labels, folder_names = image_folder_data(
            data, image_size=image_size, skip_corrupt=skip_corrupt
        )
        return files, np.asarray(folder_names)[labels], None, None, folder_names
    if hasattr(data, "x_train") or (isinstance(data, Mapping) and "x_train" in data):
        get = data.__getitem__ if isinstance(data, Mapping) else lambda key: getattr(data, key)
        names = (
            data.get("class_names")
            if isinstance(data, Mapping)
            else getattr(data, "class_names", None)
        )
        return (
            np.asarray(get("x_train")),
            np.asarray(get("y_train")),
            np.asarray(get("x_test")),
            np.asarray(get("y_test")),
            [str(n) for n in names or []],
        )
    if isinstance(data, Sequence) and not isinstance(data, str) and len(data) == 2:
        first, second = data
        if _is_pair(first) and _is_pair(second):
            (x_train, y_train), (x_test, y_test) = _pair(first, "data[0]"), _pair(second, "data[1]")
            return x_train, y_train, x_test, y_test, []
        x, y = _pair(data, "data")
        return x, y, None, None, []
    raise TypeError(
        f"data={short_repr(data)} is not understood; give (x, y), ((x_train, y_train), "
        f"(x_test, y_test)) or a dataset from keras_imbalance.datasets"
    )


def _is_pair(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2


def _pair(value: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    if not _is_pair(value):
        raise TypeError(f"{name}={short_repr(value)} must be a pair (x, y)")
    x, y = np.asarray(value[0]), np.asarray(value[1])
    if x.ndim == 0 or len(x) != len(y):
        raise ValueError(
            f"{name} holds {len(x) if x.ndim else 0} samples of x but {len(y)} labels; "
            f"give one label per sample"
        )
    return x, y


def _check_splits(splits: Splits) -> None:
    """Every class in every split; finite numeric features of one shape."""
    for split in SPLITS:
        counts = splits.counts(split)
        if (counts == 0).any():
            missing = int(np.flatnonzero(counts == 0)[0])
            raise ValueError(
                f"class {splits.class_names[missing]!r} has no samples in the {split} split; "
                f"every class needs samples in train, validation and test to compare remedies"
            )
    shapes = {
        s: x.shape[1:]
        for s, x in zip(SPLITS, (splits.x_train, splits.x_val, splits.x_test), strict=True)
    }
    if len(set(shapes.values())) != 1:
        raise ValueError(
            f"the splits' samples differ in shape ({shapes}); give samples of one shape"
        )
    for split, x in zip(SPLITS, (splits.x_train, splits.x_val, splits.x_test), strict=True):
        if isinstance(x, ImageFiles | Stream):  # files checked by check_images; streams by Keras
            continue
        if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
            raise TypeError(
                f"the {split} features have dtype {x.dtype}; compare needs real numbers "
                f"(decode images or encode categorical columns first)"
            )
        if np.issubdtype(x.dtype, np.floating):
            bad = ~np.isfinite(x.reshape(len(x), -1)).all(axis=1)
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                raise ValueError(
                    f"the {split} features hold NaN or inf in {int(bad.sum())} sample(s), the "
                    f"first at index {first} of that split; impute or drop them before comparing"
                )
