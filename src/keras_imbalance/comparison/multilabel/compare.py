"""``compare(..., label_mode="multi_label")``: remedies for multi-hot labels, side by side.

The steps: check the options (:func:`check_options`), read and split the data by iterative
stratification (:mod:`~keras_imbalance.comparison.multilabel.data`), train every remedy, knob
setting and seed with the same model, recipe and initial weights
(:mod:`~keras_imbalance.comparison.multilabel.training`), choose each run's per-label thresholds
on validation (:func:`~keras_imbalance.comparison.multilabel.metrics.best_f1_thresholds`), score
validation and test, then choose knobs and rank remedies on validation and check the one
candidate on test (:mod:`~keras_imbalance.comparison.multilabel.verdict`). The result is a
:class:`~keras_imbalance.comparison.multilabel.result.MultiLabelComparison`.

With ``cv`` (a number of folds, or ``"auto"`` on small data) every choice is made on K-fold
out-of-fold scores instead of the validation split
(:mod:`~keras_imbalance.comparison.multilabel.cv`).

With ``output`` every finished run is journaled in ``<output>/runs.jsonl`` the moment it ends,
and a rerun with the same settings resumes: the journaled runs are read back instead of trained
(:mod:`~keras_imbalance.comparison.multilabel.journal`).

With ``executor`` (any ``concurrent.futures.Executor``) the runs train all at once there, each
the run the sequential path trains (:mod:`~keras_imbalance.comparison.multilabel.parallel`).

What the single-label engine does and this one does not do yet is refused by name: ``halving``,
``distribution``, ``augment``, ``weight_balancing`` and the other single-label
remedies, image folders and streams, ``validation_data``, ``tensorboard_dir``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from keras_imbalance._validation import check_option, short_repr
from keras_imbalance.comparison.data.folds import check_cv
from keras_imbalance.comparison.multilabel.cv import (
    cross_validate_multilabel,
    cv_runs,
    fold_pool,
    resolve_multilabel_cv,
)
from keras_imbalance.comparison.multilabel.data import (
    label_names_of,
    multilabel_splits,
    read_multilabel,
)
from keras_imbalance.comparison.multilabel.journal import RunLog, journal_config
from keras_imbalance.comparison.multilabel.metrics import (
    MULTILABEL_METRICS,
    best_f1_thresholds,
    label_table,
    multilabel_scores,
)
from keras_imbalance.comparison.multilabel.parallel import (
    Job,
    MultiLabelTask,
    run_jobs,
    start_weights,
)
from keras_imbalance.comparison.multilabel.refit import refit_multilabel
from keras_imbalance.comparison.multilabel.remedies import (
    candidates,
    check_multilabel_grids,
    check_multilabel_strategies,
)
from keras_imbalance.comparison.multilabel.result import LABEL_COLUMNS, MultiLabelComparison
from keras_imbalance.comparison.multilabel.training import MultiLabelData
from keras_imbalance.comparison.multilabel.verdict import choose_params, rank_rows, verdict
from keras_imbalance.comparison.options import OutputOptions, TrainingOptions, check_seeds
from keras_imbalance.comparison.parallel import check_picklable
from keras_imbalance.comparison.refit import check_refit
from keras_imbalance.comparison.run.models import _check_model, default_model
from keras_imbalance.comparison.run.random_state import preserved_random_state
from keras_imbalance.comparison.run.training import Recipe
from keras_imbalance.comparison.run_record import run_key
from keras_imbalance.comparison.strategies import DEFAULT_STRATEGIES

LABEL_MODES: tuple[str, ...] = ("single_label", "multi_label")
# compare's options this engine does not take yet, with the value that leaves them off.
UNSUPPORTED_OFF: dict[str, Any] = {
    "validation_data": None,
    "tail_classes": None,
    "tensorboard_dir": None,
    "distribution": None,
    "image_size": 32,
    "skip_corrupt": False,
    "cache_dir": None,
    "halving": False,
    "augment": None,
    "costs": None,
    "min_precision": 0.9,
}
# compare's single-label default metric stands for this engine's default.
SINGLE_LABEL_DEFAULT_METRIC = "balanced_accuracy"
FEW_POSITIVES = 10

__all__ = ["LABEL_MODES", "check_label_mode", "compare_multilabel"]


def check_label_mode(label_mode: Any) -> str:
    """``label_mode`` when it is ``"single_label"`` or ``"multi_label"``."""
    return str(check_option("label_mode", label_mode, LABEL_MODES))


@dataclass(frozen=True)
class MultiLabelPlan:
    """Everything the runs share, checked."""

    strategies: list[str]
    candidates: dict[str, list[dict[str, Any]]]
    seeds: tuple[int, ...]
    recipe: Recipe
    metric: str
    out: OutputOptions
    build: Any
    executor: Executor | None = None  # trains the runs all at once; None: one by one here


def check_options(strategies: Sequence[Any], options: Mapping[str, Any]) -> MultiLabelPlan:
    """Refuse what the engine does not support, by name; check and group the rest."""
    for name, value in options.items():
        off = UNSUPPORTED_OFF.get(name)
        known = name in UNSUPPORTED_OFF or name in _SUPPORTED
        if (not known and value not in (None, False)) or (name in UNSUPPORTED_OFF and value != off):
            raise ValueError(
                f"{name}={short_repr(value)} is not supported with label_mode='multi_label' yet; "
                f"leave {name} at its default ({off!r})"
            )
    check_cv(options.get("cv", "auto"))
    if tuple(strategies) == tuple(DEFAULT_STRATEGIES):
        strategies = ("none", "balanced", "focal", "asymmetric")
    names = check_multilabel_strategies(strategies)
    metric = options.get("metric", SINGLE_LABEL_DEFAULT_METRIC)
    metric = "macro_average_precision" if metric in (None, SINGLE_LABEL_DEFAULT_METRIC) else metric
    check_option("metric", metric, MULTILABEL_METRICS)
    training = TrainingOptions(**{k: options[k] for k in _TRAINING if k in options}).checked()
    grids = check_multilabel_grids(options.get("grids"))
    tune = bool(options.get("tune", True))
    out = OutputOptions.checked(
        options.get("output"), None, options.get("progress"), options.get("n_boot", 1000)
    )
    build = options.get("model") or default_model
    executor = options.get("executor")
    if executor is not None:
        check_picklable(build)
    return MultiLabelPlan(
        strategies=names,
        candidates={name: candidates(name, grids, tune=tune) for name in names},
        seeds=check_seeds(options.get("seeds", (0, 1, 2))),
        recipe=training.recipe(()),
        metric=str(metric),
        out=out,
        build=build,
        executor=executor,
    )


_TRAINING = (
    "epochs",
    "batch_size",
    "learning_rate",
    "schedule",
    "keep",
    "compile_kwargs",
    "fit_kwargs",
    "weight_decay",
)
_SUPPORTED = frozenset(
    {
        *_TRAINING,
        "model",
        "seeds",
        "metric",
        "validation_size",
        "test_size",
        "grids",
        "tune",
        "class_names",
        "n_boot",
        "output",
        "progress",
        "test_data",
        "split_seed",
        "refit",
        "cv",
        "executor",
    }
)


def compare_multilabel(
    data: Any, strategies: Sequence[Any], options: Mapping[str, Any], *, save: bool = True
) -> MultiLabelComparison:
    """Compare multi-label remedies on ``data``; ``options`` are :func:`compare`'s keywords.

    With ``options["output"]`` every finished run is journaled there (``runs.jsonl``,
    :mod:`~keras_imbalance.comparison.multilabel.journal`) and a rerun resumes; with ``save``
    the report files are written there too (the command line writes its own).

    Example:
        >>> from keras_imbalance.datasets.multilabel import make_multilabel_long_tail
        >>> data = make_multilabel_long_tail(n_samples=120, n_labels=3, seed=0)
        >>> result = compare_multilabel(data, ["none", "balanced"], {"epochs": 1, "seeds": [0],
        ...                             "n_boot": 50, "cv": 2})
        >>> result.chosen_on
        '2-fold cross-validation'
        >>> [row["strategy"] for row in result.rows].count("balanced")
        1
    """
    plan = check_options(strategies, options)
    refit = check_refit(options.get("refit", True))
    train, test, carried = read_multilabel(data, options.get("test_data"))
    splits = multilabel_splits(
        train,
        test,
        shares=(options.get("validation_size", 0.2), options.get("test_size", 0.2)),
        seed=int(options.get("split_seed", 0)),
    )
    names = label_names_of(options.get("class_names"), carried, splits.num_labels)
    k, why = resolve_multilabel_cv(options.get("cv", "auto"), splits, names)
    selection: dict[str, Any] = {"scheme": "holdout", "why": why}
    scored = splits
    with preserved_random_state():
        _check_builder(plan.build, splits)
        if k is None:
            with RunLog.open(plan.out.folder, journal_config(plan, splits, names)) as log:
                runs = train_runs(plan, splits, log)
            choose_params(runs, plan.strategies, plan.metric)
        else:
            folded = fold_pool(splits, k, int(options.get("split_seed", 0)), names)
            config = journal_config(plan, splits, names, folded.folds, folded.seed)
            with RunLog.open(plan.out.folder, config) as log:
                found, total = cross_validate_multilabel(plan, folded, splits.num_labels, log)
                runs, epochs = cv_runs(plan, found, folded, total, log)
            selection = {
                "scheme": "cross-validation",
                "folds": k,
                "fold_seed": folded.seed,
                "fold_sizes": [len(held) for held in folded.folds],
                "epochs": epochs,
                "why": why,
            }
            # the pool trains and is scored out-of-fold: it stands for training and validation
            scored = MultiLabelData(folded.x, folded.y, folded.x, folded.y, *folded.test())
        result = summarise(plan, scored, runs, names, {**options, "_selection": selection})
        result.settings["split_sizes"] = _split_sizes(splits)
        if refit:
            refit_multilabel(plan, splits, result)
    if save and plan.out.folder is not None:
        result.save(plan.out.folder)
    return result


def _check_builder(build: Any, splits: MultiLabelData) -> None:
    input_shape = tuple(int(d) for d in splits.x_train.shape[1:])
    _check_model(build(input_shape, splits.num_labels), splits.num_labels, input_shape)


def train_runs(
    plan: MultiLabelPlan, splits: MultiLabelData, log: RunLog | None = None
) -> list[dict[str, Any]]:
    """Every (remedy, knobs, seed) run, trained (or read back from ``log``'s journal) and
    scored; thresholds chosen on validation. The runs train one by one, or on
    ``plan.executor`` all at once."""
    initial = start_weights(plan.build, splits, plan.seeds, plan.executor)
    jobs = [
        Job(
            run_key(name, params, seed),
            f"{name}-seed{seed}",
            MultiLabelTask(
                name, dict(params), seed, plan.build, splits, plan.recipe, initial=initial[seed]
            ),
        )
        for name in plan.strategies
        for params in plan.candidates[name]
        for seed in plan.seeds
    ]
    total, progress = len(jobs), plan.out.progress
    say = None if progress is None else lambda done, label: progress(done, total, label)
    outputs = run_jobs(jobs, log if log is not None else RunLog(None), plan.executor, say)
    runs = [
        score_run(job.task.name, job.task.params, job.task.seed, output, splits)
        for job, output in zip(jobs, outputs, strict=True)
    ]
    if progress is not None:
        progress(total, total, "")
    return runs


def score_run(
    name: str, params: Mapping[str, Any], seed: int, output: Any, splits: MultiLabelData
) -> dict[str, Any]:
    """One run's record: thresholds chosen on validation, validation and test metrics."""
    finite = bool(np.isfinite(output.val_scores).all() and np.isfinite(output.test_scores).all())
    if finite:
        thresholds, missing = best_f1_thresholds(splits.y_val, output.val_scores)
        validation = multilabel_scores(splits.y_val, output.val_scores, thresholds)
        test = multilabel_scores(splits.y_test, output.test_scores, thresholds)
    else:
        thresholds, missing = np.full(splits.num_labels, 0.5), []
        validation = {m: float("nan") for m in MULTILABEL_METRICS}
        test = dict(validation)
    return {
        "strategy": name,
        "params": dict(params),
        "seed": seed,
        "best_epoch": output.best_epoch,
        "validation_curve": output.val_curve,
        "seconds": output.seconds,
        "diverged": not finite,
        "thresholds": [float(t) for t in thresholds],
        "default_thresholds": missing,
        "validation": validation,
        "test": test,
        "_validation_scores": output.val_scores,
        "_test_scores": output.test_scores,
    }


def summarise(
    plan: MultiLabelPlan,
    splits: MultiLabelData,
    runs: list[dict[str, Any]],
    names: list[str],
    options: Mapping[str, Any],
) -> MultiLabelComparison:
    """Rank the chosen runs on validation (or out-of-fold), check the candidate on test, and
    tabulate per label."""
    labels = {"validation": splits.y_val, "test": splits.y_test}
    rows = rank_rows(runs, plan.strategies, plan.metric, labels, n_boot=plan.out.n_boot)
    selection = options.get("_selection") or {"scheme": "holdout"}
    folds = selection.get("folds")
    best, sentence = verdict(rows, plan.metric, folds=folds)
    shown = best or next((r["strategy"] for r in rows if r["strategy"] != "none"), None)
    return MultiLabelComparison(
        rows=rows,
        labels=per_label_rows(runs, rows, splits, names),
        best=best,
        verdict=sentence,
        notes=_notes(splits, names, options),
        settings=_settings(plan, splits, options),
        runs=runs,
        label_names=names,
        curves=_curves(runs, splits, ["none", *([shown] if shown else [])]),
    )


def per_label_rows(
    runs: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    splits: MultiLabelData,
    names: list[str],
) -> list[dict[str, Any]]:
    """Per remedy (in rank order) and label: the test metrics at the validation-chosen
    thresholds and the threshold, means over the chosen runs' seeds."""
    table = []
    for row in rows:
        chosen = [r for r in runs if r["strategy"] == row["strategy"] and r["chosen"]]
        per_seed = [
            {
                **label_table(splits.y_test, r["_test_scores"], np.asarray(r["thresholds"])),
                "threshold": np.asarray(r["thresholds"]),
            }
            for r in chosen
            if not r["diverged"]
        ]
        for label, name in enumerate(names):
            entry: dict[str, Any] = {
                "strategy": row["strategy"],
                "label": name,
                "train_positives": int(splits.y_train[:, label].sum()),
                "test_positives": int(splits.y_test[:, label].sum()),
            }
            for column in LABEL_COLUMNS:
                values = [float(p[column][label]) for p in per_seed]
                entry[column] = float(np.mean(values)) if values else float("nan")
            table.append(entry)
    return table


def _curves(
    runs: list[dict[str, Any]], splits: MultiLabelData, strategies: list[str]
) -> dict[str, Any]:
    first = {}
    for name in strategies:
        run = next(r for r in runs if r["strategy"] == name and r["chosen"])
        if not run["diverged"]:
            first[name] = {"scores": run["_test_scores"], "thresholds": run["thresholds"]}
    return {"y_test": splits.y_test, "strategies": first}


def _notes(
    splits: MultiLabelData,
    names: list[str],
    options: Mapping[str, Any],
) -> list[str]:
    selection = options.get("_selection") or {}
    notes = [f"Chosen on {selection['why']}."] if "why" in selection else []
    validation = "validation" if selection.get("scheme") != "cross-validation" else "training"
    for split, y in ((validation, splits.y_val), ("test", splits.y_test)):
        for label in np.flatnonzero(y.sum(axis=0) == 0):
            extra = ": its threshold stays at 0.5" if split == validation else ""
            notes.append(f"Label {names[label]!r} has no positive in the {split} split{extra}.")
        few = [
            names[i] for i in np.flatnonzero((y.sum(axis=0) > 0) & (y.sum(axis=0) < FEW_POSITIVES))
        ]
        if few:
            notes.append(
                f"Labels with fewer than {FEW_POSITIVES} positives in the {split} split "
                f"({', '.join(few)}): their F1 and average precision move in coarse steps."
            )
    return notes


def _settings(
    plan: MultiLabelPlan, splits: MultiLabelData, options: Mapping[str, Any]
) -> dict[str, Any]:
    recipe = plan.recipe
    return {
        "label_mode": "multi_label",
        "strategies": plan.strategies,
        "candidates": plan.candidates,
        "seeds": list(plan.seeds),
        "metric": plan.metric,
        "epoch_metric": "macro_average_precision",
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        "learning_rate": recipe.learning_rate,
        "schedule": recipe.schedule,
        "keep": recipe.keep,
        "weight_decay": recipe.weight_decay,
        "model": getattr(plan.build, "__qualname__", repr(plan.build)),
        "n_boot": plan.out.n_boot,
        "split_seed": int(options.get("split_seed", 0)),
        "selection": options.get("_selection") or {"scheme": "holdout"},
        "splits": "iterative stratification",
    }


def _split_sizes(splits: MultiLabelData) -> dict[str, int]:
    return {
        "train": len(splits.y_train),
        "validation": len(splits.y_val),
        "test": len(splits.y_test),
    }
