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

from keras_imbalance.comparison.data.splits import Splits
from keras_imbalance.comparison.report.formatting import format_params
from keras_imbalance.comparison.run.logits import class_nll
from keras_imbalance.comparison.run.training import RunOutput
from keras_imbalance.comparison.scoring.costs import cost_scope, decide, scoped_costs
from keras_imbalance.comparison.scoring.operating_points import add_detector_scores, positive_scores
from keras_imbalance.comparison.scoring.scores import (
    confusion_matrices,
    metric_from_confusion,
    split_metrics,
)


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
    costs: Sequence[Sequence[float]] | None = None,
    min_precision: float = 0.9,
) -> dict[str, Any]:
    """The record of a finished run: its scores on validation and test, and its predictions.

    A binary run also keeps its positive-class probabilities ``softmax(z)[:, 1]`` per split
    (``record["scores"]``, :func:`encode_scores`), from which
    :mod:`~keras_imbalance.comparison.thresholded` moves its threshold, and the scores that
    need no threshold (:func:`~.operating_points.add_detector_scores`, at ``min_precision``).
    With ``costs`` and more than 2 classes the predictions are the Bayes decisions
    ``argmin_j sum_i p_i Cost_ij`` (:func:`~keras_imbalance.comparison.scoring.costs.decide`).
    """
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
    logits_of = (output.val_logits, output.test_logits)
    labels = {"validation": splits.y_val, "test": splits.y_test}
    for (split, y), logits in zip(labels.items(), logits_of, strict=True):
        finite = bool(np.isfinite(logits).all())
        diverged = diverged or not finite
        # a binary run moves its threshold later (thresholded.py); a larger one decides by cost
        rule = costs if splits.num_classes > 2 else None
        predicted = decide(logits, rule) if finite else None
        add_split_scores(record, split, y, predicted, splits.num_classes, tail, costs=costs)
        if splits.num_classes == 2:
            record.setdefault("scores", {})[split] = encode_scores(positive_scores(logits))
    record["diverged"] = diverged
    if splits.num_classes == 2:
        scores = {split: positive_scores(z) for split, z in zip(labels, logits_of, strict=True)}
        add_detector_scores(record, labels, scores, min_precision)
    nll = class_nll(splits.y_val, output.val_logits, splits.num_classes)
    record["validation_nll"] = _listed(nll)
    if output.epoch_predictions is not None and output.epoch_nll is not None:
        record["epochs_validation"] = {
            "predictions": encode_classes(output.epoch_predictions),
            "nll": [_listed(row) for row in output.epoch_nll],
        }
        if output.epoch_scores is not None:  # a binary run's softmax[:, 1] after every epoch
            record["epochs_validation"]["scores"] = encode_scores(output.epoch_scores)
    return record


def add_split_scores(
    record: dict[str, Any],
    split: str,
    y: np.ndarray,
    predicted: np.ndarray | None,
    num_classes: int,
    tail: Sequence[int],
    *,
    costs: Sequence[Sequence[float]] | np.ndarray | None = None,
) -> None:
    """Write one split's scores, per-class recall and predictions into ``record``.

    ``predicted`` is ``None`` for a run that diverged: every score is ``nan``. The scores are
    :func:`~keras_imbalance.comparison.scoring.scores.split_metrics`: ``expected_cost`` too with a
    cost matrix ``costs`` (by default the
    :func:`~keras_imbalance.comparison.scoring.costs.cost_scope`'s).
    """
    finite = predicted is not None
    classes = np.zeros(len(y), dtype=int) if predicted is None else np.asarray(predicted)
    confusion = confusion_matrices(y, classes, num_classes)
    # the costs given, else those of the cost_scope around (cross-validation, refit)
    matrix = scoped_costs() if costs is None else np.asarray(costs, dtype=np.float64)
    with cost_scope(matrix):
        record[split] = {
            m: float(metric_from_confusion(confusion, m, tail=tail)) if finite else float("nan")
            for m in split_metrics(num_classes, costs=matrix is not None)
        }
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.diag(confusion) / confusion.sum(axis=1)
    record.setdefault("per_class_recall", {})[split] = [
        float(r) if finite else float("nan") for r in recall
    ]
    record.setdefault("predictions", {})[split] = classes.astype(int).tolist()


def encode_scores(scores: np.ndarray) -> dict[str, Any]:
    """A 1-D float array as compact JSON: base64 of little-endian float32.

    Example:
        >>> decode_scores(encode_scores(np.array([0.25, 0.5]))).tolist()
        [0.25, 0.5]
    """
    array = np.ascontiguousarray(scores, dtype="<f4")
    return {"shape": list(array.shape), "float32": base64.b64encode(array.tobytes()).decode()}


def decode_scores(encoded: Mapping[str, Any]) -> np.ndarray:
    """The array :func:`encode_scores` wrote, as float64."""
    raw = base64.b64decode(encoded["float32"])
    return np.frombuffer(raw, dtype="<f4").reshape(encoded["shape"]).astype(np.float64)


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
