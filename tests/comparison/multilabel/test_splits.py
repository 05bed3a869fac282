"""Iterative stratification: a partition, each label's share, a hand-worked case, seeds, errors."""

from __future__ import annotations

import numpy as np
import pytest

from keras_imbalance.comparison.multilabel.splits import (
    iterative_stratification,
    multilabel_folds,
)

# (samples, labels, highest prevalence, proportions): data whose samples carry few labels.
SPARSE = [
    (97, 3, 0.3, (0.5, 0.5)),
    (200, 5, 0.3, (0.6, 0.2, 0.2)),
    (300, 6, 0.3, (0.25, 0.25, 0.25, 0.25)),
    (400, 12, 0.1, (0.5, 0.25, 0.25)),
    (500, 10, 0.1, (0.2, 0.2, 0.2, 0.2, 0.2)),
]
# Samples with about five labels each, most of them frequent.
DENSE = (1000, 20, 0.5, (0.7, 0.15, 0.15))


def _random_labels(n: int, n_labels: int, highest: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    prevalence = rng.uniform(0.01, highest, size=n_labels)
    return (rng.random((n, n_labels)) < prevalence).astype(int)


def _deviation(y: np.ndarray, subsets: list[np.ndarray], proportions) -> np.ndarray:
    """``|positives of label l in subset j - proportion_j x positives of l|``, (subsets, labels)."""
    total = y.sum(axis=0)
    pairs = zip(subsets, proportions, strict=True)
    return np.array([np.abs(y[s].sum(axis=0) - p * total) for s, p in pairs])


def _random_split(n: int, proportions, seed: int) -> list[np.ndarray]:
    cuts = np.round(np.cumsum(proportions)[:-1] * n).astype(int)
    return np.split(np.random.default_rng(seed + 1000).permutation(n), cuts)


def _assert_partition(subsets: list[np.ndarray], n: int) -> None:
    joined = np.concatenate(subsets)
    assert sorted(joined.tolist()) == list(range(n))
    for subset in subsets:
        assert subset.dtype.kind == "i" and np.all(np.diff(subset) > 0)


# --- Properties ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "n_labels", "highest", "proportions"), SPARSE)
def test_each_label_within_one_of_its_share(n, n_labels, highest, proportions) -> None:
    for seed in range(5):
        y = _random_labels(n, n_labels, highest, seed)
        subsets = iterative_stratification(y, proportions, seed=seed)
        _assert_partition(subsets, n)
        assert len(subsets) == len(proportions)
        assert _deviation(y, subsets, proportions).max() <= 1.0
        sizes = np.array([len(s) for s in subsets])
        assert np.abs(sizes - np.asarray(proportions) * n).max() <= 1.0


@pytest.mark.parametrize(("n", "n_labels", "highest", "proportions"), [*SPARSE, DENSE])
def test_far_tighter_than_a_random_split(n, n_labels, highest, proportions) -> None:
    ours, chance = [], []
    for seed in range(5):
        y = _random_labels(n, n_labels, highest, seed)
        subsets = iterative_stratification(y, proportions, seed=seed)
        _assert_partition(subsets, n)
        ours.append(_deviation(y, subsets, proportions).mean())
        chance.append(_deviation(y, _random_split(n, proportions, seed), proportions).mean())
    assert np.mean(ours) < 0.5 * np.mean(chance)


def test_folds_share_every_label() -> None:
    y = _random_labels(150, 4, 0.3, 7)
    folds = multilabel_folds(y, 5, seed=3)
    _assert_partition(folds, 150)
    assert _deviation(y, folds, (0.2,) * 5).max() <= 1.0
    assert [len(f) for f in folds] == [30] * 5


# --- A hand-worked case --------------------------------------------------------------------------

# Label 0 (2 positives: rows 0, 1) is rarer than label 1 (3 positives: rows 1, 2, 3), so it goes
# first: rows 0 and 1 both want (1, 1) of it, and split. Subset X holds row 1, so it wants
# (0.5 of label 1, 2 samples) and the other, Y, (1.5, 2). The first of rows 2 and 3 goes to Y
# (1.5 > 0.5), leaving both wanting 0.5 of label 1; the tie goes to X, which wants 2 samples
# to Y's 1. The unlabelled rows 4 and 5 then fill one sample each.
HAND = np.array([[1, 0], [1, 1], [0, 1], [0, 1], [0, 0], [0, 0]])


@pytest.mark.parametrize("seed", range(8))
def test_hand_worked_example(seed: int) -> None:
    first, second = iterative_stratification(HAND, (0.5, 0.5), seed=seed)
    for subset in (first, second):
        assert len(set(subset) & {0, 1}) == 1
        assert len(set(subset) & {2, 3}) == 1
        assert len(set(subset) & {4, 5}) == 1


def test_hand_worked_unequal_proportions() -> None:
    """Three positives of one label and seven unlabelled rows into (0.7, 0.3): 2.1 and 0.9 of
    the label are wanted, so two go to the first subset and one to the second."""
    y = np.zeros((10, 1), dtype=int)
    y[[2, 5, 8], 0] = 1
    for seed in range(5):
        big, small = iterative_stratification(y, (0.7, 0.3), seed=seed)
        assert (len(big), len(small)) == (7, 3)
        assert (int(y[big].sum()), int(y[small].sum())) == (2, 1)


# --- Seeds and input -----------------------------------------------------------------------------


def test_a_seed_gives_the_same_split_and_seeds_differ() -> None:
    y = _random_labels(120, 4, 0.3, 1)
    once = iterative_stratification(y, (0.6, 0.2, 0.2), seed=5)
    again = iterative_stratification(y, (0.6, 0.2, 0.2), seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(once, again, strict=True))
    other = iterative_stratification(y, (0.6, 0.2, 0.2), seed=6)
    assert not all(np.array_equal(a, b) for a, b in zip(once, other, strict=True))


def test_takes_booleans_and_lists_and_leaves_the_input_alone() -> None:
    y = _random_labels(40, 3, 0.4, 2)
    copy = y.copy()
    from_ints = iterative_stratification(y, (0.5, 0.5), seed=1)
    from_bools = iterative_stratification(y.astype(bool), (0.5, 0.5), seed=1)
    from_lists = iterative_stratification(y.tolist(), [0.5, 0.5], seed=1)
    assert np.array_equal(y, copy)
    for a, b, c in zip(from_ints, from_bools, from_lists, strict=True):
        assert np.array_equal(a, b) and np.array_equal(a, c)


# --- Errors --------------------------------------------------------------------------------------

Y = np.eye(2, dtype=int).repeat(5, axis=0)


@pytest.mark.parametrize(
    ("y", "proportions", "error", "match"),
    [
        (np.array([0, 1, 1]), (0.5, 0.5), ValueError, r"y has shape \(3,\)"),
        (np.zeros((0, 2)), (0.5, 0.5), ValueError, r"y has shape \(0, 2\)"),
        (np.zeros((2, 2, 2)), (0.5, 0.5), ValueError, r"y has shape \(2, 2, 2\)"),
        (np.array([[0, 2], [1, 0]]), (0.5, 0.5), ValueError, r"y\[0, 1\] is 2.*0 or 1"),
        (np.array([["a", "b"]]), (0.5, 0.5), TypeError, r"y must hold 0/1 numbers"),
        (Y, (0.5, 0.4), ValueError, r"sum to 0.9; the shares must sum to 1"),
        (Y, (1.2, -0.2), ValueError, r"proportions\[1\]=-0.2 must be > 0"),
        (Y, (1.0, 0.0), ValueError, r"proportions\[1\]=0.0 must be > 0"),
        (Y, (1.0,), ValueError, r"give at least two shares"),
        (Y, "0.5,0.5", TypeError, r"proportions must be a sequence"),
        (Y, (0.5, float("nan")), ValueError, r"proportions\[1\]=nan must be finite"),
        (Y, (0.95, 0.05), ValueError, r"proportions\[1\]=0.05 of 10 samples.*would be empty"),
        # Every label's one positive goes to the subset wanting 0.55 of it: none is left.
        (np.eye(3, dtype=int), (0.45, 0.55), ValueError, r"\(0.45, 0.55\) leaves subset 0 empty"),
    ],
)
def test_bad_input_names_the_argument(y, proportions, error, match) -> None:
    with pytest.raises(error, match=match):
        iterative_stratification(y, proportions)


@pytest.mark.parametrize(
    ("n_folds", "error", "match"),
    [
        (1, ValueError, r"n_folds=1 is out of range; it must lie in \[2, 10\]"),
        (11, ValueError, r"n_folds=11 is out of range"),
        (2.5, ValueError, r"n_folds=2.5 must be a whole number"),
        ("3", TypeError, r"n_folds must be an integer"),
    ],
)
def test_bad_fold_counts(n_folds, error, match) -> None:
    with pytest.raises(error, match=match):
        multilabel_folds(Y, n_folds)


def test_bad_seed() -> None:
    with pytest.raises(ValueError, match=r"seed=-1 is out of range"):
        iterative_stratification(Y, (0.5, 0.5), seed=-1)
