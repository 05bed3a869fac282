"""The run records of a binary comparison, moved to their validation-chosen thresholds.

After the runs (holdout), every run of every strategy but ``"none"`` gets its own threshold
``t``, chosen on ITS validation scores for the selection metric
(:func:`~keras_imbalance.comparison.scoring.operating_points.choose_threshold`). Its validation and
test metrics, per-class recall and predictions are then those of ``p >= t``, and
``record["threshold"] = t``. ``"none"`` stays at the argmax (``t = 0.5``): the plain baseline.

Every run also records its positive-class ``precision`` per split at ``t``, and:

* ``average_precision`` and ``roc_auc`` of its scores on each split (threshold-free);
* ``recall_at_precision``: the recall at the lowest threshold whose VALIDATION precision is at
  least ``min_precision`` (:func:`~.operating_points.precision_threshold`),
  with that threshold and the precision it reaches on each split under
  ``record["at_precision"]`` (the test precision may fall below ``min_precision``).

:func:`apply_thresholds` reads nothing of the test split to choose: test is scored only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from keras_imbalance.comparison.run_record import add_split_scores, decode_scores
from keras_imbalance.comparison.scoring.costs import cost_scope
from keras_imbalance.comparison.scoring.operating_points import (
    add_detector_scores,
    choose_threshold,
    positive_precision,
    predict_at,
)

__all__ = ["apply_thresholds"]

SPLITS: tuple[str, ...] = ("validation", "test")


def apply_thresholds(
    runs: Sequence[dict[str, Any]],
    labels: Mapping[str, np.ndarray],
    *,
    metric: str,
    tail: Sequence[int],
    min_precision: float,
    costs: np.ndarray | None = None,
) -> None:
    """Move every run (but ``"none"``'s) to its validation-chosen threshold, in place.

    ``labels`` maps ``"validation"`` and ``"test"`` to their labels; with a cost matrix
    ``costs``, ``expected_cost`` is recorded and is what a threshold minimises when it is the
    ``metric``.
    Runs without scores (diverged ones, or not binary) keep their records.
    """
    for run in runs:
        if "scores" not in run:
            continue
        scores = {split: decode_scores(run["scores"][split]) for split in SPLITS}
        if not all(np.isfinite(p).all() for p in scores.values()):
            continue
        with cost_scope(costs):
            _threshold_run(run, scores, labels, metric, tail, min_precision, costs)


def _threshold_run(
    run: dict[str, Any],
    scores: Mapping[str, np.ndarray],
    labels: Mapping[str, np.ndarray],
    metric: str,
    tail: Sequence[int],
    min_precision: float,
    costs: np.ndarray | None,
) -> None:
    """One run's operating points (see the module)."""
    y_val, p_val = labels["validation"], scores["validation"]
    threshold = 0.5
    if run["strategy"] != "none":
        threshold = choose_threshold(y_val, p_val, metric, tail=tail, min_precision=min_precision)
    run["threshold"] = threshold
    for split in SPLITS:
        y, p = labels[split], scores[split]
        predicted = predict_at(p, threshold)
        add_split_scores(run, split, y, predicted, 2, tail, costs=costs)
        run.setdefault("precision", {})[split] = positive_precision(y, predicted)
    add_detector_scores(run, labels, scores, min_precision)
