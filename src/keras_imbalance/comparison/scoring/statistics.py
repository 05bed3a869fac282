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

The metrics of :data:`METRICS` score predicted classes; the ranking metrics of
:data:`~keras_imbalance.comparison.scoring.ranking.SCORE_METRICS` (``"average_precision"``,
``"roc_auc"``) score a binary detector's positive-class scores, with the same draws.

References: Efron & Tibshirani, *An Introduction to the Bootstrap* (1993), ch. 13 (percentile
intervals); Davison & Hinkley, *Bootstrap Methods and their Application* (1997), sec. 3.8
(resampling hierarchical data: clusters, then units within them).

The module uses NumPy only, so it runs the same under every Keras backend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.comparison.scoring.bootstrap import (
    bootstrap_replicates,
    percentiles,
    resample_seeds,
)
from keras_imbalance.comparison.scoring.ranking import SCORE_METRICS, ScoreMetric, check_scores
from keras_imbalance.comparison.scoring.score_bootstrap import score_replicates
from keras_imbalance.comparison.scoring.scores import (
    METRICS,
    Metric,
    check_labels,
    check_num_classes,
    check_tail,
    confusion_matrices,
    metric_from_confusion,
)

if TYPE_CHECKING:
    from typing import Unpack

__all__ = [
    "METRICS",
    "SCORE_METRICS",
    "BootstrapOptions",
    "Interval",
    "Metric",
    "PairedDifference",
    "bootstrap_intervals",
    "confusion_matrices",
    "intervals_and_differences",
    "metric_from_confusion",
    "paired_differences",
]


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


class BootstrapOptions(TypedDict, total=False):
    """The options :func:`paired_differences` and :func:`bootstrap_intervals` share, with the
    meaning and defaults documented in :func:`paired_differences`."""

    metric: Metric | ScoreMetric | str
    tail: Sequence[int]
    n_boot: int
    confidence: float
    seed: int


def _check_inputs(
    y_true: Any, predictions: Mapping[str, Any], num_classes: Any, metric: str, tail: Sequence[int]
) -> tuple[np.ndarray, list[str], np.ndarray, int, tuple[int, ...]]:
    """Validate the data of a bootstrap; return (y_true, names, (K, S, n) predictions, C, tail).

    The predictions are class indices for :data:`METRICS`, float scores for
    :data:`SCORE_METRICS`.
    """
    check_option("metric", metric, (*METRICS, *SCORE_METRICS))
    num_classes = check_num_classes(num_classes)
    true = check_labels("y_true", y_true, num_classes)
    if true.ndim != 1 or true.shape[0] == 0:
        raise ValueError(
            f"y_true has shape {true.shape}; give a non-empty 1-D array of class indices"
        )
    if metric in SCORE_METRICS:
        _check_binary_problem(true, num_classes, metric)
    names, stacked = _stack_predictions(predictions, true.shape[0], num_classes, metric)
    classes = check_tail(tail, num_classes)
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
    return true, names, stacked, num_classes, classes


