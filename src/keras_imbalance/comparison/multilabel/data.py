"""The data of a multi-label comparison: read once, checked, split by iterative stratification.

``data`` is ``(x, y)`` (split three ways: ``test_size`` for test, ``validation_size`` for
validation, both shares of all samples), ``((x_train, y_train), (x_test, y_test))`` or a data
set with ``x_train``, ``y_train``, ``x_test`` and ``y_test`` (validation carved from the
training data, ``validation_size`` of it), one with ``x`` and ``y``
(:class:`~keras_imbalance.datasets.multilabel.MultiLabelDataset`), or the path of a ``.npz`` file
(:func:`~keras_imbalance.datasets.load_arrays`). ``y`` is multi-hot ``(n, L)``. Every split is
drawn by iterative stratification
(:func:`~keras_imbalance.comparison.multilabel.splits.iterative_stratification`), so each
label's positives are shared out in proportion, rare labels first.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number, short_repr
from keras_imbalance.comparison.multilabel.metrics import check_multi_hot
from keras_imbalance.comparison.multilabel.splits import iterative_stratification
from keras_imbalance.comparison.multilabel.training import MultiLabelData

__all__ = ["label_names_of", "multilabel_splits", "read_multilabel"]


def _unsupported(what: str) -> ValueError:
    return ValueError(
        f"{what} is not supported with label_mode='multi_label' yet; give arrays (x, y) with "
        f"multi-hot y of shape (n, L), ((x_train, y_train), (x_test, y_test)) or a .npz file"
    )


def read_multilabel(data: Any, test_data: Any) -> tuple[Any, Any, Any]:
    """``(train, test, names)``: ``train = (x, y)``, ``test`` ``(x, y)`` or ``None`` (then carved
    from ``train``), and the label names ``data`` carries, or ``None``."""
    if isinstance(data, str | os.PathLike):
        if Path(data).is_dir():
            raise _unsupported(f"the image folder {str(data)!r}")
        from keras_imbalance.datasets import load_arrays

        data = load_arrays(data)
    names = getattr(data, "label_names", None) or getattr(data, "class_names", None)
    if not isinstance(data, tuple | list) and hasattr(data, "x") and hasattr(data, "y"):
        data = (data.x, data.y)
    if all(hasattr(data, a) for a in ("x_train", "y_train", "x_test", "y_test")):
        data = ((data.x_train, data.y_train), (data.x_test, data.y_test))
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise _unsupported(f"data of type {type(data).__name__}")
    if isinstance(data[0], tuple | list):
        if test_data is not None:
            raise ValueError(
                "test_data was given with data=(train, test), which holds a test split already; "
                "give one of them"
            )
        return _pair(data[0], "data[0]"), _pair(data[1], "data[1]"), names
    test = _pair(test_data, "test_data") if test_data is not None else None
    return _pair(data, "data"), test, names


def _pair(pair: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(pair, tuple | list) or len(pair) != 2:
        raise _unsupported(f"{name} of type {type(pair).__name__}")
    x, y = np.asarray(pair[0]), check_multi_hot(f"{name} labels", pair[1])
    if x.dtype.kind not in "biuf" or len(x) != len(y):
        raise ValueError(
            f"{name} has inputs {short_repr(x)} and labels of shape {y.shape}; give numeric "
            f"inputs with one row per label row"
        )
    return x, y


def label_names_of(given: Sequence[str] | None, carried: Any, num_labels: int) -> list[str]:
    """``class_names`` (one per label), else the names the data carries, else ``"0"``..."""
    names = given if given is not None else carried
    if names is None:
        return [str(label) for label in range(num_labels)]
    names = [str(name) for name in names]
    if len(names) != num_labels:
        raise ValueError(
            f"class_names has {len(names)} names but y has {num_labels} labels; give one name "
            f"per label column"
        )
    return names


def _shares(validation_size: Any, test_size: Any, test_given: bool) -> tuple[float, float]:
    val = check_number(
        "validation_size", validation_size, low=0, high=1, low_inclusive=False, high_inclusive=False
    )
    test = check_number(
        "test_size", test_size, low=0, high=1, low_inclusive=False, high_inclusive=False
    )
    if not test_given and val + test >= 1:
        raise ValueError(
            f"validation_size={validation_size!r} + test_size={test_size!r} leaves no training "
            f"data; make their sum less than 1"
        )
    return val, test


def multilabel_splits(
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray] | None,
    *,
    shares: tuple[Any, Any],
    seed: int,
) -> MultiLabelData:
    """Train, validation and test splits; every label needs a positive and a negative sample
    in the training split.

    Example:
        >>> y = np.tile([[1, 0], [0, 1], [1, 1], [0, 0]], (10, 1))
        >>> x = np.arange(40.0)[:, None]
        >>> data = multilabel_splits((x, y), None, shares=(0.25, 0.25), seed=0)
        >>> len(data.x_train) + len(data.x_val) + len(data.x_test)
        40
    """
    val_size, test_size = _shares(*shares, test_given=test is not None)
    x, y = train
    if test is None:
        proportions = [1.0 - val_size - test_size, val_size, test_size]
        parts = iterative_stratification(y, proportions, seed=seed)
        idx_train, idx_val, idx_test = (np.sort(np.asarray(p, dtype=np.intp)) for p in parts)
        x_test, y_test = x[idx_test], y[idx_test]
    else:
        parts = iterative_stratification(y, [1.0 - val_size, val_size], seed=seed)
        idx_train, idx_val = (np.sort(np.asarray(p, dtype=np.intp)) for p in parts)
        x_test, y_test = test
    if y_test.shape[1] != y.shape[1]:
        raise ValueError(
            f"the test labels have {y_test.shape[1]} columns but the training labels "
            f"{y.shape[1]}; give the same labels in both"
        )
    data = MultiLabelData(x[idx_train], y[idx_train], x[idx_val], y[idx_val], x_test, y_test)
    _check_training_labels(data.y_train)
    return data


def _check_training_labels(y: np.ndarray) -> None:
    positives = y.sum(axis=0)
    for label, count in enumerate(positives):
        if count == 0 or count == len(y):
            kind = "positive" if count == 0 else "negative"
            raise ValueError(
                f"label {label} has no {kind} sample in the training split ({int(count)} of "
                f"{len(y)} rows are positive), so no remedy can learn it; drop the label or give "
                f"more data"
            )
