"""The strategies :func:`~keras_imbalance.comparison.compare` knows, by name: a thin layer over
:mod:`keras_imbalance.remedies`, where each is an object (its knobs, its setup, its recipe).

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

``"weight_balancing"`` trains cross-entropy with weight decay, then the classifier alone with
class-balanced weights, weight decay and MaxNorm (Alshammari et al. 2022; ``weight_decay`` and
``max_norm`` tuned). Every trained strategy also takes the knob ``weight_decay`` (decoupled
weight decay; no default grid: ``compare(weight_decay=...)`` unless a grid names it).

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

Binary problems also get ``"threshold"`` (:data:`BINARY_STRATEGIES`, added to the defaults):
the ``"none"`` model with its decision threshold moved on validation
(:mod:`keras_imbalance.comparison.thresholded`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from keras_imbalance._validation import check_option, short_repr
from keras_imbalance.remedies import REMEDIES, Context, Remedy, Setup, get_remedy
from keras_imbalance.remedies.registry import BINARY_REMEDIES, DEFAULT_REMEDIES

TRAINED_STRATEGIES: tuple[str, ...] = tuple(n for n, r in REMEDIES.items() if r.kind == "trained")
HEAD_STRATEGIES: tuple[str, ...] = tuple(n for n, r in REMEDIES.items() if r.kind == "head")
COMPARE_STRATEGIES: tuple[str, ...] = (*TRAINED_STRATEGIES, *HEAD_STRATEGIES)
DEFAULT_STRATEGIES: tuple[str, ...] = DEFAULT_REMEDIES
# For binary problems only (refused on more classes); added to the defaults of a binary problem.
BINARY_STRATEGIES: tuple[str, ...] = BINARY_REMEDIES

# The values used when a knob is not tuned (``tune=False``, or a strategy left out of ``grids``).
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    name: remedy.defaults() for name, remedy in REMEDIES.items() if remedy.knobs
}
# The grids tuned on validation by default: small for trained strategies (each value is one
# training run per seed), fine for the decoupled ones (each value costs a matrix product).
DEFAULT_GRIDS: dict[str, dict[str, list[Any]]] = {
    name: remedy.default_grid() for name, remedy in REMEDIES.items() if remedy.default_grid()
}

Strategy = str | Remedy


def check_strategies(strategies: Sequence[Strategy]) -> list[Remedy]:
    """The remedies of ``strategies`` (names or objects), each listed once; ``"none"`` first.

    The head remedies are built on the ``"none"`` model, so it is added when they are given.

    Example:
        >>> [remedy.name for remedy in check_strategies(["posthoc", "focal"])]
        ['none', 'posthoc', 'focal']
    """
    if isinstance(strategies, str | Remedy) or not isinstance(strategies, Sequence):
        raise TypeError(
            f"strategies={short_repr(strategies)} must be a list of names, e.g. "
            f"['none', 'balanced']"
        )
    remedies = [get_remedy(strategy) for strategy in strategies]
    if not remedies:
        raise ValueError("strategies=[] is empty; give at least one, e.g. ['none', 'balanced']")
    names = [remedy.name for remedy in remedies]
    if len(set(names)) != len(names):
        raise ValueError(f"strategies={names!r} lists a strategy twice; list each once")
    if any(remedy.kind == "head" for remedy in remedies) and "none" not in names:
        # The decoupled strategies are built on the "none" model: train it, and show it.
        remedies.insert(0, REMEDIES["none"])
    return sorted(remedies, key=lambda remedy: remedy.name != "none")


def check_grids(
    strategies: Sequence[Strategy], grids: Mapping[str, Mapping[str, Sequence[Any]]] | None
) -> dict[str, dict[str, list[Any]]]:
    """Validate user grids and merge them over each remedy's default grid.

    A user grid replaces the default grid of the knobs it names; the other knobs keep theirs.
    A value listed twice is refused (it would train the same run twice).

    Example:
        >>> check_grids(["none", "focal"], {"focal": {"gamma": [0, 3]}})
        {'focal': {'gamma': [0.0, 3.0]}}
        >>> check_grids(["focal"], {"focal": {"gamma": [1, 1]}})
        Traceback (most recent call last):
        ...
        ValueError: grids['focal']['gamma']=[1, 1] lists 1 twice; list each value once ...
    """
    grids = {} if grids is None else grids
    if not isinstance(grids, Mapping):
        raise TypeError(
            f"grids={short_repr(grids)} must be a dict like "
            f"{{'logit_adjusted': {{'tau': [0.5, 1]}}}}"
        )
    remedies = {remedy.name: remedy for remedy in map(get_remedy, strategies)}
    for strategy in grids:
        if strategy not in remedies:
            raise ValueError(
                f"grids names strategy {strategy!r}, which is not compared; compare it too or "
                f"drop it from grids (compared: {', '.join(remedies)})"
            )
    merged: dict[str, dict[str, list[Any]]] = {}
    for name, remedy in remedies.items():
        given = remedy.check_grid(grids.get(name, {}), f"grids[{name!r}]")
        grid = {**remedy.default_grid(), **given}
        if grid:
            merged[name] = grid
    return merged


def candidates(
    strategy: Strategy, grids: Mapping[str, Mapping[str, Sequence[Any]]], *, tune: bool
) -> list[dict[str, Any]]:
    """Every parameter set to try for ``strategy``: the grid's product, or the defaults.

    Example:
        >>> candidates("ldam_drw", {"ldam_drw": {"max_margin": [0.25, 0.5]}}, tune=True)
        [{'max_margin': 0.25, 'start': 0.8}, {'max_margin': 0.5, 'start': 0.8}]
        >>> candidates("ldam_drw", {}, tune=False)
        [{'max_margin': 0.5, 'start': 0.8}]
    """
    remedy = get_remedy(strategy)
    return remedy.candidates(grids.get(remedy.name, {}), tune=tune)


def setup(strategy: Strategy, params: Mapping[str, Any], counts: Any, epochs: int) -> Setup:
    """The loss, ``fit`` keywords and callbacks of a trained strategy with ``params``."""
    if isinstance(strategy, str):
        check_option("strategy", strategy, TRAINED_STRATEGIES)
    return get_remedy(strategy).setup(params, Context.of(counts, epochs))


__all__ = [
    "BINARY_STRATEGIES",
    "COMPARE_STRATEGIES",
    "DEFAULT_GRIDS",
    "DEFAULT_PARAMS",
    "DEFAULT_STRATEGIES",
    "HEAD_STRATEGIES",
    "TRAINED_STRATEGIES",
    "Setup",
    "candidates",
    "check_grids",
    "check_strategies",
    "setup",
]
