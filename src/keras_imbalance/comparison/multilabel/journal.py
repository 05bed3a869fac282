"""The run journal of a multi-label comparison: each finished run kept, so a crash resumes.

With ``output``, ``compare(..., label_mode="multi_label")`` journals every finished run in
``<output>/runs.jsonl`` through the single-label :class:`~keras_imbalance.comparison.journal.
Journal` (one fsynced JSON line per run, a header holding the configuration and its hash). What a
run leaves is its :class:`~keras_imbalance.comparison.multilabel.training.MultiLabelRun` less the
network: the validation and test probabilities and the validation curve as float64, the
per-epoch validation probabilities of a cross-validation fold as float32 (as they were kept), the
epoch kept and the seconds. Everything after (thresholds, metrics, choices) is computed from
them, so a resumed comparison equals an uninterrupted one exactly.

The keys are the single-label ones (:func:`~keras_imbalance.comparison.run_record.run_key`): a
fold's run names its fold; a cross-validated remedy's final model (trained on all the pool)
adds ``"final_epochs"``, its epoch count. The configuration (:func:`journal_config`) names the
data (a fingerprint of the six split arrays), the labels, the knob settings, the seeds, the
training recipe and, under cross-validation, the folds; a folder journaled for another one is
refused with the keys that differ. The metric is not part of it: the runs do not depend on it.

Example:
    >>> import tempfile
    >>> import numpy as np
    >>> from keras_imbalance.comparison.multilabel.training import MultiLabelRun
    >>> ran = MultiLabelRun(np.full((2, 1), 0.1), np.full((1, 1), 0.3), 1, [0.5], 0.25)
    >>> with RunLog.open(tempfile.mkdtemp(), {"epochs": 1}) as log:
    ...     first = log.run({"strategy": "none", "seed": 0, "params": {}}, lambda: ran)
    >>> with RunLog.open(log.folder, {"epochs": 1}) as log:  # resumed: nothing trains
    ...     again = log.run({"strategy": "none", "seed": 0, "params": {}}, lambda: 1 / 0)
    >>> again.test_scores.tolist(), again.seconds
    ([[0.3]], 0.25)
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from keras_imbalance.comparison.journal import Journal
from keras_imbalance.comparison.multilabel.training import MultiLabelData, MultiLabelRun
from keras_imbalance.comparison.run.training import Recipe
from keras_imbalance.comparison.session import data_fingerprint

__all__ = [
    "RunLog",
    "decode_array",
    "encode_array",
    "journal_config",
    "run_entry",
    "run_from_entry",
]


def encode_array(array: np.ndarray, dtype: str = "<f8") -> dict[str, Any]:
    """An array as compact JSON: its shape, its dtype and base64 of its bytes.

    Float64 keeps probabilities exactly; ``"<f4"`` halves a float32 array's size losslessly.

    Example:
        >>> decode_array(encode_array(np.array([[0.1, np.nan]]))).tolist()
        [[0.1, nan]]
    """
    data = np.ascontiguousarray(array, dtype=dtype)
    encoded = base64.b64encode(data.tobytes()).decode("ascii")
    return {"shape": list(data.shape), "dtype": data.dtype.str, "base64": encoded}


def decode_array(encoded: Mapping[str, Any]) -> np.ndarray:
    """The array :func:`encode_array` wrote, in its dtype (a fresh, writable copy)."""
    raw = base64.b64decode(encoded["base64"])
    return np.frombuffer(raw, dtype=encoded["dtype"]).reshape(encoded["shape"]).copy()


def run_entry(output: MultiLabelRun) -> dict[str, Any]:
    """What the journal keeps of a finished run: everything but the network."""
    entry: dict[str, Any] = {
        "best_epoch": int(output.best_epoch),
        "seconds": float(output.seconds),
        "val_curve": encode_array(np.asarray(output.val_curve, dtype=np.float64)),
        "val_scores": encode_array(output.val_scores),
        "test_scores": encode_array(output.test_scores),
    }
    if output.val_epochs is not None:
        entry["val_epochs"] = encode_array(output.val_epochs, "<f4")
    return entry


def run_from_entry(entry: Mapping[str, Any]) -> MultiLabelRun:
    """The :class:`MultiLabelRun` of a journaled :func:`run_entry` (no network).

    Example:
        >>> ran = MultiLabelRun(np.zeros((1, 2)), np.ones((1, 2)), 2, [0.25, 0.5], 1.5)
        >>> back = run_from_entry(run_entry(ran))
        >>> back.best_epoch, back.val_curve, back.test_scores.tolist()
        (2, [0.25, 0.5], [[1.0, 1.0]])
    """
    epochs = entry.get("val_epochs")
    return MultiLabelRun(
        val_scores=decode_array(entry["val_scores"]),
        test_scores=decode_array(entry["test_scores"]),
        best_epoch=int(entry["best_epoch"]),
        val_curve=[float(v) for v in decode_array(entry["val_curve"])],
        seconds=float(entry["seconds"]),
        val_epochs=None if epochs is None else decode_array(epochs),
    )


def _recipe_settings(recipe: Recipe, build: Any) -> dict[str, Any]:
    """The recipe as JSON: what every run's training depends on."""
    return {
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        "learning_rate": recipe.learning_rate,
        "schedule": recipe.schedule,
        "keep": recipe.keep,
        "weight_decay": float(recipe.weight_decay),
        "model": getattr(build, "__qualname__", repr(build)),
        "compile_kwargs": {k: repr(v) for k, v in recipe.compile_kwargs.items()},
        "fit_kwargs": {k: repr(v) for k, v in recipe.fit_kwargs.items()},
    }


