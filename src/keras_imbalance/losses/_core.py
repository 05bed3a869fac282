"""The pieces the losses share: log-probabilities, weighted cross-entropy, the class-weight
variable protocol of :class:`keras_imbalance.callbacks.DeferredReweighting`, registration."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from keras_imbalance.labels import indices_to_one_hot, is_one_hot
from keras_imbalance.labels.tensors import checked_class_indices, checked_one_hot, poison
from keras_imbalance.losses._checks import check_weight_values, weight_list

# --- Tensor helpers (keras.ops) ---------------------------------------------------------------


def log_probs(y_pred: Any, from_logits: bool) -> Any:
    """Log-probabilities on the last axis: log-softmax of logits or log of clipped probabilities."""
    if from_logits:
        return ops.log_softmax(y_pred, axis=-1)
    epsilon = keras.backend.epsilon()
    y_pred = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
    return ops.log(ops.clip(y_pred, epsilon, 1.0 - epsilon))


def binary_log_probs(y_pred: Any, from_logits: bool) -> tuple[Any, Any]:
    """``(log p, log(1 - p))`` for independent sigmoid outputs."""
    if from_logits:
        return ops.log_sigmoid(y_pred), ops.log_sigmoid(-y_pred)
    epsilon = keras.backend.epsilon()
    y_pred = ops.clip(y_pred, epsilon, 1.0 - epsilon)
    return ops.log(y_pred), ops.log(1.0 - y_pred)


def as_vector(values: Any, y_pred: Any, name: str) -> Any:
    """A per-class vector (list, array, tensor or ``keras.Variable``) in ``y_pred``'s dtype."""
    if name in ("class_weight", "pos_weight"):
        values = check_weight_values(values, name)
    if isinstance(values, Mapping):
        values = weight_list(values, int(y_pred.shape[-1]))
    if isinstance(values, Sequence | np.ndarray):
        vector = ops.convert_to_tensor(np.asarray(values), dtype=y_pred.dtype)
    else:
        vector = ops.cast(ops.convert_to_tensor(values), y_pred.dtype)
    width = y_pred.shape[-1]
    if len(vector.shape) != 1 or (width is not None and vector.shape[0] != width):
        raise ValueError(
            f"{name} has shape {tuple(vector.shape)} but y_pred has {width} classes on its last "
            f"axis; give one value per class"
        )
    return vector


def true_class_weight(target: Any, weight: Any) -> Any:
    """``w[y]`` for one-hot ``target``; for soft labels the label-weighted mean ``sum_c y_c w_c``"""
    return ops.matmul(target, weight)


def target_and_weight(y_true: Any, y_pred: Any, weight: Any | None) -> tuple[Any, Any, Any]:
    """``(one-hot target, per-sample weight or None, out_of_range flag or None)`` of ``y_true``.

    One-hot or soft rows are the target themselves and weigh ``sum_c y_c w_c``
    (:func:`true_class_weight`). Sparse labels are checked once
    (:func:`keras_imbalance.labels.checked_class_indices`) and weigh ``w[y]`` by one gather of
    ``N`` values, not the ``(N, C) x (C,)`` product with their one-hot rows: the same numbers
    (each product row holds one ``1 * w[y]`` and zeros), without the matrix-vector product
    (1024 x 1000 multiply-adds per batch at C = 1000).

    Example:
        >>> weight = ops.convert_to_tensor([1.0, 2.0, 4.0])
        >>> target, w, flag = target_and_weight(ops.convert_to_tensor([2, 0]), ops.zeros((2, 3)),
        ...                                     weight)
        >>> ops.convert_to_numpy(target).tolist(), ops.convert_to_numpy(w).tolist(), flag
        ([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], [4.0, 1.0], None)
    """
    y_true = ops.convert_to_tensor(y_true)
    if is_one_hot(y_true, y_pred):
        target = ops.cast(y_true, y_pred.dtype)
        return target, None if weight is None else true_class_weight(target, weight), None
    index, out_of_range = checked_class_indices(y_true, y_pred)
    target = indices_to_one_hot(index, y_pred)
    return target, None if weight is None else ops.take(weight, index), out_of_range


