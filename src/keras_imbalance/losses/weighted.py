"""Class-weighted cross-entropies: categorical, sparse categorical and binary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from keras_imbalance._validation import positional_deprecated
from keras_imbalance.labels.tensors import check_ignore_class
from keras_imbalance.losses._checks import (
    check_label_smoothing,
    check_pos_weight,
    num_weights,
)
from keras_imbalance.losses._core import (
    ClassWeightVariable,
    as_vector,
    binary_log_probs,
    register,
    weighted_crossentropy,
)

# --- Functions ---------------------------------------------------------------------------------


def weighted_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    class_weight: Any,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> Any:
    """Cross-entropy with a weight per true class: ``loss_i = w[y_i] * CE_i``.

    ``CE_i = -sum_c y_ic log p_ic``. For soft (or smoothed) labels the weight is the
    label-weighted mean ``sum_c y_ic w_c``; smoothing is applied after the weight is taken.

    Args:
        y_true: one-hot ``(..., C)`` or sparse ``(...)`` labels.
        y_pred: probabilities or logits, ``(..., C)``.
        class_weight: ``C`` weights: a list, array, tensor, ``keras.Variable`` or dict.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: as in ``keras.losses.CategoricalCrossentropy``.

    Returns:
        The per-element loss, shaped like ``y_pred`` without its last axis.

    Example:
        >>> loss = weighted_categorical_crossentropy([[0, 1], [1, 0]], [[0.5, 0.5], [0.5, 0.5]],
        ...                                          [1.0, 3.0])
        >>> [round(float(v), 4) for v in loss]
        [2.0794, 0.6931]
    """
    label_smoothing = check_label_smoothing(label_smoothing)
    y_pred = ops.convert_to_tensor(y_pred)
    weight = as_vector(class_weight, y_pred, "class_weight")
    return weighted_crossentropy(y_true, y_pred, weight, from_logits, label_smoothing)


def weighted_sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    class_weight: Any,
    *,
    from_logits: bool = False,
    ignore_class: int | None = None,
) -> Any:
    """:func:`weighted_categorical_crossentropy` for sparse labels ``(...)`` or ``(..., 1)``.

    ``ignore_class``: as in ``keras.losses.sparse_categorical_crossentropy``, elements with this
    label get a loss of 0 and a Keras mask, so a loss class leaves them out of its mean.

    Example:
        >>> loss = weighted_sparse_categorical_crossentropy([1, 0], [[0.5, 0.5], [0.5, 0.5]],
        ...                                                 [1.0, 3.0])
        >>> [round(float(v), 4) for v in loss]
        [2.0794, 0.6931]
    """
    ignore_class = check_ignore_class(ignore_class)
    y_pred = ops.convert_to_tensor(y_pred)
    weight = as_vector(class_weight, y_pred, "class_weight")
    return weighted_crossentropy(y_true, y_pred, weight, from_logits, ignore_class=ignore_class)


def weighted_binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    pos_weight: Any,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> Any:
    """Binary cross-entropy with a weight on the positive term of each label.

    ``loss = mean_l -(pos_weight_l * y_l * log p_l + (1 - y_l) * log(1 - p_l))``, the mean over the
    last (label) axis as in ``keras.losses.BinaryCrossentropy``; PyTorch's
    ``BCEWithLogitsLoss(pos_weight=...)``. ``pos_weight = n_neg / n_pos`` balances each label
    (:func:`pos_weight_from_counts`).

    Example:
        >>> loss = weighted_binary_crossentropy([[1.0, 0.0]], [[0.0, 0.0]], [3.0, 3.0],
        ...                                     from_logits=True)
        >>> round(float(loss[0]), 4)
        1.3863
    """
    label_smoothing = check_label_smoothing(label_smoothing)
    if not hasattr(pos_weight, "shape") or isinstance(pos_weight, np.ndarray):
        pos_weight = check_pos_weight(pos_weight)
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    if len(y_true.shape) == len(y_pred.shape) - 1 and y_pred.shape[-1] == 1:
        y_true = ops.expand_dims(y_true, axis=-1)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if isinstance(pos_weight, int | float):
        weight = ops.cast(pos_weight, y_pred.dtype)
    else:
        weight = as_vector(pos_weight, y_pred, "pos_weight")
    if from_logits:
        # -(w y log s(x) + (1 - y) log(1 - s(x))) = (1 - y) x + (1 + (w - 1) y) softplus(-x):
        # one stable softplus, as tf.nn.weighted_cross_entropy_with_logits computes it.
        loss = (1.0 - y_true) * y_pred + (1.0 + (weight - 1.0) * y_true) * ops.softplus(-y_pred)
        return ops.mean(loss, axis=-1)
    log_p, log_not_p = binary_log_probs(y_pred, from_logits)
    return -ops.mean(weight * y_true * log_p + (1.0 - y_true) * log_not_p, axis=-1)


class _ClassWeightedCrossentropy(ClassWeightVariable, keras.losses.Loss):
    """What the two class-weighted cross-entropies share: ``option`` names the one that differs
    (``label_smoothing`` or ``ignore_class``), passed on to ``function``."""

    option: str
    function: Any

    def _set_up(self, class_weight: Any, from_logits: bool, option_value: Any) -> None:
        self._init_class_weight(class_weight, num_weights(class_weight))
        self.from_logits = bool(from_logits)
        setattr(self, self.option, option_value)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return type(self).function(
            y_true,
            y_pred,
            self._class_weight,
            from_logits=self.from_logits,
            **{self.option: getattr(self, self.option)},
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "class_weight": self.class_weight.tolist(),
            "from_logits": self.from_logits,
            self.option: getattr(self, self.option),
            "reduction": self.reduction,
            "name": self.name,
            "dtype": self.dtype,
        }


@register
class WeightedCategoricalCrossentropy(_ClassWeightedCrossentropy):
    """Loss class for :func:`weighted_categorical_crossentropy`: ``w[y] * CE``.

    Args:
        class_weight: one weight per class: a dict ``{index: weight}``, a list, or a
            ``ClassWeights``; ``num_classes`` is its length. Changeable later with
            :meth:`set_class_weight`.
        from_logits: whether predictions are logits.
        label_smoothing: as in ``keras.losses.CategoricalCrossentropy``.
        reduction: Keras's reduction; the default divides the weighted sum by the number of
            elements (see the module docstring).
        name: the loss name.

    Example:
        >>> loss = WeightedCategoricalCrossentropy({0: 1.0, 1: 3.0})
        >>> round(float(loss([[0, 1], [1, 0]], [[0.5, 0.5], [0.5, 0.5]])), 4)
        1.3863
    """

    option = "label_smoothing"
    function = staticmethod(weighted_categorical_crossentropy)

    @positional_deprecated(2)
    def __init__(
        self,
        class_weight: Any,
        *,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "weighted_categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._set_up(class_weight, from_logits, check_label_smoothing(label_smoothing))


@register
class WeightedSparseCategoricalCrossentropy(_ClassWeightedCrossentropy):
    """Loss class for :func:`weighted_sparse_categorical_crossentropy`: ``w[y] * CE``.

    Args:
        class_weight: one weight per class (dict, list or ``ClassWeights``).
        from_logits: whether predictions are logits.
        ignore_class: a label whose elements get no loss and leave the mean (e.g. ``-1``).
        reduction: Keras's reduction.
        name: the loss name.

    Example:
        >>> loss = WeightedSparseCategoricalCrossentropy([1.0, 3.0])
        >>> round(float(loss([1, 0], [[0.5, 0.5], [0.5, 0.5]])), 4)
        1.3863
    """

    option = "ignore_class"
    function = staticmethod(weighted_sparse_categorical_crossentropy)

    @positional_deprecated(2)
    def __init__(
        self,
        class_weight: Any,
        *,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str | None = "sum_over_batch_size",
        name: str = "weighted_sparse_categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._set_up(class_weight, from_logits, check_ignore_class(ignore_class))


@register
class WeightedBinaryCrossentropy(keras.losses.Loss):
    """Loss class for :func:`weighted_binary_crossentropy` (multi-label, per-label ``pos_weight``).

    Args:
        pos_weight: one positive weight per label (list), or one number for all labels; see
            :func:`pos_weight_from_counts`.
        from_logits: whether predictions are logits.
        label_smoothing: as in ``keras.losses.BinaryCrossentropy``.
        reduction: Keras's reduction.
        name: the loss name.

    Example:
        >>> loss = WeightedBinaryCrossentropy([3.0, 1.0], from_logits=True)
        >>> round(float(loss([[1.0, 1.0]], [[0.0, 0.0]])), 4)
        1.3863
    """

    @positional_deprecated(2)
    def __init__(
        self,
        pos_weight: float | Sequence[float] | np.ndarray,
        *,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "weighted_binary_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.pos_weight = check_pos_weight(pos_weight)
        self.from_logits = bool(from_logits)
        self.label_smoothing = check_label_smoothing(label_smoothing)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return weighted_binary_crossentropy(
            y_true,
            y_pred,
            self.pos_weight,
            from_logits=self.from_logits,
            label_smoothing=self.label_smoothing,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "pos_weight": self.pos_weight,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "reduction": self.reduction,
            "name": self.name,
            "dtype": self.dtype,
        }
