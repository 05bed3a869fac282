"""Iterative stratification: splits and folds of multi-label data that keep every label's share.

Stratifying by class, as :func:`~keras_imbalance.comparison.data.stratify.stratified` does, needs
one class per sample. Multi-hot rows have ``2**L`` label sets, most of them rare or unique, so
stratifying by label set fails. Iterative stratification (Sechidis, Tsoumakas & Vlahavas, "On
the Stratification of Multi-Label Data", ECML PKDD 2011, Algorithm 1) balances each label
instead, rarest first:

1. Each subset ``j`` of proportion ``r_j`` wants ``c_j = r_j n`` samples, and ``c_jl = r_j n_l``
   of the ``n_l`` positives of each label ``l``.
2. While samples with a positive label are left, take the label with the fewest positives left
   (ties: at random). Give each of its samples, one at a time, to the subset that wants that
   label most (largest ``c_jl``; ties: the largest ``c_j``, then at random), and lower that
   subset's wants by the sample: ``c_j -= 1`` and ``c_jk -= 1`` for each of its labels ``k``.
3. Samples without a positive label go, one at a time, to the subset that wants most samples.

Rare labels are placed first, while every subset can still take them; the frequent labels,
placed last, have enough samples left to even out what the rare ones disturbed. The samples are
shuffled first, and every random tie-break draws from ``numpy.random.default_rng(seed)``, so a
seed gives the same split every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number, short_repr

# How far apart two wants may lie and still tie (they are sums of float shares).
_TIE = 1e-9


def iterative_stratification(
    y: Any, proportions: Sequence[float], *, seed: int = 0
) -> list[np.ndarray]:
    """Split multi-label samples into subsets of the given proportions, every label stratified.

    Each label's positives are shared out in the proportions as closely as the greedy algorithm
    of Sechidis et al. (2011) gets (see the module docstring). Where samples carry few labels,
    each subset holds within one positive of ``proportion x n_l`` of every label ``l``, and
    about its share of the samples. Where they carry many frequent labels, the labels placed
    last (the most frequent) can be off by more, because most of their positives were already
    placed with rarer labels; still far closer than a random split. The subsets' sizes follow
    the proportions only as closely as the labels allow.

    Args:
        y: multi-hot labels, ``(n_samples, n_labels)`` of 0 and 1 (or booleans).
        proportions: the subsets' shares of the samples, positive and summing to 1, e.g.
            ``(0.6, 0.2, 0.2)`` for training, validation and test, or ``(0.2,) * 5`` for folds.
        seed: seeds the shuffle and the tie-breaks; the same seed gives the same subsets.

    Returns:
        One sorted array of row indices per proportion, in order; together a partition of
        ``range(n_samples)``.

    Example:
        >>> y = np.array([[1, 0], [1, 1], [0, 1], [0, 1], [0, 0], [0, 0]])
        >>> first, second = iterative_stratification(y, (0.5, 0.5), seed=0)
        >>> len(first), len(second), int(y[first, 0].sum()), int(y[second, 0].sum())
        (3, 3, 1, 1)
    """
    labels = _check_multi_hot(y)
    shares = _check_proportions(proportions, len(labels))
    seed = int(check_number("seed", seed, low=0, integer=True))
    subsets = _stratify(labels, shares, np.random.default_rng(seed))
    empty = [j for j, subset in enumerate(subsets) if len(subset) == 0]
    if empty:
        raise ValueError(
            f"proportions={short_repr(tuple(proportions))} leaves subset {empty[0]} empty: its "
            f"share went to the subsets that wanted its samples' labels more; give more samples "
            f"or a larger share to that subset"
        )
    return subsets


def multilabel_folds(y: Any, n_folds: int, *, seed: int = 0) -> list[np.ndarray]:
    """``n_folds`` held-out folds of multi-label samples, by :func:`iterative_stratification`.

    Each fold holds about ``n_samples / n_folds`` samples and ``n_l / n_folds`` of each label's
    positives; the folds partition ``range(n_samples)``.

    Example:
        >>> y = np.eye(3, dtype=int).repeat(2, axis=0)  # six samples, two per label
        >>> folds = multilabel_folds(y, 2, seed=0)
        >>> [y[fold].sum(axis=0).tolist() for fold in folds]
        [[1, 1, 1], [1, 1, 1]]
    """
    labels = _check_multi_hot(y)
    n_folds = int(check_number("n_folds", n_folds, low=2, high=len(labels), integer=True))
    return iterative_stratification(labels, (1.0 / n_folds,) * n_folds, seed=seed)


# --- Validation ----------------------------------------------------------------------------------


def _check_multi_hot(y: Any) -> np.ndarray:
    """``y`` as a boolean ``(n, L)`` copy; anything but a non-empty 2-D array of 0/1 is refused."""
    array = np.asarray(y)
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(
            f"y has shape {array.shape}; iterative stratification needs multi-hot labels of "
            f"shape (n_samples, n_labels) with at least one sample and one label"
        )
    if array.dtype != bool:
        if not np.issubdtype(array.dtype, np.number):
            raise TypeError(f"y must hold 0/1 numbers or booleans, got dtype {array.dtype}")
        bad = np.argwhere((array != 0) & (array != 1))
        if len(bad):
            row, label = (int(i) for i in bad[0])
            raise ValueError(
                f"y[{row}, {label}] is {array[row, label].item()!r}; multi-hot labels must be 0 "
                f"or 1 (binarise soft or count labels first, e.g. y > 0)"
            )
    return array.astype(bool)


def _check_proportions(proportions: Any, n_samples: int) -> np.ndarray:
    """The proportions as floats; each positive, together 1, and each worth at least a sample."""
    if isinstance(proportions, str) or not isinstance(proportions, Sequence | np.ndarray):
        raise TypeError(
            f"proportions must be a sequence of shares such as (0.6, 0.2, 0.2), got "
            f"{short_repr(proportions)}"
        )
    if len(proportions) < 2:
        raise ValueError(
            f"proportions={short_repr(tuple(proportions))} names {len(proportions)} subset(s); "
            f"give at least two shares, e.g. (0.8, 0.2)"
        )
    shares = np.array(
        [check_number(f"proportions[{j}]", share) for j, share in enumerate(proportions)]
    )
    for j, share in enumerate(shares):
        if share <= 0:
            raise ValueError(
                f"proportions[{j}]={float(share)!r} must be > 0; drop that subset instead"
            )
    if abs(shares.sum() - 1.0) > 1e-6:
        raise ValueError(
            f"proportions={short_repr(tuple(proportions))} sum to {shares.sum():g}; the shares "
            f"must sum to 1, e.g. (0.6, 0.2, 0.2)"
        )
    smallest = int(np.argmin(shares))
    if shares[smallest] * n_samples < 1:
        raise ValueError(
            f"proportions[{smallest}]={float(shares[smallest])!r} of {n_samples} samples is "
            f"{shares[smallest] * n_samples:.2g} samples, so that subset would be empty; give "
            f"more samples or a larger share"
        )
    return shares


# --- The algorithm -------------------------------------------------------------------------------


def _stratify(labels: np.ndarray, shares: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Algorithm 1 of Sechidis et al. on shuffled rows; row indices of each subset, sorted."""
    order = rng.permutation(len(labels))
    rows = labels[order].astype(np.int64)
    positives = rows.sum(axis=0)
    wanted = shares * len(rows)
    wanted_per_label = np.outer(shares, positives).astype(float)
    left = positives.copy()
    subset_of = np.full(len(rows), -1)
    while left.any():
        label = _rarest(left, rng)
        for row in np.flatnonzero((subset_of < 0) & (rows[:, label] > 0)):
            subset = _most_wanting(wanted_per_label[:, label], wanted, rng)
            subset_of[row] = subset
            wanted[subset] -= 1
            wanted_per_label[subset] -= rows[row]
            left -= rows[row]
    for row in np.flatnonzero(subset_of < 0):
        subset = _most_wanting(wanted, wanted, rng)
        subset_of[row] = subset
        wanted[subset] -= 1
    return [np.sort(order[subset_of == j]) for j in range(len(shares))]


def _rarest(left: np.ndarray, rng: np.random.Generator) -> int:
    """The label with the fewest positives left (at least one); ties drawn at random."""
    counts = np.where(left > 0, left, np.iinfo(np.int64).max)
    candidates = np.flatnonzero(counts == counts.min())
    return int(candidates[0] if len(candidates) == 1 else rng.choice(candidates))


def _most_wanting(first: np.ndarray, second: np.ndarray, rng: np.random.Generator) -> int:
    """The subset with the largest ``first``; ties by the largest ``second``, then at random."""
    candidates = np.flatnonzero(first >= first.max() - _TIE)
    if len(candidates) > 1:
        best = second[candidates]
        candidates = candidates[best >= best.max() - _TIE]
    return int(candidates[0] if len(candidates) == 1 else rng.choice(candidates))
