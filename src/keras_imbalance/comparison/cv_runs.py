"""The runs of a cross-validated comparison: every fold's, then one final run per strategy.

:func:`cross_validate` trains the plan once per fold
(:mod:`~keras_imbalance.comparison.data.folds`), one
:class:`~keras_imbalance.comparison.session.Session` a fold sharing one journal (the fold is in
every key), with every epoch's held-out predictions kept. It then chooses each strategy's knobs and
epoch on the out-of-fold predictions (:mod:`~keras_imbalance.comparison.cross_validation`) and
trains each strategy's choice once per seed on **all** the training data, for the chosen number of
epochs (:func:`~keras_imbalance.comparison.refit.refit_run`): these final models, the ones a user
would keep, are the ones the test split scores. Their records are the comparison's summary runs:
validation is out-of-fold, test is the final model's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import as_completed
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from keras_imbalance.comparison.config_json import canonical
from keras_imbalance.comparison.cross_validation import (
    FoldChoice,
    FoldScoring,
    choose_on_folds,
    cv_record,
    log_loss_ranking,
    mean_log_loss,
)
from keras_imbalance.comparison.data.folds import Folds, fold_splits, pooled, stratified_folds
from keras_imbalance.comparison.data.splits import Splits
from keras_imbalance.comparison.halving_runs import Halved, Unit, folds_score, halve
from keras_imbalance.comparison.journal import Journal
from keras_imbalance.comparison.options import ExecutionOptions, OutputOptions
from keras_imbalance.comparison.refit import refit_run
from keras_imbalance.comparison.run.distribution import distribution_scope
from keras_imbalance.comparison.run.run_plan import RunPlan, split_arrays
from keras_imbalance.comparison.session import Session
from keras_imbalance.comparison.verdict import ScoredSplits
from keras_imbalance.remedies import Remedy, get_remedy


@dataclass(frozen=True)
class CrossValidated:
    """What :func:`cross_validate` leaves: the summary runs (one per strategy and seed, chosen)
    then every fold's runs, the labels they were scored on, the folds, and the runs trained."""

    runs: list[dict[str, Any]]
    labels: ScoredSplits
    folds: Folds
    epochs: dict[str, int]
    trained: int
    # What the class-balanced out-of-fold log loss would choose and how it ranks, reported
    # beside the metric's choices.
    by_log_loss: dict[str, Any]
    halving: dict[str, Any] | None = None  # successive halving's report, when on


def fold_seed(split_seed: int) -> int:
    """The seed of the folds' draw: after the test split's (``split_seed``) and the holdout's
    validation split's (``split_seed + 1``)."""
    return split_seed + 2


def cross_validate(
    plan: RunPlan,
    k: int,
    split_seed: int,
    config: Mapping[str, Any],
    out: OutputOptions,
    execution: ExecutionOptions,
) -> CrossValidated:
    """Every fold's runs, the choices on their out-of-fold predictions, and the final runs."""
    pool = pooled(plan.splits)
    folds = stratified_folds(pool.y_train, k, fold_seed(split_seed))
    sessions = [
        _fold_session(plan, fold_splits(pool, folds, fold), config, out, execution)
        for fold in range(k)
    ]
    halved = _halve_folds(plan, sessions, folds, pool.y_train, (config, out, execution))
    per_fold = sum(len(halved.candidates[name]) for name in plan.names) * len(plan.seeds)
    grand = per_fold * k + len(plan.names) * len(plan.seeds)
    fold_runs: list[dict[str, Any]] = []
    trained = halved.trained
    for fold, session in enumerate(sessions):
        session.fold, session.done_before, session.grand_total = fold, fold * per_fold, grand
        session.plan, session.preset = halved.candidates, halved.preset
        with distribution_scope(execution.distribution):
            fold_runs.extend(session.run())
        trained += session.trained
    recipe = plan.recipe
    scoring = FoldScoring(
        pool.y_train,
        folds,
        recipe.metric,
        plan.splits.num_classes,
        recipe.tail,
        epochs=recipe.epochs,
        choose_epoch=recipe.keep == "best",
        min_precision=recipe.min_precision,
    )
    kinds = {r.name: r.kind for r in plan.remedies}
    choices = choose_on_folds(fold_runs, kinds, scoring)
    final, final_trained = _final_runs(
        plan, choices, scoring, config, out, execution, (per_fold * k, grand)
    )
    if out.progress is not None:
        out.progress(grand, grand, "")
    by_loss = log_loss_report(choose_on_folds(fold_runs, kinds, scoring, statistic="log_loss"))
    for run in fold_runs:  # the per-epoch predictions stay in the journal only
        run.pop("epochs_validation", None)
    return CrossValidated(
        runs=[*final, *fold_runs],
        labels=ScoredSplits(pool.y_train, plan.splits.y_test, plan.splits.class_names),
        folds=folds,
        epochs={name: choice.epoch for name, choice in choices.items()},
        trained=trained + final_trained,
        by_log_loss=by_loss,
        halving=halved.report,
    )


