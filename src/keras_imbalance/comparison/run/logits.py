"""What a model's logits say: its outputs predicted in chunks, their score, their log loss."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_imbalance.comparison.data.streams import Stream
from keras_imbalance.comparison.scoring.scores import (
    METRICS,
    confusion_matrices,
    metric_from_confusion,
)

_CHUNK = 1024


def predict_logits(model: Any, x: Any) -> np.ndarray:
    """The model's outputs on ``x`` in inference mode, in chunks, as float64 NumPy.

    ``x`` is an array, :class:`~keras_imbalance.comparison.data.images.ImageFiles` streamed in
    chunks of its ``chunk`` images (decoded one chunk at a time), or a
    :class:`~keras_imbalance.comparison.data.streams.Stream` predicted batch by batch.
    """
    import keras

    if isinstance(x, Stream):
        return x.predict(model)
    step = _CHUNK if isinstance(x, np.ndarray) else int(getattr(x, "chunk", _CHUNK))
    parts = [
        keras.ops.convert_to_numpy(model(x[i : i + step], training=False))
        for i in range(0, len(x), step)
    ]
    return np.concatenate(parts).astype("float64")


def class_nll(y_true: np.ndarray, logits: np.ndarray, num_classes: int) -> np.ndarray:
    """Each class's summed cross-entropy ``sum_{i: y_i = c} -log softmax(z_i)[y_i]``, shape (C,).

    ``nan`` for every class when the logits are not finite.

    Example:
        >>> class_nll(np.array([0, 1]), np.log(np.array([[0.5, 0.5], [0.2, 0.8]])), 2).round(4)
        array([0.6931, 0.2231])
    """
    if not np.isfinite(logits).all():
        return np.full(num_classes, np.nan)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    losses = -log_probs[np.arange(len(y_true)), y_true]
    return np.bincount(y_true, weights=losses, minlength=num_classes).astype("float64")


def score(
    y_true: np.ndarray,
    logits: np.ndarray,
    metric: str,
    num_classes: int,
    tail: Sequence[int],
    **detector: Any,
) -> float:
    """``metric`` of the argmax of ``logits``; ``nan`` when the logits are not finite.

    The metrics of detectors and costs (``costs=``, ``min_precision=``) are scored by
    :func:`~keras_imbalance.comparison.scoring.operating_points.logit_score`.
    """
    if not np.isfinite(logits).all():
        return float("nan")
    if metric not in METRICS or detector.get("costs") is not None:
        from keras_imbalance.comparison.scoring.operating_points import logit_score

        return logit_score(y_true, logits, metric, num_classes, tail, **detector)
    confusion = confusion_matrices(y_true, logits.argmax(axis=-1), num_classes)
    return float(metric_from_confusion(confusion, metric, tail=tail))


__all__ = ["class_nll", "predict_logits", "score"]
