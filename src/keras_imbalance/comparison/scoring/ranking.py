"""How well a binary detector ranks positives above negatives: average precision and ROC AUC.

Both metrics read the curve of weighted true- and false-positive counts over the distinct
score thresholds (tied scores form one threshold). The scores are sorted once (stable,
descending); a cumulative sum of the weights over that order and one of the positives'
weights, read at the last sample of each group of tied scores, give ``TP_k`` and ``FP_k``.
Only the groups that hold a positive move either metric, so only they are scored. Weights
may carry a second axis, one column per bootstrap replicate (how often it drew each sample):
every column is scored with the same sort, in blocks of columns that keep each temporary under
:data:`BLOCK_ELEMENTS` elements. The values equal scikit-learn's
:func:`~sklearn.metrics.average_precision_score` and :func:`~sklearn.metrics.roc_auc_score`
with ``sample_weight`` set to the column. NumPy only, so the same under every Keras backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

from keras_imbalance._validation import check_option, short_repr

ScoreMetric = Literal["average_precision", "roc_auc"]

SCORE_METRICS: tuple[str, ...] = get_args(ScoreMetric)

__all__ = [
    "BLOCK_ELEMENTS",
    "SCORE_METRICS",
    "ScoreMetric",
    "average_precision",
    "check_binary_labels",
    "check_scores",
    "multilabel_average_precision",
    "roc_auc",
    "score_metric",
]

# Largest temporary, in array elements, built at once over (replicates, samples) weights; a
# block holds about two such float64 temporaries at once (64 MB). Tests lower it to check
# that the result does not depend on it.
BLOCK_ELEMENTS = 4_000_000

# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------


def check_binary_labels(name: str, labels: Any, ndim: int = 1) -> np.ndarray:
    """Return ``labels`` as a non-empty ``ndim``-D int array of 0 and 1, or raise (naming it)."""
    array = np.asarray(labels)
    if array.ndim != ndim or array.size == 0:
        wanted = "(n,)" if ndim == 1 else "(n, labels)"
        raise ValueError(
            f"{name} has shape {array.shape}; give a non-empty array of shape {wanted} "
            f"of 0/1 labels"
        )
    if array.dtype.kind not in "biu":
        raise TypeError(
            f"{name} must hold integer 0/1 labels, got dtype {array.dtype}; "
            f"cast whole numbers with .astype(int)"
        )
    bad = array[(array != 0) & (array != 1)]
    if bad.size:
        raise ValueError(
            f"{name} holds label {bad.flat[0].item()!r}; these metrics are for binary labels: "
            f"give 0 (negative) and 1 (positive), e.g. (y == positive_class).astype(int)"
        )
    return array.astype(np.intp)


def check_scores(name: str, scores: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Return ``scores`` as finite float64 of ``shape``, or raise naming ``name``."""
    array = np.asarray(scores)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold real scores (higher = more positive), got dtype {array.dtype}"
        )
    if array.shape != shape:
        raise ValueError(
            f"{name} has shape {array.shape}; give shape {shape}, one score per label in y_true"
        )
    array = array.astype(np.float64)
    finite = np.isfinite(array)
    if not finite.all():
        raise ValueError(
            f"{name} holds a non-finite score ({array[~finite][0].item()!r}); give finite "
            f"scores, e.g. probabilities or logits without NaN or inf"
        )
    return array


