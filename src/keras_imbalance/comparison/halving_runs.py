"""Successive halving of a comparison's knob values, before its sessions run the rest.

:func:`halve` trains, for every trained strategy with several knob values, the rungs of
:mod:`~keras_imbalance.comparison.halving` on every unit (the holdout split, or every fold of a
cross-validation), chooses the survivors of each rung on **validation** only (the holdout
validation split: :func:`holdout_score`; or the pooled out-of-fold predictions:
:func:`folds_score`), and trains the survivors on to the full epochs. The survivors' full runs
are handed to the sessions as finished runs (and journaled under their usual keys), the stopped
values leave the plan, and the report says which value stopped at which rung.

Every segment is journaled the moment it ends, keyed by the epochs it stopped at
(``"rung_epochs"``), its state saved first (``halving/<run>-epochs<N>.npz`` in the output
folder): a comparison killed mid-way resumes from the last finished segment and trains nothing
twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from keras_imbalance.comparison.config_json import canonical
from keras_imbalance.comparison.cross_validation import FoldScoring, pooled_curve
from keras_imbalance.comparison.data.folds import Folds
from keras_imbalance.comparison.data.splits import Splits
from keras_imbalance.comparison.halving import (
    halved_epochs,
    rung_epochs,
    select_survivors,
    survivors_count,
)
from keras_imbalance.comparison.journal import Journal
from keras_imbalance.comparison.options import ExecutionOptions, OutputOptions
from keras_imbalance.comparison.parallel import RunTask, initial_weights
from keras_imbalance.comparison.run.run_plan import RunPlan
from keras_imbalance.comparison.run.training import Recipe
from keras_imbalance.comparison.run_record import log_dir, run_key, run_label
from keras_imbalance.comparison.rungs import (
    RungResult,
    RungState,
    RungTask,
    load_state,
    run_rung,
    save_state,
)
from keras_imbalance.comparison.scoring.scores import ranked
from keras_imbalance.remedies import Remedy

# The validation score of each candidate from its rung records (every unit and seed).
Scorer = Callable[[Sequence[Sequence[Mapping[str, Any]]]], list[float]]


@dataclass(frozen=True)
class Unit:
    """What a run trains and is validated on: the holdout split (``fold=None``) or one fold."""

    fold: int | None
    splits: Splits
    arrays: Mapping[str, Any]
    recipe: Recipe


@dataclass
class Halved:
    """What :func:`halve` leaves: the knob values left, the survivors' full runs (by canonical
    key), the report for ``settings["halving"]`` and the segments trained."""

    candidates: dict[str, list[dict[str, Any]]]
    preset: dict[str, dict[str, Any]] = field(default_factory=dict)
    report: dict[str, Any] | None = None
    trained: int = 0


def holdout_score(metric: str) -> Scorer:
    """Each candidate's mean validation ``metric`` over its runs; ``nan`` when one diverged."""

    def score(groups: Sequence[Sequence[Mapping[str, Any]]]) -> list[float]:
        values = [np.asarray([r["validation"][metric] for r in g], dtype=float) for g in groups]
        return [float(v.mean()) if np.isfinite(v).all() else math.nan for v in values]

    return score


def folds_score(y: np.ndarray, folds: Folds, recipe: Recipe, num_classes: int) -> Scorer:
    """Each candidate's out-of-fold metric, pooled over the folds and averaged over the seeds, at
    its best epoch so far (its last with ``keep="last"``), as the final choice is made."""

    scoring = FoldScoring(
        y,
        folds,
        recipe.metric,
        num_classes,
        recipe.tail,
        recipe.epochs,
        min_precision=recipe.min_precision,
    )

    def score(groups: Sequence[Sequence[Mapping[str, Any]]]) -> list[float]:
        scores = []
        for group in groups:
            by_seed: dict[int, list[Mapping[str, Any]]] = {}
            for record in group:
                by_seed.setdefault(int(record["seed"]), []).append(record)
            curves = [pooled_curve(runs, scoring) for runs in by_seed.values()]
            mean = np.mean(np.stack(curves), axis=0)
            best = int(np.argmax(ranked(mean, recipe.metric)))  # the lowest for a cost
            value = float(mean[best] if recipe.keep == "best" else mean[-1])
            scores.append(value if math.isfinite(value) else math.nan)
        return scores

    return score


