"""One run's key, name and record: what the session and the parallel workers both write.

A run is one (strategy, knobs, seed). :func:`score_run` turns a finished run's logits into its
record (scores on validation and test, per-class recall, predictions); :func:`run_key` is its
journal key (as text: :func:`~.config_json.canonical`),
:func:`run_label` its name for people and :func:`log_dir` its TensorBoard folder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from keras_imbalance.comparison.formatting import format_params
from keras_imbalance.comparison.scores import METRICS, confusion_matrices, metric_from_confusion
from keras_imbalance.comparison.splits import Splits
from keras_imbalance.comparison.training import RunOutput


def run_key(name: str, params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """The journal key of one run."""
    return {"strategy": name, "seed": int(seed), "params": dict(params)}


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
