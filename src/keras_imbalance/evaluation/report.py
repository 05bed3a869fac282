"""Evaluate predictions on imbalanced data: :func:`report`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.evaluation.confusion_scores import (
    DEFINITIONS,
    per_class_f1,
    per_class_precision,
    per_class_recall,
    per_class_specificity,
)
from keras_imbalance.evaluation.result import (
    DEFAULT_THRESHOLD,
    ClassMetrics,
    ImbalanceReport,
    ThresholdMetrics,
)
from keras_imbalance.evaluation.scores import flat_weight, require_sklearn, score_matrix
from keras_imbalance.evaluation.thresholds import best_threshold
from keras_imbalance.labels import LabelMode, Labels, decode_labels, normalize_classes

# --- Metrics -------------------------------------------------------------------------------------


def _hard_metrics(
    true: np.ndarray, pred: np.ndarray, num_classes: int, weight: np.ndarray | None
) -> dict[str, Any]:
    """Every single-label metric, with scikit-learn's default conventions, from the (weighted)
    confusion matrix through :mod:`keras_imbalance.evaluation.confusion_scores`.

    macro-F1 averages over the labels that occur in ``y_true`` or ``y_pred`` (``f1_score``'s
    default ``labels``, which counts a label that occurs with weight 0); G-mean is
    imbalanced-learn's ``geometric_mean_score`` default: the geometric mean of the recalls over
    those same labels, a label absent from ``y_true`` counting as recall 0; balanced accuracy
    averages the recalls of the classes present in ``y_true``, as ``balanced_accuracy_score``
    does. Per-class precision, recall and F1 are NaN where undefined.
    """
    metrics = require_sklearn()
    labels = list(range(num_classes))
    matrix = metrics.confusion_matrix(true, pred, labels=labels, sample_weight=weight)
    occurs = np.zeros(num_classes, dtype=bool)
    occurs[np.union1d(true, pred)] = True
    support = matrix.sum(axis=1).astype(np.float64)
    scores = {
        key: float(DEFINITIONS[key].compute(matrix))
        for key in ("accuracy", "balanced_accuracy", "mcc")
    }
    # f1_score and geometric_mean_score count a label that occurs with weight 0
    for key in ("macro_f1", "g_mean"):
        scores[key] = float(DEFINITIONS[key].compute(matrix, present=occurs))
    return {
        **scores,
        "precision": per_class_precision(matrix, zero_division=np.nan),
        "recall": per_class_recall(matrix, zero_division=np.nan),
        "f1": per_class_f1(matrix, zero_division=np.nan),
        "specificity": specificity(matrix),
        "support": support,
        "present": [c for c in labels if support[c] > 0],
        "confusion_matrix": matrix,
    }


def specificity(matrix: np.ndarray) -> np.ndarray:
    """Per-class specificity ``TN / (TN + FP)`` from a ``(C, C)`` confusion matrix (rows true);
    ``nan`` for a class that every sample belongs to (no negatives). See
    :func:`keras_imbalance.evaluation.confusion_scores.per_class_specificity`.

    Example:
        >>> specificity(np.array([[3, 1], [0, 2]])).tolist()
        [1.0, 0.75]
    """
    return per_class_specificity(matrix)


def _threshold_metrics(
    true: np.ndarray,
    positive_score: np.ndarray,
    threshold: float,
    weight: np.ndarray | None,
    chosen_on: str,
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
        chosen_on=chosen_on,
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


def _is_text(labels: Labels) -> bool:
    return not all(isinstance(c, int) for c in labels.classes)


def _kind(text: bool) -> str:
    return "strings" if text else "integer class indices"


def _decode_predictions(
    y_pred: Any, true: Labels, declared: tuple[Any, ...] | None, known: int, source: str
) -> Labels:
    """``y_pred`` decoded against the known classes: same kind as ``y_true``, no new class."""
    if true.label_mode == "int" and true.indices is not None and true.indices.ndim > 1:
        # 0/1 sequences read like multi-hot rows; y_true already said they are class indices.
        first = decode_labels(y_pred, label_mode="int", name="y_pred")
    else:
        first = decode_labels(y_pred, name="y_pred")
    if first.indices is None:
        raise ValueError(
            "y_pred holds multi-hot rows; give class indices or one-hot rows (argmax of the "
            "model output), or pass scores= (or label_mode='multi_label' for multi-label data)"
        )
    if _is_text(first) != _is_text(true):
        raise TypeError(
            f"y_pred holds {_kind(_is_text(first))} ({short_repr(list(first.classes)[:3])}...) "
            f"but y_true holds {_kind(_is_text(true))}; give both as the same kind of label"
        )
    if _is_text(true):
        # every predicted string must be a known class (decode_labels names the strangers)
        return decode_labels(y_pred, label_mode="int", classes=true.classes, name="y_pred")
    if declared is not None:
        return decode_labels(y_pred, label_mode=first.label_mode, classes=declared, name="y_pred")
    outside = first.indices[first.indices >= known]
    if outside.size:
        raise ValueError(
            f"y_pred holds class {int(outside.max())}, outside the known classes 0..{known - 1} "
            f"({source}); pass classes={int(outside.max()) + 1} (or classes=[...]) if the model "
            f"can predict classes that y_true lacks, or fix the predictions"
        )
    return first


def _refuse_unseen_names(
    names: list[Any], true: Labels, pred_idx: np.ndarray | None, width: int | None
) -> None:
    """More class names than y_true, y_pred and the score columns show classes: a wrong list of
    names, unless ``classes=`` declares the classes that no label shows."""
    shown = max(len(true.classes), width or 0)
    if pred_idx is not None and pred_idx.size:
        shown = max(shown, int(pred_idx.max()) + 1)
    if len(names) > shown:
        raise ValueError(
            f"class_names has {len(names)} names but y_true, y_pred and scores show {shown} "
            f"classes (0..{shown - 1}); give one name per class, or pass "
            f"classes={len(names)} to declare classes that no label shows"
        )


def _threshold_scores(
    threshold_data: Any, true: Labels, declared: Any, from_logits: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``(y, positive-class scores)`` of ``threshold_data=(y_val, scores_val)``."""
    if not isinstance(threshold_data, tuple | list) or len(threshold_data) != 2:
        raise TypeError(
            f"threshold_data must be a pair (y_val, scores_val), got "
            f"{short_repr(threshold_data)}; give held-out labels and their scores"
        )
    y_val, scores_val = threshold_data
    classes = declared if declared is not None else (true.classes if _is_text(true) else 2)
    labels = decode_labels(y_val, classes=classes, name="threshold_data[0]")
    if labels.indices is None:
        raise ValueError("threshold_data[0] holds multi-hot rows; give binary class labels")
    probabilities = score_matrix(scores_val, from_logits=from_logits, name="threshold_data[1]")
    positive = probabilities if probabilities.ndim == 1 else probabilities[:, 1]
    flat = labels.indices.ravel()
    if positive.shape[0] != flat.size:
        raise ValueError(
            f"threshold_data[1] has {positive.shape[0]} scores but threshold_data[0] has "
            f"{flat.size} labels; give one score per label"
        )
    if np.unique(flat).size < 2:
        raise ValueError(
            "threshold_data[0] holds a single class; the threshold needs both classes in the "
            "held-out labels"
        )
    return flat, positive


