"""Stratified draws and single-label decoding, shared by array and stream splits.

Both :mod:`~keras_imbalance.comparison.data.splits` (arrays, image folders) and
:mod:`~keras_imbalance.comparison.data.stream_splits` (tf.data streams) split the same way: every
class gives ``share`` of its samples, at least one, drawn with ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_imbalance.labels import decode_labels


def decode_single(y: Any, classes: list[Any] | None, name: str) -> Any:
    """Class indices of single-label ``y``; multi-label, sequence and mask targets are refused."""
    decoded = decode_labels(y, classes=classes, name=name)
    if decoded.indices is None or decoded.indices.ndim != 1:
        raise ValueError(
            f"{name} must hold one class per sample (class indices or one-hot rows), got "
            f"{decoded.label_mode} labels of shape {np.shape(y)}; compare does not handle "
            f"multi-label, sequence or mask targets"
        )
    return decoded


def stratified(
    y: np.ndarray, share: float, seed: int, split: str, classes: list[Any], keep: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(rest, taken)``: ``share`` of every class taken, at least one each.

    ``keep`` is how many samples of each class the rest must still hold (the later splits).
    """
    rng = np.random.default_rng(seed)
    taken: list[np.ndarray] = []
    for c, name in enumerate(classes):
        members = rng.permutation(np.flatnonzero(y == c))
        take = max(1, round(len(members) * share))
        if len(members) - take < keep:
            need = keep + 1
            raise ValueError(
                f"class {name!r} has {len(members)} sample(s), too few to appear in the {split} "
                f"split and the split(s) after it (it needs at least {need}); give more samples of "
                f"it, drop it, or pass validation_data= and a separate test set"
            )
        taken.append(members[:take])
    chosen = np.sort(np.concatenate(taken))
    rest = np.setdiff1d(np.arange(len(y)), chosen)
    return rest, chosen
