"""Class weights in ``fit``: one remedy per strategy of :func:`~keras_imbalance.class_weights`.

``fit(class_weight=class_weights(counts, strategy, normalize="mean"))``: each sample's loss is
scaled by its class's weight, normalised so the mean weight over the samples is 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

from keras_imbalance._validation import check_option
from keras_imbalance.remedies.base import Context, Knob, RecipeText, Remedy, Setup
from keras_imbalance.weighting import STRATEGIES as WEIGHT_STRATEGIES

# The knobs of the weighting strategies that take one (the others take none).
WEIGHT_KNOBS: dict[str, tuple[Knob, ...]] = {
    "log": (Knob("mu", 0.15, grid=(0.15, 0.5), low=0.0, low_inclusive=False, also=("auto",)),),
    "effective_number": (
        Knob("beta", 0.9999, grid=(0.999, 0.9999), low=0.0, high=1.0, high_inclusive=False),
    ),
}


class ClassWeighted(Remedy):
    """Class weights ``strategy`` (one of :data:`keras_imbalance.STRATEGIES`), mean 1 over samples.

    Example:
        >>> from keras_imbalance.remedies.base import Context
        >>> ClassWeighted("balanced").setup({}, Context((30, 10), 2)).fit_kwargs
        {'class_weight': {0: 0.666667, 1: 2.0}}
    """

    def __init__(self, strategy: str) -> None:
        self.strategy = check_option("strategy", strategy, WEIGHT_STRATEGIES)
        self.name = strategy
        self.summary = f"class weights {strategy!r} (normalised to mean 1) in fit"
        self.knobs = WEIGHT_KNOBS.get(strategy, ())

    def weights(self, params: Mapping[str, Any], context: Context) -> dict[int, float]:
        """The class weights of ``params`` for the training counts."""
        from keras_imbalance.weighting import class_weights

        counts = dict(enumerate(context.counts))
        return dict(class_weights(counts, cast(Any, self.strategy), normalize="mean", **params))

    def apply(self, setup: Setup, params: Mapping[str, Any], context: Context) -> Setup:
        weights = self.weights(params, context)
        return replace(setup, fit_kwargs={**setup.fit_kwargs, "class_weight": weights})

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        extra = "".join(f", {knob.name}={values[knob.name]}" for knob in self.knobs)
        call = f'dict(ki.class_weights(counts, "{self.strategy}", normalize="mean"{extra}))'
        return replace(text, class_weight=call)