def halve(
    plan: RunPlan,
    units: Sequence[Unit],
    score: Scorer,
    config: Mapping[str, Any],
    out: OutputOptions,
    execution: ExecutionOptions,
) -> Halved:
    """Run the rungs of every strategy with several knob values (``plan.halving`` is ``eta``)."""
    eta = plan.halving
    halved = Halved({name: list(values) for name, values in plan.candidates.items()})
    if eta is None:
        return halved
    epochs = plan.recipe.epochs
    report: dict[str, Any] = {"eta": eta, "rungs": {}, "stopped": []}
    journal = Journal.open(out.folder, config) if out.folder is not None else None
    driver = _Driver(plan, units, halved, journal, out, execution)
    try:
        for remedy in plan.remedies:
            values = plan.candidates[remedy.name]
            stops = rung_epochs(epochs, len(values), eta) if remedy.kind == "trained" else []
            if not stops:
                continue
            report["rungs"][remedy.name] = stops
            alive = list(range(len(values)))
            for rung, stop in enumerate([*stops, epochs]):
                records = driver.segment(remedy, alive, stop)
                if stop == epochs:
                    break
                scores = score([records[c] for c in alive])
                higher = [float(ranked(s, plan.recipe.metric)) for s in scores]  # a cost negated
                kept = select_survivors(
                    [s if math.isfinite(s) else math.nan for s in higher],
                    survivors_count(len(alive), eta),
                )
                report["stopped"].extend(
                    {
                        "strategy": remedy.name,
                        "params": dict(values[alive[i]]),
                        "rung": rung,
                        "epochs": stop,
                        "validation": scores[i],
                    }
                    for i in range(len(alive))
                    if i not in kept
                )
                alive = [alive[i] for i in kept]
            halved.candidates[remedy.name] = [values[c] for c in alive]
    finally:
        if journal is not None:
            journal.close()
    report.update(_epochs(plan, units, eta))
    halved.report = report
    return halved


def halve_holdout(
    plan: RunPlan, config: Mapping[str, Any], out: OutputOptions, execution: ExecutionOptions
) -> Halved:
    """:func:`halve` on the holdout split, the survivors chosen on its validation split."""
    unit = Unit(None, plan.splits, plan.arrays, plan.recipe)
    return halve(plan, [unit], holdout_score(plan.recipe.metric), config, out, execution)


def _epochs(plan: RunPlan, units: Sequence[Unit], eta: int) -> dict[str, int]:
    """The epochs the trained strategies' runs train with halving, and without."""
    runs = len(plan.seeds) * len(units)
    trained = [r.name for r in plan.remedies if r.kind == "trained"]
    epochs = plan.recipe.epochs
    return {
        "epochs_trained": runs
        * sum(halved_epochs(epochs, len(plan.candidates[n]), eta) for n in trained),
        "epochs_unhalved": runs * epochs * sum(len(plan.candidates[n]) for n in trained),
    }


