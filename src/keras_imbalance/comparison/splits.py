"""Training and held-out splits for :func:`~keras_imbalance.comparison.compare`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from keras_imbalance._validation import short_repr
from keras_imbalance.labels import decode_labels


@dataclass
class Split:
    """Arrays for one comparison: a training split and a held-out split."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    held_out: str = "given"


def as_split(data: Any, *, test_size: float, seed: int) -> Split:
    """Accept ``((x, y), (x_test, y_test))``, a dataset container, or ``(x, y)`` to split."""
    if isinstance(data, Split):
        return data
    if hasattr(data, "x_train"):
        names = list(getattr(data, "class_names", []) or [])
        return Split(data.x_train, data.y_train, data.x_test, data.y_test, names)
    if isinstance(data, Mapping) and "x_train" in data:
        return Split(
            data["x_train"],
            data["y_train"],
            data["x_test"],
            data["y_test"],
            list(data.get("class_names", [])),
        )
    if isinstance(data, Sequence) and len(data) == 2:
        first, second = data
        if (
            isinstance(first, Sequence)
            and len(first) == 2
            and isinstance(second, Sequence)
            and len(second) == 2
        ):
            return Split(
                np.asarray(first[0]),
                np.asarray(first[1]),
                np.asarray(second[0]),
                np.asarray(second[1]),
                [],
            )
        return _held_out_split(
            np.asarray(first), np.asarray(second), test_size=test_size, seed=seed
        )
    raise TypeError(
        f"data={short_repr(data)} is not understood; give (x, y), ((x_train, y_train), (x_test, "
        f"y_test)) or a dataset from keras_imbalance.datasets"
    )


def _held_out_split(x: np.ndarray, y: np.ndarray, *, test_size: float, seed: int) -> Split:
    """Hold out a balanced split when every class can spare enough, else a stratified one."""
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} samples but y has {len(y)}; give one label per sample")
    decoded = _single_label(y, None, "y")
    indices = decoded.indices
    counts = decoded.counts()
    rng = np.random.default_rng(seed)
    per_class = math.floor(counts.min() * test_size)
    mode = "balanced" if per_class >= 5 else "stratified"
    test_parts = []
    for c in range(len(counts)):
        members = rng.permutation(np.flatnonzero(indices == c))
        take = per_class if mode == "balanced" else max(1, round(len(members) * test_size))
        if take >= len(members):
            raise ValueError(
                f"class {decoded.classes[c]!r} has only {len(members)} samples, "
                f"too few to hold out "
                f"a test split; give a separate test set as ((x, y), (x_test, y_test))"
            )
        test_parts.append(members[:take])
    test = np.sort(np.concatenate(test_parts))
    train = np.setdiff1d(np.arange(len(y)), test)
    return Split(x[train], indices[train], x[test], indices[test], decoded.class_names, mode)


def _single_label(y: Any, classes: Any, name: str) -> Any:
    """Decode class-index or one-hot labels; multi-label rows are refused."""
    decoded = decode_labels(y, classes=classes, name=name)
    if decoded.indices is None or decoded.indices.ndim != 1:
        raise ValueError(
            f"{name} must hold one class per sample (class indices or one-hot rows), got "
            f"{decoded.label_mode} labels of shape {np.shape(y)}; compare does not handle "
            f"multi-label, sequence or mask targets"
        )
    return decoded
