"""One segment of a halved run: train from epoch ``start`` to ``stop`` of an ``E``-epoch run.

A :class:`RungTask` trains a strategy's run with the full run's recipe (the optimizer's schedule
spans all ``E`` epochs, the strategy's epoch-dependent callbacks see the absolute epoch) but
stops after epoch ``stop``; it leaves a :class:`RungState`: the weights and optimizer state at
``stop`` (to resume from) and the run's output so far, merged with the earlier segments'
(:func:`merge_outputs`: the best validation epoch over all the epochs trained). Like
:class:`~keras_imbalance.comparison.parallel.RunTask` it is self-contained, so any executor runs
it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from keras_imbalance.comparison.halving import continuation_seed
from keras_imbalance.comparison.parallel import RunTask, train_segment
from keras_imbalance.comparison.run.training import RunOutput
from keras_imbalance.comparison.run_record import score_run
from keras_imbalance.comparison.scoring.scores import ranked


@dataclass
class RungState:
    """Where a halved run stands after ``epochs``: its output so far and what it resumes from."""

    epochs: int
    output: RunOutput
    weights: list[np.ndarray]
    optimizer: list[np.ndarray]


@dataclass
class RungTask:
    """Train ``run`` from ``state`` (``None``: from its initial weights) up to epoch ``stop``."""

    run: RunTask
    stop: int
    state: RungState | None = None


@dataclass
class RungResult:
    """A finished segment: the run's record so far, its state, and the epochs it trained."""

    record: dict[str, Any]
    state: RungState
    trained_epochs: int


def _rung_callback(stop: int, restore: list[np.ndarray] | None, kept: dict[str, Any]) -> Any:
    import keras

    class Rung(keras.callbacks.Callback):  # type: ignore[misc]
        """Restores the optimizer state at the start; keeps the state and stops at ``stop``."""

        def on_train_begin(self, logs: Any = None) -> None:
            optimizer = self.model.optimizer
            if restore is None:
                return
            if not optimizer.built:
                optimizer.build(self.model.trainable_variables)
            for variable, value in zip(optimizer.variables, restore, strict=True):
                variable.assign(value)

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if epoch + 1 >= stop:
                kept["weights"] = [np.asarray(w) for w in self.model.get_weights()]
                kept["optimizer"] = [np.asarray(v) for v in self.model.optimizer.variables]
                self.model.stop_training = True

    return Rung()


def run_rung(task: RungTask) -> RungResult:
    """Train one segment and score the run so far (runs in any process)."""
    run = task.run
    start = 0 if task.state is None else task.state.epochs
    kept: dict[str, Any] = {}
    restore = None if task.state is None else task.state.optimizer
    fit_kwargs = dict(run.recipe.fit_kwargs)
    callbacks = [*fit_kwargs.pop("callbacks", []), _rung_callback(task.stop, restore, kept)]
    recipe = replace(run.recipe, fit_kwargs={**fit_kwargs, "callbacks": callbacks})
    if start:
        recipe = replace(recipe, fit_kwargs={**recipe.fit_kwargs, "initial_epoch": start})
    _, output = train_segment(
        run,
        None if task.state is None else task.state.weights,
        recipe,
        continuation_seed(run.seed, start),
        None if run.log_dir is None else f"{run.log_dir}-from{start}",
    )
    merged = output if task.state is None else merge_outputs(task.state.output, output, recipe.keep)
    state = RungState(task.stop, merged, kept["weights"], kept["optimizer"])
    costs, wanted = recipe.costs, recipe.min_precision
    record = score_run(
        run.name, run.params, run.seed, merged, run.splits, recipe.tail, costs, wanted
    )
    return RungResult(record, state, task.stop - start)


def _best(scores: list[float], metric: str) -> float:
    """The best score, higher better (a cost negated: :func:`~.scores.ranked`); ``-inf`` if none."""
    return float(np.max(ranked(scores, metric), initial=-math.inf))