def _halve_folds(
    plan: RunPlan,
    sessions: list[Session],
    folds: Folds,
    y: np.ndarray,
    where: tuple[Mapping[str, Any], OutputOptions, ExecutionOptions],
) -> Halved:
    """Successive halving on every fold at once, the survivors chosen on the pooled
    out-of-fold predictions (:func:`~keras_imbalance.comparison.halving_runs.folds_score`)."""
    config, out, execution = where
    units = [Unit(i, s.splits, s.arrays, s.recipe) for i, s in enumerate(sessions)]
    score = folds_score(y, folds, units[0].recipe, plan.splits.num_classes)
    with distribution_scope(execution.distribution):
        return halve(plan, units, score, config, out, execution)


def _fold_session(
    plan: RunPlan,
    splits: Splits,
    config: Mapping[str, Any],
    out: OutputOptions,
    execution: ExecutionOptions,
) -> Session:
    """The session of one fold: every epoch's held-out predictions kept, the last epoch kept."""
    return Session(
        splits=splits,
        arrays=split_arrays(splits),
        recipe=replace(plan.recipe, epoch_predictions=True, keep="last"),
        build=plan.build,
        remedies=plan.remedies,
        plan=plan.candidates,
        seeds=plan.seeds,
        folder=out.folder,
        config=config,
        tensorboard_dir=out.tensorboard_dir,
        progress=out.progress,
        executor=execution.executor,
    )


def log_loss_report(choices: Mapping[str, FoldChoice]) -> dict[str, Any]:
    """What the class-balanced log loss chose for each strategy, and how it ranks them."""
    return {
        "ranking": log_loss_ranking(choices),
        "choices": {
            name: {
                "params": c.params,
                "epoch": c.epoch,
                "log_loss": mean_log_loss(c),
                "metric": c.score,
            }
            for name, c in choices.items()
        },
    }


@dataclass(frozen=True)
class FinalTask:
    """The choices of one seed to train on all the training data (picklable): one trained
    remedy, or every head remedy of the seed, which share one ``"none"`` model."""

    plan: RunPlan
    remedies: tuple[tuple[Remedy, dict[str, Any], int], ...]  # (remedy, knobs, epochs)
    seed: int
    none_epochs: int | None


def final_task(task: FinalTask) -> list[tuple[np.ndarray, float]]:
    """Train one task's final runs: ``[(test logits, seconds)]`` in order (runs in any
    process)."""
    outputs: list[tuple[np.ndarray, float]] = []
    base: list[np.ndarray] | None = None
    for remedy, params, epochs in task.remedies:
        started = time.perf_counter()
        if remedy.kind == "head" and base is None and task.none_epochs is not None:
            base = none_weights(task.plan, task.none_epochs, task.seed)
        refit = refit_run(
            task.plan,
            remedy,
            params,
            epochs=epochs,
            seed=task.seed,
            none_epochs=task.none_epochs,
            base_weights=base if remedy.kind == "head" else None,
        )
        outputs.append((refit.test_logits, round(time.perf_counter() - started, 3)))
    return outputs


def none_weights(plan: RunPlan, epochs: int, seed: int) -> list[np.ndarray]:
    """The weights of ``"none"`` trained on all the training data for ``epochs``."""
    refit = refit_run(plan, get_remedy("none"), {}, epochs=epochs, seed=seed)
    return [np.asarray(w) for w in refit.network.get_weights()]


