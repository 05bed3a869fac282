"""Scores of predictions through confusion matrices, with scikit-learn's default conventions.

:func:`confusion_matrices` counts (true, predicted) pairs over any leading axes, and
:func:`metric_from_confusion` turns counts into each metric of :data:`METRICS`, vectorised, so
that the bootstrap of :mod:`keras_imbalance.comparison.scoring.statistics` scores thousands of
replicates at once. The formulas are those of :mod:`keras_imbalance.evaluation.confusion_scores`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.comparison.scoring.costs import active_costs, expected_cost
from keras_imbalance.comparison.scoring.ranking import (
    SCORE_METRICS,  # threshold-free, of the scores
)
from keras_imbalance.evaluation import confusion_scores

Metric = Literal[
    "balanced_accuracy",
    "macro_f1",
    "g_mean",
    "mcc",
    "accuracy",
    "tail_recall",
    "f1",
    "recall_at_precision",
    "expected_cost",
]

CONFUSION_METRICS: tuple[str, ...] = get_args(Metric)
"""Every metric of confusion matrices: :data:`METRICS`, the binary ``f1`` and
``recall_at_precision``, and ``expected_cost`` (with costs)."""
METRICS: tuple[str, ...] = CONFUSION_METRICS[:6]
"""The metrics of every problem (what the bootstrap of
:mod:`~keras_imbalance.comparison.scoring.statistics` takes)."""
BINARY_METRICS: tuple[str, ...] = ("f1", "recall_at_precision", *SCORE_METRICS)
SELECTION_METRICS: tuple[str, ...] = (*CONFUSION_METRICS, *SCORE_METRICS)
"""What ``compare(metric=...)`` accepts."""
LOWER_IS_BETTER: frozenset[str] = frozenset({"expected_cost"})


def greater_is_better(metric: str) -> bool:
    """Whether a higher ``metric`` is better: every metric but ``expected_cost`` (a cost).

    Every choice of ``compare`` (epochs, knobs, thresholds, ranks, the verdict) reads it.

    Example:
        >>> greater_is_better("balanced_accuracy"), greater_is_better("expected_cost")
        (True, False)
    """
    return metric not in LOWER_IS_BETTER


def oriented(values: Any, metric: str) -> Any:
    """``values`` turned so that higher is better: negated for a cost.

    Example:
        >>> oriented(2.0, "expected_cost"), oriented(0.5, "f1")
        (-2.0, 0.5)
    """
    return values if greater_is_better(metric) else -values


def ranked(values: Any, metric: str) -> np.ndarray:
    """``values`` made higher-better (:func:`oriented`), ``-inf`` where not finite: what every
    choice takes the maximum of.

    Example:
        >>> ranked(np.array([0.2, np.nan, -np.inf, 0.1]), "expected_cost").tolist()
        [-0.2, -inf, -inf, -0.1]
    """
    array = np.asarray(values, dtype=float)
    return np.where(np.isfinite(array), oriented(array, metric), -np.inf)


def split_metrics(num_classes: int, *, costs: bool = False) -> tuple[str, ...]:
    """The confusion metrics a split of a ``num_classes`` problem records.

    Example:
        >>> split_metrics(2, costs=True)[-3:]
        ('f1', 'recall_at_precision', 'expected_cost')
        >>> "f1" in split_metrics(3)
        False
    """
    binary = ("f1", "recall_at_precision") if num_classes == 2 else ()
    return (*METRICS, *binary, *(("expected_cost",) if costs else ()))


def check_metric_classes(metric: str, num_classes: int) -> None:
    """Refuse a binary-only metric on a problem with more than 2 classes.

    Example:
        >>> check_metric_classes("average_precision", 3)
        Traceback (most recent call last):
        ...
        ValueError: metric='average_precision' is for binary problems (2 classes); the data ...
    """
    if metric in BINARY_METRICS and num_classes != 2:
        others = ", ".join(repr(m) for m in (*METRICS, "expected_cost"))
        raise ValueError(
            f"metric={metric!r} is for binary problems (2 classes); the data has {num_classes} "
            f"classes. Use one of {others} (expected_cost with costs=), or make the problem "
            f"binary (e.g. the CLI's --detector CLASS)"
        )


# --------------------------------------------------------------------------------------------
# Confusion matrices and metrics
# --------------------------------------------------------------------------------------------


def check_labels(name: str, labels: Any, num_classes: int) -> np.ndarray:
    """Return ``labels`` as an integer array whose values all lie in ``[0, num_classes)``."""
    array = np.asarray(labels)
    if array.size == 0 and array.dtype.kind not in "iu":
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must hold integer class indices, got dtype {array.dtype}; "
            f"convert class scores with argmax(axis=-1) or cast whole numbers with .astype(int)"
        )
    if array.size:
        low, high = int(array.min()), int(array.max())
        if low < 0 or high >= num_classes:
            bad = low if low < 0 else high
            raise ValueError(
                f"{name} holds class {bad}, outside [0, {num_classes}) (num_classes="
                f"{num_classes}); give labels 0..{num_classes - 1} or raise num_classes"
            )
    return array.astype(np.intp, copy=False)


def check_num_classes(num_classes: Any) -> int:
    return int(check_number("num_classes", num_classes, low=1, integer=True))


def confusion_matrices(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Count (true class, predicted class) pairs, batched over the leading axes of ``y_pred``.

    ``M[..., i, j] = #{k : y_true[k] = i and y_pred[..., k] = j}``: rows are the true class,
    columns the predicted class, as in :func:`sklearn.metrics.confusion_matrix` with
    ``labels=range(num_classes)``. All batches are counted with one ``np.bincount``.

    Parameters
    ----------
    y_true : np.ndarray
        Shape ``(n,)``, integer classes in ``[0, num_classes)``.
    y_pred : np.ndarray
        Shape ``(..., n)``, integer classes in ``[0, num_classes)``, e.g. ``(seeds, n)``.
    num_classes : int
        Number of classes ``C``.

    Returns
    -------
    np.ndarray
        Shape ``(..., C, C)``, dtype int64.

    Examples
    --------
    >>> import numpy as np
    >>> confusion_matrices(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), 3).tolist()
    [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    >>> confusion_matrices(np.array([0, 1]), np.array([[0, 1], [1, 1]]), 2).shape
    (2, 2, 2)
    """
    num_classes = check_num_classes(num_classes)
    true = check_labels("y_true", y_true, num_classes)
    pred = check_labels("y_pred", y_pred, num_classes)
    if true.ndim != 1:
        raise ValueError(
            f"y_true must have shape (n,), got shape {true.shape}; pass one label per sample"
        )
    if pred.ndim < 1 or pred.shape[-1] != true.shape[0]:
        raise ValueError(
            f"y_pred has shape {pred.shape} but y_true has {true.shape[0]} samples; "
            f"give y_pred the shape (..., {true.shape[0]})"
        )
    batch = pred.shape[:-1]
    rows = int(np.prod(batch, dtype=np.int64))
    cells = num_classes * num_classes
    codes = true * num_classes + pred.reshape(rows, true.shape[0])
    codes += (np.arange(rows, dtype=np.intp) * cells)[:, None]
    counts = np.bincount(codes.ravel(), minlength=rows * cells)
    return counts.astype(np.int64, copy=False).reshape(*batch, num_classes, num_classes)