def merge_outputs(before: RunOutput, after: RunOutput, keep: str) -> RunOutput:
    """The output of a run trained in two segments: the curves joined, and the kept epoch's
    logits: the later segment's when ``keep="last"`` or when its best validation score beats the
    earlier one's (ties keep the earlier epoch, as an unbroken run does).

    Example:
        >>> a = RunOutput(np.zeros((1, 2)), np.zeros((1, 2)), 1, {"val_m": [0.5, 0.4]}, 1.0)
        >>> b = RunOutput(np.ones((1, 2)), np.ones((1, 2)), 4, {"val_m": [0.5, 0.6]}, 2.0)
        >>> merged = merge_outputs(a, b, "best")
        >>> merged.best_epoch, merged.history["val_m"], merged.seconds
        (4, [0.5, 0.4, 0.5, 0.6], 3.0)
        >>> merge_outputs(a, replace(b, history={"val_m": [0.5]}), "best").best_epoch
        1
    """
    history = {k: [*before.history.get(k, []), *after.history.get(k, [])] for k in after.history}
    total = before.best_epoch if not history else len(next(iter(history.values())))
    metric = next((k for k in after.history if k.startswith("val_")), None)
    if keep == "last" or metric is None:
        kept, best_epoch = after, total
    else:
        name = metric.removeprefix("val_")
        earlier = _best(before.history.get(metric, []), name)
        later = _best(after.history[metric], name)
        if later > earlier:
            kept, best_epoch = after, after.best_epoch
        elif later == earlier == -math.inf:  # no finite score: the last weights, as unbroken
            kept, best_epoch = after, total
        else:
            kept, best_epoch = before, before.best_epoch
    return RunOutput(
        val_logits=kept.val_logits,
        test_logits=kept.test_logits,
        best_epoch=best_epoch,
        history=history,
        seconds=round(before.seconds + after.seconds, 3),
        epoch_predictions=_stacked(before.epoch_predictions, after.epoch_predictions),
        epoch_nll=_stacked(before.epoch_nll, after.epoch_nll),
        epoch_scores=_stacked(before.epoch_scores, after.epoch_scores),
    )


def _stacked(before: np.ndarray | None, after: np.ndarray | None) -> np.ndarray | None:
    if before is None or after is None:
        return None
    return np.concatenate([before, after], axis=0)


def save_state(path: Path, state: RungState) -> None:
    """Write ``state`` to ``path`` (``.npz``), atomically: a resumed comparison reads it back."""
    import json

    output = state.output
    arrays: dict[str, np.ndarray] = {
        "val_logits": output.val_logits,
        "test_logits": output.test_logits,
        **{f"weight{i}": w for i, w in enumerate(state.weights)},
        **{f"optimizer{i}": v for i, v in enumerate(state.optimizer)},
    }
    if output.epoch_predictions is not None and output.epoch_nll is not None:
        arrays["epoch_predictions"] = output.epoch_predictions
        arrays["epoch_nll"] = output.epoch_nll
    if output.epoch_scores is not None:
        arrays["epoch_scores"] = output.epoch_scores
    meta = {
        "epochs": state.epochs,
        "best_epoch": output.best_epoch,
        "history": output.history,
        "seconds": output.seconds,
        "weights": len(state.weights),
        "optimizer": len(state.optimizer),
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as handle:
        np.savez(handle, **arrays)  # type: ignore[arg-type]
    partial.replace(path)


def load_state(path: Path) -> RungState:
    """The :class:`RungState` :func:`save_state` wrote."""
    import json

    with np.load(path) as stored:
        meta = json.loads(bytes(stored["meta"]).decode())
        output = RunOutput(
            val_logits=stored["val_logits"],
            test_logits=stored["test_logits"],
            best_epoch=int(meta["best_epoch"]),
            history={k: list(v) for k, v in meta["history"].items()},
            seconds=float(meta["seconds"]),
            epoch_predictions=stored.get("epoch_predictions"),
            epoch_nll=stored.get("epoch_nll"),
            epoch_scores=stored.get("epoch_scores"),
        )
        weights = [stored[f"weight{i}"] for i in range(meta["weights"])]
        optimizer = [stored[f"optimizer{i}"] for i in range(meta["optimizer"])]
    return RungState(int(meta["epochs"]), output, weights, optimizer)


__all__ = [
    "RungResult",
    "RungState",
    "RungTask",
    "load_state",
    "merge_outputs",
    "run_rung",
    "save_state",
]
