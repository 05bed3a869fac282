"""Misclassification costs for ``compare(costs=...)``: checked, parsed, and in scope.

A cost matrix ``Cost[i, j]`` is what predicting class ``j`` costs when the true class is ``i``
(rows true, columns predicted; a zero diagonal is the usual case). A binary problem may give
``{"fn": a, "fp": b}``: a missed positive costs ``a``, a false alarm ``b``, i.e.
``Cost = [[0, b], [a, 0]]``.

* :func:`check_costs`: either form, as a checked ``C x C`` float matrix;
* :func:`parse_costs`: the CLI's text, ``"fn=20,fp=1"`` or rows ``"0,1;5,0"``;
* :func:`expected_cost`: ``sum(M * Cost) / N`` of confusion matrices ``M`` (lower is better);
* :func:`bayes_decision`: the class of least expected cost, ``argmin_j sum_i p_i Cost[i, j]``;
* :func:`cost_scope`: the matrix the metric ``"expected_cost"`` reads while a comparison is
  summarised (the bootstrap scores confusion matrices through
  :func:`~keras_imbalance.comparison.scoring.scores.metric_values`, which takes no costs).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from keras_imbalance._validation import short_repr

__all__ = [
    "active_costs",
    "bayes_decision",
    "decide",
    "check_costs",
    "cost_scope",
    "expected_cost",
    "parse_costs",
    "scoped_costs",
]

_ACTIVE: ContextVar[np.ndarray | None] = ContextVar("keras_imbalance_costs", default=None)
_BINARY_KEYS = ("fn", "fp")


def check_costs(costs: Any, num_classes: int | None = None) -> np.ndarray:
    """``costs`` as a checked ``C x C`` float matrix (rows true class, columns predicted).

    ``{"fn": a, "fp": b}`` (both >= 0, one > 0) is the binary matrix ``[[0, b], [a, 0]]``; a
    matrix is checked like a cost-sensitive loss's (square, finite, >= 0) and must not be all
    zeros. With ``num_classes``, its size must match.

    Example:
        >>> check_costs({"fn": 20, "fp": 1}).tolist()
        [[0.0, 1.0], [20.0, 0.0]]
        >>> check_costs({"fn": 0, "fp": 0})
        Traceback (most recent call last):
        ...
        ValueError: costs={'fn': 0, 'fp': 0} are all 0; give at least one positive cost, ...
    """
    # keras_imbalance.losses imports Keras; the metrics here are NumPy only.
    from keras_imbalance.losses._checks import check_cost_matrix

    if isinstance(costs, Mapping):
        keys = sorted(str(key) for key in costs)
        if keys != sorted(_BINARY_KEYS):
            raise ValueError(
                f"costs={short_repr(costs)} must have exactly the keys 'fn' and 'fp', e.g. "
                f"{{'fn': 20, 'fp': 1}}, or be a C x C matrix (rows true, columns predicted)"
            )
        values = {}
        for key in _BINARY_KEYS:
            value = costs[key]
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise TypeError(f"costs[{key!r}]={value!r} must be a number >= 0")
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"costs[{key!r}]={value!r} must be a finite number >= 0")
            values[key] = float(value)
        matrix = np.array([[0.0, values["fp"]], [values["fn"], 0.0]])
    else:
        matrix = check_cost_matrix(costs)
    if not (matrix > 0).any():
        raise ValueError(
            f"costs={short_repr(costs)} are all 0; give at least one positive cost, e.g. "
            f"{{'fn': 20, 'fp': 1}}"
        )
    if num_classes is not None and matrix.shape[0] != num_classes:
        form = " ({'fn': a, 'fp': b} is for 2 classes)" if isinstance(costs, Mapping) else ""
        raise ValueError(
            f"costs is a {matrix.shape[0]} x {matrix.shape[0]} cost matrix{form} but the data "
            f"has {num_classes} classes; give a {num_classes} x {num_classes} matrix"
        )
    return matrix


def parse_costs(text: str) -> dict[str, float] | list[list[float]]:
    """The CLI's ``--costs``: ``"fn=20,fp=1"``, or a matrix's rows ``"0,1;5,0"``.

    Example:
        >>> parse_costs("fn=20,fp=1")
        {'fn': 20.0, 'fp': 1.0}
        >>> parse_costs("0,1,1;5,0,1;5,1,0")[1]
        [5.0, 0.0, 1.0]
    """
    text = str(text).strip()
    try:
        if "=" in text:
            pairs = [part.split("=", 1) for part in text.split(",") if part.strip()]
            parsed: dict[str, float] = {key.strip(): float(value) for key, value in pairs}
            check_costs(parsed)
            return parsed
        rows = [[float(v) for v in row.split(",")] for row in text.split(";")]
        check_costs(rows)
        return rows
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"--costs {text!r} cannot be read: {error}. Write fn=20,fp=1 for a binary problem, "
            f"or the rows of a C x C matrix (rows true, columns predicted), e.g. 0,1;5,0"
        ) from None


def expected_cost(confusion: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """``sum_ij M_ij Cost_ij / N`` of confusion matrices ``(..., C, C)``: the mean cost per sample.

    Example:
        >>> m = np.array([[8, 2], [1, 4]])  # 2 false alarms, 1 miss
        >>> float(expected_cost(m, check_costs({"fn": 20, "fp": 1})))  # (2 * 1 + 1 * 20) / 15
        1.4666666666666666
    """
    m = np.asarray(confusion, dtype=np.float64)
    matrix = np.asarray(costs, dtype=np.float64)
    if matrix.shape != m.shape[-2:]:
        raise ValueError(
            f"the cost matrix is {matrix.shape[0]} x {matrix.shape[0]} but the confusion "
            f"matrices are {m.shape[-2]} x {m.shape[-1]}; give costs for every class"
        )
    return np.asarray((m * matrix).sum(axis=(-2, -1)) / m.sum(axis=(-2, -1)))


def bayes_decision(probabilities: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """The class of least expected cost per row: ``argmin_j sum_i p_i Cost[i, j]``.

    Example:
        >>> p = np.array([[0.9, 0.1], [0.97, 0.03]])
        >>> bayes_decision(p, check_costs({"fn": 20, "fp": 1})).tolist()  # 0.1 * 20 > 0.9 * 1
        [1, 0]
    """
    return np.asarray(np.asarray(probabilities, dtype=np.float64) @ costs).argmin(axis=-1)


def decide(logits: np.ndarray, costs: Sequence[Sequence[float]] | np.ndarray | None) -> np.ndarray:
    """The predicted classes: the argmax, or with a cost matrix the class of least expected
    cost under the softmax probabilities (:func:`bayes_decision`).

    Example:
        >>> z = np.array([[0.0, -1.0]])  # p = (0.73, 0.27): 0.27 * 9 > 0.73 * 1
        >>> decide(z, None).tolist(), decide(z, [[0, 1], [9, 0]]).tolist()
        ([0], [1])
    """
    z = np.asarray(logits, dtype=np.float64)
    if costs is None:
        return z.argmax(axis=-1)
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    return bayes_decision(shifted / shifted.sum(axis=-1, keepdims=True), np.asarray(costs, float))


@contextmanager
def cost_scope(costs: Sequence[Sequence[float]] | np.ndarray | None) -> Iterator[None]:
    """Inside the block the metric ``"expected_cost"`` reads ``costs`` (:func:`active_costs`)."""
    token = _ACTIVE.set(None if costs is None else np.asarray(costs, dtype=np.float64))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def scoped_costs() -> np.ndarray | None:
    """The cost matrix of the :func:`cost_scope` around the caller, or ``None``."""
    return _ACTIVE.get()


def active_costs() -> np.ndarray:
    """The cost matrix of the :func:`cost_scope` around the caller, or a clear error."""
    costs = _ACTIVE.get()
    if costs is None:
        raise ValueError(
            "metric='expected_cost' needs costs; give compare(costs={'fn': 20, 'fp': 1}) or a "
            "cost matrix, or pick another metric"
        )
    return costs
