"""Labels as tensors inside losses and metrics, with ``keras.ops`` only (every backend).

Keras is imported inside the functions, so importing this module stays light.
"""

from __future__ import annotations

from typing import Any

# --- Tensors inside losses and metrics (keras.ops only, every backend) -------------------------


def class_indices(y_true: Any, y_pred: Any) -> Any:
    """Integer class indices of ``y_true`` for predictions ``y_pred`` of shape ``(..., C)``.

    ``y_true`` is sparse, ``(...)`` or ``(..., 1)``, or one-hot ``(..., C)`` with the rank of
    ``y_pred``. The decision uses static ranks only, as Keras's own losses do.
    """
    from keras import ops

    y_true = ops.convert_to_tensor(y_true)
    true_rank = len(y_true.shape)
    pred_rank = len(y_pred.shape)
    if true_rank == pred_rank:
        if y_true.shape[-1] == 1 and y_pred.shape[-1] != 1:
            return ops.cast(ops.squeeze(y_true, axis=-1), "int32")
        return first_argmax(y_true)
    return ops.cast(y_true, "int32")


def first_argmax(x: Any) -> Any:
    """``argmax`` over the last axis of a tensor (the first index among ties), as ``int32``.

    From 32 classes on, on TensorFlow and JAX, this is written as max, compare and min:
    ``ops.argmax`` lowers to a variadic reduction that is slow on CPU there (measured on
    ``(1024, C)``: JAX 200 us against 148 us at C = 100, 1788 us against 795 us at C = 1000).
    Below 32 classes, and on PyTorch, ``ops.argmax`` is as fast or faster. A row of NaN gives a
    valid class index either way.
    """
    import keras
    from keras import ops

    x = ops.convert_to_tensor(x)
    num_classes = x.shape[-1]
    if (
        num_classes is None  # a dynamic last axis (a graph traced without it)
        or num_classes < _MAX_COMPARE_MIN_FROM
        or keras.backend.backend() == "torch"
    ):
        return ops.cast(ops.argmax(x, axis=-1), "int32")
    hits = ops.equal(x, ops.max(x, axis=-1, keepdims=True))
    positions = ops.arange(num_classes, dtype="int32")
    first = ops.min(ops.where(hits, positions, num_classes), axis=-1)
    return ops.minimum(first, num_classes - 1)


_MAX_COMPARE_MIN_FROM = 32


def is_one_hot(y_true: Any, y_pred: Any) -> bool:
    """Whether tensor labels ``y_true`` are one-hot rows for predictions ``y_pred`` ``(..., C)``.

    A static test (ranks and the last axis), as Keras's own losses decide: the same rank and
    ``C`` columns, with ``C > 1``.
    """
    num_classes = y_pred.shape[-1]
    return (
        len(y_true.shape) == len(y_pred.shape)
        and y_true.shape[-1] == num_classes
        and num_classes != 1
    )


def one_hot(y_true: Any, y_pred: Any) -> Any:
    """One-hot ``y_true`` in the dtype of ``y_pred``; sparse labels are expanded, one-hot kept."""
    from keras import ops

    y_true = ops.convert_to_tensor(y_true)
    if is_one_hot(y_true, y_pred):
        return ops.cast(y_true, y_pred.dtype)
    return ops.one_hot(class_indices(y_true, y_pred), y_pred.shape[-1], dtype=y_pred.dtype)
