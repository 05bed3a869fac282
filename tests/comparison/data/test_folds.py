"""Stratified folds, the pooled training data and the rule that picks cross-validation."""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold

from keras_imbalance.comparison.data.folds import (
    MIN_VALIDATION,
    check_cv,
    fold_splits,
    pooled,
    resolve_cv,
    stratified_folds,
)
from keras_imbalance.comparison.data.splits import Splits


def _splits(train_counts, val_counts, test_counts=(5, 5, 5)):
    def part(counts, offset):
        y = np.concatenate([np.full(n, c) for c, n in enumerate(counts)])
        x = (np.arange(len(y), dtype="float32") + offset)[:, None]
        return x, y

    (xt, yt), (xv, yv), (xs, ys) = (
        part(train_counts, 0),
        part(val_counts, 1000),
        part(test_counts, 5000),
    )
    return Splits(
        xt, yt, xv, yv, xs, ys, ["a", "b", "c"], {"train": "t", "validation": "v", "test": "s"}
    )


def test_every_sample_is_held_out_once_and_classes_are_dealt_evenly():
    y = np.repeat([0, 1, 2], [53, 17, 6])
    folds = stratified_folds(y, 5, seed=3)
    held = np.concatenate(folds.held_out)
    assert sorted(held.tolist()) == list(range(len(y)))
    for c, n in enumerate([53, 17, 6]):
        per_fold = [int((y[part] == c).sum()) for part in folds.held_out]
        assert sum(per_fold) == n and max(per_fold) - min(per_fold) <= 1
    sizes = [len(p) for p in folds.held_out]
    assert max(sizes) - min(sizes) <= 1
    # each class is dealt over the folds as scikit-learn's StratifiedKFold deals it
    reference = [test for _, test in StratifiedKFold(5).split(np.zeros(len(y)), y)]
    for c in range(3):
        ours = sorted(int((y[p] == c).sum()) for p in folds.held_out)
        theirs = sorted(int((y[t] == c).sum()) for t in reference)
        assert ours == theirs


def test_folds_are_reproducible_and_seeded():
    y = np.repeat([0, 1], [20, 10])
    a, b, c = (stratified_folds(y, 3, seed=s) for s in (1, 1, 2))
    assert all(np.array_equal(p, q) for p, q in zip(a.held_out, b.held_out, strict=True))
    assert not all(np.array_equal(p, q) for p, q in zip(a.held_out, c.held_out, strict=True))


def test_training_indices_are_the_other_folds():
    folds = stratified_folds(np.repeat([0, 1], [9, 6]), 3, seed=0)
    for k in range(3):
        train = folds.training(k)
        assert np.intersect1d(train, folds.held_out[k]).size == 0
        assert len(train) + len(folds.held_out[k]) == 15


def test_pooled_joins_train_then_validation_and_fold_splits_cut_it():
    splits = _splits((30, 10, 4), (8, 3, 1))
    pool = pooled(splits)
    assert len(pool.y_train) == 56
    np.testing.assert_array_equal(pool.x_train[:44], splits.x_train)
    np.testing.assert_array_equal(pool.x_train[44:], splits.x_val)
    folds = stratified_folds(pool.y_train, 5, seed=0)
    fold = fold_splits(pool, folds, 2)
    np.testing.assert_array_equal(fold.x_val, pool.x_train[folds.held_out[2]])
    np.testing.assert_array_equal(fold.y_train, pool.y_train[folds.training(2)])
    assert fold.x_test is splits.x_test


@pytest.mark.real_cv_rule
def test_auto_cross_validates_when_a_class_would_starve():
    starved = _splits((200, 200, 8), (60, 60, 2))
    k, why = resolve_cv("auto", starved, validation_given=False, class_names=["a", "b", "c"])
    assert k == 5 and "'c'" in why and "2 sample" in why
    plenty = _splits((200, 200, 200), (60, 60, MIN_VALIDATION))
    assert (
        resolve_cv("auto", plenty, validation_given=False, class_names=["a", "b", "c"])[0] is None
    )
    assert (
        resolve_cv("auto", starved, validation_given=True, class_names=["a", "b", "c"])[0] is None
    )


@pytest.mark.real_cv_rule
def test_auto_takes_fewer_folds_than_samples_of_the_rarest_class():
    tiny = _splits((20, 20, 2), (5, 5, 1))
    assert resolve_cv("auto", tiny, validation_given=False, class_names=["a", "b", "c"])[0] == 3


def test_explicit_folds_are_checked():
    tiny = _splits((20, 20, 2), (5, 5, 1))
    with pytest.raises(ValueError, match=r"cv=5 needs at least 5 .* class 'c' has 3"):
        resolve_cv(5, tiny, validation_given=False, class_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="cannot be combined with validation_data"):
        resolve_cv(3, tiny, validation_given=True, class_names=["a", "b", "c"])
    assert resolve_cv(None, tiny, validation_given=False, class_names=["a", "b", "c"])[0] is None


@pytest.mark.parametrize("bad", [1, 0, 21, 2.5, "five", True])
def test_check_cv_names_the_argument_and_the_fix(bad):
    with pytest.raises(ValueError, match=r"cv must be 'auto', None .* e\.g\. cv=5"):
        check_cv(bad)
