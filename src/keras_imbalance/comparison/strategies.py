"""The strategies :func:`~keras_imbalance.comparison.compare` knows, and how each one trains."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from keras_imbalance.counting import ClassCounts
from keras_imbalance.weighting import STRATEGIES as WEIGHT_STRATEGIES

COMPARE_STRATEGIES: tuple[str, ...] = (
    "none",
    *WEIGHT_STRATEGIES,
    "resample",
    "logit_adjusted",
    "drw",
    "ldam_drw",
    "focal",
    "posthoc",
)
DEFAULT_STRATEGIES: tuple[str, ...] = (
    "none",
    "balanced",
    "effective_number",
    "log",
    "resample",
    "logit_adjusted",
    "drw",
    "ldam_drw",
    "focal",
    "posthoc",
)
METRICS: tuple[str, ...] = (
    "balanced_accuracy",
    "macro_f1",
    "g_mean",
    "mcc",
    "accuracy",
    "tail_recall",
)


def _strategy_setup(
    strategy: str, counts: ClassCounts, y_train: np.ndarray, epochs: int
) -> tuple[Any, dict[str, Any], list[Any], bool]:
    """``(loss, fit keyword arguments, callbacks, one_hot_labels)`` for one strategy."""
    import keras

    from keras_imbalance import losses
    from keras_imbalance.weighting import Strategy, class_weights

    plain = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    if strategy in ("none", "posthoc", "resample"):
        return plain, {}, [], False
    if strategy in WEIGHT_STRATEGIES:
        weights = class_weights(counts, cast(Strategy, strategy), normalize="mean")
        return plain, {"class_weight": dict(weights)}, [], False
    if strategy == "logit_adjusted":
        return losses.LogitAdjustedLoss(counts.counts.tolist(), tau=1.0), {}, [], False
    if strategy == "focal":
        return (
            keras.losses.CategoricalFocalCrossentropy(
                alpha=losses.focal_alpha(counts, "balanced", normalize="mean"),
                gamma=2.0,
                from_logits=True,
            ),
            {},
            [],
            True,
        )
    if strategy in ("drw", "ldam_drw"):
        from keras_imbalance.callbacks import DeferredReweighting

        # Cao et al. 2019: uniform weights, then effective-number weights (beta = 0.9999) for the
        # last fifth of the epochs.
        loss = (
            losses.LDAMLoss(counts.counts.tolist())
            if strategy == "ldam_drw"
            else losses.WeightedSparseCategoricalCrossentropy(
                [1.0] * counts.num_classes, from_logits=True
            )
        )
        weights = class_weights(counts, "effective_number", beta=0.9999)
        start = max(1, round(0.8 * epochs)) if epochs > 1 else 0
        return (
            loss,
            {},
            [DeferredReweighting(weights.to_array().tolist(), start_epoch=start)],
            False,
        )
    raise ValueError(
        f"strategy={strategy!r} is not supported; use one of {', '.join(COMPARE_STRATEGIES)}"
    )
