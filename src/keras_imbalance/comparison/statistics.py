"""How sure a comparison is: metrics from confusion matrices and a paired, hierarchical bootstrap.

``compare`` trains one model per remedy ("strategy") and seed, then scores each on held-out data.
A strategy only beats the baseline ``"none"`` when the margin is larger than the noise of the
seeds and of the finite sample. This module measures that noise:

* :func:`confusion_matrices` and :func:`metric_from_confusion` score predictions through
  confusion counts, with scikit-learn's default conventions;
* :func:`paired_differences` gives, for each strategy, the mean difference from the baseline
  with a percentile-bootstrap interval over seeds and samples, paired so that the noise the
  two share cancels;
* :func:`bootstrap_intervals` gives the same interval for the metric itself.

References: Efron & Tibshirani, *An Introduction to the Bootstrap* (1993), ch. 13 (percentile
intervals); Davison & Hinkley, *Bootstrap Methods and their Application* (1997), sec. 3.8
(resampling hierarchical data: clusters, then units within them).

The module uses NumPy only, so it runs the same under every Keras backend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr

Metric = Literal["balanced_accuracy", "macro_f1", "g_mean", "mcc", "accuracy", "tail_recall"]

METRICS: tuple[str, ...] = (
    "balanced_accuracy",
    "macro_f1",
    "g_mean",
    "mcc",
    "accuracy",
    "tail_recall",
)

# Largest temporary, in array elements, that the bootstrap builds at once (8M int64 = 64 MB).
# Tests lower it to check that the result does not depend on the block size.
_BLOCK_ELEMENTS = 8_000_000


# --------------------------------------------------------------------------------------------
# Confusion matrices and metrics
# --------------------------------------------------------------------------------------------


def _check_labels(name: str, labels: Any, num_classes: int) -> np.ndarray:
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


def _check_num_classes(num_classes: Any) -> int:
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
    num_classes = _check_num_classes(num_classes)
    true = _check_labels("y_true", y_true, num_classes)
    pred = _check_labels("y_pred", y_pred, num_classes)
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


def _check_tail(tail: Sequence[int], num_classes: int) -> tuple[int, ...]:
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


def _metric(confusion: np.ndarray, metric: str, tail: tuple[int, ...]) -> np.ndarray:
    """:func:`metric_from_confusion` on inputs already checked (every total is positive)."""
    m = np.asarray(confusion, dtype=np.float64)
    true_sum = m.sum(axis=-1)
    pred_sum = m.sum(axis=-2)
    hits = np.diagonal(m, axis1=-2, axis2=-1)
    total = true_sum.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(true_sum > 0, hits / true_sum, 0.0)
    if metric == "accuracy":
        return hits.sum(axis=-1) / total
    if metric == "balanced_accuracy":
        present = true_sum > 0
        return recall.sum(axis=-1) / present.sum(axis=-1)
    if metric == "tail_recall":
        return recall[..., list(tail)].mean(axis=-1)
    seen = (true_sum > 0) | (pred_sum > 0)
    if metric == "macro_f1":
        with np.errstate(divide="ignore", invalid="ignore"):
            f1 = np.where(seen, 2.0 * hits / (true_sum + pred_sum), 0.0)
        return f1.sum(axis=-1) / seen.sum(axis=-1)
    if metric == "g_mean":
        with np.errstate(divide="ignore"):
            log_recall = np.where(seen, np.log(recall), 0.0)
        return np.exp(log_recall.sum(axis=-1) / seen.sum(axis=-1))
    # mcc, in scikit-learn's order of operations so that rounding agrees
    cov_true_pred = hits.sum(axis=-1) * total - np.einsum("...i,...i->...", true_sum, pred_sum)
    cov_pred_pred = total**2 - np.einsum("...i,...i->...", pred_sum, pred_sum)
    cov_true_true = total**2 - np.einsum("...i,...i->...", true_sum, true_sum)
    product = cov_pred_pred * cov_true_true
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(product == 0, 0.0, cov_true_pred / np.sqrt(product))


def metric_from_confusion(
    confusion: np.ndarray, metric: Metric | str, *, tail: Sequence[int] = ()
) -> np.ndarray:
    """Score confusion matrices, vectorised over their leading axes.

    With ``M`` the confusion matrix (rows true), ``t_i = sum_j M_ij`` (true count),
    ``p_j = sum_i M_ij`` (predicted count), ``h_i = M_ii``, ``N = sum t_i`` and
    ``r_i = h_i / t_i`` (recall; 0 when ``t_i = 0``), each metric equals scikit-learn's
    default on the same labels:

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
    * ``tail_recall = mean_{i in tail} r_i``; every tail class must occur in ``y_true``.

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
    metric = check_option("metric", metric, METRICS)
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
    classes = _check_tail(tail, m.shape[-1])
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
    return _metric(m, metric, classes)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairedDifference:
    """The difference ``metric(strategy) - metric(baseline)`` with its bootstrap interval.

    Attributes
    ----------
    strategy, baseline : str
        The two strategies compared.
    mean : float
        ``mean_s [metric(strategy, s) - metric(baseline, s)]`` over the seeds, on the full sample.
    low, high : float
        The percentile-bootstrap interval of that difference.
    seeds, samples : int
        Number of seeds ``S`` and of scored samples ``n``.

    Examples
    --------
    >>> d = PairedDifference("focal", "none", mean=0.05, low=0.01, high=0.09, seeds=3, samples=500)
    >>> d.separable
    True
    >>> d.to_dict()["separable"]
    True
    """

    strategy: str
    baseline: str
    mean: float
    low: float
    high: float
    seeds: int
    samples: int

    @property
    def separable(self) -> bool:
        """True when the interval excludes 0: the strategy can be told apart from the baseline."""
        return self.low > 0.0 or self.high < 0.0

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain Python values, plus ``separable``, e.g. for JSON."""
        return {**asdict(self), "separable": self.separable}


@dataclass(frozen=True)
class Interval:
    """A metric (mean over seeds, full sample) with its percentile-bootstrap interval.

    Examples
    --------
    >>> Interval(mean=0.8, low=0.75, high=0.85, seeds=2, samples=100).to_dict()["high"]
    0.85
    """

    mean: float
    low: float
    high: float
    seeds: int
    samples: int

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain Python values, e.g. for JSON."""
        return asdict(self)


