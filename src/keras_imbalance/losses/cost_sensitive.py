"""Cost-sensitive cross-entropy from a misclassification cost matrix."""

from __future__ import annotations

from typing import Any, Literal

import keras
import numpy as np
from keras import ops

from keras_imbalance._validation import check_option, positional_deprecated
from keras_imbalance.labels import first_argmax, indices_to_one_hot, is_one_hot
from keras_imbalance.labels.tensors import checked_class_indices, poison
from keras_imbalance.losses._checks import check_cost_matrix
from keras_imbalance.losses._core import log_probs, register

CostMode = Literal["argmax", "expected"]


COST_MODES: tuple[str, ...] = ("argmax", "expected")


def cost_sensitive_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    cost_matrix: Any,
    *,
    mode: CostMode = "argmax",
    from_logits: bool = False,
) -> Any:
    """Cross-entropy scaled by the cost of the prediction: ``loss_i = cost_i * CE_i``.

    * ``mode="argmax"``: ``cost_i = cost[y_i, argmax_j p_ij]``, the seed's
      ``w_categorical_crossentropy``, computed with one gather in ``O(N * C)`` instead of its
      ``C**2`` loop. The weight is piecewise constant, so no gradient flows through it: it only
      rescales the CE gradient of the current mistake. Ties in ``argmax`` take the first class
      (the seed's loop adds the costs of all tied classes).
    * ``mode="expected"``: ``cost_i = sum_j cost[y_i, j] * p_ij``, the expected cost under the
      predicted distribution. It is differentiable, so the gradient also pushes probability
      away from expensive mistakes.

    ``cost_matrix[t, p]`` is the cost of predicting class ``p`` for true class ``t``.

    Example:
        >>> cost = [[1.0, 5.0], [2.0, 1.0]]
        >>> loss = cost_sensitive_categorical_crossentropy([0, 1], [[0.25, 0.75], [0.5, 0.5]],
        ...                                                cost)
        >>> [round(float(v), 4) for v in loss]
        [6.9315, 1.3863]
    """
    check_option("mode", mode, COST_MODES)
    return _cost_sensitive(y_true, y_pred, check_cost_matrix(cost_matrix), mode, from_logits)


def _cost_sensitive(
    y_true: Any, y_pred: Any, cost_matrix: np.ndarray, mode: str, from_logits: bool
) -> Any:
    """:func:`cost_sensitive_categorical_crossentropy` on a checked cost matrix and mode."""
    y_pred = ops.convert_to_tensor(y_pred)
    cost = ops.convert_to_tensor(cost_matrix, dtype=y_pred.dtype)
    num_classes = y_pred.shape[-1]
    if tuple(cost.shape) != (num_classes, num_classes):
        raise ValueError(
            f"cost_matrix has shape {tuple(cost.shape)} but y_pred has {num_classes} classes; "
            f"give a {num_classes} x {num_classes} matrix"
        )
    y_true = ops.convert_to_tensor(y_true)
    if is_one_hot(y_true, y_pred):
        target = ops.cast(y_true, y_pred.dtype)
        true_index, out_of_range = first_argmax(target), None
    else:  # decoded and checked once (a NaN loss for bad labels in a compiled step)
        true_index, out_of_range = checked_class_indices(y_true, y_pred)
        target = indices_to_one_hot(true_index, y_pred)
    ce = ops.categorical_crossentropy(target, y_pred, from_logits=from_logits)
    if mode == "argmax":
        predicted = first_argmax(y_pred)
        weight = ops.take(ops.reshape(cost, (-1,)), true_index * num_classes + predicted)
        return poison(ops.stop_gradient(weight) * ce, out_of_range)
    # From logits, one softmax: the same probabilities as exp(log_softmax), with one pass of
    # exponentials instead of three (forward, and log-softmax's gradient) in a train step.
    probabilities = (
        ops.softmax(y_pred, axis=-1) if from_logits else ops.exp(log_probs(y_pred, from_logits))
    )
    rows = ops.take(cost, true_index, axis=0)
    return poison(ops.sum(rows * probabilities, axis=-1) * ce, out_of_range)


@register
class CostSensitiveCategoricalCrossentropy(keras.losses.Loss):
    """Loss class for :func:`cost_sensitive_categorical_crossentropy`.

    Args:
        cost_matrix: ``C x C``, finite and non-negative; ``cost_matrix[true, predicted]``.
        mode: ``"argmax"`` (the seed's weight, no gradient through it) or ``"expected"``
            (differentiable expected cost).
        from_logits: whether predictions are logits.
        reduction: Keras's reduction.
        name: the loss name.

    Example:
        >>> loss = CostSensitiveCategoricalCrossentropy([[1.0, 5.0], [2.0, 1.0]])
        >>> round(float(loss([0, 1], [[0.25, 0.75], [0.5, 0.5]])), 4)
        4.1589
    """

    @positional_deprecated(2)
    def __init__(
        self,
        cost_matrix: Any,
        *,
        mode: CostMode = "argmax",
        from_logits: bool = False,
        reduction: str | None = "sum_over_batch_size",
        name: str = "cost_sensitive_categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.cost_matrix = check_cost_matrix(cost_matrix)
        self._cost = self.cost_matrix.astype("float32")
        self.mode = check_option("mode", mode, COST_MODES)
        self.from_logits = bool(from_logits)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        # The matrix was checked at construction: no NumPy pass over C x C values per call
        # (eager PyTorch runs this on every step).
        return _cost_sensitive(y_true, y_pred, self._cost, self.mode, self.from_logits)

    def get_config(self) -> dict[str, Any]:
        return {
            "cost_matrix": self.cost_matrix.tolist(),
            "mode": self.mode,
            "from_logits": self.from_logits,
            "reduction": self.reduction,
            "name": self.name,
            "dtype": self.dtype,
        }