def _check_weights(weights: Any, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    array = np.asarray(weights)
    if array.dtype.kind not in "biuf" or array.ndim not in (1, 2) or array.shape[0] != n:
        raise ValueError(
            f"weights={short_repr(weights)} must be real, of shape ({n},) or ({n}, replicates) "
            f"to match y_true; give one non-negative weight per sample (and per replicate)"
        )
    array = array.astype(np.float64)
    if not np.isfinite(array).all() or (array < 0).any():
        bad = array[~np.isfinite(array) | (array < 0)][0].item()
        raise ValueError(
            f"weights holds {bad!r}; give finite, non-negative weights (e.g. bootstrap counts)"
        )
    return array


# --------------------------------------------------------------------------------------------
# Curve counts and the metrics
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Thresholds:
    """Where the groups of tied scores that hold a positive lie in the descending order.

    ``order`` sorts the scores stably, descending; ``positives`` are the sorted positions of
    the positive samples; for each group ``g`` of tied scores that holds a positive, ``ends[g]``
    is its last sorted position, ``before[g]`` the position just before the group (-1 for the
    first) and ``through[g]`` how many positives lie at or before ``ends[g]``.
    """

    order: np.ndarray
    positives: np.ndarray
    ends: np.ndarray
    before: np.ndarray
    through: np.ndarray


def _thresholds(y_true: np.ndarray, scores: np.ndarray) -> _Thresholds:
    order = np.argsort(-scores, kind="stable")
    last = np.append(np.flatnonzero(np.diff(scores[order])), scores.shape[0] - 1)
    positives = np.flatnonzero(y_true[order])
    groups = np.unique(np.searchsorted(last, positives))
    ends = last[groups]
    before = np.where(groups > 0, last[groups - 1], -1)
    through = np.searchsorted(positives, ends, side="right")
    return _Thresholds(order, positives, ends, before, through)


def _row_sums(terms: np.ndarray) -> np.ndarray:
    """Sums of each row, added left to right.

    NumPy's pairwise ``sum`` can group the terms differently with the memory alignment of the
    row, so a value could change in its last bit with the number of replicates in a block; a
    running sum cannot.
    """
    return np.cumsum(terms, axis=1)[:, -1]


def _curve_metric(metric: str, rows: np.ndarray, at: _Thresholds) -> np.ndarray:
    """``metric`` for each row of ``rows`` ``(B, n)`` weights, from the counts at ``at``.

    With ``TP_g`` and ``FP_g`` the weighted positives and negatives scored at or above group
    ``g``, ``TP_g-`` and ``FP_g-`` those strictly above it, and ``P``, ``N`` the totals, only
    the groups that hold a positive contribute:
    ``AP = sum_g (TP_g - TP_g-) TP_g / (TP_g + FP_g) / P`` and
    ``AUC = sum_g (TP_g - TP_g-) (N - (FP_g + FP_g-) / 2) / (P N)``.
    """
    seen = np.take(rows, at.order, axis=1)  # then, in place, weight scored at or above
    np.cumsum(seen, axis=1, out=seen)
    hits = np.take(rows, at.order[at.positives], axis=1)
    np.cumsum(hits, axis=1, out=hits)
    tps = hits[:, at.through - 1]
    previous_tps = np.concatenate([np.zeros_like(tps[:, :1]), tps[:, :-1]], axis=1)
    steps = tps - previous_tps
    positive, negative = hits[:, -1], seen[:, -1] - hits[:, -1]
    if metric == "average_precision":
        above = seen[:, at.ends]
        precision = np.zeros_like(tps)
        np.divide(tps, above, out=precision, where=above > 0)
        summed, scale = _row_sums(steps * precision), positive
    else:
        fps = seen[:, at.ends] - tps
        # no positive lies between the previous positive group and this one: TP_g- = TP_{g-1}
        previous_fps = np.where(at.before >= 0, seen[:, np.maximum(at.before, 0)], 0.0)
        previous_fps -= previous_tps
        summed = _row_sums(steps * (negative[:, None] - (fps + previous_fps) / 2.0))
        scale = positive * negative
    out = np.full_like(scale, np.nan)
    np.divide(summed, scale, out=out, where=scale > 0)
    return out


def score_metric(
    metric: str, y_true: np.ndarray, scores: np.ndarray, weights: np.ndarray | None
) -> float | np.ndarray:
    """``metric`` (one of :data:`SCORE_METRICS`) of checked inputs; internal, trusts them.

    ``weights`` ``None`` or ``(n,)`` give a float, ``(n, B)`` a ``(B,)`` array. Each
    weighting is summed along its own row, left to right, so that a replicate's value does not
    depend on how many replicates share its block.
    """
    n = scores.shape[0]
    rows = np.ones((1, n)) if weights is None else weights.reshape(n, -1).T
    at = _thresholds(y_true, scores)
    values = np.full(rows.shape[0], np.nan)
    if at.positives.size:
        block = max(1, BLOCK_ELEMENTS // n)
        for b0 in range(0, rows.shape[0], block):
            values[b0 : b0 + block] = _curve_metric(metric, rows[b0 : b0 + block], at)
    if weights is None or weights.ndim == 1:
        return float(values[0])
    return values


def _checked(
    y_true: Any, scores: Any, weights: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    true = check_binary_labels("y_true", y_true)
    return true, check_scores("scores", scores, true.shape), _check_weights(weights, true.shape[0])


def average_precision(y_true: Any, scores: Any, weights: Any = None) -> float | np.ndarray:
    """Average precision of binary scores: ``AP = sum_k (R_k - R_{k-1}) P_k``.

    Over the distinct score thresholds ``t_1 > t_2 > ...`` (tied scores form one threshold),
    ``P_k = TP_k / (TP_k + FP_k)`` and ``R_k = TP_k / P`` are the weighted precision and recall
    of predicting positive when ``score >= t_k``, with ``R_0 = 0``: the step-wise area under
    the precision-recall curve, without interpolation. Equals
    ``sklearn.metrics.average_precision_score(y_true, scores, sample_weight=weights)``.

    Where the (weighted) positives sum to 0, AP is undefined: the result is NaN (scikit-learn
    warns and returns 0).

    Parameters
    ----------
    y_true : array-like
        Shape ``(n,)``, integer labels, 1 for positive and 0 for negative.
    scores : array-like
        Shape ``(n,)``, finite real scores; higher means more likely positive.
    weights : array-like, optional
        Non-negative sample weights, shape ``(n,)``, or ``(n, B)`` for ``B`` weightings at once
        (e.g. the draw counts of bootstrap replicates).

    Returns
    -------
    float or np.ndarray
        A float, or shape ``(B,)`` for ``(n, B)`` weights.

    Examples
    --------
    >>> y = [0, 0, 1, 1]
    >>> scores = [0.1, 0.4, 0.35, 0.8]
    >>> round(average_precision(y, scores), 4)  # (1/2)*1 + (1/2)*(2/3)
    0.8333
    >>> average_precision(y, scores, [[1, 1], [1, 0], [1, 1], [1, 1]]).round(4).tolist()
    [0.8333, 1.0]
    >>> average_precision([0, 0], [0.2, 0.7])  # no positive
    nan
    """
    true, checked_scores, checked_weights = _checked(y_true, scores, weights)
    return score_metric("average_precision", true, checked_scores, checked_weights)


def roc_auc(y_true: Any, scores: Any, weights: Any = None) -> float | np.ndarray:
    """Area under the ROC curve: the chance that a positive scores above a negative.

    ``AUC = sum_{i pos, j neg} w_i w_j ([s_i > s_j] + [s_i = s_j] / 2) / (P N)``, with ``P`` and
    ``N`` the weighted counts of positives and negatives (ties count half); computed as the
    trapezoid area under (FPR, TPR) over the distinct thresholds. Equals
    ``sklearn.metrics.roc_auc_score(y_true, scores, sample_weight=weights)``. Where either class
    has weight 0 the area is undefined: the result is NaN (scikit-learn raises or warns).

    Parameters
    ----------
    y_true, scores, weights
        As in :func:`average_precision`.

    Returns
    -------
    float or np.ndarray
        A float, or shape ``(B,)`` for ``(n, B)`` weights.

    Examples
    --------
    >>> round(roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)  # 3 of the 4 pairs in order
    0.75
    >>> roc_auc([0, 1], [0.5, 0.5])  # a tie counts half
    0.5
    >>> roc_auc([0, 1, 1], [0.3, 0.6, 0.9], [[1, 0], [1, 1], [1, 1]]).tolist()
    [1.0, nan]
    """
    true, checked_scores, checked_weights = _checked(y_true, scores, weights)
    return score_metric("roc_auc", true, checked_scores, checked_weights)


def multilabel_average_precision(
    y_true: Any, scores: Any, average: Literal["macro", "micro"] = "macro"
) -> float:
    """Average precision of multi-label scores, macro- or micro-averaged over the labels.

    ``macro``: the mean of :func:`average_precision` over the labels that have at least one
    positive; a label without positives has no defined AP and is left out (scikit-learn's
    ``average_precision_score(Y, S, average="macro")`` warns and counts it as 0, so the two
    agree whenever every label has a positive). ``micro``: the AP of all (sample, label) pairs
    pooled, ``average_precision(Y.ravel(), S.ravel())``, as in scikit-learn. NaN when there is
    no positive at all.

    Parameters
    ----------
    y_true : array-like
        Shape ``(n, L)``, multi-hot 0/1 labels.
    scores : array-like
        Shape ``(n, L)``, finite real scores, one column per label.
    average : {"macro", "micro"}
        How to average over the labels.

    Returns
    -------
    float

    Examples
    --------
    >>> y = [[1, 0], [0, 1], [1, 1], [0, 0]]
    >>> s = [[0.9, 0.2], [0.3, 0.6], [0.7, 0.4], [0.2, 0.5]]
    >>> round(multilabel_average_precision(y, s), 4)  # mean of 1 and (1 + 2/3) / 2
    0.9167
    >>> round(multilabel_average_precision(y, s, average="micro"), 4)
    0.95
    """
    check_option("average", average, ("macro", "micro"))
    true = check_binary_labels("y_true", y_true, ndim=2)
    checked = check_scores("scores", scores, true.shape)
    if average == "micro":
        return float(score_metric("average_precision", true.ravel(), checked.ravel(), None))
    values = [
        float(score_metric("average_precision", true[:, label], checked[:, label], None))
        for label in range(true.shape[1])
        if true[:, label].any()
    ]
    return float(np.mean(values)) if values else float("nan")
