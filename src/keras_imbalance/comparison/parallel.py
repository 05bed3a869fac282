"""Parallel runs on an existing engine: any ``concurrent.futures.Executor``.

A trained run is a :class:`RunTask`: everything it needs travels with it (the data, the model
builder, the training recipe, the strategy and its knobs, the seed), so any executor runs it: a
local process pool (:func:`process_pool`, ``--workers N``) or a Dask cluster
(``dask.distributed.Client(address).get_executor()``, ``--dask-scheduler ADDRESS``). A worker
gets the seed's initial weights from the coordinator (computed once per seed, so no other thread
of a worker, such as Dask's own, can draw from the random state between seeding and building)
and is seeded with ``keras.utils.set_random_seed(seed)``, so its run is the run the sequential
path trains. Only the coordinating process
writes the journal.

The model builder must be picklable: a function defined at the top level of an importable module
(not a lambda or a function defined inside another function).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from keras_imbalance.comparison.data.splits import Splits
from keras_imbalance.comparison.run.training import Recipe, RunOutput, fit_run
from keras_imbalance.comparison.run_record import score_run
from keras_imbalance.remedies import Context, Remedy, get_remedy


@dataclass
class RunTask:
    """One trained run, self-contained so that another process can run it."""

    name: str
    params: dict[str, Any]
    seed: int
    build: Callable[[tuple[int, ...], int], Any]
    # Arrays, or for an image folder the file lists (ImageFiles): the pixels never travel, so the
    # folder must be readable at the same path by every worker.
    arrays: Mapping[str, Any]
    splits: Splits
    recipe: Recipe
    initial: list[np.ndarray] | None = None
    log_dir: str | None = None
    keep_weights: bool = False
    # The remedy object (a user's own travels pickled); None: the built-in one called name.
    remedy: Remedy | None = None


@dataclass
class TaskResult:
    """A finished run: its record and, for the ``"none"`` model, its weights."""

    record: dict[str, Any]
    weights: list[np.ndarray] | None = None


def run_task(task: RunTask) -> TaskResult:
    """Train one run from its seed's initial weights and score it (runs in any process)."""
    network, output = train_segment(task, None, task.recipe, task.seed, task.log_dir)
    record = score_run(
        task.name,
        task.params,
        task.seed,
        output,
        task.splits,
        task.recipe.tail,
        costs=task.recipe.costs,
        min_precision=task.recipe.min_precision,
    )
    weights = [np.asarray(w) for w in network.get_weights()] if task.keep_weights else None
    return TaskResult(record, weights)


def train_segment(
    task: RunTask,
    weights: list[np.ndarray] | None,
    recipe: Recipe,
    seed: int,
    log_dir: str | None,
) -> tuple[Any, RunOutput]:
    """``(network, output)`` of ``task``'s remedy trained with ``recipe`` from ``weights``
    (``None``: the seed's initial weights), the random state seeded with ``seed``.

    :func:`run_task` trains a whole run; successive halving
    (:func:`~keras_imbalance.comparison.rungs.run_rung`) one segment of it, resumed.
    """
    import keras

    remedy = get_remedy(task.name) if task.remedy is None else task.remedy
    shape = tuple(int(d) for d in task.arrays["train"].shape[1:])
    num_classes = task.splits.num_classes
    if weights is None:
        weights = task.initial
    if weights is None:
        weights = initial_weights(task.build, shape, num_classes, task.seed)
    keras.utils.set_random_seed(seed)
    network = task.build(shape, num_classes)
    network.set_weights(weights)
    output = fit_run(
        network,
        remedy.setup(task.params, Context.of(task.splits.counts("train"), task.recipe.epochs)),
        x_train=task.arrays["train"],
        y_train=task.splits.y_train,
        x_val=task.arrays["val"],
        y_val=task.splits.y_val,
        x_test=task.arrays["test"],
        num_classes=num_classes,
        recipe=recipe,
        seed=seed,
        log_dir=log_dir,
    )
    return network, output


def initial_weights(
    build: Callable[[tuple[int, ...], int], Any],
    shape: tuple[int, ...],
    num_classes: int,
    seed: int,
) -> list[np.ndarray]:
    """The weights every run of ``seed`` starts from."""
    import keras

    keras.utils.set_random_seed(seed)
    return [np.asarray(w) for w in build(shape, num_classes).get_weights()]


def gpu_ids() -> list[str]:
    """The NVIDIA GPUs this machine shows (``nvidia-smi -L``), as ``CUDA_VISIBLE_DEVICES`` ids."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [d for d in visible.split(",") if d.strip() and d.strip() != "-1"]
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        listing = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(listing.splitlines()) if line.startswith("GPU ")]


def _init_worker(threads: int, devices: Any) -> None:
    """Give a worker its share of the CPU threads and, with GPUs, one GPU of its own."""
    for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false"
    ).strip()
    if devices is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = str(devices.get())


def process_pool(workers: int) -> Executor:
    """A local pool of ``workers`` processes (spawned, so no process inherits a Keras state).

    Each worker gets ``cpu_count // workers`` threads; with GPUs, each worker is pinned to one
    (``CUDA_VISIBLE_DEVICES``), round-robin when there are more workers than GPUs.
    """
    context = multiprocessing.get_context("spawn")
    threads = max(1, (os.cpu_count() or 1) // workers)
    gpus = gpu_ids()
    devices = None
    if gpus:
        devices = context.Manager().Queue()
        for index in range(workers):
            devices.put(gpus[index % len(gpus)])
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(threads, devices),
    )


def dask_executor(address: str) -> Executor:
    """The executor of the Dask cluster at ``address`` (``pip install "keras-imbalance[dask]"``)."""
    try:
        from dask.distributed import Client
    except ImportError as error:
        raise ImportError(
            "running compare on a Dask cluster needs dask.distributed; pip install "
            '"keras-imbalance[dask]"'
        ) from error
    return Client(address).get_executor()


def check_picklable(build: Any, argument: str = "model", what: str = "builder") -> None:
    """A clear error, before any work, when ``build`` cannot travel to another process."""
    import pickle

    try:
        pickle.dumps(build)
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        name = getattr(build, "__qualname__", repr(build))
        raise TypeError(
            f"{argument}={name} cannot be sent to another process ({error}); with an executor, "
            f"define the {what} at the top level of an importable module (not a lambda or a "
            f"nested function or class)"
        ) from error
