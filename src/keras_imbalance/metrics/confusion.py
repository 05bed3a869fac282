"""The confusion matrix, updated with ``keras.ops``, and the pure metrics computed from it."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import keras
import numpy as np
from keras import ops

from keras_imbalance._validation import check_number, short_repr
from keras_imbalance.labels import first_argmax, in_class_range
from keras_imbalance.labels.tensors import check_ignore_class, checked_class_indices, poison

# --- Argument checks ----------------------------------------------------------------------------


def check_num_classes(num_classes: Any) -> int:
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


def check_threshold(threshold: Any) -> float:
    return check_number(
        "threshold", threshold, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )


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
    y_true: Any,
    y_pred: Any,
    num_classes: int,
    threshold: float,
    from_logits: bool,
    ignore_class: int | None,
) -> tuple[Any, Any, Any]:
    """True and predicted class indices (``int32``, same shape), with trace-time shape checks,
    and the out-of-range flag of :func:`keras_imbalance.labels.check_class_range`."""
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
    actual, out_of_range = checked_class_indices(y_true, stand_in, ignore_class=ignore_class)
    if not _same_shape(_shape(actual), _shape(predicted)):
        raise _mismatch(
            y_true,
            y_pred,
            f"the labels decode to shape {_shape(actual)} but the predictions to "
            f"{_shape(predicted)}; give one label per prediction (same batch size and steps)",
        )
    return actual, predicted, out_of_range


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
    ignore_class: int | None = None,
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
        ignore_class: a label whose elements are not counted (padding such as ``-1``), or
            ``None``.
        dtype: the dtype of the result; defaults to ``keras.config.floatx()``.

    Returns:
        A ``(C, C)`` tensor. Where a label outside ``0..C-1`` cannot raise (a jitted JAX step,
        TensorFlow with ``jit_compile=True``, PyTorch on an accelerator; see
        :func:`keras_imbalance.labels.check_class_range`), every entry is NaN.

    Raises:
        ValueError: if ``y_pred`` has a last axis other than ``num_classes`` (or 1 for binary),
            or the labels and predictions do not have the same batch shape, or (where the labels
            can be read) a label other than ``ignore_class`` lies outside ``0..C-1``.

    Example:
        >>> cm = confusion_matrix_update([0, 1, 1, 2], [[0.9, 0.1, 0.0], [0.2, 0.7, 0.1],
        ...                              [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]], num_classes=3)
        >>> keras.ops.convert_to_numpy(cm).astype(int).tolist()
        [[1, 0, 0], [1, 1, 0], [0, 0, 1]]
    """
    num_classes = check_num_classes(num_classes)
    matrix, out_of_range = batch_confusion(
        y_true,
        y_pred,
        num_classes,
        sample_weight,
        threshold=check_threshold(threshold),
        from_logits=bool(from_logits),
        ignore_class=check_ignore_class(ignore_class),
        dtype=dtype or keras.config.floatx(),
    )
    return poison(matrix, out_of_range)


def batch_confusion(
    y_true: Any,
    y_pred: Any,
    num_classes: int,
    sample_weight: Any,
    *,
    threshold: float,
    from_logits: bool,
    ignore_class: int | None,
    dtype: str,
) -> tuple[Any, Any]:
    """:func:`confusion_matrix_update` on checked options, with the out-of-range flag apart.

    Returns ``(matrix, out_of_range)``; the flag is ``None`` where the labels were checked on
    the host, else a boolean scalar (the metric classes count it, and their ``result`` is NaN).
    """
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    actual, predicted, out_of_range = _indices(
        y_true, y_pred, num_classes, threshold, from_logits, ignore_class
    )
    if sample_weight is None:
        weight = ops.ones(ops.shape(actual), dtype=dtype)
    else:
        weight = _broadcast_weight(sample_weight, actual, dtype)
    actual = ops.reshape(actual, (-1,))
    weight = ops.reshape(weight, (-1,))
    cells = num_classes * num_classes
    cell = actual * num_classes + ops.reshape(predicted, (-1,))
    if out_of_range is None and ignore_class is None:
        counts = ops.segment_sum(weight, cell, num_segments=cells)
    else:
        # Ignored elements, and bad ones that could not raise, go to one spare segment, dropped.
        keep = in_class_range(actual, num_classes)
        if ignore_class is not None:
            keep = ops.logical_and(keep, ops.not_equal(actual, ignore_class))
        cell = ops.where(keep, cell, cells)
        counts = ops.segment_sum(weight, cell, num_segments=cells + 1)[:cells]
    return ops.reshape(counts, (num_classes, num_classes)), out_of_range


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
