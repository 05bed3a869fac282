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

import keras_imbalance.comparison.run.heads as heads
from keras_imbalance.comparison.config_json import canonical
from keras_imbalance.comparison.data.images import ImageFiles
from keras_imbalance.comparison.data.splits import Splits
from keras_imbalance.comparison.data.streams import Stream, features_and_labels
from keras_imbalance.comparison.journal import Journal
from keras_imbalance.comparison.parallel import (
    RunTask,
    TaskResult,
    check_picklable,
    initial_weights,
    run_task,
)
from keras_imbalance.comparison.run.training import Recipe, RunOutput, fit_run
from keras_imbalance.comparison.run.weight_decay import is_shared_none
from keras_imbalance.comparison.run_record import (
    log_dir,
    run_key,
    run_label,
    score_run,
)
from keras_imbalance.remedies import Context, FrozenClassifier, HeadRemedy, Remedy, Setup


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

    A folder's fingerprint is :meth:`~keras_imbalance.comparison.data.images.ImageFiles.fingerprint`
    of each split (paths, sizes, modification times, labels, image size), never its pixels; a
    stream's is :meth:`~keras_imbalance.comparison.data.streams.Stream.fingerprint` (its labels,
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


@dataclass
class Session:
    """Everything one comparison's runs share, and the journal they are written to."""

    splits: Splits
    arrays: Mapping[str, Any]
    recipe: Recipe
    build: Callable[[tuple[int, ...], int], Any]
    remedies: Sequence[Remedy]
    plan: Mapping[str, list[dict[str, Any]]]
    seeds: Sequence[int]
    folder: Path | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    tensorboard_dir: str | Path | None = None
    progress: Callable[[int, int, str], None] | None = None
    executor: Executor | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    trained: int = 0
    finished: int = 0  # runs finished or read from the journal: what the progress counts
    # Cross-validation runs one session per fold: the fold goes into every key, label and file
    # name, and the progress counts across the folds (``done_before`` runs before this one's,
    # ``grand_total`` in all; the end is announced once, by the caller).
    fold: int | None = None
    done_before: int = 0
    grand_total: int | None = None
    # Runs finished before the session (successive halving's survivors), by canonical key.
    preset: Mapping[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [remedy.name for remedy in self.remedies]

    @property
    def total(self) -> int:
        return sum(len(self.plan[name]) for name in self.names) * len(self.seeds)

    def _key(self, name: str, params: Mapping[str, Any], seed: int) -> dict[str, Any]:
        return run_key(name, params, seed, self.fold)

    def _label(self, name: str, params: Mapping[str, Any], seed: int) -> str:
        return run_label(name, params, seed, self.fold)

    def _of_kind(self, kind: str) -> list[Remedy]:
        return [remedy for remedy in self.remedies if remedy.kind == kind]

    def run(self) -> list[dict[str, Any]]:
        """Every run of the plan, in plan order: from the journal when finished, else trained."""
        if self.executor is not None:
            check_picklable(self.build)
            for remedy in self.remedies:
                check_picklable(remedy, "strategies", "Remedy subclass")
        journal = Journal.open(self.folder, self.config) if self.folder is not None else None
        try:
            finished = {journal.key(r["key"]): r for r in journal.records()} if journal else {}
            records, weights = self._trained(journal, finished)
            self.finished = len(records)  # every trained run is done before the first head
            for seed in self.seeds:
                self.runs.extend(records[(name, key)] for name, key in self._order(seed))
                self._heads(int(seed), weights.get(int(seed)), journal, finished)
        finally:
            if journal is not None:
                journal.close()
        if self.fold is None:
            self._announce("")
        return self.runs

    def _order(self, seed: int) -> list[tuple[str, str]]:
        """The trained runs of one seed in plan order, as ``(strategy, canonical key)``."""
        return [
            (remedy.name, canonical(self._key(remedy.name, params, seed)))
            for remedy in self._of_kind("trained")
            for params in self.plan[remedy.name]
        ]

    def _announce(self, label: str, done: int | None = None) -> None:
        if self.progress is not None:
            done = len(self.runs) if done is None else done
            total = self.total if self.grand_total is None else self.grand_total
            self.progress(self.done_before + done, total, label)

    def _keep(self, record: dict[str, Any], key: dict[str, Any], journal: Journal | None) -> None:
        if self.fold is not None:
            record["fold"] = self.fold
        if journal is not None:
            journal.append({"key": key, **record})

    def _done(
        self, key: dict[str, Any], journal: Journal | None, finished: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        given = self.preset.get(canonical(key))
        if given is not None:
            return dict(given)
        if journal is None:
            return None
        record = finished.get(journal.key(key))
        return None if record is None else {k: v for k, v in record.items() if k != "key"}

    def _tasks(
        self,
        journal: Journal | None,
        finished: Mapping[str, Any],
        records: dict[tuple[str, str], dict[str, Any]],
    ) -> list[RunTask]:
        """The trained runs still to do; the finished ones go into ``records``."""
        tasks: list[RunTask] = []
        shape = tuple(int(d) for d in self.arrays["train"].shape[1:])
        for seed in self.seeds:
            initial = initial_weights(self.build, shape, self.splits.num_classes, int(seed))
            for remedy in self._of_kind("trained"):
                name = remedy.name
                for params in self.plan[name]:
                    key = self._key(name, params, seed)
                    record = self._done(key, journal, finished)
                    if record is not None:
                        records[(name, canonical(key))] = record
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
                            log_dir(self.tensorboard_dir, name, params, seed, self.fold),
                            keep_weights=name == "none"
                            and is_shared_none(params, self.recipe.weight_decay),
                            remedy=remedy,
                        )
                    )
        return tasks

    def _trained(
        self, journal: Journal | None, finished: Mapping[str, Any]
    ) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[int, list[np.ndarray]]]:
        """Every trained run's record, and the ``"none"`` weights of the seeds that trained it."""
        records: dict[tuple[str, str], dict[str, Any]] = {}
        weights: dict[int, list[np.ndarray]] = {}
        tasks = self._tasks(journal, finished, records)
        done = len(records)

        def finish(task: RunTask, result: TaskResult) -> None:
            nonlocal done
            key = self._key(task.name, task.params, task.seed)
            if result.weights is not None:
                weights[task.seed] = result.weights
                if self.folder is not None:  # before the record: a record implies the file
                    self._save_none(task.seed, result.weights)
            self._keep(result.record, key, journal)
            records[(task.name, canonical(key))] = result.record
            self.trained += 1
            done += 1

        if self.executor is None:
            for task in tasks:
                self._announce(self._label(task.name, task.params, task.seed), done)
                finish(task, run_task(task))
        else:
            futures = {self.executor.submit(run_task, task): task for task in tasks}
            self._announce(f"{len(futures)} runs in flight", done)
            for future in as_completed(futures):
                task = futures[future]
                finish(task, future.result())
                self._announce(f"finished {self._label(task.name, task.params, task.seed)}", done)
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
        where = "" if self.fold is None else f"-fold{self.fold}"
        return self.folder / f"none-seed{seed}{where}.weights.h5"

    def _none_network(self, seed: int, none_weights: list[np.ndarray] | None) -> Any:
        """The ``"none"`` model of ``seed``: trained now, or saved before a resume."""
        if none_weights is not None:
            return self._network(none_weights)
        # resumed: the none model was saved before its record was journaled
        shape = tuple(int(d) for d in self.arrays["train"].shape[1:])
        network = self.build(shape, self.splits.num_classes)
        network.load_weights(self._weights_path(seed))
        return network

    def _frozen(self, none_network: Any) -> tuple[dict[str, np.ndarray], np.ndarray, Any]:
        """The frozen features of every split, the training labels in their order, the head."""
        train = self.arrays["train"]
        y_train = self.splits.y_train
        if isinstance(train, Stream):  # a stream's own order: its labels from the same pass
            f_train, y_train = features_and_labels(heads.feature_extractor(none_network), train)
            f_val, f_test = heads.features_of(none_network, self.arrays["val"], self.arrays["test"])
        else:
            f_train, f_val, f_test = heads.features_of(
                none_network, train, self.arrays["val"], self.arrays["test"]
            )
        features = {"train": f_train, "val": f_val, "test": f_test}
        return features, y_train, heads.classifier_weights(none_network)

    def _heads(
        self,
        seed: int,
        none_weights: list[np.ndarray] | None,
        journal: Journal | None,
        finished: Mapping[str, Any],
    ) -> None:
        """The head remedies of one seed, on the frozen features of its ``"none"`` model."""
        todo = [
            (remedy, params)
            for remedy in self._of_kind("head")
            for params in self.plan[remedy.name]
        ]
        if not todo:
            return
        frozen: tuple[dict[str, np.ndarray], np.ndarray, Any] | None = None
        if any(self._done(self._key(r.name, p, seed), journal, finished) is None for r, p in todo):
            frozen = self._frozen(self._none_network(seed, none_weights))
        base = next(
            r
            for r in reversed(self.runs)
            if r["strategy"] == "none"
            and r["seed"] == seed
            and is_shared_none(r["params"], self.recipe.weight_decay)
        )
        for remedy, params in todo:
            key = self._key(remedy.name, params, seed)
            record = self._done(key, journal, finished)
            if record is None:
                if frozen is None:  # pragma: no cover - frozen is set when a run is missing
                    raise RuntimeError("no frozen none model for the heads")
                self._announce(self._label(remedy.name, params, seed), self.finished)
                output = self._head(remedy, params, seed, frozen, base["best_epoch"])
                record = score_run(
                    remedy.name,
                    params,
                    seed,
                    output,
                    self.splits,
                    self.recipe.tail,
                    costs=self.recipe.costs,
                    min_precision=self.recipe.min_precision,
                )
                self._keep(record, key, journal)
            self.runs.append(record)
            self.finished += 1

    def _head(
        self,
        remedy: Remedy,
        params: Mapping[str, Any],
        seed: int,
        frozen: tuple[dict[str, np.ndarray], np.ndarray, Any],
        best_epoch: int,
    ) -> RunOutput:
        """One head remedy's run: adjusted logits, or a fresh last layer trained on features."""
        if not isinstance(remedy, HeadRemedy):  # pragma: no cover - kind "head" is a HeadRemedy
            raise TypeError(f"{remedy!r} has kind 'head' but is not a HeadRemedy")
        features, y_train, (kernel, bias) = frozen
        counts = tuple(int(n) for n in self.counts)
        checked = remedy.check_params(params)
        head_setup = remedy.head_setup(checked, Context(counts, heads.HEAD_EPOCHS))
        if head_setup is None:
            val, test = (
                remedy.head_logits(checked, FrozenClassifier(features[s], kernel, bias, counts))
                for s in ("val", "test")
            )
            return RunOutput(val, test, best_epoch, {}, 0.0)
        output = self._fit_head(head_setup, features, remedy.name, params, seed, y_train)
        self.trained += 1
        return output

    def _fit_head(
        self,
        head_setup: Setup,
        features: Mapping[str, np.ndarray],
        name: str,
        params: Mapping[str, Any],
        seed: int,
        y_train: np.ndarray,
    ) -> RunOutput:
        return fit_run(
            heads.head_model(
                features["train"].shape[1], self.splits.num_classes, seed, head_setup.max_norm
            ),
            head_setup,
            x_train=features["train"],
            y_train=y_train,
            x_val=features["val"],
            y_val=self.splits.y_val,
            x_test=features["test"],
            num_classes=self.splits.num_classes,
            recipe=self.recipe,
            seed=seed,
            epochs=heads.HEAD_EPOCHS,
            log_dir=log_dir(self.tensorboard_dir, name, params, seed, self.fold),
        )


__all__ = [
    "Session",
    "data_fingerprint",
    "log_dir",
    "run_key",
    "run_label",
    "score_run",
    "splits_fingerprint",
]
