"""The runs of one comparison, in order, each journaled the moment it ends.

A :class:`Session` trains every (strategy, knobs, seed) of a plan, seed by seed: the trained
strategies from the seed's initial weights, then the decoupled heads on the ``"none"`` model's
features. With an output folder it keeps a :class:`~keras_imbalance.comparison.journal.Journal`
there (``runs.jsonl``): a finished run is appended at once, and a run already in the journal is
not trained again, so a comparison killed mid-way resumes where it stopped. The ``"none"`` model
of each seed is saved (``none-seed<N>.weights.h5``) before its record, so the heads of a resumed
seed are built on the same features.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import keras_imbalance.comparison.heads as heads
from keras_imbalance.comparison.config_json import canonical
from keras_imbalance.comparison.formatting import format_params
from keras_imbalance.comparison.images import ImageFiles
from keras_imbalance.comparison.journal import Journal
from keras_imbalance.comparison.parallel import (
    RunTask,
    TaskResult,
    check_picklable,
    initial_weights,
    run_task,
)
from keras_imbalance.comparison.scores import METRICS, confusion_matrices, metric_from_confusion
from keras_imbalance.comparison.splits import Splits
from keras_imbalance.comparison.strategies import (
    HEAD_STRATEGIES,
    TRAINED_STRATEGIES,
    Setup,
)
from keras_imbalance.comparison.streams import Stream, features_and_labels
from keras_imbalance.comparison.training import Recipe, RunOutput, fit_run


def data_fingerprint(*arrays: np.ndarray) -> str:
    """sha256 of the arrays' shapes, dtypes and bytes: which data a journal's runs saw."""
    digest = hashlib.sha256()
    for array in arrays:
        contiguous = np.ascontiguousarray(array)
        digest.update(f"{contiguous.shape}{contiguous.dtype.str}".encode())
        digest.update(contiguous.data.cast("B"))
    return digest.hexdigest()


def splits_fingerprint(arrays: Mapping[str, Any], splits: Splits) -> str:
    """:func:`data_fingerprint` of the splits; for image files, of their file lists.

    A folder's fingerprint is :meth:`~keras_imbalance.comparison.images.ImageFiles.fingerprint`
    of each split (paths, sizes, modification times, labels, image size), never its pixels; a
    stream's is :meth:`~keras_imbalance.comparison.streams.Stream.fingerprint` (its labels,
    input shape and number of batches: a stream's pixels cannot be checked without a pass).
    """
    if isinstance(arrays["train"], Stream):
        parts = [arrays[split].fingerprint() for split in ("train", "val", "test")]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()
    if not isinstance(arrays["train"], ImageFiles):
        return data_fingerprint(
            arrays["train"], splits.y_train, arrays["val"], splits.y_val, arrays["test"]
        )
    digest = hashlib.sha256()
    for split, labels in (
        ("train", splits.y_train),
        ("val", splits.y_val),
        ("test", splits.y_test),
    ):
        digest.update(f"{split}:{arrays[split].fingerprint(labels)}\n".encode())
    return digest.hexdigest()


def run_key(name: str, params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """The journal key of one run."""
    return {"strategy": name, "seed": int(seed), "params": dict(params)}


def _canonical(key: Mapping[str, Any]) -> str:
    return canonical(key)


def run_label(name: str, params: Mapping[str, Any], seed: int) -> str:
    """A run's name for people: ``"logit_adjusted (tau=1.0), seed 0"``."""
    knobs = format_params(params)
    return f"{name}{f' ({knobs})' if knobs else ''}, seed {seed}"


def log_dir(
    folder: str | Path | None, name: str, params: Mapping[str, Any], seed: int
) -> str | None:
    """``folder/<strategy>[-knob=value...]-seed<seed>``, or ``None`` without a folder."""
    if folder is None:
        return None
    knobs = format_params(params, separator="-")
    return str(Path(folder) / f"{name}{f'-{knobs}' if knobs else ''}-seed{seed}")


def score_run(
    name: str,
    params: Mapping[str, Any],
    seed: int,
    output: RunOutput,
    splits: Splits,
    tail: Sequence[int],
) -> dict[str, Any]:
    """The record of a finished run: its scores on validation and test, and its predictions."""
    record: dict[str, Any] = {
        "strategy": name,
        "seed": int(seed),
        "params": dict(params),
        "chosen": False,
        "best_epoch": output.best_epoch,
        "seconds": output.seconds,
        "history": output.history,
    }
    diverged = False
    for split, y, logits in (
        ("validation", splits.y_val, output.val_logits),
        ("test", splits.y_test, output.test_logits),
    ):
        finite = bool(np.isfinite(logits).all())
        diverged = diverged or not finite
        predicted = logits.argmax(axis=-1) if finite else np.zeros(len(y), dtype=int)
        confusion = confusion_matrices(y, predicted, splits.num_classes)
        record[split] = {
            m: float(metric_from_confusion(confusion, m, tail=tail)) if finite else float("nan")
            for m in METRICS
        }
        with np.errstate(divide="ignore", invalid="ignore"):
            recall = np.diag(confusion) / confusion.sum(axis=1)
        record.setdefault("per_class_recall", {})[split] = [
            float(r) if finite else float("nan") for r in recall
        ]
        record.setdefault("predictions", {})[split] = predicted.astype(int).tolist()
    record["diverged"] = diverged
    return record


