"""The paired, hierarchical bootstrap behind :mod:`keras_imbalance.comparison.scoring.statistics`.

:func:`start_draws` and :func:`replicate_weights` draw seeds and class-stratified samples with
one fixed random protocol; :func:`bootstrap_replicates` scores every replicate of class
predictions through confusion counts (:mod:`.score_bootstrap` scores replicates of scores);
:func:`resample_seeds` and :func:`percentiles` turn the replicates into intervals. Inputs are
trusted: the public entry points in :mod:`~keras_imbalance.comparison.scoring.statistics` check
them. NumPy only.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from keras_imbalance.comparison.scoring.scores import confusion_matrices, metric_values

__all__ = [
    "BLOCK_ELEMENTS",
    "bootstrap_replicates",
    "bootstrap_weights",
    "class_order",
    "percentiles",
    "replicate_block",
    "replicate_weights",
    "resample_seeds",
    "start_draws",
]

# Largest temporary, in array elements, that the bootstrap builds at once (8M int64 = 64 MB).
# Tests lower it to check that the result does not depend on the block size.
BLOCK_ELEMENTS = 8_000_000


def bootstrap_replicates(
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
    full = metric_values(confusion_matrices(true, stacked, num_classes), metric, tail)

    rng, seed_draws = start_draws(seed, n_boot=n_boot, seeds=seeds)
    order, bounds = class_order(true, num_classes)
    # Counts are exact in float32 while every sum stays below 2**24.
    dtype = np.float32 if n < 2**24 else np.float64
    pred_sorted = stacked.reshape(rows, n)[:, order]

    chunk = max(1, min(rows, BLOCK_ELEMENTS // (n * num_classes)))
    block = max(1, min(n_boot, BLOCK_ELEMENTS // n, BLOCK_ELEMENTS // (chunk * cells)))
    one_hot: np.ndarray | None = None
    boot = np.empty((n_boot, rows), dtype=np.float64)
    for b0, b1, counts in replicate_weights(
        true, rng, num_classes=num_classes, n_boot=n_boot, block=block
    ):
        width = b1 - b0
        weights = counts.astype(dtype)
        del counts
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
                products = weights[lo:hi].T @ one_hot[lo:hi]
                confusion[:, :, c, :] = products.reshape(width, height, num_classes)
            boot[b0:b1, r0:r1] = metric_values(confusion, metric, tail)
    return full, boot.reshape(n_boot, strategies, seeds), seed_draws


def start_draws(seed: int, *, n_boot: int, seeds: int) -> tuple[np.random.Generator, np.ndarray]:
    """The generator of a bootstrap and its seed draws ``(B, S)``, drawn first from it.

    ``rng = np.random.default_rng(seed)``; the seed draws are ``rng.integers(0, S, (B, S))``
    when ``S > 1``, else all 0 (and nothing is drawn). The samples are drawn next from the same
    ``rng``, by :func:`replicate_weights`.
    """
    rng = np.random.default_rng(seed)
    if seeds > 1:
        return rng, rng.integers(0, seeds, size=(n_boot, seeds))
    return rng, np.zeros((n_boot, 1), dtype=np.int64)


def replicate_block(n_boot: int, n: int) -> int:
    """How many replicates of ``n`` samples fit a temporary of :data:`BLOCK_ELEMENTS` elements."""
    return max(1, min(n_boot, BLOCK_ELEMENTS // n))


def class_order(true: np.ndarray, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """The samples ordered stably by true class, and where each class starts ``(C + 1,)``.

    ``true[order][bounds[c]:bounds[c + 1]]`` holds the samples of class ``c``.
    """
    order = np.argsort(true, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(true, minlength=num_classes))])
    return order, bounds


def replicate_weights(
    true: np.ndarray, rng: np.random.Generator, *, num_classes: int, n_boot: int, block: int
) -> Iterator[tuple[int, int, np.ndarray]]:
    """How often each replicate draws each sample, ``block`` replicates at a time.

    Yields ``(b0, b1, counts)`` with ``counts[i, b]`` (int64, shape ``(n, b1 - b0)``) the number
    of times replicate ``b0 + b`` drew sample ``order[i]`` (``order`` from :func:`class_order`:
    the samples in class order). ``u = rng.random((b1 - b0, n))`` per block, so the stream is
    that of one ``rng.random((B, n))`` whatever ``block`` is; the sample at position ``j`` of
    class ``c`` (``n_c`` samples from ``start_c``) is replaced by the one at
    ``start_c + floor(u[b, j] * n_c)``. Every class keeps its count in every replicate.
    """
    n = true.shape[0]
    class_counts = np.bincount(true, minlength=num_classes)
    class_starts = np.concatenate([[0], np.cumsum(class_counts)[:-1]])
    sorted_true = np.sort(true, kind="stable")
    count_of = class_counts[sorted_true].astype(np.float64)
    start_of = class_starts[sorted_true].astype(np.intp)
    last_of = start_of + class_counts[sorted_true].astype(np.intp) - 1
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
        # counts[i, b]: sample-major so that each class is a contiguous block of rows, which
        # BLAS multiplies without a copy
        counts = np.bincount(positions.ravel(), minlength=n * width).reshape(n, width)
        del positions
        yield b0, b1, counts


def bootstrap_weights(
    true: np.ndarray, *, num_classes: int, n_boot: int, seeds: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The draws of a whole bootstrap: seed draws ``(B, S)`` and sample counts ``(n, B)``.

    ``counts[i, b]`` is how often replicate ``b`` drew sample ``i`` (in the caller's order),
    from the protocol of :func:`bootstrap_replicates`: scoring replicate ``b`` with
    ``sample_weight=counts[:, b]`` gives its replicate metric. Builds the whole ``(n, B)``
    array: meant for checks on small data.

    Examples
    --------
    >>> import numpy as np
    >>> true = np.array([1, 0, 0, 1, 0])
    >>> seed_draws, counts = bootstrap_weights(true, num_classes=2, n_boot=4, seeds=1, seed=0)
    >>> counts.shape, seed_draws.shape
    ((5, 4), (4, 1))
    >>> counts[true == 0].sum(axis=0).tolist(), counts[true == 1].sum(axis=0).tolist()
    ([3, 3, 3, 3], [2, 2, 2, 2])
    """
    rng, seed_draws = start_draws(seed, n_boot=n_boot, seeds=seeds)
    order, _ = class_order(true, num_classes)
    counts = np.empty((true.shape[0], n_boot), dtype=np.int64)
    for b0, b1, block in replicate_weights(
        true, rng, num_classes=num_classes, n_boot=n_boot, block=n_boot
    ):
        counts[order, b0:b1] = block
    return seed_draws, counts


def resample_seeds(per_seed: np.ndarray, seed_draws: np.ndarray) -> np.ndarray:
    """``(B, K, S)`` -> ``(B, K)``: the mean over each replicate's drawn seeds."""
    drawn = np.take_along_axis(per_seed, seed_draws[:, None, :], axis=2)
    return drawn.mean(axis=2)


def percentiles(replicates: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(replicates, [alpha, 1.0 - alpha], axis=0)
    return low, high
