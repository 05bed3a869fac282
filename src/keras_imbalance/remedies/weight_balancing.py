"""Weight balancing (Alshammari et al. 2022, "Long-tailed recognition via weight balancing").

Two stages, in one trained run:

1. plain cross-entropy with decoupled weight decay ``weight_decay`` (tuned), for the epochs;
2. every layer frozen but the classifier (the last ``Dense``), which trains
   :data:`STAGE_EPOCHS` more epochs with the class-balanced loss of Cui et al. (2019): weights
   ``(1 - beta) / (1 - beta ** n_c)`` scaled to sum to ``C``, ``beta = 0.9999`` (the paper's
   code), the same ``weight_decay``, and ``keras.constraints.MaxNorm(max_norm, axis=0)`` on the
   class vectors (``max_norm`` tuned).

Weight decay keeps the network from memorising its few tail samples and the head classes'
vectors from growing longer than the tail's; the cap evens the class vectors out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from keras_imbalance.remedies.base import (
    ClassifierStage,
    Context,
    Knob,
    RecipeText,
    Remedy,
    Setup,
    StageText,
)
from keras_imbalance.remedies.drw import LATE_BETA, late_weights

# Epochs of the classifier stage (as many as a decoupled head's).
STAGE_EPOCHS = 10


def balanced_weights(counts: tuple[int, ...]) -> tuple[float, ...]:
    """The class-balanced weights of stage 2: ``(1 - beta) / (1 - beta ** n_c)``, sum ``C``.

    Example:
        >>> [round(w, 3) for w in balanced_weights((100, 10))]
        [0.183, 1.817]
    """
    return tuple(late_weights(counts))


class WeightBalancing(Remedy):
    """Cross-entropy with weight decay, then the classifier re-trained with class-balanced
    weights, weight decay and MaxNorm (Alshammari et al. 2022).

    Example:
        >>> setup = WeightBalancing().setup({"weight_decay": 0.05, "max_norm": 1.0},
        ...                                 Context((30, 10), 2))
        >>> setup.weight_decay, setup.classifier_stage.max_norm, setup.classifier_stage.epochs
        (0.05, 1.0, 10)
    """

    name = "weight_balancing"
    summary = (
        "weight balancing (Alshammari et al. 2022): cross-entropy with weight decay, then the "
        "classifier re-trained with class-balanced weights, weight decay and MaxNorm"
    )
    knobs = (
        Knob("weight_decay", 0.05, grid=(0.05, 0.3), low=0.0),
        Knob("max_norm", 1.0, grid=(1.0, 2.0), low=0.0, low_inclusive=False),
    )

    def apply(self, setup: Setup, params: Mapping[str, Any], context: Context) -> Setup:
        stage = ClassifierStage(
            epochs=STAGE_EPOCHS,
            class_weight=balanced_weights(context.counts),
            weight_decay=float(params["weight_decay"]),
            max_norm=float(params["max_norm"]),
        )
        return replace(setup, classifier_stage=stage)

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        weights = f'dict(ki.class_weights(counts, "effective_number", beta={LATE_BETA}))'
        stage = StageText(
            epochs=STAGE_EPOCHS,
            class_weight=weights,
            weight_decay=values["weight_decay"],
            max_norm=values["max_norm"],
        )
        return replace(text, stage=stage)
