"""Evaluate a multi-label classifier: :func:`multilabel_report`.

Each label is a binary problem (precision, recall, F1, specificity, support, and PR-AUC and
ROC-AUC when scores are given); the summary holds scikit-learn's label-based averages (micro,
macro, weighted) and sample-based scores (subset accuracy, Hamming loss, samples F1 and Jaccard,
and, with scores, label ranking average precision, coverage error and ranking loss). Every number
comes from ``sklearn.metrics``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number
from keras_imbalance.evaluation.multilabel_result import LabelMetrics, MultiLabelReport
from keras_imbalance.evaluation.scores import as_float_array, flat_weight, require_sklearn
from keras_imbalance.labels import decode_labels


def _multi_hot(y: Any, name: str, width: int | None) -> np.ndarray:
    labels = decode_labels(y, label_mode="multi_label", classes=width, name=name)
    matrix = labels.multi_hot
    if matrix is None or matrix.ndim != 2:
        shape = None if matrix is None else matrix.shape
        raise ValueError(
            f"{name} has shape {shape}; multi-label data is one 0/1 row per sample, (N, L)"
        )
    return matrix.astype(np.int64)


def _probabilities(scores: Any, shape: tuple[int, ...], from_logits: bool) -> np.ndarray:
    from scipy.special import expit

    array = as_float_array(scores, "scores")
    if array.shape != shape:
        raise ValueError(
            f"scores has shape {array.shape} but y_true has {shape}; give one score per sample "
            f"and label"
        )
    if from_logits:
        return np.asarray(expit(array))
    if (array < 0).any() or (array > 1).any():
        raise ValueError(
            f"scores has values in [{array.min():.4g}, {array.max():.4g}], outside [0, 1], but "
            f"from_logits=False; pass from_logits=True for logits or give probabilities"
        )
    return array


def multilabel_report(
    y_true: Any,
    y_pred: Any = None,
    *,
    scores: Any = None,
    label_names: Sequence[Any] | None = None,
    sample_weight: Any = None,
    from_logits: bool = False,
    threshold: float = 0.5,
) -> MultiLabelReport:
    """Evaluate multi-label predictions (``report(..., label_mode="multi_label")`` calls this).

    Args:
        y_true: multi-hot rows ``(N, L)``.
        y_pred: predicted multi-hot rows ``(N, L)``; or leave it out and give ``scores``.
        scores: ``(N, L)`` probabilities (or logits with ``from_logits=True``: sigmoid).
        label_names: one name per label (column).
        sample_weight: optional ``(N,)`` weights.
        from_logits: whether ``scores`` are logits (default ``False``: probabilities).
        threshold: a label is predicted when its probability is ``>= threshold`` (without
            ``y_pred``).

    Example:
        >>> from keras_imbalance.evaluation import report
        >>> r = report([[1, 0], [1, 1], [0, 1]], [[1, 0], [1, 0], [0, 1]], label_mode="multi_label")
        >>> round(r.micro_f1, 4), round(r.macro_f1, 4), r.subset_accuracy
        (0.8571, 0.8333, 0.6666666666666666)
    """
    metrics = require_sklearn()
    if y_pred is None and scores is None:
        raise ValueError("report needs predictions: give y_pred (labels) or scores (model outputs)")
    cut = check_number("threshold", threshold, low=0.0, high=1.0)
    true = _multi_hot(y_true, "y_true", None)
    width = true.shape[1]
    probabilities = None if scores is None else _probabilities(scores, true.shape, from_logits)
    if y_pred is not None:
        pred = _multi_hot(y_pred, "y_pred", width)
        if pred.shape != true.shape:
            raise ValueError(
                f"y_pred has shape {pred.shape} but y_true has {true.shape}; give one 0/1 row "
                f"per sample with one column per label"
            )
    else:
        pred = np.asarray(probabilities >= cut, dtype=np.int64)  # type: ignore[operator]
    names = [str(i) for i in range(width)] if label_names is None else [str(n) for n in label_names]
    if len(names) != width:
        raise ValueError(
            f"class_names has {len(names)} names but the labels have {width} columns; give one "
            f"name per label"
        )
    weight = flat_weight(sample_weight, (true.shape[0],))
    w = {"sample_weight": weight}

    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        true, pred, average=None, zero_division=np.nan, **w
    )
    confusion = metrics.multilabel_confusion_matrix(true, pred, **w).astype(np.float64)
    negatives = confusion[:, 0, 0] + confusion[:, 0, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        specificity = np.where(negatives > 0, confusion[:, 0, 0] / negatives, np.nan)

    def average(kind: str, function: Any = metrics.f1_score) -> float:
        return float(function(true, pred, average=kind, zero_division=0.0, **w))

    summary: dict[str, float | None] = {
        "subset_accuracy": float(metrics.accuracy_score(true, pred, **w)),
        "hamming_loss": float(metrics.hamming_loss(true, pred, **w)),
        "micro_precision": average("micro", metrics.precision_score),
        "micro_recall": average("micro", metrics.recall_score),
        "micro_f1": average("micro"),
        "macro_precision": average("macro", metrics.precision_score),
        "macro_recall": average("macro", metrics.recall_score),
        "macro_f1": average("macro"),
        "weighted_f1": average("weighted"),
        "samples_f1": average("samples"),
        "samples_jaccard": average("samples", metrics.jaccard_score),
        # ranking scores need scores=; None without them
        "average_precision_micro": None,
        "average_precision_macro": None,
        "roc_auc_macro": None,
        "label_ranking_average_precision": None,
        "coverage_error": None,
        "label_ranking_loss": None,
    }
    per_ap: list[float | None] = [None] * width
    per_auc: list[float | None] = [None] * width
    if probabilities is not None:
        counts = true.sum(axis=0)
        positive = [j for j in range(width) if counts[j] > 0]
        both = [j for j in positive if counts[j] < true.shape[0]]
        for j in positive:
            per_ap[j] = float(metrics.average_precision_score(true[:, j], probabilities[:, j], **w))
        for j in both:
            per_auc[j] = float(metrics.roc_auc_score(true[:, j], probabilities[:, j], **w))
        # Macro averages over the labels where they are defined (all labels when each has
        # positives and negatives, as sklearn requires).
        summary["average_precision_micro"] = float(
            metrics.average_precision_score(true, probabilities, average="micro", **w)
        )
        summary["average_precision_macro"] = (
            float(np.mean([per_ap[j] for j in positive])) if positive else None
        )
        summary["roc_auc_macro"] = float(np.mean([per_auc[j] for j in both])) if both else None
        summary["label_ranking_average_precision"] = float(
            metrics.label_ranking_average_precision_score(true, probabilities, **w)
        )
        summary["coverage_error"] = float(metrics.coverage_error(true, probabilities, **w))
        summary["label_ranking_loss"] = float(metrics.label_ranking_loss(true, probabilities, **w))

    warnings = [
        f"Label {names[j]!r} has recall 0: the model never predicts it when it is present."
        for j in range(width)
        if support[j] > 0 and recall[j] == 0
    ]
    empty = float(np.mean(pred.sum(axis=1) == 0))
    if empty > 0:
        warnings.append(
            f"{empty:.0%} of the samples get no predicted label at all"
            + (f" at threshold {cut:g}." if y_pred is None else ".")
        )
    rows = [
        LabelMetrics(
            name=names[j],
            precision=float(precision[j]),
            recall=float(recall[j]),
            f1=float(f1[j]),
            specificity=float(specificity[j]),
            support=float(confusion[j, 1, 0] + confusion[j, 1, 1]),
            average_precision=per_ap[j],
            roc_auc=per_auc[j],
        )
        for j in range(width)
    ]
    return MultiLabelReport(
        n_samples=int(true.shape[0]),
        total_weight=float(true.shape[0] if weight is None else weight.sum()),
        label_names=names,
        threshold=None if y_pred is not None else cut,
        scores=summary,
        per_label=rows,
        warnings=warnings,
    )