class _Driver:
    """Trains one segment of every (unit, alive value, seed) of a strategy; keeps the states."""

    def __init__(
        self,
        plan: RunPlan,
        units: Sequence[Unit],
        halved: Halved,
        journal: Journal | None,
        out: OutputOptions,
        execution: ExecutionOptions,
    ) -> None:
        self.plan, self.units, self.halved, self.journal = plan, units, halved, journal
        self.out, self.execution = out, execution
        self.finished = {journal.key(r["key"]): r for r in journal.records()} if journal else {}
        self.states: dict[tuple[str, int | None, int, str], RungState | Path] = {}
        self._initial: dict[int, list[np.ndarray]] = {}

    def _key(self, name: str, params: Mapping[str, Any], seed: int, unit: Unit, stop: int) -> Any:
        key = run_key(name, params, seed, unit.fold)
        return key if stop == self.plan.recipe.epochs else {**key, "rung_epochs": stop}

    def _path(self, name: str, params: Mapping[str, Any], seed: int, unit: Unit, stop: int) -> Path:
        folder = self.out.folder
        if folder is None:  # pragma: no cover - only called with a folder
            raise ValueError("no output folder to keep the rung states in")
        base = log_dir(folder / "halving", name, params, seed, unit.fold)
        return Path(f"{base}-epochs{stop}.npz")

    def segment(
        self, remedy: Remedy, alive: Sequence[int], stop: int
    ) -> dict[int, list[dict[str, Any]]]:
        """Every alive value's records at ``stop`` (all units and seeds), trained or journaled."""
        values = self.plan.candidates[remedy.name]
        records: dict[int, list[dict[str, Any]]] = {c: [] for c in alive}
        tasks: list[tuple[int, Unit, RungTask]] = []
        for c in alive:
            for unit in self.units:
                for seed in self.plan.seeds:
                    done = self._finished(remedy.name, values[c], int(seed), unit, stop)
                    if done is not None:
                        records[c].append(done)
                    else:
                        task = self._task(remedy, values[c], int(seed), unit, stop)
                        tasks.append((c, unit, task))
        for c, record in self._train(tasks):
            records[c].append(record)
        return records

    def _finished(
        self, name: str, params: Mapping[str, Any], seed: int, unit: Unit, stop: int
    ) -> dict[str, Any] | None:
        if self.journal is None:
            return None
        key = self._key(name, params, seed, unit, stop)
        record = self.finished.get(self.journal.key(key))
        if record is None:
            return None
        record = {k: v for k, v in record.items() if k != "key"}
        if stop == self.plan.recipe.epochs:
            self.halved.preset[canonical(key)] = record
        else:
            path = self._path(name, params, seed, unit, stop)
            self.states[_state_key(name, params, seed, unit)] = path
        return record

    def _task(
        self, remedy: Remedy, params: Mapping[str, Any], seed: int, unit: Unit, stop: int
    ) -> RungTask:
        shape = tuple(int(d) for d in unit.arrays["train"].shape[1:])
        if seed not in self._initial:
            self._initial[seed] = initial_weights(
                self.plan.build, shape, unit.splits.num_classes, seed
            )
        state = self.states.get(_state_key(remedy.name, params, seed, unit))
        if isinstance(state, Path):
            state = load_state(state)
        run = RunTask(
            remedy.name,
            dict(params),
            seed,
            self.plan.build,
            unit.arrays,
            unit.splits,
            unit.recipe,
            self._initial[seed],
            log_dir(self.out.tensorboard_dir, remedy.name, params, seed, unit.fold),
            remedy=remedy,
        )
        return RungTask(run, stop, state)

    def _train(self, tasks: list[tuple[int, Unit, RungTask]]) -> list[tuple[int, dict[str, Any]]]:
        """Train the segments (in order, or on the executor), journaling each as it ends."""
        done: list[tuple[int, dict[str, Any]]] = []

        def finish(c: int, unit: Unit, task: RungTask, result: RungResult) -> None:
            run = task.run
            key = self._key(run.name, run.params, run.seed, unit, task.stop)
            record = {**result.record, "segment_epochs": result.trained_epochs}
            if unit.fold is not None:
                record["fold"] = unit.fold
            full = task.stop == self.plan.recipe.epochs
            if not full:
                record["rung_epochs"] = task.stop
                self.states[_state_key(run.name, run.params, run.seed, unit)] = result.state
                if self.out.folder is not None:  # before the record: a record implies the file
                    path = self._path(run.name, run.params, run.seed, unit, task.stop)
                    save_state(path, result.state)
            if self.journal is not None:
                self.journal.append({"key": key, **record})
            if full:
                self.halved.preset[canonical(key)] = record
            self.halved.trained += 1
            done.append((c, record))

        executor = self.execution.executor
        if executor is None:
            for c, unit, task in tasks:
                self._announce(task, unit, len(done), len(tasks))
                finish(c, unit, task, run_rung(task))
        else:
            futures = {executor.submit(run_rung, task): (c, unit, task) for c, unit, task in tasks}
            for future in as_completed(futures):
                finish(*futures[future], future.result())
        return done

    def _announce(self, task: RungTask, unit: Unit, done: int, total: int) -> None:
        if self.out.progress is not None:
            run = task.run
            label = run_label(run.name, run.params, run.seed, unit.fold)
            self.out.progress(done, total, f"halving: {label}, to epoch {task.stop}")


def _state_key(
    name: str, params: Mapping[str, Any], seed: int, unit: Unit
) -> tuple[str, int | None, int, str]:
    return (name, unit.fold, int(seed), canonical(dict(params)))


__all__ = ["Halved", "Unit", "folds_score", "halve", "halve_holdout", "holdout_score"]
