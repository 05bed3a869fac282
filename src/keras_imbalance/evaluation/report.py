"""Evaluate predictions on imbalanced data: :func:`report`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.evaluation.result import (
    DEFAULT_THRESHOLD,
    ClassMetrics,
    ImbalanceReport,
    ThresholdMetrics,
)
from keras_imbalance.evaluation.scores import flat_weight, require_sklearn, score_matrix, weight_of
from keras_imbalance.evaluation.thresholds import best_threshold
from keras_imbalance.labels import LabelMode, decode_labels

# --- Metrics -------------------------------------------------------------------------------------


def _hard_metrics(
    true: np.ndarray, pred: np.ndarray, num_classes: int, weight: np.ndarray | None
) -> dict[str, Any]:
    metrics = require_sklearn()
    labels = list(range(num_classes))
    present = [c for c in labels if weight_of(true == c, weight) > 0]
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        true, pred, labels=labels, sample_weight=weight, zero_division=np.nan
    )
    _, present_recall, present_f1, _ = metrics.precision_recall_fscore_support(
        true, pred, labels=present, sample_weight=weight, zero_division=0.0
    )
    return {
        "accuracy": float(metrics.accuracy_score(true, pred, sample_weight=weight)),
        # Same as balanced_accuracy_score; computed from the recalls to avoid its warning when
        # y_pred holds classes that y_true lacks.
        "balanced_accuracy": float(np.mean(present_recall)),
        "macro_f1": float(np.mean(present_f1)),
        "g_mean": float(np.prod(present_recall) ** (1.0 / len(present))),
        "mcc": float(metrics.matthews_corrcoef(true, pred, sample_weight=weight)),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": support,
        "present": present,
        "confusion_matrix": metrics.confusion_matrix(
            true, pred, labels=labels, sample_weight=weight
        ),
    }


def _threshold_metrics(
    true: np.ndarray, positive_score: np.ndarray, threshold: float, weight: np.ndarray | None
) -> ThresholdMetrics:
    pred = (positive_score >= threshold).astype(np.int64)
    hard = _hard_metrics(true, pred, 2, weight)
    return ThresholdMetrics(
        threshold=float(threshold),
        accuracy=hard["accuracy"],
        balanced_accuracy=hard["balanced_accuracy"],
        precision=float(np.nan_to_num(hard["precision"][1], nan=0.0)),
        recall=float(hard["recall"][1]),
        f1=float(np.nan_to_num(hard["f1"][1], nan=0.0)),
        macro_f1=hard["macro_f1"],
        g_mean=hard["g_mean"],
        mcc=hard["mcc"],
        confusion_matrix=hard["confusion_matrix"],
    )


def _ranking_metrics(
    true: np.ndarray,
    probabilities: np.ndarray,
    num_classes: int,
    present: list[int],
    weight: np.ndarray | None,
) -> tuple[float | None, float | None]:
    metrics = require_sklearn()
    if len(present) < 2:
        return None, None
    if probabilities.ndim == 1 or num_classes == 2:
        positive = probabilities if probabilities.ndim == 1 else probabilities[:, 1]
        target = (true == 1).astype(np.int64)
        return (
            float(metrics.average_precision_score(target, positive, sample_weight=weight)),
            float(metrics.roc_auc_score(target, positive, sample_weight=weight)),
        )
    # Macro one-vs-rest over the classes present in y_true: the indicator form gives the same
    # numbers as multi_class="ovr" without requiring rows that sum to 1.
    indicator = (true[:, None] == np.asarray(present)[None, :]).astype(np.int64)
    columns = probabilities[:, present]
    return (
        float(
            metrics.average_precision_score(
                indicator, columns, average="macro", sample_weight=weight
            )
        ),
        float(metrics.roc_auc_score(indicator, columns, average="macro", sample_weight=weight)),
    )


# --- Public API ----------------------------------------------------------------------------------


def report(
    y_true: Any,
    y_pred: Any = None,
    *,
    scores: Any = None,
    class_names: Sequence[Any] | None = None,
    sample_weight: Any = None,
    from_logits: bool | None = None,
    label_mode: LabelMode | None = None,
    baseline_margin: float = 0.05,
) -> ImbalanceReport:
    """Evaluate predictions honestly: accuracy next to the majority baseline, and the metrics
    that accuracy hides.

    Args:
        y_true: true labels: class indices ``(N,)``/``(N, 1)``, strings, or one-hot ``(N, C)``
            (decoded by :func:`~keras_imbalance.labels.decode_labels`; sequences and masks are
            evaluated per element).
        y_pred: predicted labels, class indices or one-hot rows. Give ``y_pred``, ``scores``
            or both (then ``y_pred`` gives the hard metrics and ``scores`` the AUCs).
        scores: model outputs: ``(N, C)`` probabilities or logits, or ``(N,)``/``(N, 1)``
            scores of the positive class (index 1) of a binary detector. Hard predictions are
            the argmax, or ``score >= 0.5`` for binary scores.
        class_names: display names in class-index order (also the labels, for string labels).
        sample_weight: optional per-sample weights; every metric and the baseline are weighted.
        from_logits: ``True`` if ``scores`` are logits (softmax, or sigmoid for ``(N,)``
            scores, turns them into probabilities); ``False`` if probabilities; ``None`` treats
            them as logits only when a value falls outside ``[0, 1]``. Logits that all happen to
            lie in ``[0, 1]`` need ``from_logits=True``.
        label_mode: ``"int"`` or ``"categorical"`` to declare how ``y_true`` is encoded;
            ``None`` detects it.
        baseline_margin: warn when accuracy is below ``majority_baseline + baseline_margin``
            (default 0.05, 5 percentage points).

    Returns:
        An :class:`ImbalanceReport`. Its warnings say, in plain words, when accuracy is within
        ``baseline_margin`` of the baseline and name every class with recall 0.

    Example:
        The "dog detector" trap: 90 not-dogs, 10 dogs, a model that always says "not-dog".

        >>> r = report([0] * 90 + [1] * 10, [0] * 100, class_names=["not-dog", "dog"])
        >>> r.accuracy, r.majority_baseline, r.balanced_accuracy
        (0.9, 0.9, 0.5)
        >>> for text in r.warnings: print(text)  # doctest: +NORMALIZE_WHITESPACE
        Accuracy 0.900 is within 5 points of the majority baseline 0.900 (always predicting
        'not-dog'): accuracy says little here; look at balanced accuracy, macro-F1 and recall
        per class.
        Class 'dog' has recall 0: the model never predicts it correctly.
    """
    metrics = require_sklearn()
    if y_pred is None and scores is None:
        raise ValueError("report needs predictions: give y_pred (labels) or scores (model outputs)")
    if label_mode is not None:
        check_option("label_mode", label_mode, ("int", "categorical"))
    if from_logits is not None and not isinstance(from_logits, bool):
        raise TypeError(f"from_logits must be True, False or None, got {short_repr(from_logits)}")
    margin = check_number("baseline_margin", baseline_margin, low=0.0, high=1.0)

    probabilities = None if scores is None else score_matrix(scores, from_logits)
    width = None
    if probabilities is not None:
        width = 2 if probabilities.ndim == 1 else probabilities.shape[1]

    names = None if class_names is None else [c for c in class_names]
    declared: Any = None
    true = decode_labels(y_true, label_mode=label_mode, classes=None, name="y_true")
    text_labels = not all(isinstance(c, int) for c in true.classes)
    if text_labels:
        declared = names if names is not None else None
        if declared is not None:
            true = decode_labels(y_true, label_mode=label_mode, classes=declared, name="y_true")
    if true.label_mode == "multi_label" or true.indices is None:
        raise ValueError(
            "y_true holds multi-hot rows; report evaluates single-label classifiers. Pass "
            "label_mode='int' or 'categorical', or evaluate each label as a binary detector"
        )
    true_idx = true.indices
    pred_idx = None
    if y_pred is not None:
        pred_classes: Any = true.classes if text_labels else None
        pred = decode_labels(y_pred, classes=pred_classes, name="y_pred")
        if pred.label_mode == "multi_label" and true.label_mode == "int" and true.indices.ndim > 1:
            # 0/1 sequences read like multi-hot rows; y_true already said they are class indices.
            pred = decode_labels(y_pred, label_mode="int", classes=pred_classes, name="y_pred")
        if pred.indices is None:
            raise ValueError(
                "y_pred holds multi-hot rows; give class indices or one-hot rows (argmax of the "
                "model output), or pass scores="
            )
        pred_idx = pred.indices
        if pred_idx.shape != true_idx.shape:
            raise ValueError(
                f"y_pred has {pred_idx.shape} labels but y_true has {true_idx.shape}; give one "
                f"prediction per label"
            )
        pred_count = len(pred.classes)
    else:
        pred_count = 0

    num_classes = max(len(true.classes), pred_count, width or 0)
    if names is not None:
        if len(names) < num_classes:
            raise ValueError(
                f"class_names has {len(names)} names but the labels or scores have {num_classes} "
                f"classes; give one name per class"
            )
        num_classes = len(names)
    if width is not None and width != num_classes:
        raise ValueError(
            f"scores has {width} columns but there are {num_classes} classes; give one score "
            f"column per class (or (N,) scores for a binary detector)"
        )
    if names is None:
        names = list(true.classes) if text_labels else list(range(num_classes))
    class_list = [str(c) for c in names]

    true_flat = true_idx.ravel()
    weight = flat_weight(sample_weight, true_idx.shape)
    if probabilities is not None and probabilities.shape[0] != true_flat.size:
        raise ValueError(
            f"scores has {probabilities.shape[0]} rows but y_true has {true_flat.size} labels; "
            f"give one row of scores per label"
        )
    positive_score = None
    if probabilities is not None and num_classes == 2:
        positive_score = probabilities if probabilities.ndim == 1 else probabilities[:, 1]
    if pred_idx is not None:
        pred_flat = pred_idx.ravel()
    elif positive_score is not None:
        pred_flat = (positive_score >= DEFAULT_THRESHOLD).astype(np.int64)
    else:
        pred_flat = np.argmax(probabilities, axis=1).astype(np.int64)  # type: ignore[arg-type]

    hard = _hard_metrics(true_flat, pred_flat, num_classes, weight)
    class_totals = np.bincount(true_flat, weights=weight, minlength=num_classes)
    total_weight = float(class_totals.sum())
    majority = int(np.argmax(class_totals))
    # Accuracy of the constant prediction "majority", through the same sklearn call.
    baseline = float(
        metrics.accuracy_score(true_flat, np.full_like(true_flat, majority), sample_weight=weight)
    )

    average_precision = roc_auc = None
    if probabilities is not None:
        average_precision, roc_auc = _ranking_metrics(
            true_flat, probabilities, num_classes, hard["present"], weight
        )

    thresholds: dict[str, ThresholdMetrics] = {}
    if positive_score is not None and len(hard["present"]) == 2:
        best = best_threshold(true_flat, positive_score, metric="f1", sample_weight=weight)
        thresholds = {
            "default": _threshold_metrics(true_flat, positive_score, DEFAULT_THRESHOLD, weight),
            "best_f1": _threshold_metrics(true_flat, positive_score, best.threshold, weight),
        }

    warnings = []
    accuracy = hard["accuracy"]
    if accuracy < baseline + margin:
        relation = "below" if accuracy < baseline - 1e-12 else f"within {margin * 100:g} points of"
        warnings.append(
            f"Accuracy {accuracy:.3f} is {relation} the majority baseline {baseline:.3f} (always "
            f"predicting {class_list[majority]!r}): accuracy says little here; look at balanced "
            f"accuracy, macro-F1 and recall per class."
        )
    for c in hard["present"]:
        if hard["recall"][c] == 0:
            warnings.append(
                f"Class {class_list[c]!r} has recall 0: the model never predicts it correctly."
            )

    per_class = [
        ClassMetrics(
            name=class_list[c],
            precision=float(hard["precision"][c]),
            recall=float(hard["recall"][c]),
            f1=float(hard["f1"][c]),
            support=float(hard["support"][c]),
        )
        for c in range(num_classes)
    ]
    return ImbalanceReport(
        n_samples=int(true_flat.size),
        total_weight=total_weight,
        class_names=class_list,
        accuracy=accuracy,
        majority_baseline=baseline,
        majority_class=class_list[majority],
        balanced_accuracy=hard["balanced_accuracy"],
        macro_f1=hard["macro_f1"],
        g_mean=hard["g_mean"],
        mcc=hard["mcc"],
        average_precision=average_precision,
        roc_auc=roc_auc,
        per_class=per_class,
        confusion_matrix=hard["confusion_matrix"],
        thresholds=thresholds,
        warnings=warnings,
    )