def weighted_crossentropy(
    y_true: Any,
    y_pred: Any,
    weight: Any | None,
    from_logits: bool,
    label_smoothing: float = 0.0,
    ignore_class: int | None = None,
) -> Any:
    """``w[y] * CE`` through the backend's fused cross-entropy (stable, as Keras computes it).

    Sparse labels gather ``w[y]``; their cross-entropy uses the dense kernel on a one-hot
    matrix, which is faster than TensorFlow's sparse kernel on CPU and as fast on JAX.
    ``weight=None`` is plain cross-entropy. Sparse labels outside ``0..C-1`` raise a named error
    or, in a compiled step that cannot raise, make the batch's loss NaN
    (:func:`keras_imbalance.labels.check_class_range`); elements labelled ``ignore_class`` get
    a loss of 0 and a Keras mask, so that the reduction leaves them out of the mean, as
    ``keras.losses.SparseCategoricalCrossentropy(ignore_class=...)`` does.
    """
    y_true = ops.convert_to_tensor(y_true)
    if not is_one_hot(y_true, y_pred) and not label_smoothing:
        index, out_of_range = checked_class_indices(y_true, y_pred, ignore_class=ignore_class)
        target = indices_to_one_hot(index, y_pred)
        loss = ops.categorical_crossentropy(target, y_pred, from_logits=from_logits)
        if ignore_class is None:
            if weight is not None:
                loss = ops.take(weight, index) * loss
            return poison(loss, out_of_range)
        valid = ops.not_equal(index, ignore_class)
        if weight is not None:
            loss = ops.take(weight, ops.where(valid, index, ops.zeros_like(index))) * loss
        loss = poison(ops.where(valid, loss, ops.zeros_like(loss)), out_of_range)
        _set_mask(loss, valid)
        return loss
    target, out_of_range = checked_one_hot(y_true, y_pred)
    return poison(
        soft_weighted_crossentropy(target, y_pred, weight, from_logits, label_smoothing),
        out_of_range,
    )


def soft_weighted_crossentropy(
    target: Any, y_pred: Any, weight: Any | None, from_logits: bool, label_smoothing: float = 0.0
) -> Any:
    """``(sum_c t_c w_c) * CE(t, p)`` for a one-hot or soft ``target``, smoothed after weighing."""
    scale = None if weight is None else true_class_weight(target, weight)
    if label_smoothing:
        num_classes = ops.cast(ops.shape(target)[-1], y_pred.dtype)
        target = target * (1.0 - label_smoothing) + label_smoothing / num_classes
    loss = ops.categorical_crossentropy(target, y_pred, from_logits=from_logits)
    return loss if scale is None else scale * loss


def _set_mask(loss: Any, mask: Any) -> None:
    """Attach a Keras mask, which ``keras.losses.Loss`` reads to leave elements out of the mean.

    Keras's own ``sparse_categorical_crossentropy(ignore_class=...)`` does the same; the setter is
    not in Keras's public API, hence the import from ``keras.src``.
    """
    from keras.src.backend.common.masking import set_keras_mask

    set_keras_mask(loss, mask)


# --- Classes -----------------------------------------------------------------------------------


class ClassWeightVariable:
    """Keeps ``class_weight`` in a non-trainable variable a compiled step reads by reference."""

    num_classes: int
    _class_weight: keras.Variable

    def _init_class_weight(self, class_weight: Any, num_classes: int) -> None:
        self.num_classes = num_classes
        values = (
            np.ones(num_classes) if class_weight is None else weight_list(class_weight, num_classes)
        )
        self._class_weight = keras.Variable(
            np.asarray(values, dtype="float32"),
            trainable=False,
            dtype="float32",
            name="class_weight",
        )

    @property
    def class_weight(self) -> np.ndarray:
        """The current weights, one per class."""
        return np.asarray(ops.convert_to_numpy(self._class_weight), dtype=np.float64)

    def set_class_weight(self, class_weight: Any) -> None:
        """Validate and assign new weights (a dict, list or ``ClassWeights`` of ``num_classes``).

        A compiled TensorFlow or eager PyTorch step sees the change at once. A jitted JAX step
        reads the weights when it is traced: call ``model.make_train_function(force=True)`` after
        this (``DeferredReweighting`` does).
        """
        values = weight_list(class_weight, self.num_classes)
        self._class_weight.assign(np.asarray(values, dtype="float32"))


def register(cls: type) -> type:
    return keras.saving.register_keras_serializable(package="keras_imbalance")(cls)
