"""Paired bootstrap of a multi-label remedy against ``none``: over samples and seeds.

Each replicate ``b`` draws ``n`` samples uniformly with replacement (a multi-hot row has no one
class to stratify by) and ``S`` seeds with replacement (when ``S > 1``); ``w[i, b]`` counts how
often sample ``i`` was drawn. Every metric is computed from these weights at once:
average precision through :func:`~keras_imbalance.comparison.scoring.ranking.average_precision` with
``(n, B)`` weights (macro: over the labels the replicate drew a positive of), F1 through
weighted confusion counts. The replicate of a difference is
``(1/S) sum_{s drawn} [m*(k, s) - m*(none, s)]``: the same draws serve both, seed ``s`` of a
remedy is paired with seed ``s`` of ``none``, so the noise they share cancels. The interval is
the 2.5 and 97.5 percentiles of the replicates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from keras_imbalance.comparison.multilabel.metrics import f1_from_counts, predicted_counts
from keras_imbalance.comparison.scoring.ranking import average_precision

__all__ = ["metric_replicates", "paired_interval", "paired_intervals"]

# Largest (samples x replicates) weight block built at once (4M float64 = 32 MB).
BLOCK_ELEMENTS = 4_000_000


def _ap(y: np.ndarray, scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Average precision per replicate ``(B,)``; NaN where a replicate drew no positive."""
    if not (y > 0).any():
        return np.full(weights.shape[1], np.nan)
    return np.asarray(average_precision(y, scores, weights=weights), dtype=np.float64)


def metric_replicates(
    metric: str,
    y: np.ndarray,
    scores: np.ndarray,
    thresholds: np.ndarray,
    weights: np.ndarray,
) -> np.ndarray:
    """The metric of one run ``(scores, thresholds)`` under each replicate's weights ``(n, B)``."""
    if metric == "macro_f1":
        predicted = scores >= thresholds[None, :]
        tp, fp, fn = predicted_counts(y, predicted, weights)
        return np.asarray(f1_from_counts(tp, fp, fn).mean(axis=1))
    if metric == "micro_average_precision":
        labels = y.shape[1]
        return _ap(y.ravel(), scores.ravel(), np.repeat(weights, labels, axis=0))
    # Macro: the labels the replicate drew a positive of, as for the full sample.
    per_label = np.array(
        [_ap(y[:, label], scores[:, label], weights) for label in range(y.shape[1])]
    )
    counted = (~np.isnan(per_label)).sum(axis=0)
    return np.where(counted > 0, np.nansum(per_label, axis=0) / np.maximum(counted, 1), np.nan)


Run = tuple[np.ndarray, np.ndarray]


def paired_intervals(
    metric: str,
    y: np.ndarray,
    runs: Mapping[str, Sequence[Run]],
    *,
    baseline: str = "none",
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """Per strategy but ``baseline``, the 95% interval of ``mean_s [m(k, s) - m(baseline, s)]``;
    ``runs[k][s] = (scores, thresholds)`` of strategy ``k`` and seed ``s``.

    One set of draws serves every strategy, and the baseline's replicates are computed once per
    block of draws.
    """
    n, seeds = len(y), len(runs[baseline])
    rng = np.random.default_rng(seed)
    seed_draws = (
        rng.integers(0, seeds, size=(n_boot, seeds))
        if seeds > 1
        else np.zeros((n_boot, 1), dtype=np.int64)
    )
    names = [name for name in runs if name != baseline]
    block = max(1, min(n_boot, BLOCK_ELEMENTS // max(1, n * max(1, y.shape[1]))))
    differences = {name: np.empty((n_boot, seeds)) for name in names}
    for start in range(0, n_boot, block):
        stop = min(n_boot, start + block)
        draws = rng.integers(0, n, size=(stop - start, n))
        offsets = np.arange(stop - start)[:, None] * n
        weights = np.bincount((draws + offsets).ravel(), minlength=n * (stop - start))
        weights = weights.reshape(stop - start, n).T.astype(np.float64)
        for s in range(seeds):
            plain = metric_replicates(metric, y, *runs[baseline][s], weights)
            for name in names:
                remedy = metric_replicates(metric, y, *runs[name][s], weights)
                differences[name][start:stop, s] = remedy - plain
    intervals = {}
    for name in names:
        drawn = np.take_along_axis(differences[name], seed_draws, axis=1).mean(axis=1)
        low, high = np.nanquantile(drawn, [0.025, 0.975])
        intervals[name] = (float(low), float(high))
    return intervals


def paired_interval(
    metric: str,
    y: np.ndarray,
    runs: Sequence[Run],
    baseline: Sequence[Run],
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """The 95% interval of ``mean_s [m(run_s) - m(baseline_s)]``, ``runs[s] = (scores,
    thresholds)`` of seed ``s``, paired with ``baseline[s]`` (:func:`paired_intervals`).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> y = (rng.random((200, 2)) < 0.3).astype(int)
        >>> good = [(y + 0.1 * rng.random((200, 2)), np.full(2, 0.5))]
        >>> noise = [(rng.random((200, 2)), np.full(2, 0.5))]
        >>> low, high = paired_interval("macro_f1", y, good, noise, n_boot=200)
        >>> bool(low > 0)
        True
    """
    both = {"run": runs, "baseline": baseline}
    return paired_intervals(metric, y, both, baseline="baseline", n_boot=n_boot, seed=seed)["run"]
