"""The runs of a multi-label comparison, one by one or on any ``concurrent.futures.Executor``.

A run is a :class:`MultiLabelTask`: the remedy and its knobs, the seed, the model builder, the
data and the recipe travel with it, so a local process pool
(:func:`~keras_imbalance.comparison.parallel.process_pool`) or a Dask cluster's executor can
train it (:func:`run_multilabel_task`). As with single-label runs
(:mod:`~keras_imbalance.comparison.parallel`), the coordinator computes each seed's initial
weights once and sends them, and the worker seeds the random state as the sequential path does,
so a run trained elsewhere is the run trained here. :func:`run_jobs` reads the journaled runs
back, trains the others and journals each the moment it finishes, in this process only.

The model builder must be picklable with an executor: a function defined at the top level of an
importable module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from keras_imbalance.comparison.multilabel.journal import RunLog
from keras_imbalance.comparison.multilabel.remedies import make_loss
from keras_imbalance.comparison.multilabel.training import (
    MultiLabelData,
    MultiLabelRun,
    fit_multilabel_run,
)
from keras_imbalance.comparison.parallel import initial_weights
from keras_imbalance.comparison.run.training import Recipe

__all__ = ["Job", "MultiLabelTask", "run_jobs", "run_multilabel_task", "start_weights"]


@dataclass
class MultiLabelTask:
    """One run, self-contained so that another process can train it."""

    name: str
    params: dict[str, Any]
    seed: int
    build: Any
    data: MultiLabelData
    recipe: Recipe
    record_epochs: bool = False
    initial: list[np.ndarray] | None = None  # None: built from the seed where it trains


@dataclass(frozen=True)
class Job:
    """A run of the plan: its journal key, its name for people and its task."""

    key: dict[str, Any]
    label: str
    task: MultiLabelTask


def run_multilabel_task(task: MultiLabelTask) -> MultiLabelRun:
    """Train one run with its remedy's loss (in any process); the network stays there."""
    loss = make_loss(task.name, task.params, task.data.y_train)
    output = fit_multilabel_run(
        task.build,
        loss,
        data=task.data,
        recipe=task.recipe,
        seed=task.seed,
        record_epochs=task.record_epochs,
        initial=task.initial,
    )
    output.network = None
    return output


def start_weights(
    build: Any, data: MultiLabelData, seeds: Sequence[int], executor: Executor | None
) -> dict[int, list[np.ndarray] | None]:
    """Each seed's initial weights when runs go to ``executor``; ``None`` (built where the run
    trains, from the seed) without one."""
    if executor is None:
        return {int(seed): None for seed in seeds}
    shape = tuple(int(d) for d in data.x_train.shape[1:])
    return {int(s): initial_weights(build, shape, data.num_labels, int(s)) for s in seeds}


@dataclass
class _Counter:
    """How many of a batch's runs are finished or read back, and who hears of it."""

    say: Callable[[int, str], None] | None
    done: int = 0
    finished: dict[int, MultiLabelRun] = field(default_factory=dict)

    def announce(self, label: str) -> None:
        if self.say is not None:
            self.say(self.done, label)


def run_jobs(
    jobs: Sequence[Job],
    log: RunLog,
    executor: Executor | None = None,
    say: Callable[[int, str], None] | None = None,
) -> list[MultiLabelRun]:
    """Every job's run, in order: read back from ``log``'s journal, else trained (here one by
    one, or all at once on ``executor``) and journaled the moment it finishes.

    ``say(done, label)`` hears of each run before it trains here (``label``), or with an
    executor of the runs sent (``"N runs in flight"``) and of each that finishes
    (``"finished <label>"``); ``done`` counts this batch's runs finished or read back.
    """
    counter = _Counter(say)
    todo = []
    for index, job in enumerate(jobs):
        journaled = log.get(job.key)
        if journaled is None:
            todo.append(index)
        else:
            counter.finished[index] = journaled
            counter.done += 1
    if executor is None:
        for index in todo:
            counter.announce(jobs[index].label)
            task = jobs[index].task
            counter.finished[index] = log.keep(jobs[index].key, run_multilabel_task(task))
            counter.done += 1
    elif todo:
        futures = {executor.submit(run_multilabel_task, jobs[i].task): i for i in todo}
        counter.announce(f"{len(futures)} runs in flight")
        for future in as_completed(futures):
            index = futures[future]
            counter.finished[index] = log.keep(jobs[index].key, future.result())
            counter.done += 1
            counter.announce(f"finished {jobs[index].label}")
    return [counter.finished[index] for index in range(len(jobs))]
