"""The metric set from confusion matrices, in NumPy: the one implementation, and its table.

``M`` is a confusion matrix, rows the true class and columns the predicted class (as in
:func:`sklearn.metrics.confusion_matrix`), or a stack of them ``(..., C, C)``: every function is
vectorised over the leading axes, so a bootstrap scores thousands of replicates at once. With
``t_i = sum_j M_ij`` (true count, the support), ``p_j = sum_i M_ij`` (predicted count),
``h_i = M_ii`` (hits) and ``N = sum_i t_i``, each metric follows scikit-learn's defaults (see
:data:`DEFINITIONS`). :func:`keras_imbalance.comparison.scoring.scores.metric_from_confusion` and
:func:`keras_imbalance.evaluation.report` compute through these functions; the Keras metric
classes of :mod:`keras_imbalance.metrics` compute the same formulas with ``keras.ops`` (they run
inside the compiled training step) and take their names from :data:`DEFINITIONS`; a test checks
that the two agree, and that both equal scikit-learn and imbalanced-learn.

This module lives in ``evaluation/`` rather than ``metrics/`` because importing
:mod:`keras_imbalance.metrics` imports Keras (its classes register for ``load_model``), and
:func:`~keras_imbalance.evaluation.report` and the bootstrap need NumPy only.

Classes *present* are those with ``t_i > 0`` or ``p_i > 0`` (scikit-learn's default
``labels=None`` for macro averages: the labels that occur in ``y_true`` or ``y_pred``). With
sample weights, give ``present=`` to count a label that occurs with weight 0, as scikit-learn does.
NumPy only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "DEFINITIONS",
    "MetricDefinition",
    "accuracy",
    "balanced_accuracy",
    "g_mean",
    "macro_f1",
    "mcc",
    "per_class_f1",
    "per_class_precision",
    "per_class_recall",
    "per_class_specificity",
    "present_classes",
    "tail_recall",
]


def _parts(confusion: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(hits, true counts, predicted counts)``, float64, each of shape ``(..., C)``."""
    m = np.asarray(confusion, dtype=np.float64)
    return np.diagonal(m, axis1=-2, axis2=-1), m.sum(axis=-1), m.sum(axis=-2)


def _ratio(numerator: np.ndarray, denominator: np.ndarray, zero_division: float) -> np.ndarray:
    """``numerator / denominator``, and ``zero_division`` where the denominator is 0."""
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, zero_division)


