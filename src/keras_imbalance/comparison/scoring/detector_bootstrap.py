"""The bootstrap of the detector and cost metrics: ``f1``, ``recall_at_precision``,
``expected_cost``.

:func:`~keras_imbalance.comparison.scoring.statistics.intervals_and_differences` checks its metric
against :data:`~keras_imbalance.comparison.scoring.scores.METRICS`, the metrics of every problem.
The metrics here are confusion metrics too (of a binary problem, or with costs), so this runs the
very same replicates (:func:`~keras_imbalance.comparison.scoring.bootstrap.bootstrap_replicates`:
the same draws for a given seed) and intervals, on predictions the comparison made itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from keras_imbalance.comparison.scoring.bootstrap import bootstrap_replicates
from keras_imbalance.comparison.scoring.statistics import (
    Interval,
    PairedDifference,
    replicate_intervals,
)

__all__ = ["DETECTOR_METRICS", "detector_intervals"]

DETECTOR_METRICS: tuple[str, ...] = ("f1", "recall_at_precision", "expected_cost")


def detector_intervals(
    y_true: np.ndarray,
    predictions: Mapping[str, np.ndarray],
    *,
    metric: str,
    num_classes: int,
    baseline: str | None,
    tail: Sequence[int] = (),
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[dict[str, Interval], dict[str, PairedDifference]]:
    """Each strategy's interval and its paired difference from ``baseline`` (none when
    ``None``), as :func:`~keras_imbalance.comparison.scoring.statistics.intervals_and_differences`.

    Example:
        >>> y = np.repeat([0, 1], [30, 10])
        >>> intervals, _ = detector_intervals(
        ...     y, {"a": y[None, :]}, metric="f1", num_classes=2, baseline=None, n_boot=50
        ... )
        >>> intervals["a"].mean, intervals["a"].low
        (1.0, 1.0)
    """
    names = list(predictions)
    stacked = np.stack([np.asarray(predictions[name], dtype=np.intp) for name in names])
    true = np.asarray(y_true, dtype=np.intp)
    full, boot, draws = bootstrap_replicates(
        true,
        stacked,
        metric=metric,
        num_classes=num_classes,
        tail=tuple(tail),
        n_boot=n_boot,
        seed=seed,
    )
    return replicate_intervals(
        names,
        (full, boot, draws),
        samples=stacked.shape[2],
        baseline=baseline,
        confidence=confidence,
    )
