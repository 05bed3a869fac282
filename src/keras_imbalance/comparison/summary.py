"""What a finished comparison records: its settings (:func:`settings_of`) and its result.

:func:`summarise` chooses each strategy's knobs on validation (or takes the out-of-fold choice of
cross-validation), ranks the strategies and gives the verdict
(:func:`~keras_imbalance.comparison.verdict.summarize`), as a
:class:`~keras_imbalance.comparison.result.Comparison`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from keras_imbalance.comparison.cv_runs import CrossValidated, pooled_counts
from keras_imbalance.comparison.data.images import ImageFiles
from keras_imbalance.comparison.data.splits import Splits
from keras_imbalance.comparison.options import (
    DataOptions,
    ExecutionOptions,
    OutputOptions,
    PlanOptions,
)
from keras_imbalance.comparison.result import Comparison
from keras_imbalance.comparison.run.distribution import distribution_name
from keras_imbalance.comparison.run.run_plan import RunPlan
from keras_imbalance.comparison.scoring.costs import scoped_costs
from keras_imbalance.comparison.thresholded import apply_thresholds
from keras_imbalance.comparison.verdict import ScoredSplits, choose_params, summarize

__all__ = ["settings_of", "summarise"]


def settings_of(
    plan: PlanOptions,
    data: DataOptions,
    out: OutputOptions,
    execution: ExecutionOptions,
    trained: int,
) -> dict[str, Any]:
    """The settings a :class:`Comparison` records besides the training ones."""
    settings: dict[str, Any] = {
        "tune": plan.tune,
        "grids": dict(plan.merged_grids) if plan.tune else {},
        "validation_size": data.validation_size,
        "test_size": data.test_size,
        "split_seed": data.split_seed,
        "n_boot": out.n_boot,
        "runs_trained": trained,
    }
    if execution.distribution is not None:
        settings["distribution"] = distribution_name(execution.distribution)
    return settings


def summarise(
    runs: list[dict[str, Any]],
    plan: RunPlan,
    out: OutputOptions,
    settings: Mapping[str, Any],
    validated: CrossValidated | None = None,
) -> Comparison:
    """Choose each strategy's knobs on validation, rank, give the verdict: a :class:`Comparison`.

    With cross-validation (``validated``) the knobs are already chosen on the out-of-fold
    predictions, and validation means out-of-fold. The runs of a binary problem are first moved
    to their validation-chosen (under cross-validation: out-of-fold) thresholds
    (:func:`~keras_imbalance.comparison.thresholded.apply_thresholds`). The costs are those of
    the :func:`~keras_imbalance.comparison.scoring.costs.cost_scope` around the call.
    """
    splits, metric = plan.splits, plan.recipe.metric
    if validated is None:
        labels = ScoredSplits(splits.y_val, splits.y_test, splits.class_names)
        scored = runs
        chosen_on = "validation"
    else:
        labels = validated.labels
        scored = [run for run in runs if "fold" not in run]
        chosen_on = f"{validated.folds.k}-fold cross-validation"
    if splits.num_classes == 2:  # each run at its validation (out-of-fold) chosen threshold
        apply_thresholds(
            scored,
            {"validation": labels.y_val, "test": labels.y_test},
            metric=metric,
            tail=plan.recipe.tail,
            min_precision=plan.recipe.min_precision,
            costs=scoped_costs(),
        )
    if validated is None:
        choose_params(runs, plan.names, metric)
    rows, best, verdict, notes = summarize(
        scored,
        plan.names,
        metric=metric,
        labels=labels,
        tail=plan.recipe.tail,
        n_boot=out.n_boot,
        chosen_on=chosen_on,
    )
    for row in rows:  # the threshold remedy's knob is its threshold (median over the seeds)
        if row["strategy"] == "threshold" and row.get("threshold"):
            row["params"] = {"threshold": float(np.median(row["threshold"]))}
    recorded = {**plan.training, **settings}
    if isinstance(splits.x_train, ImageFiles):
        recorded["image_size"] = list(splits.x_train.image_size)
    return Comparison(
        metric=metric,
        strategies=plan.names,
        seeds=plan.seeds,
        class_names=splits.class_names,
        splits=_splits_record(splits, validated),
        tail_classes=list(plan.recipe.tail),
        settings=recorded,
        runs=runs,
        rows=rows,
        best=best,
        verdict=verdict,
        notes=notes,
    )


def _splits_record(splits: Splits, validated: CrossValidated | None) -> dict[str, Any]:
    """Each split's class counts and source; with cross-validation, training and validation
    are both all the training data (validated out of fold)."""
    record = {
        split: {"counts": splits.counts(split).tolist(), "source": splits.sources[split]}
        for split in ("train", "validation", "test")
    }
    if validated is not None:
        counts = pooled_counts(validated.labels)
        k, seed = validated.folds.k, validated.folds.seed
        record["train"] = {"counts": counts, "source": "all the training data"}
        record["validation"] = {
            "counts": counts,
            "source": f"out-of-fold: {k}-fold stratified cross-validation (seed {seed})",
        }
    return record
