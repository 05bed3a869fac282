"""Deferred re-weighting (Cao et al. 2019, Sec. 3.3): uniform, then effective-number weights.

A composable part: alone it is ``"drw"`` (cross-entropy), and chained after a loss it re-weights
that loss (``"ldam_drw"``, ``"la_drw"``) or the mixed samples (``"mixup_drw"``). The epoch the
weights switch at is :func:`start_epoch`, the one place it is computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from keras_imbalance.remedies.base import Context, Knob, RecipeText, Remedy, Setup

# The paper's late weights: effective-number weights with beta = 0.9999.
LATE_BETA = 0.9999

_CALLBACK = (
    "ki.callbacks.DeferredReweighting(\n"
    '    ki.class_weights(counts, "effective_number", beta=0.9999).to_array().tolist(),\n'
    "    start_epoch={start_epoch},  # {note}\n"
    ")"
)
_MIXUP_CALLBACK = _CALLBACK.replace(
    "ki.callbacks.DeferredReweighting(\n", "ki.DeferredMixupWeights(\n    mixup,\n"
)


def start_epoch(start: float, epochs: int) -> int:
    """The first (0-based) re-weighted epoch: ``max(1, round(start * epochs))``; 0 for 1 epoch.

    Example:
        >>> start_epoch(0.8, 10), start_epoch(0.1, 4), start_epoch(0.5, 1)
        (8, 1, 0)
    """
    return max(1, round(float(start) * epochs)) if epochs > 1 else 0


def late_weights(counts: tuple[int, ...]) -> list[float]:
    """The weights from :func:`start_epoch` on: effective number, ``beta = 0.9999``."""
    from keras_imbalance.weighting import class_weights

    weights = class_weights(dict(enumerate(counts)), "effective_number", beta=LATE_BETA)
    return [float(w) for w in weights.to_array().tolist()]


class DRW(Remedy):
    """Uniform class weights, then effective-number weights from a fraction ``start`` of the epochs.

    Example:
        >>> from keras_imbalance.remedies.base import Context
        >>> setup = DRW().setup({"start": 0.5}, Context((30, 10), 4))
        >>> type(setup.loss).__name__, setup.callbacks[0].start_epoch
        ('WeightedSparseCategoricalCrossentropy', 2)
    """

    name = "drw"
    summary = "deferred re-weighting (Cao et al. 2019)"
    knobs = (Knob("start", 0.8, grid=(0.6, 0.8), low=0.0, high=1.0),)
    reweights = True

    def apply(self, setup: Setup, params: Mapping[str, Any], context: Context) -> Setup:
        late = late_weights(context.counts)
        first = start_epoch(params["start"], context.epochs)
        if setup.mixup_alpha is not None:  # the weights live in the mixup batches
            options = {"late_weights": late, "start_epoch": first}
            return replace(setup, fit_kwargs={**setup.fit_kwargs, **options})
        from keras_imbalance.callbacks import DeferredReweighting

        callback = DeferredReweighting(late, start_epoch=first)
        return replace(setup, callbacks=[*setup.callbacks, callback])

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        epochs = context.epochs
        note = f"start={values['start']} of {epochs} epoch{'' if epochs == 1 else 's'}"
        template = _MIXUP_CALLBACK if text.data == "mixup" else _CALLBACK
        callback = template.format(
            start_epoch=start_epoch(float(values["start"]), epochs), note=note
        )
        return replace(text, callbacks=(*text.callbacks, callback))
