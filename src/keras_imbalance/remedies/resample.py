"""Class-balanced batches: oversample the rare classes, as many gradient steps as plain epochs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from keras_imbalance.remedies.base import Context, RecipeText, Remedy, Setup


class Resample(Remedy):
    """:class:`~keras_imbalance.BalancedBatches` oversampling: each class drawn equally often.

    Each epoch takes ``ceil(N / batch_size)`` steps of a fresh balanced draw, so the remedy
    costs the same number of gradient steps as the others.

    Example:
        >>> from keras_imbalance.remedies.base import Context
        >>> Resample().setup({}, Context((30, 10), 2)).balanced_batches
        True
    """

    name = "resample"
    summary = "class-balanced batches (oversampling)"

    def apply(self, setup: Setup, params: Mapping[str, Any], context: Context) -> Setup:
        return replace(setup, balanced_batches=True)

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        return replace(text, data="balanced")
