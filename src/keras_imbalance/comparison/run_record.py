"""One run's key, name and record: what the session and the parallel workers both write.

A run is one (strategy, knobs, seed). :func:`score_run` turns a finished run's logits into its
record (scores on validation and test, per-class recall, predictions); :func:`run_key` is its
journal key (as text: :func:`~.config_json.canonical`),
:func:`run_label` its name for people and :func:`log_dir` its TensorBoard folder.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from keras_imbalance.comparison.formatting import format_params
from keras_imbalance.comparison.logits import class_nll
from keras_imbalance.comparison.scores import METRICS, confusion_matrices, metric_from_confusion
from keras_imbalance.comparison.splits import Splits
from keras_imbalance.comparison.training import RunOutput


def run_key(
    name: str, params: Mapping[str, Any], seed: int, fold: int | None = None
) -> dict[str, Any]:
    """The journal key of one run; a cross-validated run also names its fold."""
    key = {"strategy": name, "seed": int(seed), "params": dict(params)}
    return key if fold is None else {**key, "fold": int(fold)}


def run_label(name: str, params: Mapping[str, Any], seed: int, fold: int | None = None) -> str:
    """A run's name for people: ``"logit_adjusted (tau=1.0), seed 0"`` (``", fold 2"`` after)."""
    knobs = format_params(params)
    where = "" if fold is None else f", fold {fold}"
    return f"{name}{f' ({knobs})' if knobs else ''}, seed {seed}{where}"


def log_dir(
    folder: str | Path | None,
    name: str,
    params: Mapping[str, Any],
    seed: int,
    fold: int | None = None,
) -> str | None:
    """``folder/<strategy>[-knob=value...]-seed<seed>[-fold<k>]``, or ``None`` without a folder."""
    if folder is None:
        return None
    knobs = format_params(params, separator="-")
    where = "" if fold is None else f"-fold{fold}"
    return str(Path(folder) / f"{name}{f'-{knobs}' if knobs else ''}-seed{seed}{where}")


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
        add_split_scores(
            record, split, y, logits.argmax(axis=-1) if finite else None, splits.num_classes, tail
        )
    record["diverged"] = diverged
    nll = class_nll(splits.y_val, output.val_logits, splits.num_classes)
    record["validation_nll"] = _listed(nll)
    if output.epoch_predictions is not None and output.epoch_nll is not None:
        record["epochs_validation"] = {
            "predictions": encode_classes(output.epoch_predictions),
            "nll": [_listed(row) for row in output.epoch_nll],
        }
    return record


def add_split_scores(
    record: dict[str, Any],
    split: str,
    y: np.ndarray,
    predicted: np.ndarray | None,
    num_classes: int,
    tail: Sequence[int],
) -> None:
    """Write one split's scores, per-class recall and predictions into ``record``.

    ``predicted`` is ``None`` for a run that diverged: every score is ``nan``.
    """
    finite = predicted is not None
    classes = np.zeros(len(y), dtype=int) if predicted is None else np.asarray(predicted)
    confusion = confusion_matrices(y, classes, num_classes)
    record[split] = {
        m: float(metric_from_confusion(confusion, m, tail=tail)) if finite else float("nan")
        for m in METRICS
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.diag(confusion) / confusion.sum(axis=1)
    record.setdefault("per_class_recall", {})[split] = [
        float(r) if finite else float("nan") for r in recall
    ]
    record.setdefault("predictions", {})[split] = classes.astype(int).tolist()


def encode_classes(classes: np.ndarray) -> dict[str, Any]:
    """A 2-D array of class indices (``-1`` allowed) as compact JSON: base64 of int16.

    Example:
        >>> encoded = encode_classes(np.array([[0, 2], [-1, 1]]))
        >>> decode_classes(encoded).tolist()
        [[0, 2], [-1, 1]]
    """
    array = np.ascontiguousarray(classes, dtype="<i2")
    return {"shape": list(array.shape), "int16": base64.b64encode(array.tobytes()).decode()}


def decode_classes(encoded: Mapping[str, Any]) -> np.ndarray:
    """The array :func:`encode_classes` wrote."""
    raw = base64.b64decode(encoded["int16"])
    return np.frombuffer(raw, dtype="<i2").reshape(encoded["shape"]).astype(int)


def _listed(values: np.ndarray) -> list[float | None]:
    """Floats for JSON: ``None`` where not finite."""
    return [float(v) if np.isfinite(v) else None for v in values]
