"""Imbalance-aware losses: functions over ``keras.ops`` plus thin ``keras.losses.Loss`` classes.

Every function returns the *per-element* loss, shaped like the labels without their class axis
(``(N,)``, or ``(N, T)`` for sequences and ``(N, H, W)`` for masks); the classes then apply
Keras's ``reduction`` and ``sample_weight`` exactly as Keras's own losses do. Labels may be sparse
class indices or one-hot rows wherever Keras's categorical losses take either (decoded by
:func:`keras_imbalance.labels.one_hot`). All run on the TensorFlow, JAX and PyTorch backends.
Cross-entropy goes through ``keras.ops.categorical_crossentropy``, the backend's fused kernel, so
it is stable at logits of +-1e4 and probabilities of exactly 0 or 1 (clipped to
``keras.backend.epsilon()`` as Keras clips them); sigmoid terms use ``softplus``/``log_sigmoid``.

* ``WeightedCategoricalCrossentropy``, ``WeightedSparseCategoricalCrossentropy``: ``w[y] * CE``.
* ``WeightedBinaryCrossentropy``: ``mean_l -(pos_weight_l y_l log p_l + (1 - y_l) log(1 - p_l))``.
* ``CostSensitiveCategoricalCrossentropy``: ``cost[y, argmax p] * CE`` (the seed's loss) or
  ``(sum_j cost[y, j] p_j) * CE`` (differentiable).
* ``LogitAdjustedLoss``: ``CE(softmax(z + tau * log prior))``; Balanced Softmax at ``tau=1``.
* ``LDAMLoss``: ``w[y] * CE(softmax(s * (z - m_y e_y)))`` with margins ``m_c ∝ n_c**(-1/4)``.
* ``ClassBalancedLoss``: ``(1 - beta) / (1 - beta**n_y)`` times softmax CE, sigmoid BCE or sigmoid
  focal loss.
* ``AsymmetricLoss`` (multi-label): ``mean_l -(y (1 - p)**gamma_pos log p + (1 - y)
  p_m**gamma_neg log(1 - p_m))`` with ``p_m = max(p - clip, 0)``.

**Out-of-range labels.** A sparse label outside ``0..C-1`` never gives a finite wrong loss (the
old behaviour of LDAM and the focal class-balanced loss, a loss of 0 for the row). Where the
labels can be read on the host (eager calls, ``model.compile(run_eagerly=True)``, PyTorch on the
CPU) it raises a ``ValueError`` naming ``y_true`` and the index; in a TensorFlow graph
(``model.fit`` by default) an ``InvalidArgumentError`` with the same words. Inside a jitted JAX
step (JAX's default) or under ``jit_compile=True`` on TensorFlow, where XLA drops asserts and a
host callback would cost every step, the batch's loss is NaN (``keras.callbacks.TerminateOnNaN``
stops on it). For the named error there, use ``run_eagerly=True`` or check the labels up front
with ``keras_imbalance.count_labels(y, classes=C)``. ``WeightedSparseCategoricalCrossentropy``
takes ``ignore_class=`` for padding labels.

**Reduction.** Class weights here live *inside* the loss, so Keras's default reduction
``"sum_over_batch_size"`` divides ``sum_i w[y_i] * CE_i`` by the number of elements ``N``, not by
``sum_i w[y_i]``. That is the same scale ``model.fit(class_weight=...)`` gives, and unlike
PyTorch's ``F.cross_entropy(weight=...)``, which divides by the sum of the weights. Nothing is
hidden: to get a weighted mean, normalise the weights (``class_weights(..., normalize="mean")``
makes the mean weight per labelled element 1 over the training set).

**Focal loss.** Keras's own ``keras.losses.CategoricalFocalCrossentropy`` already takes ``alpha``
as a list of per-class weights (it multiplies ``alpha`` into the ``(..., C)`` loss, broadcast on
the class axis). :func:`focal_alpha` builds that list from class counts; no new class is needed.

**Changing weights during training.** Losses that take ``class_weight`` keep it in a non-trainable
``keras.Variable``, so a compiled TensorFlow step sees a new value without retracing. They follow
a small protocol that :class:`keras_imbalance.callbacks.DeferredReweighting` drives:

* ``loss.num_classes``: the number of classes;
* ``loss.class_weight``: the current weights, a NumPy array;
* ``loss.set_class_weight(class_weight)``: validate and assign new weights.

JAX's ``jit`` reads a variable that the model does not own as a constant when it traces the step,
so after ``set_class_weight`` on the JAX backend call ``model.make_train_function(force=True)``
(the callback does this for you).
"""

from __future__ import annotations

from keras_imbalance.losses.asymmetric import AsymmetricLoss, asymmetric_loss
from keras_imbalance.losses.cost_sensitive import (
    COST_MODES,
    CostSensitiveCategoricalCrossentropy,
    cost_sensitive_categorical_crossentropy,
)
from keras_imbalance.losses.helpers import focal_alpha, ldam_margins, pos_weight_from_counts
from keras_imbalance.losses.long_tail import (
    BALANCED_BASES,
    ClassBalancedLoss,
    LDAMLoss,
    LogitAdjustedLoss,
    class_balanced_loss,
    ldam_loss,
    logit_adjusted_crossentropy,
)
from keras_imbalance.losses.weighted import (
    WeightedBinaryCrossentropy,
    WeightedCategoricalCrossentropy,
    WeightedSparseCategoricalCrossentropy,
    weighted_binary_crossentropy,
    weighted_categorical_crossentropy,
    weighted_sparse_categorical_crossentropy,
)

__all__ = [
    "COST_MODES",
    "BALANCED_BASES",
    "AsymmetricLoss",
    "ClassBalancedLoss",
    "CostSensitiveCategoricalCrossentropy",
    "LDAMLoss",
    "LogitAdjustedLoss",
    "WeightedBinaryCrossentropy",
    "WeightedCategoricalCrossentropy",
    "WeightedSparseCategoricalCrossentropy",
    "asymmetric_loss",
    "class_balanced_loss",
    "cost_sensitive_categorical_crossentropy",
    "focal_alpha",
    "ldam_loss",
    "ldam_margins",
    "logit_adjusted_crossentropy",
    "pos_weight_from_counts",
    "weighted_binary_crossentropy",
    "weighted_categorical_crossentropy",
    "weighted_sparse_categorical_crossentropy",
]
