"""What the best-epoch callback records after each epoch, for every selection metric.

* :func:`score_epoch`: the validation score of the epoch's logits
  (:func:`~keras_imbalance.comparison.run.logits.score`, which scores the detector and cost metrics
  through :func:`~keras_imbalance.comparison.scoring.operating_points.logit_score`), and for
  cross-validation the predicted classes (the argmax; with costs and more than 2 classes the
  Bayes decision, :func:`~keras_imbalance.comparison.scoring.costs.decide`) and per-class log loss;
* :func:`improves`: whether the latest score beats every earlier one, higher better, a cost
  lower (:func:`~keras_imbalance.comparison.scoring.scores.ranked`).

* :func:`epoch_positive`: for cross-validation of a binary problem, the epoch's positive-class
  probabilities, from which the out-of-fold threshold is chosen.

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

from keras_imbalance.comparison.run.logits import class_nll, score
from keras_imbalance.comparison.scoring.costs import decide
from keras_imbalance.comparison.scoring.operating_points import positive_scores
from keras_imbalance.comparison.scoring.scores import ranked

__all__ = ["epoch_positive", "improves", "score_epoch"]


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


def epoch_positive(logits: np.ndarray, num_classes: int) -> list[np.ndarray]:
    """What the best-epoch callback keeps of a binary epoch for cross-validation: ``[p]``, the
    positive-class probabilities ``softmax(z)[:, 1]`` as float32 (``nan`` rows stay ``nan``),
    from which the out-of-fold threshold is chosen; ``[]`` for more than 2 classes.

    Example:
        >>> epoch_positive(np.array([[0.0, 0.0], [0.0, np.log(3.0)]]), 2)[0].tolist()
        [0.5, 0.75]
        >>> epoch_positive(np.zeros((1, 3)), 3)
        []
    """
    return [positive_scores(logits).astype(np.float32)] if num_classes == 2 else []


def improves(scores: Sequence[float], metric: str) -> bool:
    """Whether the last of ``scores`` beats all the earlier ones (``nan`` never does).

    Example:
        >>> improves([0.5, 0.4], "expected_cost"), improves([0.5, 0.4], "f1")
        (True, False)
    """
    earlier = np.max(ranked(list(scores[:-1]), metric), initial=-math.inf)
    return bool(ranked(scores[-1], metric) > earlier)
