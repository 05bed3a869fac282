"""The Keras metric classes: thin stateful wrappers over the confusion-matrix functions."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

import keras_imbalance.metrics.confusion as confusion
from keras_imbalance._validation import short_repr
from keras_imbalance.evaluation.confusion_scores import DEFINITIONS
from keras_imbalance.labels.tensors import check_ignore_class, poison
from keras_imbalance.metrics.confusion import batch_confusion, check_num_classes, check_threshold


def _keras_name(key: str) -> str:
    """The default name of the Keras metric for ``key``, from the one table of the metric set."""
    return str(DEFINITIONS[key].keras_name)


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


# --- Keras metric classes -----------------------------------------------------------------------


class _ConfusionMatrixMetric(keras.metrics.Metric):
    """Holds a running ``(C, C)`` confusion matrix; subclasses turn it into a value.

    A second variable, ``out_of_range_batches``, counts the updates whose labels held a class
    index outside ``0..C-1`` where no error could be raised (a jitted JAX step, TensorFlow with
    ``jit_compile=True``, PyTorch on an accelerator); while it is above 0, ``result()`` is NaN.
    """

    default_name = "confusion_matrix_metric"

    def __init__(
        self,
        num_classes: int,
        *,
        threshold: float = 0.5,
        from_logits: bool = False,
        ignore_class: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name or self.default_name, dtype=dtype)
        self.num_classes = check_num_classes(num_classes)
        self.threshold = check_threshold(threshold)
        if not isinstance(from_logits, bool | np.bool_):
            raise TypeError(f"from_logits must be True or False, got {short_repr(from_logits)}")
        self.from_logits = bool(from_logits)
        self.ignore_class = check_ignore_class(ignore_class)
        self.confusion_matrix = self.add_variable(
            shape=(self.num_classes, self.num_classes),
            initializer="zeros",
            dtype=self.dtype,
            aggregation="sum",
            name="confusion_matrix",
        )
        self.out_of_range_batches = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, aggregation="sum", name="out_of_range"
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add the batch's confusion matrix (see :func:`confusion_matrix_update`)."""
        batch, out_of_range = batch_confusion(
            y_true,
            y_pred,
            self.num_classes,
            sample_weight,
            threshold=self.threshold,
            from_logits=self.from_logits,
            ignore_class=self.ignore_class,
            dtype=self.dtype,
        )
        self.confusion_matrix.assign(self.confusion_matrix + batch)
        if out_of_range is not None:
            flag = keras.ops.cast(out_of_range, self.dtype)
            self.out_of_range_batches.assign(self.out_of_range_batches + flag)

    @staticmethod
    def _from_confusion(confusion: Any) -> Any:
        raise NotImplementedError

    def _value(self) -> Any:
        return self._from_confusion(self.confusion_matrix)

    def result(self) -> Any:
        return poison(self._value(), self.out_of_range_batches > 0)

    def get_config(self) -> dict[str, Any]:
        return {
            "num_classes": self.num_classes,
            "threshold": self.threshold,
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
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
        ignore_class: a label whose elements are skipped (padding such as ``-1``, or a class
            left out of the score), as in ``keras.metrics.MeanIoU(ignore_class=...)``; ``None``
            counts every element.
        name, dtype: as for every Keras metric.

    Out-of-range labels: a ``ValueError`` where the labels can be read (eagerly,
    ``run_eagerly=True``), an ``InvalidArgumentError`` in a TensorFlow graph, and a NaN result
    in a jitted JAX step or under ``jit_compile=True`` on TensorFlow (see
    :func:`keras_imbalance.labels.check_class_range`).

    Example:
        >>> metric = BalancedAccuracy(num_classes=3)
        >>> metric.update_state([0, 0, 1, 2], [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1],
        ...                                    [0.1, 0.8, 0.1], [0.1, 0.2, 0.7]])
        >>> round(float(metric.result()), 4)
        0.8333
    """

    default_name = _keras_name("balanced_accuracy")
    _from_confusion = staticmethod(confusion.balanced_accuracy_from_confusion)


@keras.saving.register_keras_serializable(package="keras_imbalance")
class MacroF1(_ConfusionMatrixMetric):
    """Macro-averaged F1 that takes sparse labels; see :func:`macro_f1_from_confusion`.

    ``F1 = mean over present classes of 2 TP_c / (2 TP_c + FP_c + FN_c)``. Unlike
    ``keras.metrics.F1Score``, labels may be class indices ``(N,)`` as well as one-hot rows, and
    the prediction is the argmax (or the thresholded sigmoid for one column).

    Reference: ``sklearn.metrics.f1_score(average="macro")``.

    The arguments are those of :class:`BalancedAccuracy`, which also says what out-of-range
    labels give.

    Example:
        >>> metric = MacroF1(num_classes=2, from_logits=True)
        >>> metric.update_state([0, 0, 0, 1], [[-2.0], [-1.0], [0.5], [1.5]])
        >>> round(float(metric.result()), 4)
        0.7333
    """

    default_name = _keras_name("macro_f1")
    _from_confusion = staticmethod(confusion.macro_f1_from_confusion)


@keras.saving.register_keras_serializable(package="keras_imbalance")
class GeometricMean(_ConfusionMatrixMetric):
    """G-mean, the geometric mean of per-class recalls; see :func:`geometric_mean_from_confusion`.

    ``G = (prod over present classes of recall_c) ** (1 / number of present classes)``.

    Reference: Kubat and Matwin, ICML 1997; ``imblearn.metrics.geometric_mean_score``.

    The arguments are those of :class:`BalancedAccuracy`, which also says what out-of-range
    labels give.

    Example:
        >>> metric = GeometricMean(num_classes=3, ignore_class=-1)
        >>> metric.update_state([0, 1, 1, 2, -1], [[0.6, 0.3, 0.1], [0.2, 0.7, 0.1],
        ...                     [0.5, 0.4, 0.1], [0.1, 0.2, 0.7], [0.9, 0.0, 0.1]])
        >>> round(float(metric.result()), 4)
        0.7937
    """

    default_name = _keras_name("g_mean")
    _from_confusion = staticmethod(confusion.geometric_mean_from_confusion)


@keras.saving.register_keras_serializable(package="keras_imbalance")
class MatthewsCorrelation(_ConfusionMatrixMetric):
    """Matthews correlation coefficient; see :func:`matthews_correlation_from_confusion`.

    ``MCC = (s n - t.p) / sqrt((n^2 - p.p)(n^2 - t.t))`` over the confusion matrix, 0 if undefined.

    Reference: Matthews 1975; Gorodkin 2004; ``sklearn.metrics.matthews_corrcoef``.

    The arguments are those of :class:`BalancedAccuracy`, which also says what out-of-range
    labels give.

    Example:
        >>> metric = MatthewsCorrelation(num_classes=2)
        >>> metric.update_state([0, 0, 0, 1], [[0.1], [0.2], [0.7], [0.9]])
        >>> round(float(metric.result()), 4)
        0.5774
    """

    default_name = _keras_name("mcc")
    _from_confusion = staticmethod(confusion.matthews_correlation_from_confusion)


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
        ignore_class: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        checked = _check_class_id(class_id, check_num_classes(num_classes))
        if name is None and checked is not None:
            name = f"{self.short_name}_{checked}"
        super().__init__(
            num_classes,
            threshold=threshold,
            from_logits=from_logits,
            ignore_class=ignore_class,
            name=name,
            dtype=dtype,
        )
        self.class_id = checked

    def _value(self) -> Any:
        values = super()._value()
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
        class_id: one class index to report, or ``None`` for all.
        num_classes, threshold, from_logits, ignore_class, name, dtype: as for
            :class:`BalancedAccuracy`, which also says what out-of-range labels give.

    Example:
        >>> metric = PerClassRecall(num_classes=3)
        >>> metric.update_state([[0, 0, 1], [1, 0, 0], [0, 0, 1]],
        ...                     [[0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [0.6, 0.3, 0.1]])
        >>> [round(float(r), 4) for r in metric.result()]
        [1.0, 0.0, 0.5]
        >>> PerClassRecall(num_classes=3, class_id=2).name
        'recall_2'
    """

    default_name = _keras_name("per_class_recall")
    short_name = "recall"
    _from_confusion = staticmethod(confusion.per_class_recall_from_confusion)


@keras.saving.register_keras_serializable(package="keras_imbalance")
class PerClassPrecision(_PerClassMetric):
    """Precision of each class, ``TP_c / (TP_c + FP_c)`` (0 when never predicted).

    Takes the arguments of :class:`PerClassRecall`; with ``class_id=c`` the scalar is named
    ``precision_c``. Reference: ``sklearn.metrics.precision_score(average=None)``.

    Example:
        >>> metric = PerClassPrecision(num_classes=3, class_id=0)
        >>> metric.update_state([2, 0, 2], [[0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [0.6, 0.3, 0.1]])
        >>> round(float(metric.result()), 4)
        0.5
    """

    default_name = _keras_name("per_class_precision")
    short_name = "precision"
    _from_confusion = staticmethod(confusion.per_class_precision_from_confusion)