# --------------------------------------------------------------------------------------------
# Bootstrap
# --------------------------------------------------------------------------------------------


def _check_inputs(
    y_true: Any,
    predictions: Mapping[str, Any],
    *,
    metric: str,
    num_classes: Any,
    tail: Sequence[int],
    n_boot: Any,
    confidence: Any,
    seed: Any,
) -> tuple[np.ndarray, list[str], np.ndarray, int, tuple[int, ...]]:
    """Validate the bootstrap arguments; return (y_true, names, (K, S, n) predictions, C, tail)."""
    check_option("metric", metric, METRICS)
    num_classes = _check_num_classes(num_classes)
    check_number("n_boot", n_boot, low=1, integer=True)
    check_number("confidence", confidence, low=0, high=1, low_inclusive=False, high_inclusive=False)
    check_number("seed", seed, low=0, integer=True)
    true = _check_labels("y_true", y_true, num_classes)
    if true.ndim != 1 or true.shape[0] == 0:
        raise ValueError(
            f"y_true has shape {true.shape}; give a non-empty 1-D array of class indices"
        )
    if not isinstance(predictions, Mapping) or not predictions:
        raise ValueError(
            f"predictions={short_repr(predictions)} must be a non-empty mapping "
            f"{{strategy: (seeds, n) array of predicted classes}}"
        )
    names = list(predictions)
    stacked = []
    seeds: int | None = None
    for name in names:
        pred = _check_labels(f"predictions[{name!r}]", predictions[name], num_classes)
        if pred.ndim != 2 or pred.shape[1] != true.shape[0]:
            raise ValueError(
                f"predictions[{name!r}] has shape {pred.shape}; give shape (seeds, "
                f"{true.shape[0]}) to match y_true (use pred[None, :] for a single seed)"
            )
        if pred.shape[0] == 0:
            raise ValueError(f"predictions[{name!r}] has no seeds; give at least one row")
        if seeds is None:
            seeds = pred.shape[0]
        elif pred.shape[0] != seeds:
            raise ValueError(
                f"predictions[{name!r}] has {pred.shape[0]} seeds but predictions[{names[0]!r}] "
                f"has {seeds}; give every strategy the same seeds, in the same order"
            )
        stacked.append(pred)
    classes = _check_tail(tail, num_classes)
    if metric == "tail_recall":
        if not classes:
            raise ValueError(
                f"tail={short_repr(tail)} is empty; name the tail classes for "
                f"metric='tail_recall', e.g. tail=[{num_classes - 1}]"
            )
        present = np.bincount(true, minlength=num_classes) > 0
        missing = [c for c in classes if not present[c]]
        if missing:
            raise ValueError(
                f"tail class(es) {missing} do not occur in y_true, so their recall is "
                f"undefined; drop them from tail={short_repr(tail)} or score data that has them"
            )
    return true, names, np.stack(stacked), num_classes, classes


