"""The strategies :func:`~keras_imbalance.comparison.compare` knows, their knobs, and their setup.

Trained strategies (each trains the whole model from the same initial weights):

====================  ===========================================================================
``"none"``            plain cross-entropy: the baseline
``"balanced"``, ...   ``fit(class_weight=class_weights(y, strategy, normalize="mean"))`` for each
                      of :data:`keras_imbalance.STRATEGIES` (``mu`` and ``beta`` tuned)
``"resample"``        :class:`~keras_imbalance.BalancedBatches` oversampling, with as many
                      gradient steps as the other strategies
``"logit_adjusted"``  :class:`~keras_imbalance.losses.LogitAdjustedLoss`, ``tau`` tuned
                      (Menon et al. 2021)
``"drw"``             cross-entropy with deferred re-weighting: uniform weights, then
                      effective-number weights (beta 0.9999) from a fraction ``start`` of the
                      epochs on (Cao et al. 2019)
``"ldam_drw"``        :class:`~keras_imbalance.losses.LDAMLoss` (``max_margin`` tuned) with the
                      same deferred re-weighting (Cao et al. 2019)
``"la_drw"``          the logit-adjusted loss with the same deferred re-weighting
``"mixup_drw"``       mixup (Zhang et al. 2018, ``alpha`` tuned) with the same deferred
                      re-weighting of the mixed samples
``"focal"``           Keras's ``CategoricalFocalCrossentropy``, per-class ``alpha`` from
                      :func:`~keras_imbalance.losses.focal_alpha`, ``gamma`` tuned (Lin et al.
                      2017)
====================  ===========================================================================

Decoupled strategies (they reuse the ``"none"`` model of the same seed, so each costs seconds):

====================  ===========================================================================
``"posthoc"``         the ``"none"`` logits adjusted by ``-tau * log(prior)``, ``tau`` tuned on
                      validation (Menon et al. 2021)
``"tau_norm"``        the last layer's class vectors divided by their norm to the power ``tau``,
                      ``tau`` tuned (Kang et al. 2020, "Decoupling representation and
                      classifier")
``"crt"``             classifier re-training: the features frozen, a new last layer trained on
                      class-balanced batches (Kang et al. 2020)
``"crt_la"``          the same, with the logit-adjusted loss in place of balanced sampling
====================  ===========================================================================
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.weighting import STRATEGIES as WEIGHT_STRATEGIES

TRAINED_STRATEGIES: tuple[str, ...] = (
    "none",
    *WEIGHT_STRATEGIES,
    "resample",
    "logit_adjusted",
    "drw",
    "ldam_drw",
    "la_drw",
    "mixup_drw",
    "focal",
)
HEAD_STRATEGIES: tuple[str, ...] = ("posthoc", "tau_norm", "crt", "crt_la")
COMPARE_STRATEGIES: tuple[str, ...] = (*TRAINED_STRATEGIES, *HEAD_STRATEGIES)
# The default run: the baseline, one class-weight strategy, the long-tail losses and the heads.
# effective_number, resample, log, mixup_drw and the other weights are there to ask for by name.
DEFAULT_STRATEGIES: tuple[str, ...] = (
    "none",
    "balanced",
    "logit_adjusted",
    "drw",
    "ldam_drw",
    "la_drw",
    "focal",
    "posthoc",
    "tau_norm",
    "crt",
    "crt_la",
)

# The values used when a knob is not tuned (``tune=False``, or a strategy left out of ``grids``).
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "log": {"mu": 0.15},
    "effective_number": {"beta": 0.9999},
    "logit_adjusted": {"tau": 1.0},
    "drw": {"start": 0.8},
    "ldam_drw": {"max_margin": 0.5, "start": 0.8},
    "la_drw": {"tau": 1.0, "start": 0.8},
    "mixup_drw": {"alpha": 0.2, "start": 0.8},
    "focal": {"gamma": 2.0},
    "posthoc": {"tau": 1.0},
    "tau_norm": {"tau": 1.0},
    "crt_la": {"tau": 1.0},
}
# The grids tuned on validation by default: small for trained strategies (each value is one
# training run per seed), fine for the decoupled ones (each value costs a matrix product).
DEFAULT_GRIDS: dict[str, dict[str, list[Any]]] = {
    "log": {"mu": [0.15, 0.5]},
    "effective_number": {"beta": [0.999, 0.9999]},
    "logit_adjusted": {"tau": [1.0, 2.0]},
    "drw": {"start": [0.6, 0.8]},
    "ldam_drw": {"max_margin": [0.25, 0.5]},
    "la_drw": {"start": [0.6, 0.8]},
    "mixup_drw": {"alpha": [0.2, 1.0]},
    "focal": {"gamma": [1.0, 2.0]},
    "posthoc": {"tau": [round(0.25 * i, 2) for i in range(13)]},
    "tau_norm": {"tau": [round(0.1 * i, 1) for i in range(21)]},
    "crt_la": {"tau": [1.0, 2.0]},
}
# knob -> (low, high, low inclusive, high inclusive); ``mu`` also takes "auto".
_RANGES: dict[str, tuple[float, float | None, bool, bool]] = {
    "mu": (0.0, None, False, True),
    "beta": (0.0, 1.0, True, False),
    "tau": (0.0, None, True, True),
    "start": (0.0, 1.0, True, True),
    "max_margin": (0.0, None, False, True),
    "gamma": (0.0, None, True, True),
    "alpha": (0.0, None, False, True),
}


def check_grids(
    strategies: Sequence[str], grids: Mapping[str, Mapping[str, Sequence[Any]]] | None
) -> dict[str, dict[str, list[Any]]]:
    """Validate user grids and merge them over :data:`DEFAULT_GRIDS` for ``strategies``.

    A user grid replaces the default grid of the knobs it names; the other knobs keep theirs.

    Example:
        >>> check_grids(["none", "focal"], {"focal": {"gamma": [0, 3]}})
        {'focal': {'gamma': [0.0, 3.0]}}
    """
    grids = {} if grids is None else grids
    if not isinstance(grids, Mapping):
        raise TypeError(
            f"grids={short_repr(grids)} must be a dict like "
            f"{{'logit_adjusted': {{'tau': [0.5, 1]}}}}"
        )
    for strategy, knobs in grids.items():
        if strategy not in strategies:
            raise ValueError(
                f"grids names strategy {strategy!r}, which is not compared; compare it too or "
                f"drop it from grids (compared: {', '.join(strategies)})"
            )
        allowed = tuple(DEFAULT_PARAMS.get(strategy, {}))
        if not isinstance(knobs, Mapping):
            raise TypeError(
                f"grids[{strategy!r}]={short_repr(knobs)} must be a dict {{knob: [values]}}"
            )
        for knob, values in knobs.items():
            if knob not in allowed:
                tunable = ", ".join(repr(k) for k in allowed) or "none"
                raise ValueError(
                    f"grids[{strategy!r}] has knob {knob!r}, which {strategy} does not take; "
                    f"its knobs: {tunable}"
                )
            if isinstance(values, str) or not isinstance(values, Sequence) or not values:
                raise ValueError(
                    f"grids[{strategy!r}][{knob!r}]={short_repr(values)} must be a non-empty "
                    f"list of values"
                )
    merged: dict[str, dict[str, list[Any]]] = {}
    for strategy in strategies:
        grid = {k: list(v) for k, v in DEFAULT_GRIDS.get(strategy, {}).items()}
        grid.update({k: list(v) for k, v in grids.get(strategy, {}).items()})
        if grid:
            merged[strategy] = {
                knob: [_check_value(strategy, knob, value) for value in values]
                for knob, values in grid.items()
            }
    return merged


def _check_value(strategy: str, knob: str, value: Any) -> Any:
    if knob == "mu" and value == "auto":
        return value
    low, high, low_inclusive, high_inclusive = _RANGES[knob]
    return check_number(
        f"grids[{strategy!r}][{knob!r}]",
        value,
        low=low,
        high=high,
        low_inclusive=low_inclusive,
        high_inclusive=high_inclusive,
    )


def candidates(
    strategy: str, grids: Mapping[str, Mapping[str, Sequence[Any]]], *, tune: bool
) -> list[dict[str, Any]]:
    """Every parameter set to try for ``strategy``: the grid's product, or the defaults.

    Example:
        >>> candidates("ldam_drw", {"ldam_drw": {"max_margin": [0.25, 0.5]}}, tune=True)
        [{'max_margin': 0.25, 'start': 0.8}, {'max_margin': 0.5, 'start': 0.8}]
        >>> candidates("ldam_drw", {}, tune=False)
        [{'max_margin': 0.5, 'start': 0.8}]
    """
    defaults = dict(DEFAULT_PARAMS.get(strategy, {}))
    grid = grids.get(strategy, {}) if tune else {}
    if not grid:
        return [defaults]
    knobs = list(grid)
    return [
        {**defaults, **dict(zip(knobs, values, strict=True))}
        for values in itertools.product(*(grid[k] for k in knobs))
    ]


@dataclass
class Setup:
    """How one trained strategy trains: its loss, ``fit`` keywords, callbacks and targets."""

    loss: Any
    fit_kwargs: dict[str, Any] = field(default_factory=dict)
    callbacks: list[Any] = field(default_factory=list)
    one_hot: bool = False
    balanced_batches: bool = False
    mixup_alpha: float | None = None


def setup(strategy: str, params: Mapping[str, Any], counts: np.ndarray, epochs: int) -> Setup:
    """The loss, ``fit`` keywords and callbacks of a trained strategy with ``params``."""
    import keras

    from keras_imbalance import losses
    from keras_imbalance.weighting import class_weights

    check_option("strategy", strategy, TRAINED_STRATEGIES)
    count_list = [int(n) for n in counts]
    num_classes = len(count_list)
    plain = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    if strategy == "none":
        return Setup(plain)
    if strategy == "resample":
        return Setup(plain, balanced_batches=True)
    if strategy in WEIGHT_STRATEGIES:
        weights = class_weights(
            dict(enumerate(count_list)),
            cast(Any, strategy),
            normalize="mean",
            **params,
        )
        return Setup(plain, {"class_weight": dict(weights)})
    if strategy == "logit_adjusted":
        return Setup(losses.LogitAdjustedLoss(count_list, tau=float(params["tau"])))
    if strategy == "focal":
        alpha = losses.focal_alpha(count_list, "balanced", normalize="mean")
        focal = keras.losses.CategoricalFocalCrossentropy(
            alpha=alpha, gamma=float(params["gamma"]), from_logits=True
        )
        return Setup(focal, one_hot=True)
    # The deferred re-weighting strategies: uniform weights, then effective-number weights.
    from keras_imbalance.callbacks import DeferredReweighting

    uniform = [1.0] * num_classes
    late = class_weights(dict(enumerate(count_list)), "effective_number", beta=0.9999)
    start = max(1, round(float(params["start"]) * epochs)) if epochs > 1 else 0
    if strategy == "mixup_drw":
        # The weights live in the batches (MixupBatches); training.fit_run adds the callback.
        mixed = keras.losses.CategoricalCrossentropy(from_logits=True)
        return Setup(
            mixed,
            fit_kwargs={"late_weights": late.to_array().tolist(), "start_epoch": start},
            mixup_alpha=float(params["alpha"]),
        )
    if strategy == "drw":
        loss: Any = losses.WeightedSparseCategoricalCrossentropy(uniform, from_logits=True)
    elif strategy == "ldam_drw":
        loss = losses.LDAMLoss(count_list, max_margin=float(params["max_margin"]))
    else:
        loss = losses.LogitAdjustedLoss(count_list, tau=float(params["tau"]), class_weight=uniform)
    return Setup(loss, callbacks=[DeferredReweighting(late.to_array().tolist(), start_epoch=start)])
