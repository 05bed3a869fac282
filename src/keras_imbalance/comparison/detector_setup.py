"""``compare(costs=, min_precision=)`` checked, and the plan of a binary problem: the threshold.

* :class:`DetectorOptions`: the costs (a ``C x C`` matrix, :func:`~.costs.check_costs`) and the
  precision that ``recall_at_precision`` wants; :meth:`DetectorOptions.metric` resolves
  ``compare``'s default metric: ``expected_cost`` with costs, else ``balanced_accuracy``.
* :func:`detector_plan`: once the splits are known, refuse what does not fit the classes (a
  binary-only metric or ``threshold`` on more than 2 classes, a cost matrix of the wrong size),
  and add ``threshold`` to the default strategies of a binary problem.

Thresholds are chosen on the holdout validation split
(:mod:`~keras_imbalance.comparison.thresholded`), or under cross-validation on the pooled
out-of-fold scores (:mod:`~keras_imbalance.comparison.cross_validation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from keras_imbalance._validation import check_number
from keras_imbalance.comparison.data.splits import Splits
from keras_imbalance.comparison.options import DataOptions, PlanOptions
from keras_imbalance.comparison.run.run_plan import RunPlan
from keras_imbalance.comparison.scoring.costs import check_costs
from keras_imbalance.comparison.scoring.scores import check_metric_classes
from keras_imbalance.remedies import REMEDIES
from keras_imbalance.remedies.registry import BINARY_REMEDIES

__all__ = ["DetectorOptions", "detector_plan", "with_detector"]


@dataclass(frozen=True)
class DetectorOptions:
    """``costs`` (as given) and ``min_precision``; :meth:`checked` validates both.

    Example:
        >>> options = DetectorOptions({"fn": 20, "fp": 1}).checked()
        >>> options.matrix, options.metric(None)
        ([[0.0, 1.0], [20.0, 0.0]], 'expected_cost')
    """

    costs: Any = None
    min_precision: float = 0.9
    matrix: list[list[float]] | None = None

    def checked(self) -> DetectorOptions:
        """Validated: the costs as a matrix (list of rows), ``min_precision`` in ``[0, 1]``."""
        precision = check_number("min_precision", self.min_precision, low=0.0, high=1.0)
        matrix = None if self.costs is None else check_costs(self.costs).tolist()
        return replace(self, min_precision=float(precision), matrix=matrix)

    def metric(self, metric: str | None) -> str:
        """The metric that chooses: the one given, else ``expected_cost`` with costs, else
        ``balanced_accuracy``; ``expected_cost`` without costs is refused."""
        if metric is None:
            return "expected_cost" if self.matrix is not None else "balanced_accuracy"
        if metric == "expected_cost" and self.matrix is None:
            raise ValueError(
                "metric='expected_cost' needs costs; give costs={'fn': 20, 'fp': 1} (binary) or a "
                "C x C cost matrix, or pick another metric"
            )
        return metric

    def settings(self) -> dict[str, Any]:
        """What the result's settings record."""
        return {"costs": self.matrix, "min_precision": self.min_precision}


def detector_plan(
    plan: PlanOptions,
    strategies: Sequence[Any],
    splits: Splits,
    data: DataOptions,
    metric: str,
    detector: DetectorOptions,
    *,
    defaults: bool,
) -> PlanOptions:
    """``plan`` checked against the classes, with ``threshold`` added to a binary problem's
    default strategies (``defaults``), on the holdout and under cross-validation alike
    (``data``, the split options, no longer changes that)."""
    del data
    num_classes = splits.num_classes
    check_metric_classes(metric, num_classes)
    if detector.matrix is not None:
        check_costs(detector.costs, num_classes)
    names = [remedy.name for remedy in plan.remedies]
    if "threshold" in names and num_classes != 2:
        raise ValueError(
            f"strategies holds 'threshold', which moves the decision threshold of a binary "
            f"problem; the data has {num_classes} classes. Drop it, or give costs= (the Bayes "
            f"decision of every strategy) or make the problem binary (the CLI's --detector CLASS)"
        )
    if num_classes != 2:
        return plan
    if defaults:
        added = [REMEDIES[name] for name in BINARY_REMEDIES if name not in names]
        return replace(plan, remedies=[*plan.remedies, *added])
    return plan


def with_detector(plan: RunPlan, detector: DetectorOptions) -> RunPlan:
    """``plan`` whose recipe scores with the costs and the wanted precision; the journal's
    configuration names them where they change a run (costs; ``min_precision`` when it is what
    chooses the epochs), so a resume with other values is refused."""
    recipe = replace(plan.recipe, costs=detector.matrix, min_precision=detector.min_precision)
    training = dict(plan.training)
    if detector.matrix is not None:
        training["costs"] = detector.matrix
    if plan.recipe.metric == "recall_at_precision":
        training["min_precision"] = detector.min_precision
    return replace(plan, recipe=recipe, training=training)
