"""Operating points of a binary problem: decision thresholds chosen on validation only.

A run of a binary comparison records its positive-class probabilities ``p = softmax(z)[:, 1]``
on validation and test (:func:`~keras_imbalance.comparison.run_record.score_run`). A sample is
predicted positive when ``p >= t``. The candidates for ``t`` are the distinct validation scores;
the confusion counts at all of them come from one sort and two cumulative sums
(:func:`threshold_confusions`), never a loop over thresholds.

* :func:`choose_threshold`: the ``t`` that is best for the selection metric on validation
  (lowest for ``expected_cost``); for a threshold-free metric (``average_precision``,
  ``roc_auc``) the ``t`` of the highest F1. Ties go to the highest ``t``.
* :func:`precision_threshold`: the lowest ``t`` whose validation precision reaches
  ``min_precision`` (the most recall at that precision), or, when none does, the ``t`` of the
  highest validation precision. ``recall_at_precision`` is the test recall there.

The test split chooses nothing: every ``t`` is a function of validation labels and scores alone;
test is only scored at it (:mod:`~keras_imbalance.comparison.thresholded`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number
from keras_imbalance.comparison.scoring.costs import cost_scope, decide
from keras_imbalance.comparison.scoring.ranking import average_precision, roc_auc
from keras_imbalance.comparison.scoring.scores import (
    SCORE_METRICS,
    confusion_matrices,
    metric_from_confusion,
    metric_values,
    oriented,
)

__all__ = [
    "add_detector_scores",
    "choose_threshold",
    "positive_precision",
    "score_metrics",
    "logit_score",
    "positive_scores",
    "precision_threshold",
    "predict_at",
    "threshold_confusions",
    "threshold_values",
]


def threshold_confusions(y_true: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(thresholds, confusions)``: each distinct score, highest first, and the ``(K, 2, 2)``
    confusion matrices of ``scores >= threshold`` (rows true class, columns predicted).

    Example:
        >>> t, m = threshold_confusions(np.array([0, 1, 1]), np.array([0.2, 0.9, 0.2]))
        >>> t.tolist(), m[1].tolist()  # at t = 0.2 everything is positive
        ([0.9, 0.2], [[0, 1], [0, 2]])
    """
    y = np.asarray(y_true).astype(np.int64)
    p = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-p, kind="stable")
    p, y = p[order], y[order]
    tp = np.cumsum(y == 1)
    fp = np.cumsum(y == 0)
    # the last sample of each run of equal scores: a threshold there counts the whole run
    last = np.r_[np.flatnonzero(np.diff(p) != 0), len(p) - 1]
    tp, fp = tp[last], fp[last]
    positives, negatives = int(tp[-1]), int(fp[-1])
    confusions = np.empty((len(last), 2, 2), dtype=np.int64)
    confusions[:, 0, 0] = negatives - fp
    confusions[:, 0, 1] = fp
    confusions[:, 1, 0] = positives - tp
    confusions[:, 1, 1] = tp
    return p[last], confusions


