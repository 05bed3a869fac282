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
* ``ignore_class=`` (every class, and :func:`confusion_matrix_update`) skips the elements whose
  true label equals it, as ``keras.metrics.MeanIoU(ignore_class=...)`` does: a padding value such
  as ``-1`` or ``255``, or a class in ``0..C-1`` to leave out of the score.
* Any other label outside ``0..C-1`` is never dropped silently. Where the labels can be read on
  the host (eager calls, ``model.compile(run_eagerly=True)``, PyTorch on the CPU) it raises a
  ``ValueError`` naming ``y_true`` and the index; in a TensorFlow graph (``model.fit`` and
  ``evaluate`` by default) an ``InvalidArgumentError`` with the same words. Inside a jitted JAX
  step (JAX's default) or under ``jit_compile=True`` on TensorFlow, where raising would cost
  every step, the metric counts the bad batch in its ``out_of_range`` variable and its result is
  NaN until ``reset_state()`` (Keras resets at each epoch). For the named error there, use
  ``run_eagerly=True`` or check the labels up front with
  ``keras_imbalance.count_labels(y, classes=C)``.
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

from keras_imbalance.metrics.classes import (
    BalancedAccuracy,
    GeometricMean,
    MacroF1,
    MatthewsCorrelation,
    PerClassPrecision,
    PerClassRecall,
)
from keras_imbalance.metrics.confusion import (
    balanced_accuracy_from_confusion,
    confusion_matrix_update,
    geometric_mean_from_confusion,
    macro_f1_from_confusion,
    matthews_correlation_from_confusion,
    per_class_precision_from_confusion,
    per_class_recall_from_confusion,
)

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