def journal_config(
    plan: Any,
    splits: MultiLabelData,
    names: Sequence[str],
    folds: Sequence[np.ndarray] | None = None,
    fold_seed: int | None = None,
) -> dict[str, Any]:
    """What a resumed multi-label comparison must share with the journal it resumes.

    ``plan`` is the checked :class:`~keras_imbalance.comparison.multilabel.compare.
    MultiLabelPlan`; ``folds`` (the held-out indices of each fold) and ``fold_seed`` are given
    under cross-validation.
    """
    config: dict[str, Any] = {
        "label_mode": "multi_label",
        "data": data_fingerprint(
            splits.x_train, splits.y_train, splits.x_val, splits.y_val, splits.x_test, splits.y_test
        ),
        "label_names": list(names),
        "plan": {name: plan.candidates[name] for name in plan.strategies},
        "seeds": list(plan.seeds),
        "training": _recipe_settings(plan.recipe, plan.build),
    }
    if folds is not None:
        config["cv"] = {
            "folds": len(folds),
            "fold_seed": fold_seed,
            "held_out": data_fingerprint(*folds),
        }
    return config


class RunLog:
    """The finished runs of a comparison: from the journal when there, else trained and kept.

    Without a folder nothing is kept and every run trains. Open it with :meth:`RunLog.open`; it
    is a context manager that closes the journal (and its lock).
    """

    def __init__(self, journal: Journal | None) -> None:
        """Internal: use :meth:`RunLog.open`."""
        self._journal = journal
        records = journal.records() if journal is not None else []
        self._finished = {journal.key(r["key"]): r for r in records} if journal else {}

    @classmethod
    def open(cls, folder: str | Path | None, config: Mapping[str, Any]) -> RunLog:
        """The journal of ``folder`` for runs of ``config``; see :meth:`Journal.open` for the
        errors (another configuration, a damaged line, a folder in use)."""
        return cls(Journal.open(folder, config) if folder is not None else None)

    @property
    def folder(self) -> Path | None:
        """The output folder, or ``None`` when runs are not kept."""
        return None if self._journal is None else self._journal.path.parent

    def __contains__(self, key: object) -> bool:
        """Whether the run of ``key`` is journaled (it will not train)."""
        return self._journal is not None and self._journal.key(key) in self._finished

    def get(self, key: Mapping[str, Any]) -> MultiLabelRun | None:
        """The journaled run of ``key``, or ``None`` when it is still to train."""
        if self._journal is None:
            return None
        record = self._finished.get(self._journal.key(key))
        return None if record is None else run_from_entry(record)

    def keep(self, key: Mapping[str, Any], output: MultiLabelRun) -> MultiLabelRun:
        """Journal the finished run of ``key`` at once (nothing without a folder); ``output``."""
        if self._journal is not None:
            entry = {"key": dict(key), **run_entry(output)}
            self._journal.append(entry)
            self._finished[self._journal.key(key)] = entry
        return output

    def run(self, key: Mapping[str, Any], train: Callable[[], MultiLabelRun]) -> MultiLabelRun:
        """The run of ``key``: read back from the journal, or ``train()`` and journaled at once."""
        journaled = self.get(key)
        return journaled if journaled is not None else self.keep(key, train())

    def close(self) -> None:
        """Release the journal; safe to call twice."""
        if self._journal is not None:
            self._journal.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
