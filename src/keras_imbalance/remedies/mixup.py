"""Mixup (Zhang et al. 2018): train on ``lam x_i + (1 - lam) x_j``, ``lam ~ Beta(alpha, alpha)``.

The targets mix the same way, so the loss takes one-hot (mixed) targets. The mixed samples carry
class weights (uniform here), which deferred re-weighting changes (``"mixup_drw"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from keras_imbalance.remedies.base import Context, Knob, RecipeText, Remedy, Setup


class Mixup(Remedy):
    """Mixup batches (:class:`~keras_imbalance.MixupBatches`), ``alpha`` tuned.

    Example:
        >>> from keras_imbalance.remedies.base import Context
        >>> setup = Mixup().setup({"alpha": 0.4}, Context((30, 10), 2))
        >>> setup.mixup_alpha, setup.fit_kwargs
        (0.4, {'late_weights': [1.0, 1.0], 'start_epoch': 0})
    """

    name = "mixup"
    summary = "mixup (Zhang et al. 2018)"
    knobs = (Knob("alpha", 0.2, grid=(0.2, 1.0), low=0.0, low_inclusive=False),)

    def apply(self, setup: Setup, params: Mapping[str, Any], context: Context) -> Setup:
        import keras

        # Uniform weights from the first epoch: plain mixup, until a later part re-weights.
        options = {"late_weights": context.uniform, "start_epoch": 0}
        return replace(
            setup,
            loss=keras.losses.CategoricalCrossentropy(from_logits=True),
            mixup_alpha=float(params["alpha"]),
            fit_kwargs={**setup.fit_kwargs, **options},
        )

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        loss = "keras.losses.CategoricalCrossentropy(from_logits=True)"
        return replace(text, loss=loss, data="mixup", mixup_alpha=values["alpha"])
