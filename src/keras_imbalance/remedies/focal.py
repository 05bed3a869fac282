"""The focal loss (Lin et al. 2017), per-class ``alpha``: ``-alpha_y (1 - p_y)^gamma log p_y``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from keras_imbalance.remedies.base import Context, Knob, RecipeText, Remedy, Setup

_LOSS = (
    "keras.losses.CategoricalFocalCrossentropy(\n"
    '    alpha=ki.losses.focal_alpha(counts, "balanced", normalize="mean"),\n'
    "    gamma={gamma},\n"
    "    from_logits=True,\n"
    ")"
)


class Focal(Remedy):
    """Keras's ``CategoricalFocalCrossentropy``, per-class ``alpha`` from ``focal_alpha``.

    ``alpha`` is the balanced weight of each class, mean 1 over the samples; ``gamma`` is tuned.

    Example:
        >>> from keras_imbalance.remedies.base import Context
        >>> setup = Focal().setup({"gamma": 1.0}, Context((30, 10), 2))
        >>> setup.loss.gamma, setup.one_hot
        (1.0, True)
    """

    name = "focal"
    summary = "focal loss with balanced alpha (Lin et al. 2017)"
    knobs = (Knob("gamma", 2.0, grid=(1.0, 2.0), low=0.0),)

    def apply(self, setup: Setup, params: Mapping[str, Any], context: Context) -> Setup:
        import keras

        from keras_imbalance.losses import focal_alpha

        alpha = focal_alpha(list(context.counts), "balanced", normalize="mean")
        loss = keras.losses.CategoricalFocalCrossentropy(
            alpha=alpha, gamma=float(params["gamma"]), from_logits=True
        )
        return replace(setup, loss=loss, one_hot=True)

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        return replace(text, loss=_LOSS.format(gamma=values["gamma"]), data="one_hot")