def _final_runs(
    plan: RunPlan,
    choices: Mapping[str, FoldChoice],
    scoring: FoldScoring,
    config: Mapping[str, Any],
    out: OutputOptions,
    execution: ExecutionOptions,
    progress: tuple[int, int],
) -> tuple[list[dict[str, Any]], int]:
    """Each strategy's choice trained once per seed on all the training data, journaled; in
    plan order, ``(records, runs trained)``."""
    journal = Journal.open(out.folder, config) if out.folder is not None else None
    done, grand = progress
    try:
        finished = {journal.key(r["key"]): r for r in journal.records()} if journal else {}

        def stored(key: dict[str, Any]) -> dict[str, Any] | None:
            record = finished.get(journal.key(key)) if journal is not None else None
            return None if record is None else {k: v for k, v in record.items() if k != "key"}

        keyed, tasks = _final_tasks(plan, choices, stored)
        done += len(keyed)

        def finish(task: FinalTask, outputs: list[tuple[np.ndarray, float]]) -> None:
            nonlocal done
            for (remedy, _, _), (logits, seconds) in zip(task.remedies, outputs, strict=True):
                choice = choices[remedy.name]
                record = cv_record(choice, task.seed, logits, scoring, plan.splits.y_test, seconds)
                key = final_key(remedy.name, choice, task.seed)
                if journal is not None:
                    journal.append({"key": key, **record})
                keyed[canonical(key)] = record
                done += 1

        def announce(task: FinalTask, verb: str = "") -> None:
            if out.progress is not None:
                names = ", ".join(remedy.name for remedy, _, _ in task.remedies)
                out.progress(done, grand, f"{verb}{names}, seed {task.seed}, all the data")

        if execution.executor is None:
            for task in tasks:
                announce(task)
                with distribution_scope(execution.distribution):
                    finish(task, final_task(task))
        else:
            futures = {execution.executor.submit(final_task, task): task for task in tasks}
            for future in as_completed(futures):
                finish(futures[future], future.result())
                announce(futures[future], "finished ")
    finally:
        if journal is not None:
            journal.close()
    order = [
        canonical(final_key(r.name, choices[r.name], int(seed)))
        for r in plan.remedies
        for seed in plan.seeds
    ]
    return [keyed[text] for text in order], sum(len(task.remedies) for task in tasks)


def _final_tasks(
    plan: RunPlan,
    choices: Mapping[str, FoldChoice],
    stored: Callable[[dict[str, Any]], dict[str, Any] | None],
) -> tuple[dict[str, dict[str, Any]], list[FinalTask]]:
    """The final runs already journaled (by key), and the tasks of the others: one per trained
    remedy and seed, one for all the head remedies of a seed."""
    keyed: dict[str, dict[str, Any]] = {}
    tasks: list[FinalTask] = []
    none_epochs = plan.recipe.epochs  # the heads sit on a "none" trained for every epoch
    for seed in plan.seeds:
        heads: list[tuple[Remedy, dict[str, Any], int]] = []
        for remedy in plan.remedies:
            choice = choices[remedy.name]
            key = final_key(remedy.name, choice, int(seed))
            record = stored(key)
            if record is not None:
                keyed[canonical(key)] = record
                continue
            item = (remedy, dict(choice.params), choice.epoch)
            if remedy.kind == "head":
                heads.append(item)
            else:
                tasks.append(FinalTask(plan, (item,), int(seed), none_epochs))
        if heads:
            tasks.append(FinalTask(plan, tuple(heads), int(seed), none_epochs))
    return keyed, tasks


def final_key(strategy: str, choice: FoldChoice, seed: int) -> dict[str, Any]:
    """The journal key of a final run: its strategy, seed, knobs and epochs."""
    return {
        "strategy": strategy,
        "seed": int(seed),
        "params": dict(choice.params),
        "final_epochs": int(choice.epoch),
    }


def folds_settings(result: CrossValidated, why: str) -> dict[str, Any]:
    """What ``results.json`` records of the scheme: the folds, their seed and sizes, the epochs."""
    return {
        "scheme": "cross-validation",
        "folds": result.folds.k,
        "fold_seed": result.folds.seed,
        "fold_sizes": [len(part) for part in result.folds.held_out],
        "epochs": dict(result.epochs),
        "why": why,
        "statistic": "metric",
        "by_log_loss": result.by_log_loss,
    }


def folds_fingerprint(folds_k: int, split_seed: int) -> dict[str, Any]:
    """The part of a journal's configuration that names the folds."""
    return {"folds": int(folds_k), "fold_seed": fold_seed(split_seed)}


def pooled_counts(labels: ScoredSplits) -> list[int]:
    return np.bincount(labels.y_val, minlength=labels.num_classes).astype(int).tolist()


__all__ = [
    "CrossValidated",
    "FinalTask",
    "cross_validate",
    "final_key",
    "final_task",
    "fold_seed",
    "folds_fingerprint",
    "folds_settings",
    "log_loss_report",
    "pooled_counts",
]
