"""The remedies of a multi-label comparison: one loss each, on the model's ``L`` logits.

* ``none``: binary cross-entropy of each label's sigmoid, averaged over the labels.
* ``balanced``: the same with each label's positive term weighted by ``n_neg / n_pos`` from the
  training labels (:func:`~keras_imbalance.losses.pos_weight_from_counts`,
  :class:`~keras_imbalance.losses.WeightedBinaryCrossentropy`; PyTorch's ``pos_weight``).
* ``focal``: sigmoid focal loss ``-(1 - p_t)**gamma log p_t`` (Lin et al., 2017), Keras's
  ``BinaryFocalCrossentropy`` with ``gamma=2``.
* ``asymmetric``: the asymmetric loss of Ridnik et al. (2021),
  :class:`~keras_imbalance.losses.AsymmetricLoss`, with its defaults; its ``gamma_neg`` is tuned
  on validation over :data:`MULTILABEL_GRIDS` (``[2, 4]``).

A knob grid ``{remedy: {knob: [values]}}`` (``grids=``) replaces the default grid of the knobs it
names; ``tune=False`` keeps every knob at its default.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number, short_repr

MULTILABEL_STRATEGIES: tuple[str, ...] = ("none", "balanced", "focal", "asymmetric")
# The knobs each remedy takes, with their default values.
KNOBS: dict[str, dict[str, Any]] = {
    "none": {},
    "balanced": {},
    "focal": {"gamma": 2.0},
    "asymmetric": {"gamma_neg": 4.0},  # gamma_pos and clip: AsymmetricLoss's defaults
}
MULTILABEL_GRIDS: dict[str, dict[str, list[Any]]] = {"asymmetric": {"gamma_neg": [2.0, 4.0]}}

__all__ = [
    "KNOBS",
    "MULTILABEL_GRIDS",
    "MULTILABEL_STRATEGIES",
    "candidates",
    "check_multilabel_strategies",
    "make_loss",
]


def check_multilabel_strategies(strategies: Sequence[Any]) -> list[str]:
    """The remedy names, ``"none"`` first (added when missing), without repeats.

    Example:
        >>> check_multilabel_strategies(["focal", "balanced"])
        ['none', 'focal', 'balanced']
    """
    if isinstance(strategies, str) or not isinstance(strategies, Sequence):
        raise TypeError(
            f"strategies={short_repr(strategies)} must be a list of names from "
            f"{list(MULTILABEL_STRATEGIES)}"
        )
    names: list[str] = []
    for name in strategies:
        if not isinstance(name, str) or name not in MULTILABEL_STRATEGIES:
            raise ValueError(
                f"strategy {short_repr(name)} is not supported with label_mode='multi_label' "
                f"yet; use some of {list(MULTILABEL_STRATEGIES)}"
            )
        if name in names:
            raise ValueError(f"strategies names {name!r} twice; give each strategy once")
        names.append(name)
    return ["none", *[name for name in names if name != "none"]]


def candidates(
    name: str, grids: Mapping[str, Mapping[str, Sequence[Any]]] | None, *, tune: bool
) -> list[dict[str, Any]]:
    """Every knob setting of remedy ``name`` to train, in grid order.

    Example:
        >>> [p["gamma_neg"] for p in candidates("asymmetric", None, tune=True)]
        [2.0, 4.0]
        >>> candidates("asymmetric", {"asymmetric": {"gamma_neg": [1.0]}}, tune=False)
        [{'gamma_neg': 4.0}]
    """
    defaults = dict(KNOBS[name])
    if not tune:
        return [defaults]
    grid = {**MULTILABEL_GRIDS.get(name, {}), **dict((grids or {}).get(name, {}))}
    axes = [[(knob, value) for value in values] for knob, values in grid.items()]
    return [{**defaults, **dict(combo)} for combo in itertools.product(*axes)]


def check_multilabel_grids(grids: Any) -> dict[str, dict[str, list[Any]]]:
    """``grids`` as ``{remedy: {knob: [values]}}`` naming only remedies and knobs that exist, with
    values that are numbers ``>= 0`` (every knob is a focusing exponent)."""
    if grids is None:
        return {}
    if not isinstance(grids, Mapping):
        raise TypeError(
            f"grids={short_repr(grids)} must be a dict {{strategy: {{knob: [values]}}}}"
        )
    checked: dict[str, dict[str, list[Any]]] = {}
    for name, grid in grids.items():
        knobs = KNOBS.get(name)
        if not knobs or not isinstance(grid, Mapping):
            raise ValueError(
                f"grids names {short_repr(name)}, which is not a multi-label strategy with knobs; "
                f"give grids for some of {[n for n, k in KNOBS.items() if k]}"
            )
        for knob, values in grid.items():
            if knob not in knobs:
                raise ValueError(
                    f"grids[{name!r}] names knob {knob!r}; {name} takes {sorted(knobs)}"
                )
            if isinstance(values, str) or not isinstance(values, Sequence) or not values:
                raise ValueError(
                    f"grids[{name!r}][{knob!r}]={short_repr(values)} must be a non-empty list"
                )
        checked[name] = {
            knob: [check_number(f"grids[{name!r}][{knob!r}]", v, low=0) for v in values]
            for knob, values in grid.items()
        }
    return checked


def make_loss(name: str, params: Mapping[str, Any], y_train: np.ndarray) -> Any:
    """The Keras loss of remedy ``name`` with knobs ``params``, on logits."""
    import keras

    import keras_imbalance.losses as losses

    if name == "balanced":
        from keras_imbalance.counting import count_labels

        counts = count_labels(y_train, label_mode="multi_label")
        return losses.WeightedBinaryCrossentropy(
            losses.pos_weight_from_counts(counts), from_logits=True
        )
    if name == "focal":
        return keras.losses.BinaryFocalCrossentropy(gamma=float(params["gamma"]), from_logits=True)
    if name == "asymmetric":
        return losses.AsymmetricLoss(gamma_neg=float(params["gamma_neg"]), from_logits=True)
    return keras.losses.BinaryCrossentropy(from_logits=True)