def report(
    y_true: Any,
    y_pred: Any = None,
    *,
    scores: Any = None,
    classes: Any = None,
    class_names: Sequence[Any] | None = None,
    sample_weight: Any = None,
    from_logits: bool = False,
    label_mode: LabelMode | None = None,
    threshold_data: Any = None,
    baseline_margin: float = 0.05,
) -> Any:
    """Evaluate predictions honestly: accuracy next to the majority baseline, and the metrics
    that accuracy hides.

    Args:
        y_true: true labels: class indices ``(N,)``/``(N, 1)``, strings, one-hot ``(N, C)``
            (decoded by :func:`~keras_imbalance.labels.decode_labels`; sequences and masks are
            evaluated per element), or multi-hot ``(N, L)`` with ``label_mode="multi_label"``.
        y_pred: predicted labels, of the same kind as ``y_true``. Give ``y_pred``, ``scores``
            or both (then ``y_pred`` gives the hard metrics and ``scores`` the AUCs).
        scores: model outputs: ``(N, C)`` probabilities (or logits with ``from_logits=True``),
            or ``(N,)``/``(N, 1)`` scores of the positive class (index 1) of a binary detector.
            Hard predictions are the argmax, or ``score >= 0.5`` for binary scores.
        classes: the classes, when ``y_true`` may lack some: an int ``C`` (classes
            ``0..C-1``) or a list of labels. Without it the classes are those of ``y_true``
            (widened by the score columns, or by ``class_names`` up to the classes ``y_pred``
            predicts; a name for a class that no label shows is an error), and a prediction
            outside them is an error, never a new class.
        class_names: display names in class-index order (also the labels, for string labels,
            when ``classes`` is not given).
        sample_weight: optional per-sample weights; every metric and the baseline are weighted.
        from_logits: ``False`` (default): ``scores`` are probabilities, and a value outside
            ``[0, 1]`` is an error. ``True``: they are logits (softmax, or sigmoid for ``(N,)``
            and multi-label scores). Nothing is guessed from the value range.
        label_mode: ``"int"``, ``"categorical"`` or ``"multi_label"`` to declare how
            ``y_true`` is encoded; ``None`` detects int and one-hot, and refuses multi-hot rows
            unless ``"multi_label"`` is declared. ``"multi_label"`` returns a
            :class:`~keras_imbalance.evaluation.MultiLabelReport`.
        threshold_data: ``(y_val, scores_val)``, held-out data on which a binary detector's
            ``best_f1`` threshold is chosen. Without it the threshold is chosen on the data it
            scores, and every rendering labels it *in-sample* (optimistic).
        baseline_margin: warn when accuracy is below ``majority_baseline + baseline_margin``
            (default 0.05, 5 percentage points).

    Returns:
        An :class:`ImbalanceReport` (a :class:`MultiLabelReport` for multi-label data). Its
        warnings say, in plain words, when accuracy is within ``baseline_margin`` of the
        baseline and name every class with recall 0.

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
        check_option("label_mode", label_mode, ("int", "categorical", "multi_label"))
    if not isinstance(from_logits, bool):
        raise TypeError(
            f"from_logits must be True (scores are logits) or False (probabilities, the "
            f"default), got {short_repr(from_logits)}; report does not guess from the values"
        )
    margin = check_number("baseline_margin", baseline_margin, low=0.0, high=1.0)
    if label_mode == "multi_label":
        if threshold_data is not None:
            raise ValueError(
                "threshold_data is for binary detectors; multi-label reports use a 0.5 threshold "
                "per label (drop threshold_data)"
            )
        from keras_imbalance.evaluation.multilabel import multilabel_report

        return multilabel_report(
            y_true,
            y_pred,
            scores=scores,
            label_names=class_names,
            sample_weight=sample_weight,
            from_logits=from_logits,
        )

    probabilities = None if scores is None else score_matrix(scores, from_logits=from_logits)
    width = None
    if probabilities is not None:
        width = 2 if probabilities.ndim == 1 else probabilities.shape[1]

    names = None if class_names is None else list(class_names)
    declared = normalize_classes(classes)
    true = decode_labels(y_true, label_mode=label_mode, classes=declared, name="y_true")
    if declared is None and _is_text(true) and names is not None:
        declared = tuple(names)
        true = decode_labels(y_true, label_mode=label_mode, classes=declared, name="y_true")
    if true.label_mode == "multi_label" or true.indices is None:
        raise ValueError(
            "y_true holds multi-hot rows (several or no positive labels in a row); pass "
            "label_mode='multi_label' to evaluate each label, or fix the rows to be one-hot"
        )
    true_idx = true.indices
    if declared is not None:
        known, source = len(declared), "from classes"
    else:
        known, source = len(true.classes), "from y_true"
        if names is not None and len(names) > known:
            known, source = len(names), "from class_names"
        if width is not None and width > known:
            known, source = width, "from the score columns"
    pred_idx = None
    if y_pred is not None:
        pred = _decode_predictions(y_pred, true, declared, known, source)
        pred_idx = pred.indices
        if pred_idx is None or pred_idx.shape != true_idx.shape:
            shape = None if pred_idx is None else pred_idx.shape
            raise ValueError(
                f"y_pred has {shape} labels but y_true has {true_idx.shape}; give one "
                f"prediction per label"
            )

    if source == "from class_names":
        _refuse_unseen_names(names, true, pred_idx, width)  # type: ignore[arg-type]
    num_classes = known
    if names is not None and len(names) != num_classes:
        raise ValueError(
            f"class_names has {len(names)} names but there are {num_classes} classes "
            f"({source}); give one name per class"
        )
    if width is not None and width != num_classes:
        raise ValueError(
            f"scores has {width} columns but there are {num_classes} classes ({source}); give "
            f"one score column per class (or (N,) scores for a binary detector)"
        )
    if names is None:
        names = list(declared if declared is not None else true.classes)
        if len(names) < num_classes:
            names = list(range(num_classes))
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
    if threshold_data is not None and positive_score is None:
        raise ValueError(
            "threshold_data is used to choose a binary detector's threshold; give scores= for "
            "two classes, or drop threshold_data"
        )
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
    if positive_score is not None and (len(hard["present"]) == 2 or threshold_data is not None):
        if threshold_data is not None:
            y_val, scores_val = _threshold_scores(threshold_data, true, declared, from_logits)
            best = best_threshold(y_val, scores_val, metric="f1")
            chosen_on = "validation"
        else:
            best = best_threshold(true_flat, positive_score, metric="f1", sample_weight=weight)
            chosen_on = "in-sample"
        thresholds = {
            "default": _threshold_metrics(
                true_flat, positive_score, DEFAULT_THRESHOLD, weight, "fixed"
            ),
            "best_f1": _threshold_metrics(
                true_flat, positive_score, best.threshold, weight, chosen_on
            ),
        }

    messages: list[str] = []
    accuracy = hard["accuracy"]
    if accuracy < baseline + margin:
        relation = "below" if accuracy < baseline - 1e-12 else f"within {margin * 100:g} points of"
        messages.append(
            f"Accuracy {accuracy:.3f} is {relation} the majority baseline {baseline:.3f} (always "
            f"predicting {class_list[majority]!r}): accuracy says little here; look at balanced "
            f"accuracy, macro-F1 and recall per class."
        )
    for c in hard["present"]:
        if hard["recall"][c] == 0:
            messages.append(
                f"Class {class_list[c]!r} has recall 0: the model never predicts it correctly."
            )

    per_class = [
        ClassMetrics(
            name=class_list[c],
            precision=float(hard["precision"][c]),
            recall=float(hard["recall"][c]),
            f1=float(hard["f1"][c]),
            specificity=float(hard["specificity"][c]),
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
        warnings=messages,
    )
