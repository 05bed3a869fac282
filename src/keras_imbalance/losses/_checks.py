"""Argument checks the losses share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number, short_repr
from keras_imbalance.counting import ClassCounts, CountsLike, as_counts
from keras_imbalance.weighting import check_class_weight

# --- Argument checks (NumPy, at construction) -------------------------------------------------


def positive_counts(counts: CountsLike, name: str = "counts") -> tuple[ClassCounts, np.ndarray]:
    """Counts as ``float64``, refusing classes with no samples (the losses divide by them)."""
    found = as_counts(counts, name)
    zero = np.flatnonzero(found.counts == 0)
    if zero.size:
        index = int(zero[0])
        raise ValueError(
            f"{name} for class {found.classes[index]!r} (index {index}) is 0; this loss divides "
            f"by class counts, so every class needs at least one sample. Drop the class or count "
            f"a larger sample"
        )
    return found, found.counts.astype(np.float64)


def _float_array(values: Any, name: str, what: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name}={short_repr(values)} must be {what}") from error


def check_cost_matrix(cost_matrix: Any) -> np.ndarray:
    cost = _float_array(cost_matrix, "cost_matrix", "a C x C array of numbers")
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1] or cost.shape[0] < 2:
        raise ValueError(
            f"cost_matrix has shape {cost.shape}; it must be a square C x C matrix "
            f"(cost[true class, predicted class]) with C >= 2"
        )
    if not np.isfinite(cost).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(cost))[0])
        raise ValueError(
            f"cost_matrix{list(where)} is {float(cost[where])!r}; costs must be finite"
        )
    if (cost < 0).any():
        where = tuple(int(i) for i in np.argwhere(cost < 0)[0])
        raise ValueError(
            f"cost_matrix{list(where)} is {float(cost[where])!r}; costs must be >= 0 (a "
            f"negative cost rewards that mistake)"
        )
    return cost


def weight_list(class_weight: Any, num_classes: int) -> list[float]:
    """Validate ``class_weight`` (dict, list, ClassWeights) into ``num_classes`` floats."""
    checked = check_class_weight(class_weight, num_classes)
    return [checked[i] for i in range(num_classes)]


def check_tau(tau: Any) -> float:
    value = check_number("tau", tau)
    if value < 0:
        raise ValueError(
            f"tau={tau!r} is negative; tau scales the log-prior and must be >= 0 (1 is the "
            f"Fisher-consistent choice, 0 is plain cross-entropy)"
        )
    return value


def num_weights(class_weight: Any) -> int:
    if isinstance(class_weight, Mapping):
        return len(class_weight)
    if isinstance(class_weight, str | bytes) or not isinstance(class_weight, Sequence | np.ndarray):
        raise TypeError(
            f"class_weight must be a dict {{class index: weight}}, a list of weights or a "
            f"ClassWeights, got {short_repr(class_weight)}"
        )
    return len(class_weight)


def check_pos_weight(pos_weight: Any) -> float | list[float]:
    if isinstance(pos_weight, int | float | np.integer | np.floating) and not isinstance(
        pos_weight, bool
    ):
        return check_number("pos_weight", pos_weight, low=0)
    values = _float_array(pos_weight, "pos_weight", "a number or a list of numbers")
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"pos_weight has shape {values.shape}; give one weight per label")
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        raise ValueError(
            f"pos_weight for label {int(bad[0])} is {float(values[bad[0]])!r}; weights must be "
            f"finite and >= 0"
        )
    return values.tolist()


def check_scale(scale: Any) -> float:
    return check_number("scale", scale, low=0, low_inclusive=False)


def check_max_margin(max_margin: Any) -> float:
    return check_number("max_margin", max_margin, low=0)


def check_gamma(gamma: Any) -> float:
    return check_number("gamma", gamma, low=0)


def check_beta(beta: Any) -> float:
    return check_number("beta", beta, low=0, high=1, high_inclusive=False)


def check_label_smoothing(label_smoothing: Any) -> float:
    return check_number("label_smoothing", label_smoothing, low=0, high=1)


def check_weight_values(values: Any, name: str) -> Any:
    """Refuse NaN, infinite or negative entries in a list or array of per-class weights.

    Tensors and ``keras.Variable`` pass through (a class's variable was checked when set).
    """
    if isinstance(values, Mapping):
        return values  # checked by weight_list
    if isinstance(values, Sequence | np.ndarray) and not isinstance(values, str | bytes):
        array = _float_array(values, name, "a list of numbers, one per class")
        bad = np.flatnonzero(~np.isfinite(array.ravel()) | (array.ravel() < 0))
        if bad.size:
            raise ValueError(
                f"{name} for class {int(bad[0])} is {float(array.ravel()[bad[0]])!r}; weights "
                f"must be finite and >= 0"
            )
    return values