@dataclass
class Session:
    """Everything one comparison's runs share, and the journal they are written to."""

    splits: Splits
    arrays: Mapping[str, Any]
    recipe: Recipe
    build: Callable[[tuple[int, ...], int], Any]
    names: Sequence[str]
    plan: Mapping[str, list[dict[str, Any]]]
    seeds: Sequence[int]
    folder: Path | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    tensorboard_dir: str | Path | None = None
    progress: Callable[[int, int, str], None] | None = None
    executor: Executor | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    trained: int = 0

    @property
    def total(self) -> int:
        return sum(len(self.plan[name]) for name in self.names) * len(self.seeds)

    def run(self) -> list[dict[str, Any]]:
        """Every run of the plan, in plan order: from the journal when finished, else trained."""
        if self.executor is not None:
            check_picklable(self.build)
        journal = Journal.open(self.folder, self.config) if self.folder is not None else None
        try:
            finished = {journal.key(r["key"]): r for r in journal.records()} if journal else {}
            records, weights = self._trained(journal, finished)
            for seed in self.seeds:
                self.runs.extend(records[(name, key)] for name, key in self._order(seed))
                self._heads(int(seed), weights.get(int(seed)), journal, finished)
        finally:
            if journal is not None:
                journal.close()
        self._announce("")
        return self.runs

    def _order(self, seed: int) -> list[tuple[str, str]]:
        """The trained runs of one seed in plan order, as ``(strategy, canonical key)``."""
        return [
            (name, _canonical(run_key(name, params, seed)))
            for name in self.names
            if name in TRAINED_STRATEGIES
            for params in self.plan[name]
        ]

    def _announce(self, label: str, done: int | None = None) -> None:
        if self.progress is not None:
            self.progress(len(self.runs) if done is None else done, self.total, label)

    def _keep(self, record: dict[str, Any], key: dict[str, Any], journal: Journal | None) -> None:
        if journal is not None:
            journal.append({"key": key, **record})

    def _done(
        self, key: dict[str, Any], journal: Journal | None, finished: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        if journal is None:
            return None
        record = finished.get(journal.key(key))
        return None if record is None else {k: v for k, v in record.items() if k != "key"}

    def _trained(
        self, journal: Journal | None, finished: Mapping[str, Any]
    ) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[int, list[np.ndarray]]]:
        """Every trained run's record, and the ``"none"`` weights of the seeds that trained it."""
        records: dict[tuple[str, str], dict[str, Any]] = {}
        weights: dict[int, list[np.ndarray]] = {}
        tasks: list[RunTask] = []
        shape = tuple(int(d) for d in self.arrays["train"].shape[1:])
        for seed in self.seeds:
            initial = initial_weights(self.build, shape, self.splits.num_classes, int(seed))
            for name in (n for n in self.names if n in TRAINED_STRATEGIES):
                for params in self.plan[name]:
                    key = run_key(name, params, seed)
                    record = self._done(key, journal, finished)
                    if record is not None:
                        records[(name, _canonical(key))] = record
                        continue
                    tasks.append(
                        RunTask(
                            name,
                            dict(params),
                            int(seed),
                            self.build,
                            self.arrays,
                            self.splits,
                            self.recipe,
                            initial,
                            log_dir(self.tensorboard_dir, name, params, seed),
                            keep_weights=name == "none",
                        )
                    )
        done = len(records)

        def finish(task: RunTask, result: TaskResult) -> None:
            nonlocal done
            key = run_key(task.name, task.params, task.seed)
            if result.weights is not None:
                weights[task.seed] = result.weights
                if self.folder is not None:  # before the record: a record implies the file
                    self._save_none(task.seed, result.weights)
            self._keep(result.record, key, journal)
            records[(task.name, _canonical(key))] = result.record
            self.trained += 1
            done += 1

        if self.executor is None:
            for task in tasks:
                self._announce(run_label(task.name, task.params, task.seed), done)
                finish(task, run_task(task))
        else:
            futures = {self.executor.submit(run_task, task): task for task in tasks}
            self._announce(f"{len(futures)} runs in flight", done)
            for future in as_completed(futures):
                task = futures[future]
                finish(task, future.result())
                self._announce(f"finished {run_label(task.name, task.params, task.seed)}", done)
        return records, weights

    def _save_none(self, seed: int, values: list[np.ndarray]) -> None:
        network = self._network(values)
        network.save_weights(self._weights_path(seed))

    def _network(self, values: list[np.ndarray]) -> Any:
        shape = tuple(int(d) for d in self.arrays["train"].shape[1:])
        network = self.build(shape, self.splits.num_classes)
        network.set_weights(values)
        return network

    @property
    def counts(self) -> np.ndarray:
        return self.splits.counts("train")

    def _weights_path(self, seed: int) -> Path:
        if self.folder is None:  # pragma: no cover - only called with a folder
            raise ValueError("no output folder to keep the none model in")
        return self.folder / f"none-seed{seed}.weights.h5"

    def _fit(
        self,
        network: Any,
        run_setup: Setup,
        arrays: Mapping[str, Any],
        name: str,
        params: Mapping[str, Any],
        seed: int,
        epochs: int | None = None,
        y_train: np.ndarray | None = None,
    ) -> RunOutput:
        return fit_run(
            network,
            run_setup,
            x_train=arrays["train"],
            y_train=self.splits.y_train if y_train is None else y_train,
            x_val=arrays["val"],
            y_val=self.splits.y_val,
            x_test=arrays["test"],
            num_classes=self.splits.num_classes,
            recipe=self.recipe,
            seed=seed,
            epochs=epochs,
            log_dir=log_dir(self.tensorboard_dir, name, params, seed),
        )

    def _heads(
        self,
        seed: int,
        none_weights: list[np.ndarray] | None,
        journal: Journal | None,
        finished: Mapping[str, Any],
    ) -> None:
        """The decoupled strategies of one seed, on the frozen features of its ``"none"`` model."""
        import keras

        from keras_imbalance import losses

        todo = [
            (name, params)
            for name in self.names
            if name in HEAD_STRATEGIES
            for params in self.plan[name]
        ]
        if not todo:
            return
        none_network: Any = None
        if any(self._done(run_key(n, p, seed), journal, finished) is None for n, p in todo):
            if none_weights is not None:
                none_network = self._network(none_weights)
            else:  # resumed: the none model was saved before its record was journaled
                shape = tuple(int(d) for d in self.arrays["train"].shape[1:])
                none_network = self.build(shape, self.splits.num_classes)
                none_network.load_weights(self._weights_path(seed))

        base = next(r for r in reversed(self.runs) if r["strategy"] == "none" and r["seed"] == seed)
        features: dict[str, np.ndarray] = {}
        kernel = bias = np.zeros(0)
        y_train = self.splits.y_train
        if none_network is not None:
            train = self.arrays["train"]
            if isinstance(train, Stream):  # a stream's own order: its labels from the same pass
                f_train, y_train = features_and_labels(heads.feature_extractor(none_network), train)
                f_val, f_test = heads.features_of(
                    none_network, self.arrays["val"], self.arrays["test"]
                )
            else:
                f_train, f_val, f_test = heads.features_of(
                    none_network, train, self.arrays["val"], self.arrays["test"]
                )
            features = {"train": f_train, "val": f_val, "test": f_test}
            kernel, bias = heads.classifier_weights(none_network)
        for name, params in todo:
            key = run_key(name, params, seed)
            record = self._done(key, journal, finished)
            if record is None:
                self._announce(run_label(name, params, seed))
                if name in ("posthoc", "tau_norm"):
                    tau = float(params["tau"])
                    if name == "posthoc":
                        val, test = (
                            heads.posthoc_logits(features[s] @ kernel + bias, self.counts, tau)
                            for s in ("val", "test")
                        )
                    else:
                        val, test = (
                            heads.tau_normalized_logits(features[s], kernel, bias, tau)
                            for s in ("val", "test")
                        )
                    output = RunOutput(val, test, base["best_epoch"], {}, 0.0)
                else:
                    plain = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
                    head_setup = (
                        Setup(plain, balanced_batches=True)
                        if name == "crt"
                        else Setup(
                            losses.LogitAdjustedLoss(self.counts.tolist(), tau=float(params["tau"]))
                        )
                    )
                    output = self._fit(
                        heads.head_model(features["train"].shape[1], self.splits.num_classes, seed),
                        head_setup,
                        features,
                        name,
                        params,
                        seed,
                        epochs=heads.HEAD_EPOCHS,
                        y_train=y_train,
                    )
                    self.trained += 1
                record = score_run(name, params, seed, output, self.splits, self.recipe.tail)
                self._keep(record, key, journal)
            self.runs.append(record)
