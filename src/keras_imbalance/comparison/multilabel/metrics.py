"""Scores of a multi-label comparison: per-label thresholds chosen on validation, and metrics.

NumPy only. ``y`` is a multi-hot ``(n, L)`` array of 0/1, ``scores`` the ``(n, L)`` sigmoid
probabilities of a model. A label is predicted present when its score is at least its threshold.

* :func:`best_f1_thresholds`: one threshold per label, the one that maximises that label's F1
  among the label's own scores (every distinct score is a candidate, all at once from one sort).
* :func:`label_table`: per-label average precision, F1, precision and recall at given thresholds.
* :func:`multilabel_scores`: macro and micro average precision (threshold-free) and macro F1 at
  the thresholds, the metrics of :data:`MULTILABEL_METRICS`.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import numpy as np

from keras_imbalance.comparison.scoring.ranking import (
    average_precision,
    multilabel_average_precision,
)

MultiLabelMetric = Literal["macro_average_precision", "micro_average_precision", "macro_f1"]
MULTILABEL_METRICS: tuple[str, ...] = get_args(MultiLabelMetric)
# A label without a positive in the validation split has no F1 to maximise: it keeps this.
DEFAULT_THRESHOLD = 0.5

__all__ = [
    "DEFAULT_THRESHOLD",
    "MULTILABEL_METRICS",
    "best_f1_thresholds",
    "label_table",
    "multilabel_scores",
    "predicted_counts",
]


def best_f1_thresholds(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Per label, the threshold among its scores with the highest F1, and the labels left at 0.5.

    For label ``l`` with ``P`` positives, predicting ``scores[:, l] >= t`` gives
    ``F1(t) = 2 TP(t) / (TP(t) + FP(t) + P)``. Sorting the scores once in decreasing order gives
    ``TP`` and ``FP`` at every distinct score as cumulative sums; the best ``t`` is kept (ties: the
    highest threshold, which predicts fewest positives). A label with no positive sample keeps
    :data:`DEFAULT_THRESHOLD` and is listed in the second value.

    Example:
        >>> y = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
        >>> s = np.array([[0.9, 0.2], [0.8, 0.1], [0.7, 0.3], [0.1, 0.4]])
        >>> thresholds, missing = best_f1_thresholds(y, s)
        >>> thresholds.tolist(), missing
        ([0.7, 0.5], [1])
    """
    y = np.asarray(y) > 0
    scores = np.asarray(scores, dtype=np.float64)
    n, labels = y.shape
    order = np.argsort(-scores, axis=0, kind="stable")
    ranked = np.take_along_axis(scores, order, axis=0)
    hits = np.take_along_axis(y, order, axis=0)
    true_positives = np.cumsum(hits, axis=0)
    false_positives = np.arange(1, n + 1)[:, None] - true_positives
    positives = true_positives[-1]
    # Only the last row of each run of equal scores is a threshold a rule ``>= t`` can reach.
    last_of_run = np.ones_like(ranked, dtype=bool)
    last_of_run[:-1] = ranked[:-1] != ranked[1:]
    f1 = 2.0 * true_positives / np.maximum(true_positives + false_positives + positives, 1)
    f1 = np.where(last_of_run, f1, -1.0)
    best = np.argmax(f1, axis=0)  # the first maximum: the highest threshold
    thresholds = ranked[best, np.arange(labels)]
    missing = [int(label) for label in np.flatnonzero(positives == 0)]
    thresholds[missing] = DEFAULT_THRESHOLD
    return thresholds, missing


