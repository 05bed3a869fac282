"""``threshold``: the ``"none"`` model with its decision threshold moved on validation.

For a calibrated binary model, re-weighting mostly moves the threshold; this remedy moves only
the threshold, so a comparison shows how far that alone goes against the re-weighting remedies.
It reuses the ``"none"`` model of each seed as it is (its logits, no training of its own); the
threshold ``t`` on ``p = softmax(z)[:, 1]`` is chosen on that run's validation scores for the
selection metric (:mod:`keras_imbalance.comparison.thresholded`), and recorded as the run's
``threshold`` and the strategy's chosen ``params``; the recipe prints it, as it does every binary
strategy's. Binary problems only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from keras_imbalance.remedies.base import FrozenClassifier, HeadRemedy


class Threshold(HeadRemedy):
    """The ``"none"`` logits unchanged; only the decision threshold moves (chosen later).

    Example:
        >>> frozen = FrozenClassifier(np.eye(2), np.eye(2), np.array([0.5, 0.0]), (90, 10))
        >>> Threshold().head_logits({}, frozen).tolist()
        [[1.5, 0.0], [0.5, 1.0]]
    """

    name = "threshold"
    summary = "plain training, then the decision threshold chosen on validation"

    def head_logits(self, params: Mapping[str, Any], frozen: FrozenClassifier) -> np.ndarray:
        return np.asarray(frozen.logits, dtype="float64")

    def head_weights(
        self, params: Mapping[str, Any], frozen: FrozenClassifier
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``"none"`` classifier as it is."""
        return np.asarray(frozen.kernel, "float64"), np.asarray(frozen.bias, "float64")
