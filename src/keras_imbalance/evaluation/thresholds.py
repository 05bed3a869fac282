"""Choose a decision threshold on held-out data: :func:`best_threshold`."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.evaluation.result import ThresholdResult
from keras_imbalance.evaluation.scores import (
    as_float_array,
    flat_weight,
    require_sklearn,
    weight_of,
)
from keras_imbalance.labels import decode_labels

ThresholdMetric = Literal["f1", "balanced_accuracy", "precision", "recall", "mcc"]


THRESHOLD_METRICS: tuple[str, ...] = ("f1", "balanced_accuracy", "precision", "recall", "mcc")


def _binary_targets(y_true: Any) -> np.ndarray:
    true = decode_labels(y_true, name="y_true")
    if true.indices is None or not set(true.classes) <= {0, 1} or true.label_mode == "multi_label":
        raise ValueError(
            f"y_true must hold binary labels 0/1 (1 = positive), got classes "
            f"{short_repr(list(true.classes))}; map them with make_detector(y, positive)"
        )
    return true.indices.ravel()


def best_threshold(
    y_true: Any,
    scores: Any,
    *,
    metric: ThresholdMetric = "f1",
    min_recall: float | None = None,
    sample_weight: Any = None,
) -> ThresholdResult:
    """The decision threshold that maximises ``metric`` for a binary detector.

    Candidates are the distinct scores (``sklearn.metrics.roc_curve`` with
    ``drop_intermediate=False`` gives the confusion counts at each of them, all at once); a
    sample is positive when ``score >= threshold``. With ``min_recall``, only thresholds whose
    recall is at least ``min_recall`` compete. That is always possible: the lowest score labels
    every sample positive, which has recall 1. Ties go to the highest threshold.

    Metrics, from the weighted counts TP, FP, TN, FN: ``f1 = 2TP / (2TP + FP + FN)``,
    ``precision = TP / (TP + FP)``, ``recall = TP / (TP + FN)``,
    ``balanced_accuracy = (TP / (TP + FN) + TN / (TN + FP)) / 2``,
    ``mcc = (TP·TN - FP·FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN))`` (0 when undefined, as in
    scikit-learn).

    Args:
        y_true: 0/1 labels (1 = positive), or two-column one-hot rows.
        scores: ``(N,)`` or ``(N, 1)`` positive-class scores (probabilities or logits: any
            monotone score works), or ``(N, 2)`` probability rows (column 1 is used).
        metric: one of :data:`THRESHOLD_METRICS`.
        min_recall: optional lower bound on recall, in ``[0, 1]``.
        sample_weight: optional per-sample weights.

    Returns:
        A :class:`ThresholdResult`; it unpacks as ``threshold, value``.

    Example:
        >>> threshold, value = best_threshold([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.7])
        >>> threshold, round(value, 4)
        (0.35, 0.8571)
        >>> result = best_threshold(
        ...     [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], metric="precision", min_recall=1.0
        ... )
        >>> result.threshold, round(result.value, 4), result.recall
        (0.35, 0.6667, 1.0)
    """
    metrics = require_sklearn()
    check_option("metric", metric, THRESHOLD_METRICS)
    if min_recall is not None:
        min_recall = check_number("min_recall", min_recall, low=0.0, high=1.0)
    target = _binary_targets(y_true)
    score = as_float_array(scores, "scores")
    if score.ndim == 2 and score.shape[1] == 2:
        score = score[:, 1]
    elif score.ndim == 2 and score.shape[1] == 1:
        score = score[:, 0]
    if score.ndim != 1:
        raise ValueError(
            f"scores has shape {score.shape}; give (N,) or (N, 1) positive-class scores or "
            f"(N, 2) probability rows"
        )
    if score.shape[0] != target.shape[0]:
        raise ValueError(
            f"scores has {score.shape[0]} entries but y_true has {target.shape[0]}; give one "
            f"score per label"
        )
    weight = flat_weight(sample_weight, target.shape)
    positives = weight_of(target == 1, weight)
    negatives = weight_of(target == 0, weight)
    if positives == 0 or negatives == 0:
        missing = 1 if positives == 0 else 0
        raise ValueError(
            f"y_true has no samples of class {missing}; best_threshold needs both positives (1) "
            f"and negatives (0)"
        )

    fpr, tpr, thresholds = metrics.roc_curve(
        target, score, sample_weight=weight, drop_intermediate=False
    )
    # The first point (threshold +inf) predicts nothing positive: not a usable threshold.
    fpr, tpr, thresholds = fpr[1:], tpr[1:], thresholds[1:]
    tp = tpr * positives
    fp = fpr * negatives
    fn = positives - tp
    tn = negatives - fp
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        denominator = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        values = {
            "f1": 2 * tp / (2 * tp + fp + fn),
            "precision": precision,
            "recall": tpr,
            "balanced_accuracy": (tpr + (1 - fpr)) / 2,
            "mcc": np.where(denominator > 0, (tp * tn - fp * fn) / denominator, 0.0),
        }[metric]
    allowed = np.ones_like(values, dtype=bool)
    if min_recall is not None:
        allowed = tpr >= min_recall - 1e-12
    candidates = np.where(allowed, values, -np.inf)
    top = candidates.max()
    # thresholds decrease along the curve, so the first maximum is the highest threshold.
    best = int(np.flatnonzero(candidates >= top - 1e-12 * max(1.0, abs(top)))[0])
    return ThresholdResult(
        threshold=float(thresholds[best]),
        value=float(values[best]),
        metric=metric,
        precision=float(precision[best]),
        recall=float(tpr[best]),
        min_recall=min_recall,
    )