def check_tail(tail: Sequence[int], num_classes: int) -> tuple[int, ...]:
    classes = tuple(tail)
    for value in classes:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(
                f"tail={short_repr(tail)} holds {value!r}, which is not a class index; "
                f"give integer classes, e.g. tail=[{num_classes - 1}]"
            )
        if not 0 <= int(value) < num_classes:
            raise ValueError(
                f"tail={short_repr(tail)} holds class {int(value)}, outside [0, {num_classes}); "
                f"give classes 0..{num_classes - 1}"
            )
    if len(set(classes)) != len(classes):
        raise ValueError(f"tail={short_repr(tail)} repeats a class; list each tail class once")
    return tuple(int(value) for value in classes)


def metric_values(confusion: np.ndarray, metric: str, tail: tuple[int, ...]) -> np.ndarray:
    """:func:`metric_from_confusion` on inputs already checked (every total is positive)."""
    if metric == "tail_recall":
        return confusion_scores.tail_recall(confusion, tail)
    if metric == "expected_cost":
        return expected_cost(confusion, active_costs())
    if metric in ("f1", "recall_at_precision"):
        check_metric_classes(metric, confusion.shape[-1])
        m = np.asarray(confusion, dtype=np.float64)
        tp, fp, fn = m[..., 1, 1], m[..., 0, 1], m[..., 1, 0]
        if metric == "f1":  # of the positive class, 0 when it is neither true nor predicted
            return np.where(tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1e-300), 0.0)
        # the recall of the positive class at the predictions given (those at the threshold of
        # the wanted precision: keras_imbalance.comparison.scoring.operating_points)
        return np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1e-300), 0.0)
    return confusion_scores.DEFINITIONS[metric].compute(confusion)