def _stack_predictions(
    predictions: Mapping[str, Any], n: int, num_classes: int, metric: str
) -> tuple[list[str], np.ndarray]:
    """The strategies' names and their ``(K, S, n)`` predicted classes or scores."""
    scored = metric in SCORE_METRICS
    kind = "positive-class scores" if scored else "predicted classes"
    if not isinstance(predictions, Mapping) or not predictions:
        raise ValueError(
            f"predictions={short_repr(predictions)} must be a non-empty mapping "
            f"{{strategy: (seeds, n) array of {kind}}}"
        )
    names = list(predictions)
    stacked = []
    seeds: int | None = None
    for name in names:
        if scored:
            pred = _check_score_rows(name, predictions[name], n, metric)
        else:
            pred = check_labels(f"predictions[{name!r}]", predictions[name], num_classes)
        if pred.ndim != 2 or pred.shape[1] != n:
            raise ValueError(
                f"predictions[{name!r}] has shape {pred.shape}; give shape (seeds, "
                f"{n}) to match y_true (use pred[None, :] for a single seed)"
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
    return names, np.stack(stacked)


def _check_binary_problem(true: np.ndarray, num_classes: int, metric: str) -> None:
    if num_classes != 2:
        raise ValueError(
            f"metric={metric!r} ranks the scores of a binary problem, but num_classes="
            f"{num_classes}; give num_classes=2 (class 1 positive) or use one of {METRICS}"
        )
    present = np.bincount(true, minlength=2)
    if not present.all():
        raise ValueError(
            f"y_true holds only class {int(np.argmax(present))}, so metric={metric!r} is "
            f"undefined; score data that holds both classes, 0 and 1"
        )


def _check_score_rows(name: str, value: Any, n: int, metric: str) -> np.ndarray:
    """Positive-class scores ``(S, n)`` (``(n,)`` is one seed) as finite float64."""
    array = np.asarray(value)
    if array.dtype.kind in "biu":
        raise TypeError(
            f"predictions[{name!r}] holds integers (dtype {array.dtype}), but metric={metric!r} "
            f"ranks scores; give float positive-class scores, e.g. probabilities[..., 1]"
        )
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        return array  # the caller reports the shape
    return check_scores(f"predictions[{name!r}]", array, (array.shape[0], n))


def paired_differences(
    y_true: np.ndarray,
    predictions: Mapping[str, np.ndarray],
    *,
    num_classes: int,
    baseline: str = "none",
    **options: Unpack[BootstrapOptions],
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
        every strategy; must include ``baseline``. For a metric of :data:`SCORE_METRICS`,
        ``(S, n)`` (or ``(n,)`` for one seed) float scores of the positive class 1 instead,
        with ``num_classes=2``; the replicates score them with their draw counts as sample
        weights (:mod:`~keras_imbalance.comparison.scoring.score_bootstrap`).
    baseline : str
        The strategy the others are compared with.
    metric : str
        One of :data:`METRICS` (default ``"balanced_accuracy"``) or :data:`SCORE_METRICS`.
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

    Ranking metrics take each strategy's scores of the positive class:

    >>> noisy = y + rng.normal(scale=1.0, size=(2, 200))
    >>> sharp = y + rng.normal(scale=0.2, size=(2, 200))
    >>> result = paired_differences(
    ...     y, {"none": noisy, "sharp": sharp}, metric="average_precision", num_classes=2,
    ...     n_boot=200,
    ... )
    >>> result["sharp"].separable, result["sharp"].low > 0
    (True, True)
    """
    return intervals_and_differences(
        y_true, predictions, num_classes=num_classes, baseline=baseline, **options
    )[1]


def bootstrap_intervals(
    y_true: np.ndarray,
    predictions: Mapping[str, np.ndarray],
    *,
    num_classes: int,
    **options: Unpack[BootstrapOptions],
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
    return intervals_and_differences(
        y_true, predictions, num_classes=num_classes, baseline=None, **options
    )[0]


def intervals_and_differences(
    y_true: Any,
    predictions: Mapping[str, Any],
    *,
    num_classes: int,
    baseline: str | None,
    **options: Unpack[BootstrapOptions],
) -> tuple[dict[str, Interval], dict[str, PairedDifference]]:
    """:func:`bootstrap_intervals` and :func:`paired_differences` from one set of replicates.

    The same draws serve both (they are the same for a given ``seed``), so asking for both costs
    one bootstrap. With ``baseline=None`` the differences are empty. The options, and their
    defaults, are those documented in :func:`paired_differences`.
    """
    unknown = sorted(set(options) - set(BootstrapOptions.__annotations__))
    if unknown:
        raise TypeError(
            f"{unknown[0]!r} is not an option of the bootstrap; use some of "
            f"{', '.join(sorted(BootstrapOptions.__annotations__))}"
        )
    metric = options.get("metric", "balanced_accuracy")
    true, names, stacked, num_classes, classes = _check_inputs(
        y_true, predictions, num_classes, metric, options.get("tail", ())
    )
    n_boot = int(check_number("n_boot", options.get("n_boot", 1000), low=1, integer=True))
    confidence = options.get("confidence", 0.95)
    check_number("confidence", confidence, low=0, high=1, low_inclusive=False, high_inclusive=False)
    seed = int(check_number("seed", options.get("seed", 0), low=0, integer=True))
    if baseline is not None and baseline not in predictions:
        raise ValueError(
            f"baseline={baseline!r} is not in predictions (strategies: "
            f"{', '.join(repr(name) for name in names)}); add its predictions or pick one of them"
        )
    if metric in SCORE_METRICS:
        full, boot, seed_draws = score_replicates(
            true, stacked, metric=metric, n_boot=n_boot, seed=seed
        )
    else:
        full, boot, seed_draws = bootstrap_replicates(
            true,
            stacked,
            metric=metric,
            num_classes=num_classes,
            tail=classes,
            n_boot=n_boot,
            seed=seed,
        )
    return replicate_intervals(
        names,
        (full, boot, seed_draws),
        samples=stacked.shape[2],
        baseline=baseline,
        confidence=confidence,
    )


def replicate_intervals(
    names: Sequence[str],
    replicates: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    samples: int,
    baseline: str | None,
    confidence: float,
) -> tuple[dict[str, Interval], dict[str, PairedDifference]]:
    """Intervals and paired differences from one bootstrap's ``(full (K, S), boot (B, K, S),
    seed draws (B, S))`` (:func:`~.bootstrap.bootstrap_replicates`): each strategy's mean over
    the seeds with its percentile interval and, with a ``baseline``, each other strategy's
    paired difference from it. Inputs are trusted."""
    full, boot, seed_draws = replicates
    seeds = full.shape[1]

    def intervals(point: np.ndarray, draws: np.ndarray) -> list[Interval]:
        low, high = percentiles(resample_seeds(draws, seed_draws), confidence)
        return [
            Interval(float(m), float(lo), float(hi), seeds, samples)
            for m, lo, hi in zip(point, low, high, strict=True)
        ]

    metrics = dict(zip(names, intervals(full.mean(axis=1), boot), strict=True))
    if baseline is None:
        return metrics, {}
    base = list(names).index(baseline)
    shifts = intervals((full - full[base]).mean(axis=1), boot - boot[:, base : base + 1])
    differences = {
        name: PairedDifference(name, baseline, **shift.to_dict())
        for name, shift in zip(names, shifts, strict=True)
        if name != baseline
    }
    return metrics, differences
