"""What the best-epoch callback records after each epoch, for every selection metric.

* :func:`score_epoch`: the validation score of the epoch's logits
  (:func:`~keras_imbalance.comparison.logits.score`, which scores the detector and cost metrics
  through :func:`~keras_imbalance.comparison.operating_points.logit_score`), and for
  cross-validation the predicted classes (the argmax; with costs and more than 2 classes the
  Bayes decision, :func:`~keras_imbalance.comparison.costs.decide`) and per-class log loss;
* :func:`improves`: whether the latest score beats every earlier one, higher better, a cost
  lower (:func:`~keras_imbalance.comparison.scores.ranked`).

A binary run's threshold is moved only after training, so the epoch of a threshold metric
(``f1``, ``expected_cost``) is the best at the argmax; ``recall_at_precision`` scores each
epoch at the threshold of its own validation precision, and ``average_precision`` and
``roc_auc`` need no threshold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_imbalance.comparison.costs import decide
from keras_imbalance.comparison.logits import class_nll, score
from keras_imbalance.comparison.scores import ranked

__all__ = ["improves", "score_epoch"]


def score_epoch(
    y_val: np.ndarray, logits: np.ndarray, recipe: Any, num_classes: int
) -> tuple[float, np.ndarray, np.ndarray]:
    """``(score, predicted classes (-1 where not finite), per-class log loss)`` of one epoch."""
    detector = {"costs": recipe.costs, "min_precision": recipe.min_precision}
    value = score(y_val, logits, recipe.metric, num_classes, recipe.tail, **detector)
    if not np.isfinite(logits).all():
        return value, np.full(len(y_val), -1), class_nll(y_val, logits, num_classes)
    predicted = decide(logits, recipe.costs if num_classes > 2 else None)
    return value, predicted, class_nll(y_val, logits, num_classes)


def improves(scores: Sequence[float], metric: str) -> bool:
    """Whether the last of ``scores`` beats all the earlier ones (``nan`` never does).

    Example:
        >>> improves([0.5, 0.4], "expected_cost"), improves([0.5, 0.4], "f1")
        (True, False)
    """
    earlier = np.max(ranked(list(scores[:-1]), metric), initial=-math.inf)
    return bool(ranked(scores[-1], metric) > earlier)
