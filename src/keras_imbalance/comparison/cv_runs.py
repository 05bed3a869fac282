"""The runs of a cross-validated comparison: every fold's, then one final run per strategy.

:func:`cross_validate` trains the plan once per fold (:mod:`~keras_imbalance.comparison.folds`),
one :class:`~keras_imbalance.comparison.session.Session` a fold sharing one journal (the fold is
in every key), with every epoch's held-out predictions kept. It then chooses each strategy's
knobs and epoch on the out-of-fold predictions
(:mod:`~keras_imbalance.comparison.cross_validation`) and trains each strategy's choice once per
seed on **all** the training data, for the chosen number of epochs
(:func:`~keras_imbalance.comparison.refit.refit_run`): these final models, the ones a user would
keep, are the ones the test split scores. Their records are the comparison's summary runs:
validation is out-of-fold, test is the final model's.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from keras_imbalance.comparison.distribution import distribution_scope
from keras_imbalance.comparison.folds import Folds, fold_splits, pooled, stratified_folds
from keras_imbalance.comparison.journal import Journal
from keras_imbalance.comparison.options import ExecutionOptions, OutputOptions
from keras_imbalance.comparison.refit import refit_run
from keras_imbalance.comparison.run_plan import RunPlan, split_arrays
from keras_imbalance.comparison.run_record import run_label
from keras_imbalance.comparison.session import Session
from keras_imbalance.comparison.verdict import ScoredSplits
from keras_imbalance.remedies import Remedy


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
    per_fold = sum(len(plan.candidates[name]) for name in plan.names) * len(plan.seeds)
    grand = per_fold * k + len(plan.names) * len(plan.seeds)
    fold_runs: list[dict[str, Any]] = []
    trained = 0
    for fold in range(k):
        splits = fold_splits(pool, folds, fold)
        session = Session(
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
            fold=fold,
            done_before=fold * per_fold,
            grand_total=grand,
        )
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
    )
    kinds = {r.name: r.kind for r in plan.remedies}
    choices = choose_on_folds(fold_runs, kinds, scoring)
    by_loss = choose_on_folds(fold_runs, kinds, scoring, statistic="log_loss")
    final, final_trained = _final_runs(
        plan, choices, scoring, config, out, execution, (per_fold * k, grand)
    )
    if out.progress is not None:
        out.progress(grand, grand, "")
    for run in fold_runs:  # the per-epoch predictions stay in the journal only
        run.pop("epochs_validation", None)
    return CrossValidated(
        runs=[*final, *fold_runs],
        labels=ScoredSplits(pool.y_train, plan.splits.y_test, plan.splits.class_names),
        folds=folds,
        epochs={name: choice.epoch for name, choice in choices.items()},
        trained=trained + final_trained,
        by_log_loss={
            "ranking": log_loss_ranking(by_loss),
            "choices": {
                name: {
                    "params": c.params,
                    "epoch": c.epoch,
                    "log_loss": mean_log_loss(c),
                    "metric": c.score,
                }
                for name, c in by_loss.items()
            },
        },
    )


@dataclass(frozen=True)
class FinalTask:
    """One strategy's choice, for one seed, to train on all the training data (picklable)."""

    plan: RunPlan
    remedy: Remedy
    params: dict[str, Any]
    epochs: int
    seed: int
    none_epochs: int | None


def final_task(task: FinalTask) -> tuple[np.ndarray, float]:
    """Train one final run and return ``(test logits, seconds)`` (runs in any process)."""
    refit = refit_run(
        task.plan,
        task.remedy,
        task.params,
        epochs=task.epochs,
        seed=task.seed,
        none_epochs=task.none_epochs,
    )
    return refit.test_logits, refit.seconds


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
    none_epochs = plan.recipe.epochs  # the heads sit on a "none" trained for every epoch
    try:
        finished = {journal.key(r["key"]): r for r in journal.records()} if journal else {}
        keyed: dict[str, dict[str, Any]] = {}
        tasks: dict[str, FinalTask] = {}
        for remedy in plan.remedies:
            choice = choices[remedy.name]
            for seed in plan.seeds:
                key = final_key(remedy.name, choice, int(seed))
                text = canonical(key)
                stored = finished.get(journal.key(key)) if journal is not None else None
                if stored is not None:
                    keyed[text] = {k: v for k, v in stored.items() if k != "key"}
                    continue
                task = FinalTask(
                    plan, remedy, dict(choice.params), choice.epoch, int(seed), none_epochs
                )
                tasks[text] = task
        done += len(keyed)

        def finish(text: str, output: tuple[np.ndarray, float]) -> None:
            nonlocal done
            task = tasks[text]
            choice = choices[task.remedy.name]
            logits, seconds = output
            record = cv_record(choice, task.seed, logits, scoring, plan.splits.y_test, seconds)
            if journal is not None:
                journal.append({"key": final_key(task.remedy.name, choice, task.seed), **record})
            keyed[text] = record
            done += 1

        def announce(task: FinalTask, verb: str = "") -> None:
            if out.progress is not None:
                label = run_label(task.remedy.name, task.params, task.seed)
                out.progress(done, grand, f"{verb}{label}, on all the training data")

        if execution.executor is None:
            for text, task in tasks.items():
                announce(task)
                with distribution_scope(execution.distribution):
                    finish(text, final_task(task))
        else:
            futures = {execution.executor.submit(final_task, t): s for s, t in tasks.items()}
            for future in as_completed(futures):
                finish(futures[future], future.result())
                announce(tasks[futures[future]], "finished ")
    finally:
        if journal is not None:
            journal.close()
    order = [
        canonical(final_key(r.name, choices[r.name], int(seed)))
        for r in plan.remedies
        for seed in plan.seeds
    ]
    return [keyed[text] for text in order], len(tasks)


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
    "pooled_counts",
]
