"""Stratified K folds of the training data, and the rule that decides when ``compare`` uses them.

With cross-validation the training data (the holdout's training and validation splits joined,
:func:`pooled`) is cut into ``K`` stratified folds (:func:`stratified_folds`): each fold is held
out once while the others train, so every training sample is validated exactly once, and the
ranking, knobs and epoch are chosen on the out-of-fold predictions of all of them
(:mod:`~keras_imbalance.comparison.cross_validation`). The test split is left as it is.

**When** (:func:`resolve_cv`, ``cv="auto"``, the default): cross-validation when the holdout's
validation split would hold fewer than :data:`MIN_VALIDATION` samples of some class, else the
holdout. A recall measured on ``n`` samples moves in steps of ``1/n`` with a standard error of
about ``sqrt(p (1 - p) / n)``: at ``n = 50`` and ``p = 0.7`` that is 0.065 for the class, about
0.065 / C for a balanced score over C classes (0.0065 for 10 classes), already as large as the
0.01-0.02 that separates the remedies; below it, the choice is mostly noise. ``K`` is
:data:`DEFAULT_FOLDS`, or the rarest class's count when it has fewer samples (every fold must
hold one of each class). A fixed ``validation_data`` or a stream keeps the holdout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from keras_imbalance.comparison.data.splits import Splits, join_inputs, take_rows
from keras_imbalance.comparison.data.streams import Stream

# The holdout is kept when its validation split holds at least this many samples of every class.
MIN_VALIDATION = 50
# Folds of the automatic choice.
DEFAULT_FOLDS = 5
# The most folds compare accepts: every fold trains every run once more.
MAX_FOLDS = 20


@dataclass(frozen=True)
class Folds:
    """The held-out indices of each fold, into the pooled training data, and the seed drawn with.

    Example:
        >>> folds = stratified_folds(np.array([0, 0, 0, 1, 1, 1, 1]), 3, seed=0)
        >>> folds.k, sorted(np.concatenate(folds.held_out).tolist())
        (3, [0, 1, 2, 3, 4, 5, 6])
    """

    held_out: tuple[np.ndarray, ...]
    seed: int

    @property
    def k(self) -> int:
        return len(self.held_out)

    @property
    def size(self) -> int:
        return int(sum(len(part) for part in self.held_out))

    def training(self, fold: int) -> np.ndarray:
        """The indices that train fold ``fold``: every other fold's, in order."""
        return np.sort(np.concatenate([p for i, p in enumerate(self.held_out) if i != fold]))


def stratified_folds(y: np.ndarray, k: int, seed: int) -> Folds:
    """``k`` folds holding each class's samples in turn, shuffled with ``default_rng(seed)``.

    Each class's samples are permuted and dealt to the folds one by one, starting where the last
    class stopped, so the folds differ in size by at most one sample and in each class's count by
    at most one.
    """
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in range(k)]
    start = 0
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        for i, index in enumerate(members):
            parts[(start + i) % k].append(int(index))
        start = (start + len(members)) % k
    return Folds(tuple(np.sort(np.asarray(p, dtype=int)) for p in parts), int(seed))


def pooled(splits: Splits) -> Splits:
    """The training and validation splits joined (training first) as the training split.

    The result keeps the holdout's validation split as a placeholder: the folds
    (:func:`fold_splits`) replace it.
    """
    if isinstance(splits.x_train, Stream):
        raise ValueError("a stream cannot be cross-validated; use cv=None (the holdout)")
    y = np.concatenate([splits.y_train, splits.y_val])
    return Splits(
        join_inputs(splits.x_train, splits.x_val),
        y,
        splits.x_val,
        splits.y_val,
        splits.x_test,
        splits.y_test,
        list(splits.class_names),
        dict(splits.sources),
    )


def fold_splits(pool: Splits, folds: Folds, fold: int) -> Splits:
    """Fold ``fold`` as splits: the other folds train, this one validates, the test is kept."""
    train, held = folds.training(fold), folds.held_out[fold]
    return Splits(
        take_rows(pool.x_train, train),
        pool.y_train[train],
        take_rows(pool.x_train, held),
        pool.y_train[held],
        pool.x_test,
        pool.y_test,
        list(pool.class_names),
        dict(pool.sources),
    )


def check_cv(cv: Any) -> int | str | None:
    """``cv`` checked: ``"auto"``, ``None`` (the holdout) or a number of folds in 2..20."""
    if cv is None or cv == "auto":
        return cv
    if isinstance(cv, bool) or not isinstance(cv, int | np.integer) or not 2 <= cv <= MAX_FOLDS:
        raise ValueError(
            f"cv must be 'auto', None (the holdout split) or a number of folds from 2 to "
            f"{MAX_FOLDS}, got {cv!r}; e.g. cv=5"
        )
    return int(cv)


def resolve_cv(
    cv: int | str | None, splits: Splits, *, validation_given: bool, class_names: Sequence[str]
) -> tuple[int | None, str]:
    """``(folds or None for the holdout, why)``: the rule of the module docstring."""
    streamed = isinstance(splits.x_train, Stream)
    pool = np.bincount(np.concatenate([splits.y_train, splits.y_val]), minlength=len(class_names))
    rarest = int(pool.argmin())
    if cv is None:
        return None, "the holdout split (cv=None)"
    if cv == "auto":
        if validation_given or streamed:
            kind = "validation_data was given" if validation_given else "the data is a stream"
            return None, f"the holdout split ({kind})"
        val_counts = np.bincount(splits.y_val, minlength=len(class_names))
        if int(val_counts.min()) >= MIN_VALIDATION:
            return None, (
                f"the holdout split (its validation split holds at least {MIN_VALIDATION} samples "
                f"of every class)"
            )
        k = min(DEFAULT_FOLDS, int(pool[rarest]))
        name = class_names[int(val_counts.argmin())]
        return k, (
            f"{k}-fold cross-validation (cv='auto': a holdout would validate class {name!r} on "
            f"{int(val_counts.min())} sample(s), fewer than {MIN_VALIDATION})"
        )
    if validation_given or streamed:
        what = "validation_data=" if validation_given else "a stream"
        raise ValueError(
            f"cv={cv} cannot be combined with {what}: cross-validation draws its own folds from "
            f"the training data; drop one of them (cv=None keeps the fixed split)"
        )
    if int(pool[rarest]) < int(cv):
        raise ValueError(
            f"cv={cv} needs at least {cv} training samples of every class, but class "
            f"{class_names[rarest]!r} has {int(pool[rarest])}; use cv={max(2, int(pool[rarest]))} "
            f"or fewer folds"
        )
    return int(cv), f"{cv}-fold cross-validation (cv={cv})"


__all__ = [
    "DEFAULT_FOLDS",
    "MAX_FOLDS",
    "MIN_VALIDATION",
    "Folds",
    "check_cv",
    "fold_splits",
    "pooled",
    "resolve_cv",
    "stratified_folds",
]