def predicted_counts(
    y: np.ndarray, predicted: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(TP, FP, FN)`` per label, ``(L,)``, or ``(B, L)`` when ``weights`` is ``(n, B)``
    (how often each sample is drawn in each bootstrap replicate)."""
    y = (np.asarray(y) > 0).astype(np.float64)
    predicted = np.asarray(predicted, dtype=np.float64)
    if weights is None:
        return (
            (y * predicted).sum(0),
            ((1 - y) * predicted).sum(0),
            (y * (1 - predicted)).sum(0),
        )
    w = np.asarray(weights, dtype=np.float64).T
    return w @ (y * predicted), w @ ((1 - y) * predicted), w @ (y * (1 - predicted))


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """``top / bottom``, 0 where ``bottom`` is 0 (scikit-learn's ``zero_division=0``)."""
    return np.divide(top, bottom, out=np.zeros_like(top, dtype=np.float64), where=bottom > 0)


def f1_from_counts(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """``2 TP / (2 TP + FP + FN)``, 0 where nothing is predicted or present."""
    return _ratio(2.0 * tp, 2.0 * tp + fp + fn)


def label_table(y: np.ndarray, scores: np.ndarray, thresholds: np.ndarray) -> dict[str, np.ndarray]:
    """Per label: ``average_precision``, ``f1``, ``precision``, ``recall`` and ``positives``.

    A label with no positive sample has no average precision (NaN); its F1, precision and recall
    are 0 where undefined (scikit-learn's ``zero_division=0``).

    Example:
        >>> y = np.array([[1, 0], [0, 1], [1, 1]])
        >>> s = np.array([[0.9, 0.2], [0.3, 0.6], [0.6, 0.7]])
        >>> table = label_table(y, s, np.array([0.5, 0.5]))
        >>> table["f1"].tolist(), table["average_precision"].tolist()
        ([1.0, 1.0], [1.0, 1.0])
    """
    y = np.asarray(y) > 0
    predicted = np.asarray(scores) >= np.asarray(thresholds)[None, :]
    tp, fp, fn = predicted_counts(y, predicted)
    labels = y.shape[1]
    precision_per_label = [
        float(average_precision(y[:, label], scores[:, label])) if y[:, label].any() else np.nan
        for label in range(labels)
    ]
    return {
        "average_precision": np.asarray(precision_per_label),
        "f1": f1_from_counts(tp, fp, fn),
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "positives": y.sum(0).astype(np.int64),
    }


def multilabel_scores(
    y: np.ndarray, scores: np.ndarray, thresholds: np.ndarray
) -> dict[str, float]:
    """Macro and micro average precision, and macro F1 at ``thresholds``.

    Macro average precision averages the labels that have a positive
    (:func:`~keras_imbalance.comparison.scoring.ranking.multilabel_average_precision`); macro F1
    averages every label, 0 where undefined (scikit-learn's ``f1_score(average="macro",
    zero_division=0)``); micro average precision ranks every (sample, label) pair together.

    Example:
        >>> y = np.array([[1, 0], [0, 1], [1, 1]])
        >>> s = np.array([[0.9, 0.2], [0.3, 0.6], [0.6, 0.7]])
        >>> multilabel_scores(y, s, np.array([0.5, 0.5]))["macro_f1"]
        1.0
    """
    table = label_table(y, scores, thresholds)
    defined = table["average_precision"][~np.isnan(table["average_precision"])]
    return {
        "macro_average_precision": float(defined.mean()) if defined.size else float("nan"),
        "micro_average_precision": float(
            multilabel_average_precision(np.asarray(y), np.asarray(scores), average="micro")
        ),
        "macro_f1": float(table["f1"].mean()),
    }


def check_multi_hot(name: str, y: Any) -> np.ndarray:
    """``y`` as an ``(n, L)`` int array of 0/1 with ``L >= 1``, or a clear error."""
    array = np.asarray(y)
    if array.ndim != 2 or array.shape[1] < 1:
        raise ValueError(
            f"{name} has shape {array.shape}; label_mode='multi_label' needs multi-hot labels of "
            f"shape (n, L), one 0/1 column per label"
        )
    if array.dtype.kind not in "biuf" or not np.isin(array, (0, 1)).all():
        raise ValueError(
            f"{name} holds values other than 0 and 1; label_mode='multi_label' needs multi-hot "
            f"labels (1 where a label is present, else 0)"
        )
    return array.astype(np.int64)