def _bootstrap(
    true: np.ndarray,
    stacked: np.ndarray,
    *,
    metric: str,
    num_classes: int,
    tail: tuple[int, ...],
    n_boot: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full-sample metrics ``(K, S)``, replicate metrics ``(B, K, S)`` and seed draws ``(B, S)``.

    The random protocol (fixed, so that a ``seed`` always gives the same result):
    ``rng = np.random.default_rng(seed)``; the seed draws are ``rng.integers(0, S, (B, S))``
    when ``S > 1`` (else all 0); then ``u = rng.random((B, n))``, drawn in blocks of whole
    replicates. The samples are ordered stably by true class; in replicate ``b`` the sample at
    position ``j`` of class ``c`` (``n_c`` samples, starting at ``start_c``) is replaced by the
    one at ``start_c + floor(u[b, j] * n_c)``. Every strategy and seed uses the same draws.

    Counting: one ``np.bincount`` over ``i * B_block + b`` gives ``w[i, b]``, how often
    replicate ``b`` drew sample ``i``; then, for each true class ``c``,
    ``M*[b, r, c, :] = w[I_c, b] @ P_r[I_c]``, with ``P_r`` the one-hot predictions of row ``r``
    (a strategy and seed) and ``I_c`` the samples of class ``c``. The products are integer
    counts, exact in float32 below ``2**24``; BLAS computes them about 10x faster than a
    ``bincount`` over every drawn (replicate, row, true, predicted) index, with equal results.
    """
    strategies, seeds, n = stacked.shape
    cells = num_classes * num_classes
    rows = strategies * seeds
    full = _metric(confusion_matrices(true, stacked, num_classes), metric, tail)

    rng = np.random.default_rng(seed)
    if seeds > 1:
        seed_draws = rng.integers(0, seeds, size=(n_boot, seeds))
    else:
        seed_draws = np.zeros((n_boot, 1), dtype=np.int64)

    order = np.argsort(true, kind="stable")
    sorted_true = true[order]
    class_counts = np.bincount(true, minlength=num_classes)
    class_starts = np.concatenate([[0], np.cumsum(class_counts)[:-1]])
    count_of = class_counts[sorted_true].astype(np.float64)
    start_of = class_starts[sorted_true].astype(np.intp)
    last_of = start_of + class_counts[sorted_true].astype(np.intp) - 1
    # Counts are exact in float32 while every sum stays below 2**24.
    dtype = np.float32 if n < 2**24 else np.float64
    pred_sorted = stacked.reshape(rows, n)[:, order]
    bounds = np.concatenate([[0], np.cumsum(class_counts)])

    chunk = max(1, min(rows, _BLOCK_ELEMENTS // (n * num_classes)))
    block = max(1, min(n_boot, _BLOCK_ELEMENTS // n, _BLOCK_ELEMENTS // (chunk * cells)))
    one_hot: np.ndarray | None = None
    boot = np.empty((n_boot, rows), dtype=np.float64)
    for b0 in range(0, n_boot, block):
        b1 = min(n_boot, b0 + block)
        width = b1 - b0
        # floor(u * n_c) < n_c in exact arithmetic; the minimum guards against rounding up
        draws = rng.random((width, n))
        draws *= count_of
        positions = draws.astype(np.intp)
        del draws
        positions += start_of
        np.minimum(positions, last_of, out=positions)
        positions *= width
        positions += np.arange(width, dtype=np.intp)[:, None]
        # weights[i, b]: how often replicate b drew sample i (samples in class order); sample-major
        # so that each class is a contiguous block of rows, which BLAS multiplies without a copy
        weights = np.bincount(positions.ravel(), minlength=n * width).reshape(n, width)
        del positions
        weights = weights.astype(dtype)
        for r0 in range(0, rows, chunk):
            r1 = min(rows, r0 + chunk)
            height = r1 - r0
            if one_hot is None or chunk < rows:
                # one_hot[i, r * C + j] = 1 when row r0 + r predicts class j for sample i
                one_hot = pred_sorted[r0:r1].T[:, :, None] == np.arange(num_classes)
                one_hot = one_hot.reshape(n, height * num_classes).astype(dtype)
            confusion = np.empty((width, height, num_classes, num_classes), dtype=np.float64)
            for c in range(num_classes):
                lo, hi = bounds[c], bounds[c + 1]
                counts = weights[lo:hi].T @ one_hot[lo:hi]
                confusion[:, :, c, :] = counts.reshape(width, height, num_classes)
            boot[b0:b1, r0:r1] = _metric(confusion, metric, tail)
    return full, boot.reshape(n_boot, strategies, seeds), seed_draws


def _resample_seeds(per_seed: np.ndarray, seed_draws: np.ndarray) -> np.ndarray:
    """``(B, K, S)`` -> ``(B, K)``: the mean over each replicate's drawn seeds."""
    drawn = np.take_along_axis(per_seed, seed_draws[:, None, :], axis=2)
    return drawn.mean(axis=2)


def _percentiles(replicates: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(replicates, [alpha, 1.0 - alpha], axis=0)
    return low, high


def paired_differences(
    y_true: np.ndarray,
    predictions: Mapping[str, np.ndarray],
    *,
    baseline: str = "none",
    metric: Metric | str = "balanced_accuracy",
    num_classes: int,
    tail: Sequence[int] = (),
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, PairedDifference]:
    """Each strategy's difference from the baseline, with a paired hierarchical bootstrap interval.

    With ``m(k, s)`` the metric of strategy ``k`` trained with seed ``s`` (see
    :func:`metric_from_confusion`), the point estimate is
    ``mean = (1/S) sum_s [m(k, s) - m(baseline, s)]`` on the full sample. Each of ``n_boot``
    replicates draws ``S`` seed indices with replacement (only when ``S > 1``) and ``n`` sample
    indices with replacement, stratified by true class (every class keeps its count, so none
    vanishes), and computes ``(1/S) sum_{s drawn} [m*(k, s) - m*(baseline, s)]``. The same draws
    serve every strategy and the baseline, and seed ``s`` of a strategy is paired with seed ``s``
    of the baseline, so the noise they share cancels. ``[low, high]`` are the
    ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` percentiles of the replicates
    (Efron & Tibshirani, 1993, ch. 13). A strategy whose interval contains 0 cannot be told
    apart from the baseline.

    The confusion counts of a block of replicates come from one ``np.bincount`` (how often each
    sample was drawn) and one matrix product per class; blocks of replicates and of strategies
    keep every temporary under about 64 MB while ``n * C`` stays below 8 million. The result
    depends only on ``seed``, not on the block size.

    Parameters
    ----------
    y_true : np.ndarray
        Shape ``(n,)``, integer classes in ``[0, num_classes)``.
    predictions : Mapping[str, np.ndarray]
        ``{strategy: (S, n) predicted classes, one row per seed}``, the same seed order for
        every strategy; must include ``baseline``.
    baseline : str
        The strategy the others are compared with.
    metric : str
        One of :data:`METRICS`.
    num_classes : int
        Number of classes ``C``.
    tail : Sequence[int]
        The tail classes, for ``metric="tail_recall"``.
    n_boot : int
        Number of bootstrap replicates.
    confidence : float
        Coverage of the interval, in ``(0, 1)``.
    seed : int
        Seed of ``np.random.default_rng``.

    Returns
    -------
    dict[str, PairedDifference]
        One entry per strategy other than the baseline, in the order of ``predictions``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], [150, 50])
    >>> none = np.where(rng.random((2, 200)) < 0.6, y, 1 - y)  # right 60% of the time
    >>> better = np.where(rng.random((2, 200)) < 0.9, y, 1 - y)  # right 90% of the time
    >>> result = paired_differences(
    ...     y, {"none": none, "better": better, "same": none}, num_classes=2, n_boot=200
    ... )
    >>> d = result["better"]
    >>> d.separable, d.low > 0, d.seeds, d.samples
    (True, True, 2, 200)
    >>> result["same"].separable, result["same"].mean
    (False, 0.0)
    """
    true, names, stacked, num_classes, classes = _check_inputs(
        y_true,
        predictions,
        metric=metric,
        num_classes=num_classes,
        tail=tail,
        n_boot=n_boot,
        confidence=confidence,
        seed=seed,
    )
    if baseline not in predictions:
        raise ValueError(
            f"baseline={baseline!r} is not in predictions (strategies: "
            f"{', '.join(repr(name) for name in names)}); add its predictions or pick one of them"
        )
    full, boot, seed_draws = _bootstrap(
        true,
        stacked,
        metric=metric,
        num_classes=num_classes,
        tail=classes,
        n_boot=int(n_boot),
        seed=int(seed),
    )
    base = names.index(baseline)
    point = (full - full[base]).mean(axis=1)
    low, high = _percentiles(
        _resample_seeds(boot - boot[:, base : base + 1], seed_draws), confidence
    )
    seeds, samples = stacked.shape[1], stacked.shape[2]
    return {
        name: PairedDifference(
            strategy=name,
            baseline=baseline,
            mean=float(point[k]),
            low=float(low[k]),
            high=float(high[k]),
            seeds=seeds,
            samples=samples,
        )
        for k, name in enumerate(names)
        if k != base
    }


def bootstrap_intervals(
    y_true: np.ndarray,
    predictions: Mapping[str, np.ndarray],
    *,
    metric: Metric | str,
    num_classes: int,
    tail: Sequence[int] = (),
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, Interval]:
    """Each strategy's metric, averaged over seeds, with a hierarchical bootstrap interval.

    The point estimate is ``mean = (1/S) sum_s m(k, s)`` on the full sample; each replicate
    computes ``(1/S) sum_{s drawn} m*(k, s)`` with the same draws as :func:`paired_differences`
    (seeds with replacement when ``S > 1``, samples with replacement stratified by true class),
    and ``[low, high]`` are its percentiles at ``confidence``. Two strategies' intervals
    overlapping does not mean they cannot be told apart: use :func:`paired_differences` for that.

    Parameters
    ----------
    y_true, predictions, metric, num_classes, tail, n_boot, confidence, seed
        As in :func:`paired_differences` (no baseline is needed).

    Returns
    -------
    dict[str, Interval]
        One entry per strategy, in the order of ``predictions``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0] * 80 + [1] * 20)
    >>> pred = y.copy()
    >>> pred[:8] = 1  # 8 of the 80 class-0 samples wrong: recalls 0.9 and 1.0
    >>> result = bootstrap_intervals(
    ...     y, {"none": pred[None, :]}, metric="balanced_accuracy", num_classes=2, n_boot=200
    ... )
    >>> interval = result["none"]
    >>> round(interval.mean, 4), interval.low < 0.95 < interval.high, interval.high <= 1.0
    (0.95, True, True)
    """
    true, names, stacked, num_classes, classes = _check_inputs(
        y_true,
        predictions,
        metric=metric,
        num_classes=num_classes,
        tail=tail,
        n_boot=n_boot,
        confidence=confidence,
        seed=seed,
    )
    full, boot, seed_draws = _bootstrap(
        true,
        stacked,
        metric=metric,
        num_classes=num_classes,
        tail=classes,
        n_boot=int(n_boot),
        seed=int(seed),
    )
    point = full.mean(axis=1)
    low, high = _percentiles(_resample_seeds(boot, seed_draws), confidence)
    seeds, samples = stacked.shape[1], stacked.shape[2]
    return {
        name: Interval(
            mean=float(point[k]),
            low=float(low[k]),
            high=float(high[k]),
            seeds=seeds,
            samples=samples,
        )
        for k, name in enumerate(names)
    }
