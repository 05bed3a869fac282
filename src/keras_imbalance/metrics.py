"""Streaming metrics for imbalanced classification, on every Keras backend.

Every metric here is computed from one running **confusion matrix** ``M`` of shape ``(C, C)``:
``M[i, j]`` is the (weighted) number of elements of true class ``i`` predicted as class ``j``,
the convention of :func:`sklearn.metrics.confusion_matrix`. Three kinds of pieces:

* :func:`confusion_matrix_update` turns one batch into its ``(C, C)`` contribution with a single
  scatter-add (``keras.ops.segment_sum``), no Python loops, so it compiles on every backend.
* Pure functions compute a metric from a confusion matrix:
  :func:`balanced_accuracy_from_confusion`, :func:`macro_f1_from_confusion`,
  :func:`geometric_mean_from_confusion`, :func:`matthews_correlation_from_confusion`,
  :func:`per_class_recall_from_confusion` and :func:`per_class_precision_from_confusion`.
* Thin :class:`keras.metrics.Metric` classes hold the matrix in a variable with
  ``aggregation="sum"`` (so replicas add up under a distribution strategy) and call the two:
  :class:`BalancedAccuracy`, :class:`MacroF1`, :class:`GeometricMean`,
  :class:`MatthewsCorrelation`, :class:`PerClassRecall` and :class:`PerClassPrecision`.

Predictions and labels:

* Multi-class: ``y_pred`` is ``(..., C)`` probabilities or logits and the predicted class is
  ``argmax(y_pred)`` (``from_logits`` does not change it). ``y_true`` is sparse, ``(...)`` or
  ``(..., 1)``, or one-hot ``(..., C)``; sequences ``(N, T)`` with ``y_pred`` ``(N, T, C)`` work
  too. Labels are decoded by :func:`keras_imbalance.labels.class_indices`.
* Binary (``num_classes=2`` and one output column, ``y_pred`` ``(..., 1)``): the predicted class
  is ``y_pred > threshold``, or ``sigmoid(y_pred) > threshold`` when ``from_logits=True`` (for the
  default ``threshold=0.5``, ``logit > 0``). ``y_true`` is ``(...)``, ``(..., 1)`` or one-hot
  ``(..., 2)`` of 0/1.
* Labels outside ``0..C-1`` (a padding value such as ``-1``) are not counted, on every backend.
* ``sample_weight`` broadcasts to the label shape (``(N,)`` weights apply to every step of an
  ``(N, T)`` sequence), and weighs each element's count. In ``model.compile``, Keras passes
  ``sample_weight`` (and ``class_weight``) only to ``weighted_metrics=[...]``, not to
  ``metrics=[...]``.

Zero-division conventions follow scikit-learn's defaults (``zero_division="warn"``, which acts as
0; there is no warning here because the value is computed inside a compiled graph):

* the recall of a class with no (weighted) support is 0; its precision with no predictions is 0;
* balanced accuracy averages the recall over the classes *with support*, as
  :func:`sklearn.metrics.balanced_accuracy_score` does (0 when no class has support);
* macro F1 and G-mean average over the classes *present* in the labels or the predictions, as
  scikit-learn's default ``labels=None`` does; ``F1 = 0`` when ``TP + FP + FN = 0``;
* the Matthews correlation is 0 when undefined (all labels or all predictions in one class), as
  :func:`sklearn.metrics.matthews_corrcoef`.

With zero sample weights, "present" means positive weighted count here, whereas scikit-learn
counts every label that occurs; the two agree for positive weights.

Counts are kept in the metric's ``dtype`` (``float32`` by default), exact up to ``2**24`` elements
per cell; pass ``dtype="float64"`` for more (TensorFlow and torch).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import keras
import numpy as np
from keras import ops

from keras_imbalance._validation import check_number, short_repr
from keras_imbalance.labels import class_indices, first_argmax

__all__ = [
    "BalancedAccuracy",
    "GeometricMean",
    "MacroF1",
    "MatthewsCorrelation",
    "PerClassPrecision",
    "PerClassRecall",
    "balanced_accuracy_from_confusion",
    "confusion_matrix_update",
    "geometric_mean_from_confusion",
    "macro_f1_from_confusion",
    "matthews_correlation_from_confusion",
    "per_class_precision_from_confusion",
    "per_class_recall_from_confusion",
]


# --- Argument checks ----------------------------------------------------------------------------


def _check_num_classes(num_classes: Any) -> int:
    if isinstance(num_classes, bool) or not isinstance(num_classes, int | np.integer):
        raise TypeError(
            f"num_classes must be an int (the number of classes, at least 2), got "
            f"{short_repr(num_classes)} of type {type(num_classes).__name__}"
        )
    if num_classes < 2:
        raise ValueError(
            f"num_classes={int(num_classes)} is too small; a classifier has at least 2 classes "
            f"(use num_classes=2 for a binary model with one sigmoid output)"
        )
    return int(num_classes)


def _check_threshold(threshold: Any) -> float:
    return check_number(
        "threshold", threshold, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )


def _check_class_id(class_id: Any, num_classes: int) -> int | None:
    if class_id is None:
        return None
    if isinstance(class_id, bool) or not isinstance(class_id, int | np.integer):
        raise TypeError(
            f"class_id must be an int class index or None, got {short_repr(class_id)} of type "
            f"{type(class_id).__name__}"
        )
    if not 0 <= class_id < num_classes:
        raise ValueError(
            f"class_id={int(class_id)} is not a class index for num_classes={num_classes}; "
            f"use 0..{num_classes - 1}, or class_id=None for all classes"
        )
    return int(class_id)


# --- One batch into a confusion matrix ----------------------------------------------------------


class _StaticShape(NamedTuple):
    """Stands in for ``y_pred`` in ``class_indices``, which reads only its static ``.shape``."""

    shape: tuple[int | None, ...]


def _shape(tensor: Any) -> tuple[int | None, ...]:
    return tuple(None if d is None else int(d) for d in tensor.shape)


def _same_shape(a: tuple[int | None, ...], b: tuple[int | None, ...]) -> bool:
    return len(a) == len(b) and all(
        x is None or y is None or x == y for x, y in zip(a, b, strict=True)
    )


def _mismatch(y_true: Any, y_pred: Any, why: str) -> ValueError:
    return ValueError(
        f"y_true has shape {_shape(y_true)} and y_pred has shape {_shape(y_pred)}: {why}"
    )


def _indices(
    y_true: Any, y_pred: Any, num_classes: int, threshold: float, from_logits: bool
) -> tuple[Any, Any]:
    """True and predicted class indices (``int32``, same shape), with trace-time shape checks."""
    pred_shape = _shape(y_pred)
    true_shape = _shape(y_true)
    if not pred_shape:
        raise _mismatch(y_true, y_pred, "y_pred is a scalar; give one row of scores per sample")
    if len(pred_shape) == 1 and num_classes == 2:
        y_pred = ops.expand_dims(y_pred, axis=-1)  # (N,) sigmoid outputs
        pred_shape = (*pred_shape, 1)
    width = pred_shape[-1]
    binary = num_classes == 2 and width == 1

    if binary:
        cut = math.log(threshold / (1.0 - threshold)) if from_logits else threshold
        predicted = ops.cast(ops.squeeze(y_pred, axis=-1) > cut, "int32")
        class_shape = (*pred_shape[:-1], 2)  # y_true is decoded as for two softmax columns
    else:
        if width is not None and width != num_classes:
            raise _mismatch(
                y_true,
                y_pred,
                f"y_pred has {width} columns but num_classes={num_classes}; give one score per "
                f"class (y_pred of shape (..., {num_classes})) or set num_classes={width}"
                + (" (or num_classes=2 with one sigmoid column)" if width == 1 else ""),
            )
        predicted = first_argmax(y_pred)
        class_shape = pred_shape
    stand_in = _StaticShape(class_shape)
    columns = class_shape[-1]
    if (
        len(true_shape) == len(stand_in.shape)
        and true_shape
        and true_shape[-1] not in (None, 1, columns)
    ):
        raise _mismatch(
            y_true,
            y_pred,
            f"one-hot y_true needs {num_classes} columns; give sparse class indices of shape "
            f"{pred_shape[:-1]} or one-hot rows of width {num_classes}",
        )
    actual = class_indices(y_true, stand_in)
    if not _same_shape(_shape(actual), _shape(predicted)):
        raise _mismatch(
            y_true,
            y_pred,
            f"the labels decode to shape {_shape(actual)} but the predictions to "
            f"{_shape(predicted)}; give one label per prediction (same batch size and steps)",
        )
    return actual, predicted


def _broadcast_weight(sample_weight: Any, like: Any, dtype: str) -> Any:
    weight = ops.cast(ops.convert_to_tensor(sample_weight), dtype)
    rank = len(like.shape)
    while len(weight.shape) > rank and weight.shape[-1] == 1:
        weight = ops.squeeze(weight, axis=-1)
    if len(weight.shape) > rank:
        raise ValueError(
            f"sample_weight has shape {_shape(weight)}, with more axes than the labels "
            f"{_shape(like)}; give one weight per sample (N,) or per element"
        )
    while len(weight.shape) < rank:
        weight = ops.expand_dims(weight, axis=-1)
    if not all(
        w is None or w == 1 or s is None or w == s
        for w, s in zip(_shape(weight), _shape(like), strict=True)
    ):
        raise ValueError(
            f"sample_weight has shape {_shape(weight)}, which does not broadcast to the labels "
            f"{_shape(like)}; give one weight per sample (N,) or per element"
        )
    return ops.broadcast_to(weight, ops.shape(like))


def confusion_matrix_update(
    y_true: Any,
    y_pred: Any,
    num_classes: int,
    sample_weight: Any = None,
    *,
    threshold: float = 0.5,
    from_logits: bool = False,
    dtype: str | None = None,
) -> Any:
    """The ``(C, C)`` confusion matrix of one batch, to add to a running one.

    ``M[i, j] = sum of sample_weight over the elements with true class i and predicted class j``
    (rows are true classes, columns predicted ones, as in scikit-learn). It is computed with one
    scatter-add of the weights at ``i * C + j``; no loops, so it traces and compiles.

    Args:
        y_true: sparse labels ``(...)`` / ``(..., 1)`` or one-hot ``(..., C)``.
        y_pred: scores ``(..., C)``; for ``num_classes=2`` also one sigmoid column ``(..., 1)``.
        num_classes: the number of classes ``C`` (at least 2).
        sample_weight: optional weights, broadcast to the label shape.
        threshold: the binary cut-off on the probability of class 1 (one-column case only).
        from_logits: whether a one-column ``y_pred`` holds logits rather than probabilities.
        dtype: the dtype of the result; defaults to ``keras.config.floatx()``.

    Returns:
        A ``(C, C)`` tensor.

    Raises:
        ValueError: if ``y_pred`` has a last axis other than ``num_classes`` (or 1 for binary),
            or the labels and predictions do not have the same batch shape.

    Example:
        >>> cm = confusion_matrix_update([0, 1, 1, 2], [[0.9, 0.1, 0.0], [0.2, 0.7, 0.1],
        ...                              [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]], num_classes=3)
        >>> keras.ops.convert_to_numpy(cm).astype(int).tolist()
        [[1, 0, 0], [1, 1, 0], [0, 0, 1]]
    """
    num_classes = _check_num_classes(num_classes)
    threshold = _check_threshold(threshold)
    dtype = dtype or keras.config.floatx()
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    actual, predicted = _indices(y_true, y_pred, num_classes, threshold, bool(from_logits))
    if sample_weight is None:
        weight = ops.ones(ops.shape(actual), dtype=dtype)
    else:
        weight = _broadcast_weight(sample_weight, actual, dtype)
    actual = ops.reshape(actual, (-1,))
    predicted = ops.reshape(predicted, (-1,))
    weight = ops.reshape(weight, (-1,))
    # Out-of-range labels (e.g. -1 padding) go to cell 0 with weight 0, so no backend errors.
    valid = ops.logical_and(actual >= 0, actual < num_classes)
    cell = ops.where(valid, actual * num_classes + predicted, 0)
    weight = ops.where(valid, weight, ops.zeros_like(weight))
    counts = ops.segment_sum(weight, cell, num_segments=num_classes * num_classes)
    return ops.reshape(counts, (num_classes, num_classes))


# --- Metrics from a confusion matrix ------------------------------------------------------------


def _divide(numerator: Any, denominator: Any) -> Any:
    """``numerator / denominator``, and 0 where the denominator is 0 (scikit-learn's default)."""
    positive = denominator > 0
    safe = ops.where(positive, denominator, ops.ones_like(denominator))
    return ops.where(positive, numerator / safe, ops.zeros_like(numerator))


def _parts(confusion: Any) -> tuple[Any, Any, Any]:
    confusion = ops.convert_to_tensor(confusion)
    if confusion.dtype not in ("float16", "bfloat16", "float32", "float64"):
        confusion = ops.cast(confusion, keras.config.floatx())
    true_positives = ops.diagonal(confusion)
    support = ops.sum(confusion, axis=1)
    predicted = ops.sum(confusion, axis=0)
    return true_positives, support, predicted


def _mean_where(values: Any, mask: Any) -> Any:
    mask = ops.cast(mask, values.dtype)
    return _divide(ops.sum(values * mask), ops.sum(mask))


def per_class_recall_from_confusion(confusion: Any) -> Any:
    """Recall of every class, ``M[c, c] / sum_j M[c, j]``; 0 for a class with no support.

    Matches ``sklearn.metrics.recall_score(average=None)`` with its default ``zero_division``.

    Example:
        >>> recall = per_class_recall_from_confusion([[3.0, 1.0], [0.0, 2.0]])
        >>> [round(float(r), 4) for r in recall]
        [0.75, 1.0]
    """
    true_positives, support, _ = _parts(confusion)
    return _divide(true_positives, support)


def per_class_precision_from_confusion(confusion: Any) -> Any:
    """Precision of every class, ``M[c, c] / sum_i M[i, c]``; 0 for a class never predicted.

    Matches ``sklearn.metrics.precision_score(average=None)`` with its default ``zero_division``.

    Example:
        >>> precision = per_class_precision_from_confusion([[3.0, 1.0], [0.0, 2.0]])
        >>> [round(float(p), 4) for p in precision]
        [1.0, 0.6667]
    """
    true_positives, _, predicted = _parts(confusion)
    return _divide(true_positives, predicted)


def balanced_accuracy_from_confusion(confusion: Any) -> Any:
    """Balanced accuracy: the mean recall over the classes that have support.

    ``BA = (1 / |K|) * sum_{c in K} M[c, c] / sum_j M[c, j]``, ``K = {c : sum_j M[c, j] > 0}``;
    0 if no class has support. Matches ``sklearn.metrics.balanced_accuracy_score``.

    Reference: Brodersen, Ong, Stephan and Buhmann, "The balanced accuracy and its posterior
    distribution", ICPR 2010; scikit-learn user guide, "Balanced accuracy score".

    Example:
        >>> round(float(balanced_accuracy_from_confusion([[3.0, 1.0], [0.0, 2.0]])), 4)
        0.875
    """
    true_positives, support, _ = _parts(confusion)
    return _mean_where(_divide(true_positives, support), support > 0)


def macro_f1_from_confusion(confusion: Any) -> Any:
    """Macro F1: the unweighted mean of per-class F1 over the classes present.

    ``F1_c = 2 TP_c / (2 TP_c + FP_c + FN_c)`` (0 when the denominator is 0), averaged over the
    classes that occur in the labels or the predictions, as
    ``sklearn.metrics.f1_score(average="macro")`` does with its default ``labels=None``.

    Reference: scikit-learn user guide, "Precision, recall and F-measures"; van Rijsbergen,
    *Information Retrieval*, 1979.

    Example:
        >>> round(float(macro_f1_from_confusion([[3.0, 1.0], [0.0, 2.0]])), 4)
        0.8286
    """
    true_positives, support, predicted = _parts(confusion)
    present = support + predicted
    return _mean_where(_divide(2.0 * true_positives, present), present > 0)


def geometric_mean_from_confusion(confusion: Any) -> Any:
    """G-mean: the geometric mean of the per-class recalls over the classes present.

    ``G = (prod_{c in K} recall_c) ** (1 / |K|)`` with ``K`` the classes that occur in the labels
    or the predictions, so a class that is predicted but has no support counts with recall 0 and
    makes ``G = 0``; this is ``imblearn.metrics.geometric_mean_score`` (``average="multiclass"``)
    and the geometric mean of ``sklearn.metrics.recall_score(average=None)``. For two classes it
    is ``sqrt(sensitivity * specificity)``. Computed in log space, so it does not underflow for
    many classes. 0 when no class is present.

    Reference: Kubat and Matwin, "Addressing the curse of imbalanced training sets: one-sided
    selection", ICML 1997.

    Example:
        >>> round(float(geometric_mean_from_confusion([[3.0, 1.0], [0.0, 2.0]])), 4)
        0.866
    """
    true_positives, support, predicted = _parts(confusion)
    recall = _divide(true_positives, support)
    present = (support + predicted) > 0
    zero_recall = ops.logical_and(present, recall <= 0)
    logs = ops.where(
        ops.logical_and(present, recall > 0),
        ops.log(ops.where(recall > 0, recall, ops.ones_like(recall))),
        ops.zeros_like(recall),
    )
    count = ops.sum(ops.cast(present, recall.dtype))
    mean_log = _divide(ops.sum(logs), count)
    defined = ops.logical_and(count > 0, ops.logical_not(ops.any(zero_recall)))
    return ops.where(defined, ops.exp(mean_log), ops.zeros_like(mean_log))


def matthews_correlation_from_confusion(confusion: Any) -> Any:
    """Matthews correlation coefficient (multi-class ``R_K``).

    With ``t = sum_j M[:, j]`` (true counts), ``p = sum_i M[i, :]`` (predicted counts),
    ``s = trace(M)`` and ``n = sum(M)``:
    ``MCC = (s n - t.p) / sqrt((n^2 - p.p) (n^2 - t.t))``, and 0 when the denominator is 0,
    as ``sklearn.metrics.matthews_corrcoef``. For two classes it is
    ``(TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN))``. Counts are divided by ``n`` first,
    which leaves the ratio unchanged and keeps float32 from overflowing its precision.

    Reference: Matthews, "Comparison of the predicted and observed secondary structure of T4
    phage lysozyme", Biochimica et Biophysica Acta 405(2), 1975; Gorodkin, "Comparing two
    K-category assignments by a K-category correlation coefficient", Computational Biology and
    Chemistry 28(5), 2004.

    Example:
        >>> round(float(matthews_correlation_from_confusion([[3.0, 1.0], [0.0, 2.0]])), 4)
        0.7071
    """
    true_positives, support, predicted = _parts(confusion)
    total = ops.sum(support)
    true_share = _divide(support, total)
    predicted_share = _divide(predicted, ops.sum(predicted))
    correct_share = _divide(ops.sum(true_positives), total)
    covariance = correct_share - ops.sum(true_share * predicted_share)
    spread = (1.0 - ops.sum(predicted_share * predicted_share)) * (
        1.0 - ops.sum(true_share * true_share)
    )
    # n^2 - t.t is 0 exactly when at most one class has support (likewise for predictions); test
    # that on the counts, since rounding in the shares can leave a tiny positive spread.
    defined = ops.logical_and(
        ops.sum(ops.cast(support > 0, "int32")) > 1,
        ops.sum(ops.cast(predicted > 0, "int32")) > 1,
    )
    positive = ops.logical_and(defined, spread > 0)
    root = ops.sqrt(ops.where(positive, spread, ops.ones_like(spread)))
    return ops.where(positive, covariance / root, ops.zeros_like(covariance))


# --- Keras metric classes -----------------------------------------------------------------------


class _ConfusionMatrixMetric(keras.metrics.Metric):
    """Holds a running ``(C, C)`` confusion matrix; subclasses turn it into a value."""

    default_name = "confusion_matrix_metric"

    def __init__(
        self,
        num_classes: int,
        *,
        threshold: float = 0.5,
        from_logits: bool = False,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name or self.default_name, dtype=dtype)
        self.num_classes = _check_num_classes(num_classes)
        self.threshold = _check_threshold(threshold)
        if not isinstance(from_logits, bool | np.bool_):
            raise TypeError(f"from_logits must be True or False, got {short_repr(from_logits)}")
        self.from_logits = bool(from_logits)
        self.confusion_matrix = self.add_variable(
            shape=(self.num_classes, self.num_classes),
            initializer="zeros",
            dtype=self.dtype,
            aggregation="sum",
            name="confusion_matrix",
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add the batch's confusion matrix (see :func:`confusion_matrix_update`)."""
        batch = confusion_matrix_update(
            y_true,
            y_pred,
            self.num_classes,
            sample_weight,
            threshold=self.threshold,
            from_logits=self.from_logits,
            dtype=self.dtype,
        )
        self.confusion_matrix.assign(self.confusion_matrix + batch)

    def get_config(self) -> dict[str, Any]:
        return {
            "num_classes": self.num_classes,
            "threshold": self.threshold,
            "from_logits": self.from_logits,
            "name": self.name,
            "dtype": self.dtype,
        }


@keras.saving.register_keras_serializable(package="keras_imbalance")
class BalancedAccuracy(_ConfusionMatrixMetric):
    """Balanced accuracy over all batches seen; see :func:`balanced_accuracy_from_confusion`.

    ``BA = mean over classes with support of TP_c / (TP_c + FN_c)``.

    Reference: Brodersen et al., ICPR 2010; ``sklearn.metrics.balanced_accuracy_score``.

    Args:
        num_classes: the number of classes (2 for a binary model with one sigmoid output).
        threshold: binary cut-off on the class-1 probability (one-column ``y_pred`` only).
        from_logits: whether a one-column ``y_pred`` holds logits.
        name, dtype: as for every Keras metric.

    Example:
        >>> metric = BalancedAccuracy(num_classes=3)
        >>> metric.update_state([0, 0, 1, 2], [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1],
        ...                                    [0.1, 0.8, 0.1], [0.1, 0.2, 0.7]])
        >>> round(float(metric.result()), 4)
        0.8333
    """

    default_name = "balanced_accuracy"

    def result(self) -> Any:
        return balanced_accuracy_from_confusion(self.confusion_matrix)


@keras.saving.register_keras_serializable(package="keras_imbalance")
class MacroF1(_ConfusionMatrixMetric):
    """Macro-averaged F1 that takes sparse labels; see :func:`macro_f1_from_confusion`.

    ``F1 = mean over present classes of 2 TP_c / (2 TP_c + FP_c + FN_c)``. Unlike
    ``keras.metrics.F1Score``, labels may be class indices ``(N,)`` as well as one-hot rows, and
    the prediction is the argmax (or the thresholded sigmoid for one column).

    Reference: ``sklearn.metrics.f1_score(average="macro")``.

    Args:
        num_classes: the number of classes (2 for a binary model with one sigmoid output).
        threshold: binary cut-off on the class-1 probability (one-column ``y_pred`` only).
        from_logits: whether a one-column ``y_pred`` holds logits.
        name, dtype: as for every Keras metric.

    Example:
        >>> metric = MacroF1(num_classes=2, from_logits=True)
        >>> metric.update_state([0, 0, 0, 1], [[-2.0], [-1.0], [0.5], [1.5]])
        >>> round(float(metric.result()), 4)
        0.7333
    """

    default_name = "macro_f1"

    def result(self) -> Any:
        return macro_f1_from_confusion(self.confusion_matrix)


@keras.saving.register_keras_serializable(package="keras_imbalance")
class GeometricMean(_ConfusionMatrixMetric):
    """G-mean, the geometric mean of per-class recalls; see :func:`geometric_mean_from_confusion`.

    ``G = (prod over present classes of recall_c) ** (1 / number of present classes)``.

    Reference: Kubat and Matwin, ICML 1997; ``imblearn.metrics.geometric_mean_score``.

    Args:
        num_classes: the number of classes (2 for a binary model with one sigmoid output).
        threshold: binary cut-off on the class-1 probability (one-column ``y_pred`` only).
        from_logits: whether a one-column ``y_pred`` holds logits.
        name, dtype: as for every Keras metric.

    Example:
        >>> metric = GeometricMean(num_classes=2)
        >>> metric.update_state([0, 0, 0, 1], [[0.1], [0.2], [0.7], [0.9]])
        >>> round(float(metric.result()), 4)
        0.8165
    """

    default_name = "geometric_mean"

    def result(self) -> Any:
        return geometric_mean_from_confusion(self.confusion_matrix)


@keras.saving.register_keras_serializable(package="keras_imbalance")
class MatthewsCorrelation(_ConfusionMatrixMetric):
    """Matthews correlation coefficient; see :func:`matthews_correlation_from_confusion`.

    ``MCC = (s n - t.p) / sqrt((n^2 - p.p)(n^2 - t.t))`` over the confusion matrix, 0 if undefined.

    Reference: Matthews 1975; Gorodkin 2004; ``sklearn.metrics.matthews_corrcoef``.

    Args:
        num_classes: the number of classes (2 for a binary model with one sigmoid output).
        threshold: binary cut-off on the class-1 probability (one-column ``y_pred`` only).
        from_logits: whether a one-column ``y_pred`` holds logits.
        name, dtype: as for every Keras metric.

    Example:
        >>> metric = MatthewsCorrelation(num_classes=2)
        >>> metric.update_state([0, 0, 0, 1], [[0.1], [0.2], [0.7], [0.9]])
        >>> round(float(metric.result()), 4)
        0.5774
    """

    default_name = "matthews_correlation"

    def result(self) -> Any:
        return matthews_correlation_from_confusion(self.confusion_matrix)


class _PerClassMetric(_ConfusionMatrixMetric):
    """A vector of ``C`` values, or one scalar with ``class_id`` (so it shows in ``fit`` logs)."""

    short_name = "per_class"

    def __init__(
        self,
        num_classes: int,
        *,
        class_id: int | None = None,
        threshold: float = 0.5,
        from_logits: bool = False,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        checked = _check_class_id(class_id, _check_num_classes(num_classes))
        if name is None and checked is not None:
            name = f"{self.short_name}_{checked}"
        super().__init__(
            num_classes, threshold=threshold, from_logits=from_logits, name=name, dtype=dtype
        )
        self.class_id = checked

    def _values(self) -> Any:
        raise NotImplementedError

    def result(self) -> Any:
        values = self._values()
        return values if self.class_id is None else values[self.class_id]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "class_id": self.class_id}


@keras.saving.register_keras_serializable(package="keras_imbalance")
class PerClassRecall(_PerClassMetric):
    """Recall of each class, ``TP_c / (TP_c + FN_c)`` (0 without support).

    Returns a vector of ``num_classes`` values, or, with ``class_id=c``, the scalar recall of
    class ``c`` (named ``recall_c`` unless ``name`` is given), which ``fit`` can log.

    Reference: ``sklearn.metrics.recall_score(average=None)``.

    Args:
        num_classes: the number of classes (2 for a binary model with one sigmoid output).
        class_id: one class index to report, or ``None`` for all.
        threshold: binary cut-off on the class-1 probability (one-column ``y_pred`` only).
        from_logits: whether a one-column ``y_pred`` holds logits.
        name, dtype: as for every Keras metric.

    Example:
        >>> metric = PerClassRecall(num_classes=3)
        >>> metric.update_state([[0, 0, 1], [1, 0, 0], [0, 0, 1]],
        ...                     [[0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [0.6, 0.3, 0.1]])
        >>> [round(float(r), 4) for r in metric.result()]
        [1.0, 0.0, 0.5]
        >>> PerClassRecall(num_classes=3, class_id=2).name
        'recall_2'
    """

    default_name = "per_class_recall"
    short_name = "recall"

    def _values(self) -> Any:
        return per_class_recall_from_confusion(self.confusion_matrix)


@keras.saving.register_keras_serializable(package="keras_imbalance")
class PerClassPrecision(_PerClassMetric):
    """Precision of each class, ``TP_c / (TP_c + FP_c)`` (0 when never predicted).

    Returns a vector of ``num_classes`` values, or, with ``class_id=c``, the scalar precision of
    class ``c`` (named ``precision_c`` unless ``name`` is given), which ``fit`` can log.

    Reference: ``sklearn.metrics.precision_score(average=None)``.

    Args:
        num_classes: the number of classes (2 for a binary model with one sigmoid output).
        class_id: one class index to report, or ``None`` for all.
        threshold: binary cut-off on the class-1 probability (one-column ``y_pred`` only).
        from_logits: whether a one-column ``y_pred`` holds logits.
        name, dtype: as for every Keras metric.

    Example:
        >>> metric = PerClassPrecision(num_classes=3, class_id=0)
        >>> metric.update_state([2, 0, 2], [[0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [0.6, 0.3, 0.1]])
        >>> round(float(metric.result()), 4)
        0.5
    """

    default_name = "per_class_precision"
    short_name = "precision"

    def _values(self) -> Any:
        return per_class_precision_from_confusion(self.confusion_matrix)
