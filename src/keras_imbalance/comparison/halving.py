"""Successive halving over a strategy's knob values: the rung arithmetic and the selection.

A strategy with ``n > 1`` knob values (its ``candidates``) is tuned in rungs instead of training
every value for all ``E`` epochs. With the reduction factor ``eta`` (``halving=True`` is
``eta = 2``: keep the better half):

* ``R = ceil(log_eta(n))`` rungs, the smallest number after which one value is left;
* rung ``r`` (``0 <= r < R``) stops at ``E // eta ** (R - r)`` epochs; the rungs that would stop
  before epoch 1, or not before the previous rung, are dropped (few epochs, many values);
* after each rung the ``ceil(alive / eta)`` values with the best **validation** score go on (the
  mean over the seeds; ties keep the grid's order, a diverged value ranks last), the others stop;
* the values left after the last rung train on to all ``E`` epochs.

A value that goes on resumes from its rung's weights and optimizer state: its learning rate
follows the full-budget schedule (cosine over all ``E`` epochs) from the start, so a survivor is
trained like an unhalved run; only the batch order after a rung is drawn afresh. With ``n = 2``
and ``eta = 2``, ``E = 30``: both values train 15 epochs, one trains 15 more: 45 epochs instead
of 60.

Example:
    >>> rung_epochs(30, 4, 2)
    [7, 15]
    >>> halved_epochs(30, 4, 2), 4 * 30
    (59, 120)
    >>> select_survivors([0.5, float("nan"), 0.7, 0.5], keep=2)
    [0, 2]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from keras_imbalance._validation import short_repr
from keras_imbalance.comparison.report.formatting import format_params

DEFAULT_ETA = 2
MAX_ETA = 8


def check_halving(halving: Any) -> int | None:
    """``halving`` as its reduction factor ``eta``: ``None`` for off (``False``/``None``),
    ``2`` for ``True``, or an integer from 2 to 8.

    Example:
        >>> check_halving(True), check_halving(False), check_halving(3)
        (2, None, 3)
    """
    if halving is None or halving is False:
        return None
    if halving is True:
        return DEFAULT_ETA
    if isinstance(halving, int) and 2 <= halving <= MAX_ETA:
        return int(halving)
    raise ValueError(
        f"halving={short_repr(halving)} must be True (keep the better half at each rung), "
        f"False, or a reduction factor eta from 2 to {MAX_ETA} (keep 1/eta at each rung)"
    )


def rung_count(candidates: int, eta: int) -> int:
    """``ceil(log_eta(candidates))``, in integers: the rungs after which one value is left.

    Example:
        >>> [rung_count(n, 2) for n in (1, 2, 3, 4, 5)]
        [0, 1, 2, 2, 3]
    """
    rungs, left = 0, candidates
    while left > 1:
        left = math.ceil(left / eta)
        rungs += 1
    return rungs


def rung_epochs(epochs: int, candidates: int, eta: int) -> list[int]:
    """The epochs at which each rung stops, before the full ``epochs``: ``E // eta ** (R - r)``,
    without the rungs that stop before epoch 1 or not after the previous rung.

    Example:
        >>> rung_epochs(30, 2, 2), rung_epochs(30, 5, 2), rung_epochs(2, 4, 2), rung_epochs(9, 1, 2)
        ([15], [3, 7, 15], [1], [])
    """
    rungs = rung_count(candidates, eta)
    stops: list[int] = []
    for r in range(rungs):
        stop = epochs // eta ** (rungs - r)
        if stop >= 1 and stop < epochs and (not stops or stop > stops[-1]):
            stops.append(stop)
    return stops


def survivors_count(alive: int, eta: int) -> int:
    """How many of ``alive`` values go on after a rung: ``ceil(alive / eta)``.

    Example:
        >>> survivors_count(5, 2), survivors_count(2, 3)
        (3, 1)
    """
    return math.ceil(alive / eta)


def select_survivors(scores: Sequence[float], keep: int) -> list[int]:
    """The indices of the ``keep`` best ``scores``, in their order; ties keep the earlier one, a
    ``nan`` (a diverged value) ranks below every number.

    Example:
        >>> select_survivors([0.2, 0.9, 0.9, 0.1], keep=2)
        [1, 2]
    """
    ranked = sorted(
        range(len(scores)),
        key=lambda i: (-scores[i] if not math.isnan(scores[i]) else math.inf, i),
    )
    return sorted(ranked[:keep])


def halved_epochs(epochs: int, candidates: int, eta: int) -> int:
    """The epochs one seed trains for ``candidates`` values with halving (each survivor resumes
    from its rung): ``sum_r alive_r * (stop_r - stop_{r-1})``.

    Example:
        >>> halved_epochs(30, 2, 2), halved_epochs(30, 1, 2)
        (45, 30)
    """
    alive, start, total = candidates, 0, 0
    for stop in [*rung_epochs(epochs, candidates, eta), epochs]:
        total += alive * (stop - start)
        start = stop
        alive = survivors_count(alive, eta)
    return total


def continuation_seed(seed: int, start: int) -> int:
    """The seed of a run's batches after a rung that stopped at ``start`` epochs (``seed`` from
    epoch 0): a survivor's later batches are drawn afresh, not the first epochs' again.

    Example:
        >>> continuation_seed(3, 0), continuation_seed(3, 15) != 3
        (3, True)
    """
    return seed if start == 0 else (seed * 1_000_003 + start) % (2**31 - 1)


def halving_sentence(report: Mapping[str, Any]) -> str:
    """The report's line on a halved comparison (``settings["halving"]``): what stopped where.

    Example:
        >>> halving_sentence({"eta": 2, "rungs": {"focal": [15]}, "epochs_trained": 45,
        ...     "epochs_unhalved": 60,
        ...     "stopped": [{"strategy": "focal", "params": {"gamma": 2.0}, "epochs": 15}]})
        'Knobs tuned by successive halving (eta 2, on validation): 1 value stopped early: focal (gamma=2.0) after 15 epochs; 45 of 60 epochs trained.'
    """  # noqa: E501
    stopped = list(report.get("stopped", []))
    where = "; ".join(
        f"{s['strategy']} ({format_params(s['params'])}) after {s['epochs']} epochs"
        for s in stopped
    )
    count = f"{len(stopped)} value{'s' if len(stopped) != 1 else ''} stopped early"
    return (
        f"Knobs tuned by successive halving (eta {report['eta']}, on validation): {count}"
        f"{': ' + where if where else ''}; {report['epochs_trained']} of "
        f"{report['epochs_unhalved']} epochs trained."
    )


__all__ = [
    "DEFAULT_ETA",
    "halving_sentence",
    "check_halving",
    "continuation_seed",
    "halved_epochs",
    "rung_count",
    "rung_epochs",
    "select_survivors",
    "survivors_count",
]