def threshold_values(
    y_true: np.ndarray, scores: np.ndarray, metric: str, tail: Sequence[int] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """``(thresholds highest first, metric at each)``: a threshold-free metric counts as F1."""
    thresholds, confusions = threshold_confusions(y_true, scores)
    scored = "f1" if metric in SCORE_METRICS else metric
    return thresholds, np.asarray(metric_values(confusions, scored, tuple(tail)), dtype=float)


def _first_best(values: np.ndarray) -> int:
    """The first index of the maximum (thresholds run highest first: ties to the highest)."""
    top = float(np.max(values))
    return int(np.flatnonzero(values >= top - 1e-12 * max(1.0, abs(top)))[0])


def choose_threshold(
    y_true: np.ndarray,
    scores: np.ndarray,
    metric: str,
    *,
    tail: Sequence[int] = (),
    min_precision: float = 0.9,
) -> float:
    """The decision threshold best for ``metric`` on ``(y_true, scores)``; ties to the highest.

    ``recall_at_precision`` takes :func:`precision_threshold`; ``expected_cost`` is minimised
    (in the :func:`~keras_imbalance.comparison.scoring.costs.cost_scope` around the call);
    ``average_precision`` and ``roc_auc`` do not depend on a threshold, so ``t`` maximises F1.

    Example:
        >>> y = np.array([0, 0, 1, 1, 0, 1])
        >>> choose_threshold(y, np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.7]), "f1")
        0.35
    """
    if metric == "recall_at_precision":
        return precision_threshold(y_true, scores, min_precision)
    thresholds, values = threshold_values(y_true, scores, metric, tail)
    if metric not in SCORE_METRICS:
        values = oriented(values, metric)
    return float(thresholds[_first_best(values)])


def precision_threshold(y_true: np.ndarray, scores: np.ndarray, min_precision: float) -> float:
    """The lowest threshold whose precision is at least ``min_precision`` (the most recall
    there); when none reaches it, the threshold of the highest precision (ties: the highest).

    Example:
        >>> y = np.array([0, 1, 0, 1, 1])
        >>> p = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
        >>> precision_threshold(y, p, 0.75), precision_threshold(y, p, 1.0)
        (0.3, 0.7)
    """
    min_precision = check_number("min_precision", min_precision, low=0.0, high=1.0)
    thresholds, confusions = threshold_confusions(y_true, scores)
    tp, fp = confusions[:, 1, 1], confusions[:, 0, 1]
    precision = tp / np.maximum(tp + fp, 1)
    reached = np.flatnonzero(precision >= min_precision - 1e-12)
    if reached.size:
        return float(thresholds[reached[-1]])
    return float(thresholds[_first_best(precision)])


def positive_scores(logits: np.ndarray) -> np.ndarray:
    """``softmax(z)[:, 1]`` of binary logits, computed stably; ``nan`` rows stay ``nan``.

    Example:
        >>> positive_scores(np.array([[0.0, 0.0], [0.0, np.log(3.0)]])).tolist()
        [0.5, 0.75]
    """
    z = np.asarray(logits, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(1.0 / (1.0 + np.exp(z[:, 0] - z[:, 1])))


def predict_at(scores: np.ndarray, threshold: float) -> np.ndarray:
    """``1`` where ``scores >= threshold``, else ``0``.

    Example:
        >>> predict_at(np.array([0.2, 0.5, 0.7]), 0.5).tolist()
        [0, 1, 1]
    """
    return (np.asarray(scores) >= threshold).astype(np.int64)


def logit_score(
    y_true: np.ndarray,
    logits: np.ndarray,
    metric: str,
    num_classes: int,
    tail: Sequence[int],
    *,
    costs: Sequence[Sequence[float]] | None = None,
    min_precision: float = 0.9,
) -> float:
    """``metric`` of one set of logits, as an epoch is scored while a run trains.

    A confusion metric scores the argmax (with ``costs`` and more than 2 classes, the Bayes
    decision); ``recall_at_precision`` is the recall at the :func:`precision_threshold` of these
    very scores; ``average_precision`` and ``roc_auc`` score ``softmax(z)[:, 1]``. The threshold
    of a binary run is only moved after training (:mod:`~keras_imbalance.comparison.thresholded`),
    so the epoch of ``f1`` or ``expected_cost`` is the best at the argmax.

    Example:
        >>> z = np.array([[0.0, 1.0], [0.0, -1.0], [0.0, 2.0]])
        >>> logit_score(np.array([1, 0, 0]), z, "roc_auc", 2, ())
        0.5
    """
    if metric in SCORE_METRICS or metric == "recall_at_precision":
        y = np.asarray(y_true).astype(np.int64)
        p = positive_scores(logits)
        if metric == "recall_at_precision":
            reached = predict_at(p, precision_threshold(y, p, min_precision))
            return float(np.sum((reached == 1) & (y == 1)) / max(1, int(np.sum(y == 1))))
        if len(np.unique(y)) < 2:
            return float("nan")
        scored = average_precision if metric == "average_precision" else roc_auc
        return float(scored(y, p))
    matrix = None if costs is None else np.asarray(costs, dtype=np.float64)
    predicted = decide(logits, matrix if num_classes > 2 else None)
    with cost_scope(matrix):
        confusion = confusion_matrices(np.asarray(y_true), predicted, num_classes)
        return float(metric_from_confusion(confusion, metric, tail=tail))


def score_metrics(y: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """``average_precision`` and ``roc_auc`` of positive-class ``scores`` (``nan`` when a class
    is missing or a score is not finite).

    Example:
        >>> score_metrics(np.array([0, 1, 1]), np.array([0.2, 0.9, 0.4]))
        {'average_precision': 1.0, 'roc_auc': 1.0}
    """
    y = np.asarray(y).astype(np.int64)
    p = np.asarray(scores, dtype=np.float64)
    if not np.isfinite(p).all() or len(np.unique(y)) < 2:
        return {"average_precision": float("nan"), "roc_auc": float("nan")}
    return {
        "average_precision": float(average_precision(y, p)),
        "roc_auc": float(roc_auc(y, p)),
    }


def positive_precision(y: np.ndarray, predicted: np.ndarray) -> float:
    """The precision of the positive class; ``nan`` when nothing is predicted positive.

    Example:
        >>> positive_precision(np.array([0, 1, 1]), np.array([1, 1, 0]))
        0.5
    """
    positive = int(np.sum(predicted == 1))
    return int(np.sum((predicted == 1) & (y == 1))) / positive if positive else float("nan")


def add_detector_scores(
    record: dict[str, Any],
    labels: Mapping[str, np.ndarray],
    scores: Mapping[str, np.ndarray],
    min_precision: float,
) -> None:
    """Write a binary run's threshold-free scores and its recall at ``min_precision``.

    ``record[split]`` gets ``average_precision``, ``roc_auc`` and ``recall_at_precision``: the
    recall at :func:`precision_threshold` of the VALIDATION scores, which
    ``record["at_precision"]`` holds with the precision reached on each split and the
    predictions there. ``nan`` everywhere when a score is not finite (a diverged run).
    """
    splits = ("validation", "test")
    if not all(np.isfinite(scores[split]).all() for split in splits):
        for split in splits:
            nan = float("nan")
            record[split].update(average_precision=nan, roc_auc=nan, recall_at_precision=nan)
        return
    threshold = precision_threshold(labels["validation"], scores["validation"], min_precision)
    at: dict[str, Any] = {"min_precision": float(min_precision), "threshold": threshold}
    for split in splits:
        y, p = np.asarray(labels[split]), scores[split]
        reached = predict_at(p, threshold)
        hits = int(np.sum((reached == 1) & (y == 1)))
        record[split]["recall_at_precision"] = hits / max(1, int(np.sum(y == 1)))
        record[split].update(score_metrics(y, p))
        at.setdefault("precision", {})[split] = positive_precision(y, reached)
        at.setdefault("predictions", {})[split] = reached.tolist()
    record["at_precision"] = at
