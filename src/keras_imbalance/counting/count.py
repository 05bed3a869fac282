"""Count the classes of a label source: :func:`count_labels` and :class:`ClassCounts`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from keras_imbalance._validation import check_option, short_repr
from keras_imbalance.counting.class_counts import ClassCounts, counts_from_labels
from keras_imbalance.counting.sources.file_datasets import count_file_dataset, count_tf_dataset
from keras_imbalance.counting.sources.files import count_path
from keras_imbalance.counting.sources.iterables import count_batches, py_dataset_batches
from keras_imbalance.counting.sources.pandas import count_pandas
from keras_imbalance.labels import LABEL_MODES, MAX_CLASSES, ClassesLike, LabelMode

#: What :func:`count_labels` reads, for its ``TypeError``.
SOURCES: tuple[str, ...] = (
    "a NumPy array, list or eager tensor of labels (class indices, strings, one-hot or "
    "multi-hot rows)",
    "a pandas Series, Categorical or DataFrame column",
    "a tf.data.Dataset of (x, y) or (x, y, sample_weight) batches, including one from "
    "keras.utils.image_dataset_from_directory",
    "a keras.utils.PyDataset, or an iterable or generator of (x, y) batches",
    "a path: a class-folder directory, a .npy or .npz file, or a .csv file (with column=)",
    "a {class: count} dict or a ClassCounts",
)


def count_labels(
    source: Any,
    *,
    label_mode: LabelMode | None = None,
    classes: ClassesLike = None,
    column: str | None = None,
    max_classes: int = MAX_CLASSES,
    assume_finite: bool = False,
) -> ClassCounts:
    """Count the classes of any label source, without decoding images or loading ``x``.

    Every source gives the counts NumPy gives on the same labels, read by
    :func:`~keras_imbalance.decode_labels`:

    * NumPy arrays, lists and eager tensors: class indices ``(N,)`` or ``(N, 1)`` (integral
      floats too), strings, one-hot ``(N, C)`` or multi-hot ``(N, L)`` rows, sequences, masks.
    * pandas: a ``Series``; a ``Categorical`` (or category ``Series``), whose categories, in their
      order, are the classes, absent ones included; a ``DataFrame`` with one column, or with
      ``column=``.
    * A ``tf.data.Dataset``: counted in-graph by :func:`keras_imbalance.counting.count_dataset`.
      One made by ``keras.utils.image_dataset_from_directory`` (that still has its
      ``file_paths`` and ``class_names``) is counted from its file paths, without reading a file.
    * A ``keras.utils.PyDataset`` or any other iterable of ``(x, y)`` or ``(x, y, sample_weight)``
      batches: counted batch by batch. The label mode and classes are fixed by ``label_mode`` and
      ``classes``, or by the first batch; integer classes may grow from batch to batch, and
      string labels merge by name. The iterable must end: an endless generator never returns.
    * A path (``str`` or ``pathlib.Path``): a class-folder directory
      (:func:`~keras_imbalance.counting.count_directory`), a ``.npy`` file, a ``.npz`` file
      (its ``y`` or ``y_train`` array, or the array ``column=`` names), or a ``.csv`` file
      (``column=`` names the label column, which a CSV always needs; numbers in it are class
      indices).
    * A ``{class: count}`` dict or a :class:`ClassCounts` (returned as is).

    Args:
        source: the labels, in any form above.
        label_mode: ``"int"``, ``"categorical"``, ``"multi_label"``, or ``None`` to detect it.
        classes: an int ``C`` or a list of classes, to declare classes that may be absent; for a
            directory, the list of class sub-folders to count.
        column: the label column of a ``DataFrame`` or ``.csv`` source.
        max_classes: the most integer classes labels may make without ``classes`` (default
            100 000): one stray label of 10**9 is refused, with an error that names this
            argument, before anything sized by the label is allocated. Every source honours it:
            arrays, lists, tensors, pandas, ``.npy``/``.npz``/``.csv`` files, ``tf.data``,
            ``PyDataset`` and batch iterables, and ``{class: count}`` dicts.
        assume_finite: for a ``tf.data.Dataset`` only. An infinite dataset (``.repeat()``) is
            refused, and so is one of unknown cardinality that reads an endless step upstream
            (``ds.repeat().filter(...)``), which would never end; pass ``True`` when something
            else ends it (a ``take_while``). See :func:`~keras_imbalance.counting.count_dataset`.

    Example:
        >>> count_labels([0, 1, 1, 2, 2, 2]).as_dict()
        {0: 1, 1: 2, 2: 3}
        >>> count_labels(["roses", "daisy", "roses"]).as_dict()
        {'daisy': 1, 'roses': 2}
        >>> batches = ((None, [0, 1]), (None, [1, 3]))
        >>> count_labels(iter(batches)).as_dict()
        {0: 1, 1: 2, 2: 0, 3: 1}
    """
    if label_mode is not None:
        check_option("label_mode", label_mode, LABEL_MODES)
    if column is not None and not isinstance(column, str):
        raise TypeError(f"column={short_repr(column)} must be a column name (a string)")
    if not isinstance(assume_finite, bool):
        raise TypeError(f"assume_finite must be True or False, got {short_repr(assume_finite)}")
    if assume_finite and not _is_tf_dataset(source):
        raise ValueError(
            f"assume_finite=True applies to a tf.data.Dataset, not to {type(source).__name__}; "
            f"drop it"
        )
    if isinstance(source, ClassCounts):
        return source
    if isinstance(source, str | os.PathLike):
        return count_path(source, label_mode, classes, column, max_classes)
    if _from_module(source, "pandas"):
        return count_pandas(source, label_mode, classes, column, max_classes)
    if column is not None:
        raise ValueError(
            f"column={column!r} applies to a DataFrame or a .csv file, not to "
            f"{type(source).__name__}; pass the labels themselves"
        )
    if isinstance(source, Mapping):
        if label_mode == "multi_label":
            raise ValueError(
                "label_mode='multi_label' needs the number of samples, which a {class: count} "
                "dict does not give; pass ClassCounts(counts, classes, 'multi_label', n_samples)"
            )
        return ClassCounts.from_counts(
            source, classes=classes, label_mode=label_mode or "int", max_classes=max_classes
        )
    if _is_tf_dataset(source):
        files = count_file_dataset(source, label_mode, classes)
        if files is not None:
            return files
        return count_tf_dataset(source, label_mode, classes, max_classes, assume_finite)
    if _has_file_attributes(source):
        files = count_file_dataset(source, label_mode, classes)
        if files is not None:
            return files
    if (
        isinstance(source, np.ndarray | list | tuple)
        or hasattr(source, "__array__")
        or (hasattr(source, "numpy") and hasattr(source, "shape"))
    ):
        return counts_from_labels(
            source, label_mode=label_mode, classes=classes, max_classes=max_classes
        )
    if _is_py_dataset(source):
        return count_batches(
            py_dataset_batches(source), label_mode, classes, "PyDataset", max_classes
        )
    if isinstance(source, Iterable) and not isinstance(source, str | bytes):
        return count_batches(iter(source), label_mode, classes, type(source).__name__, max_classes)
    listed = "\n  - ".join(SOURCES)
    raise TypeError(
        f"count_labels cannot read source={short_repr(source)} of type "
        f"{type(source).__module__}.{type(source).__qualname__}; it reads:\n  - {listed}"
    )


def _from_module(value: Any, package: str) -> bool:
    module = type(value).__module__ or ""
    return module == package or module.startswith(package + ".")


def _is_tf_dataset(value: Any) -> bool:
    return any(
        (cls.__module__ or "").startswith("tensorflow.python.data") for cls in type(value).__mro__
    )


def _is_py_dataset(value: Any) -> bool:
    return any(
        cls.__name__ in ("PyDataset", "Sequence") and (cls.__module__ or "").startswith("keras")
        for cls in type(value).__mro__
    )


def _has_file_attributes(value: Any) -> bool:
    return hasattr(value, "file_paths") and hasattr(value, "class_names")
