"""The logit-adjusted loss (Menon et al. 2021) and LDAM (Cao et al. 2019): losses with margins."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from keras_imbalance.remedies.base import Context, Knob, RecipeText, Remedy, Setup


class LogitAdjusted(Remedy):
    """Cross-entropy on ``z + tau * log(prior)`` (Menon et al. 2021, Eq. 10), ``tau`` tuned.

    Example:
        >>> from keras_imbalance.remedies.base import Context
        >>> loss = LogitAdjusted().setup({"tau": 2.0}, Context((30, 10), 2)).loss
        >>> type(loss).__name__, loss.tau
        ('LogitAdjustedLoss', 2.0)
    """

    name = "logit_adjusted"
    summary = "logit-adjusted loss (Menon et al. 2021)"
    knobs = (Knob("tau", 1.0, grid=(1.0, 2.0), low=0.0),)

    def apply(self, setup: Setup, params: Mapping[str, Any], context: Context) -> Setup:
        from keras_imbalance.losses import LogitAdjustedLoss

        weights = context.uniform if context.reweighted else None
        loss = LogitAdjustedLoss(
            list(context.counts), tau=float(params["tau"]), class_weight=weights
        )
        return replace(setup, loss=loss)

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        weights = f", class_weight=[1.0] * {context.num_classes}" if context.reweighted else ""
        loss = f"ki.losses.LogitAdjustedLoss(counts, tau={values['tau']}{weights})"
        return replace(text, loss=loss)


class LDAM(Remedy):
    """The label-distribution-aware margin loss: margins ``∝ n_c^(-1/4)`` (Cao et al. 2019).

    The largest margin is ``max_margin``; usually composed with deferred re-weighting
    (``"ldam_drw"``).

    Example:
        >>> from keras_imbalance.remedies.base import Context
        >>> type(LDAM().setup({}, Context((30, 10), 2)).loss).__name__
        'LDAMLoss'
    """

    name = "ldam"
    summary = "LDAM loss (Cao et al. 2019)"
    knobs = (Knob("max_margin", 0.5, grid=(0.25, 0.5), low=0.0, low_inclusive=False),)

    def apply(self, setup: Setup, params: Mapping[str, Any], context: Context) -> Setup:
        from keras_imbalance.losses import LDAMLoss

        loss = LDAMLoss(list(context.counts), max_margin=float(params["max_margin"]))
        return replace(setup, loss=loss)

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        return replace(text, loss=f"ki.losses.LDAMLoss(counts, max_margin={values['max_margin']})")