def metric_from_confusion(
    confusion: np.ndarray, metric: Metric | str, *, tail: Sequence[int] = ()
) -> np.ndarray:
    """Score confusion matrices, vectorised over their leading axes.

    With ``M`` the confusion matrix (rows true), ``t_i = sum_j M_ij`` (true count),
    ``p_j = sum_i M_ij`` (predicted count), ``h_i = M_ii``, ``N = sum t_i`` and
    ``r_i = h_i / t_i`` (recall; 0 when ``t_i = 0``), each metric equals scikit-learn's
    default on the same labels (computed by :mod:`keras_imbalance.evaluation.confusion_scores`):

    * ``accuracy = sum h_i / N`` (``accuracy_score``);
    * ``balanced_accuracy = mean_{i: t_i > 0} r_i`` (``balanced_accuracy_score``: mean recall
      over the classes present in ``y_true``);
    * ``macro_f1 = mean_{i in U} 2 h_i / (t_i + p_i)`` with ``U = {i: t_i > 0 or p_i > 0}``
      (``f1_score(average="macro", zero_division=0)``, whose labels are those in ``y_true``
      or ``y_pred``);
    * ``g_mean = (prod_{i in U} r_i) ** (1 / |U|)`` (imbalanced-learn's
      ``geometric_mean_score`` with its defaults; Kubat & Matwin, ICML 1997): a class that is
      predicted but absent from ``y_true`` has recall 0, so the score is then 0;
    * ``mcc = (sum h_i * N - t.p) / sqrt((N^2 - p.p) (N^2 - t.t))``, 0 when the denominator is
      0 (``matthews_corrcoef``; Gorodkin, 2004);
    * ``tail_recall = mean_{i in tail} r_i``; every tail class must occur in ``y_true``;
    * ``f1 = 2 TP / (2 TP + FP + FN)`` of the positive class 1 (binary only; 0 when
      ``TP + FP + FN = 0``); ``recall_at_precision = TP / (TP + FN)``, the recall of class 1 at
      the predictions given (binary only: those at the threshold chosen for the wanted
      precision, :mod:`~keras_imbalance.comparison.scoring.operating_points`);
    * ``expected_cost = sum_ij M_ij Cost_ij / N`` with the cost matrix of the enclosing
      :func:`~keras_imbalance.comparison.scoring.costs.cost_scope`; lower is better.

    Parameters
    ----------
    confusion : np.ndarray
        Shape ``(..., C, C)`` of non-negative counts, rows = true class.
    metric : str
        One of :data:`METRICS`.
    tail : Sequence[int]
        The tail classes, for ``metric="tail_recall"`` only.

    Returns
    -------
    np.ndarray
        Shape ``(...)``, float64.

    Examples
    --------
    >>> import numpy as np
    >>> m = confusion_matrices(np.array([0, 0, 0, 1]), np.array([0, 0, 1, 1]), 2)
    >>> round(float(metric_from_confusion(m, "balanced_accuracy")), 4)  # (2/3 + 1) / 2
    0.8333
    >>> round(float(metric_from_confusion(m, "g_mean")), 4)  # sqrt(2/3 * 1)
    0.8165
    >>> round(float(metric_from_confusion(m, "tail_recall", tail=[1])), 4)
    1.0
    """
    metric = check_option("metric", metric, CONFUSION_METRICS)
    m = np.asarray(confusion)
    if m.ndim < 2 or m.shape[-1] != m.shape[-2]:
        raise ValueError(
            f"confusion has shape {m.shape}; give square matrices of shape (..., C, C), "
            f"e.g. from confusion_matrices(y_true, y_pred, num_classes)"
        )
    if m.dtype.kind not in "iuf":
        raise TypeError(f"confusion must hold counts, got dtype {m.dtype}; pass a numeric array")
    if m.size and np.min(m) < 0:
        raise ValueError(
            f"confusion holds a negative count ({np.min(m)}); counts must be >= 0, "
            f"e.g. from confusion_matrices(y_true, y_pred, num_classes)"
        )
    totals = m.sum(axis=(-2, -1))
    if m.shape[-1] == 0 or np.any(totals == 0):
        raise ValueError(
            "confusion holds a matrix with no samples (total count 0); a metric needs at "
            "least one sample, as in scikit-learn, which raises on empty input"
        )
    classes = check_tail(tail, m.shape[-1])
    if metric == "tail_recall":
        if not classes:
            raise ValueError(
                f"tail={short_repr(tail)} is empty; name the tail classes for "
                f"metric='tail_recall', e.g. tail=[{m.shape[-1] - 1}]"
            )
        absent = np.sum(m, axis=-1)[..., list(classes)] == 0
        if np.any(absent):
            missing = sorted({classes[i] for i in np.nonzero(absent)[-1].tolist()})
            raise ValueError(
                f"tail class(es) {missing} do not occur in y_true, so their recall is "
                f"undefined; drop them from tail={short_repr(tail)} or score data that has them"
            )
    return metric_values(m, metric, classes)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------
