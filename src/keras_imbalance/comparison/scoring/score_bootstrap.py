"""The bootstrap of ranking metrics (average precision, ROC AUC) of binary scores.

:func:`score_replicates` is the counterpart of
:func:`~keras_imbalance.comparison.scoring.bootstrap.bootstrap_replicates` for scores: the same
draws (:func:`~keras_imbalance.comparison.scoring.bootstrap.start_draws` and
:func:`~keras_imbalance.comparison.scoring.bootstrap.replicate_weights`, so a ``seed`` resamples the
same seeds and samples whichever metric is asked for), scored by
:func:`~keras_imbalance.comparison.scoring.ranking.score_metric` with each replicate's draw counts
as sample weights. Inputs are trusted: :mod:`~keras_imbalance.comparison.scoring.statistics` checks
them. NumPy only.
"""

from __future__ import annotations

import numpy as np

from keras_imbalance.comparison.scoring.bootstrap import (
    class_order,
    replicate_block,
    replicate_weights,
    start_draws,
)
from keras_imbalance.comparison.scoring.ranking import score_metric

__all__ = ["score_replicates"]


def score_replicates(
    true: np.ndarray, stacked_scores: np.ndarray, *, metric: str, n_boot: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full-sample metrics ``(K, S)``, replicate metrics ``(B, K, S)`` and seed draws ``(B, S)``.

    ``true`` holds 0/1 labels ``(n,)`` with both classes present; ``stacked_scores`` the
    positive-class scores ``(K, S, n)`` of ``K`` strategies and ``S`` seeds; ``metric`` is one
    of :data:`~keras_imbalance.comparison.scoring.ranking.SCORE_METRICS`. The draws follow the
    protocol documented in
    :func:`~keras_imbalance.comparison.scoring.bootstrap.bootstrap_replicates` (seed draws first,
    then the class-stratified samples, in blocks of whole replicates). Replicate ``b`` of row ``(k,
    s)`` is ``metric(true, scores[k, s], sample_weight=w[:, b])``, with ``w[i, b]`` how often it
    drew sample ``i``: the draws come in blocks of at most
    :data:`~keras_imbalance.comparison.scoring.bootstrap.BLOCK_ELEMENTS` counts, and each row's
    replicates are scored by one sort and cumulative sums in blocks of
    :data:`~keras_imbalance.comparison.scoring.ranking.BLOCK_ELEMENTS` elements. No block size
    changes a result.

    Examples
    --------
    >>> import numpy as np
    >>> true = np.array([0, 0, 0, 1, 1])
    >>> separating = np.array([[[0.1, 0.2, 0.3, 0.8, 0.9]]])  # K = S = 1
    >>> full, boot, seed_draws = score_replicates(
    ...     true, separating, metric="average_precision", n_boot=3, seed=0
    ... )
    >>> full.tolist(), boot.tolist(), seed_draws.shape
    ([[1.0]], [[[1.0]], [[1.0]], [[1.0]]], (3, 1))
    """
    strategies, seeds, n = stacked_scores.shape
    rows = stacked_scores.reshape(strategies * seeds, n)
    full = np.array([score_metric(metric, true, row, None) for row in rows])

    rng, seed_draws = start_draws(seed, n_boot=n_boot, seeds=seeds)
    order, _ = class_order(true, 2)
    sorted_true = true[order]
    sorted_rows = rows[:, order]
    block = replicate_block(n_boot, n)
    boot = np.empty((n_boot, len(rows)), dtype=np.float64)
    for b0, b1, counts in replicate_weights(true, rng, num_classes=2, n_boot=n_boot, block=block):
        # replicate-major, so that each row's sort gathers along contiguous memory
        weights = np.ascontiguousarray(counts.T, dtype=np.float64)
        del counts
        for r, row in enumerate(sorted_rows):
            boot[b0:b1, r] = score_metric(metric, sorted_true, row, weights.T)
    return (
        full.reshape(strategies, seeds),
        boot.reshape(n_boot, strategies, seeds),
        seed_draws,
    )