def _mean_over(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The mean of ``values`` over the classes in ``mask`` (last axis); 0 for an empty mask."""
    count = mask.sum(axis=-1)
    total = np.where(mask, values, 0.0).sum(axis=-1)
    return _ratio(total, count, 0.0)


def present_classes(confusion: Any) -> np.ndarray:
    """The classes that occur in the labels or the predictions: ``t_i > 0 or p_i > 0``.

    Example:
        >>> present_classes([[3, 1, 0], [0, 2, 0], [0, 0, 0]]).tolist()
        [True, True, False]
    """
    _, true, predicted = _parts(confusion)
    return (true > 0) | (predicted > 0)


def per_class_recall(confusion: Any, *, zero_division: float = 0.0) -> np.ndarray:
    """``r_i = h_i / t_i``; ``zero_division`` for a class with no support.

    Example:
        >>> per_class_recall([[3, 1], [0, 2]]).tolist()
        [0.75, 1.0]
    """
    hits, true, _ = _parts(confusion)
    return _ratio(hits, true, zero_division)


def per_class_precision(confusion: Any, *, zero_division: float = 0.0) -> np.ndarray:
    """``h_j / p_j``; ``zero_division`` for a class never predicted.

    Example:
        >>> [round(v, 4) for v in per_class_precision([[3, 1], [0, 2]]).tolist()]
        [1.0, 0.6667]
    """
    hits, _, predicted = _parts(confusion)
    return _ratio(hits, predicted, zero_division)


def per_class_f1(confusion: Any, *, zero_division: float = 0.0) -> np.ndarray:
    """``F1_i = 2 h_i / (t_i + p_i)`` (``= 2 TP / (2 TP + FP + FN)``); ``zero_division`` for a
    class that is neither in the labels nor in the predictions.

    Example:
        >>> [round(v, 4) for v in per_class_f1([[3, 1], [0, 2]]).tolist()]
        [0.8571, 0.8]
    """
    hits, true, predicted = _parts(confusion)
    return _ratio(2.0 * hits, true + predicted, zero_division)


def per_class_specificity(confusion: Any, *, zero_division: float = np.nan) -> np.ndarray:
    """``TN_i / (TN_i + FP_i)`` with ``FP_i = p_i - h_i``, ``TN_i = N - t_i - FP_i``;
    ``zero_division`` (NaN by default) for a class that every sample belongs to.

    Example:
        >>> per_class_specificity([[3, 1], [0, 2]]).tolist()
        [1.0, 0.75]
    """
    hits, true, predicted = _parts(confusion)
    false_positive = predicted - hits
    negatives = true.sum(axis=-1, keepdims=True) - true
    return _ratio(negatives - false_positive, negatives, zero_division)


def accuracy(confusion: Any) -> np.ndarray:
    """``sum_i h_i / N`` (``sklearn.metrics.accuracy_score``); 0 for an empty matrix.

    Example:
        >>> float(accuracy([[3, 1], [0, 2]]))
        0.8333333333333334
    """
    hits, true, _ = _parts(confusion)
    return _ratio(hits.sum(axis=-1), true.sum(axis=-1), 0.0)


def balanced_accuracy(confusion: Any) -> np.ndarray:
    """``mean_{i: t_i > 0} r_i``: the mean recall over the classes with support
    (``sklearn.metrics.balanced_accuracy_score``; Brodersen et al., ICPR 2010); 0 if none.

    Example:
        >>> float(balanced_accuracy([[3, 1], [0, 2]]))
        0.875
    """
    _, true, _ = _parts(confusion)
    return _mean_over(per_class_recall(confusion), true > 0)


def macro_f1(confusion: Any, *, present: np.ndarray | None = None) -> np.ndarray:
    """``mean_{i present} F1_i`` (``sklearn.metrics.f1_score(average="macro")``); 0 if none.

    Example:
        >>> round(float(macro_f1([[3, 1], [0, 2]])), 4)
        0.8286
    """
    mask = present_classes(confusion) if present is None else np.asarray(present, dtype=bool)
    return _mean_over(per_class_f1(confusion), mask)


def g_mean(confusion: Any, *, present: np.ndarray | None = None) -> np.ndarray:
    """``(prod_{i present} r_i) ** (1 / #present)``: imbalanced-learn's
    ``geometric_mean_score`` (Kubat and Matwin, ICML 1997). A class predicted but absent from the
    labels has recall 0, so G-mean is then 0. Computed in log space (no underflow); 0 if none.

    Example:
        >>> round(float(g_mean([[3, 1], [0, 2]])), 4)
        0.866
    """
    mask = present_classes(confusion) if present is None else np.asarray(present, dtype=bool)
    recall = per_class_recall(confusion)
    with np.errstate(divide="ignore"):
        logs = np.where(mask, np.log(np.where(mask, recall, 1.0)), 0.0)
    mean_log = _ratio(logs.sum(axis=-1), mask.sum(axis=-1), -np.inf)
    return np.exp(mean_log)


def mcc(confusion: Any) -> np.ndarray:
    """Matthews correlation, ``(sum h_i N - t.p) / sqrt((N^2 - p.p) (N^2 - t.t))``, 0 when the
    denominator is 0; in ``sklearn.metrics.matthews_corrcoef``'s order of operations, so that
    the rounding agrees (Gorodkin, 2004).

    Example:
        >>> round(float(mcc([[3, 1], [0, 2]])), 4)
        0.7071
    """
    hits, true, predicted = _parts(confusion)
    total = true.sum(axis=-1)
    cov_true_pred = hits.sum(axis=-1) * total - np.einsum("...i,...i->...", true, predicted)
    cov_pred_pred = total**2 - np.einsum("...i,...i->...", predicted, predicted)
    cov_true_true = total**2 - np.einsum("...i,...i->...", true, true)
    product = cov_pred_pred * cov_true_true
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(product == 0, 0.0, cov_true_pred / np.sqrt(product))


def tail_recall(confusion: Any, tail: Sequence[int]) -> np.ndarray:
    """``mean_{i in tail} r_i``: the mean recall of the named (rare) classes.

    Example:
        >>> float(tail_recall([[3, 1], [0, 2]], [1]))
        1.0
    """
    return per_class_recall(confusion)[..., list(tail)].mean(axis=-1)


@dataclass(frozen=True)
class MetricDefinition:
    """One metric of the set: its key, its words, its formula, its reference and how to compute
    it (in NumPy here; ``keras_name`` is the default name of the Keras metric class, if any)."""

    key: str
    words: str
    formula: str
    reference: str
    compute: Callable[..., np.ndarray]
    keras_name: str | None = None


#: Every metric of the set, by the key that ``compare(metric=...)``, ``results.json`` and the
#: report use.
DEFINITIONS: dict[str, MetricDefinition] = {
    d.key: d
    for d in (
        MetricDefinition(
            "balanced_accuracy",
            "balanced accuracy",
            "mean over the classes with support of h_i / t_i",
            "sklearn.metrics.balanced_accuracy_score",
            balanced_accuracy,
            "balanced_accuracy",
        ),
        MetricDefinition(
            "macro_f1",
            "macro-F1",
            "mean over the classes present of 2 h_i / (t_i + p_i)",
            'sklearn.metrics.f1_score(average="macro")',
            macro_f1,
            "macro_f1",
        ),
        MetricDefinition(
            "g_mean",
            "G-mean",
            "geometric mean over the classes present of h_i / t_i",
            "imblearn.metrics.geometric_mean_score",
            g_mean,
            "geometric_mean",
        ),
        MetricDefinition(
            "mcc",
            "MCC",
            "(sum h_i N - t.p) / sqrt((N^2 - p.p) (N^2 - t.t))",
            "sklearn.metrics.matthews_corrcoef",
            mcc,
            "matthews_correlation",
        ),
        MetricDefinition(
            "accuracy", "accuracy", "sum h_i / N", "sklearn.metrics.accuracy_score", accuracy
        ),
        MetricDefinition(
            "tail_recall",
            "tail recall",
            "mean over the tail classes of h_i / t_i",
            "sklearn.metrics.recall_score(average=None)[tail].mean()",
            tail_recall,
        ),
        MetricDefinition(
            "per_class_recall",
            "recall per class",
            "h_i / t_i",
            "sklearn.metrics.recall_score(average=None)",
            per_class_recall,
            "per_class_recall",
        ),
        MetricDefinition(
            "per_class_precision",
            "precision per class",
            "h_j / p_j",
            "sklearn.metrics.precision_score(average=None)",
            per_class_precision,
            "per_class_precision",
        ),
    )
}
