"""Labels as tensors inside losses and metrics, with ``keras.ops`` only (every backend).

Keras is imported inside the functions, so importing this module stays light.
"""

from __future__ import annotations

from typing import Any

# --- Tensors inside losses and metrics (keras.ops only, every backend) -------------------------


def class_indices(
    y_true: Any, y_pred: Any, *, ignore_class: int | None = None, name: str = "y_true"
) -> Any:
    """Integer class indices of ``y_true`` for predictions ``y_pred`` of shape ``(..., C)``.

    ``y_true`` is sparse, ``(...)`` or ``(..., 1)``, or one-hot ``(..., C)`` with the rank of
    ``y_pred``. The decision uses static ranks only, as Keras's own losses do. One-hot rows of
    another width than ``C`` are refused, and sparse labels outside ``0..C-1`` (other than
    ``ignore_class``) raise a ``ValueError`` naming ``name`` (see :func:`check_class_range`).
    """
    from keras import ops

    y_true = ops.convert_to_tensor(y_true)
    true_rank = len(y_true.shape)
    pred_rank = len(y_pred.shape)
    num_classes = y_pred.shape[-1]
    if true_rank == pred_rank:
        if y_true.shape[-1] == 1 and num_classes != 1:
            index = ops.cast(ops.squeeze(y_true, axis=-1), "int32")
            return check_class_range(index, num_classes, ignore_class=ignore_class, name=name)
        width = y_true.shape[-1]
        if width is not None and num_classes is not None and width != num_classes:
            raise ValueError(
                f"{name} has shape {tuple(y_true.shape)}: one-hot rows of width {width}, but "
                f"y_pred has {num_classes} classes (shape {tuple(y_pred.shape)}); give one-hot "
                f"rows of width {num_classes} or sparse class indices of shape "
                f"{tuple(y_pred.shape[:-1])}"
            )
        return first_argmax(y_true)
    index = ops.cast(y_true, "int32")
    return check_class_range(index, num_classes, ignore_class=ignore_class, name=name)


def _range_message(name: str, low: int, high: int, num_classes: int) -> str:
    bad = low if low < 0 else high
    way_out = (
        "pass ignore_class to skip padding labels"
        if bad < 0
        else f"give the model {bad + 1} outputs"
    )
    return (
        f"{name} contains the class index {bad}, but y_pred has {num_classes} classes "
        f"(indices 0..{num_classes - 1}); fix the labels, or {way_out}"
    )


def _raise_if_out_of_range(
    low: Any, high: Any, num_classes: int, name: str
) -> None:  # runs on the host, also from a jitted JAX step
    import numpy as np

    low_value, high_value = int(np.asarray(low)), int(np.asarray(high))
    if low_value < 0 or high_value >= num_classes:
        raise ValueError(_range_message(name, low_value, high_value, num_classes))


def check_class_range(
    index: Any, num_classes: int | None, *, ignore_class: int | None = None, name: str = "y_true"
) -> Any:
    """Refuse class indices outside ``0..num_classes-1`` (other than ``ignore_class``).

    Keras's own sparse cross-entropy raises on TensorFlow (CPU) and PyTorch, and gives the bad
    rows a loss of 0 on JAX. Here the error is a ``ValueError`` naming ``name`` wherever the
    values are known: eagerly on every backend (PyTorch, NumPy inputs, ``run_eagerly=True``).
    Under ``torch.compile`` the check is a graph break, so it runs eagerly too.
    Inside compiled steps: a JAX ``jit`` step checks with a host callback (the error arrives
    wrapped in ``JaxRuntimeError`` with the same message); a TensorFlow graph step checks with
    ``tf.debugging.Assert`` (an ``InvalidArgumentError`` with the same message). XLA drops
    asserts, so under TensorFlow's ``jit_compile=True`` the bad rows get a NaN loss instead, as
    Keras's own sparse cross-entropy gives there (:func:`one_hot` builds them).

    Returns:
        ``index`` (on TensorFlow graphs, with the check attached).
    """
    import keras
    from keras import ops

    if num_classes is None or 0 in tuple(index.shape):
        return index
    valid = (
        ops.ones_like(index, dtype="bool")
        if ignore_class is None
        else ops.not_equal(index, ignore_class)
    )
    # Ignored elements count as class 0 for the range check.
    checked = ops.where(valid, index, ops.zeros_like(index))
    low, high = ops.min(checked), ops.max(checked)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        if not tf.executing_eagerly():
            message = (
                f"{name} contains a class index outside 0..{num_classes - 1} (y_pred has "
                f"{num_classes} classes); fix the labels or the number of model outputs"
            )
            in_range = tf.logical_and(low >= 0, high < num_classes)
            with tf.control_dependencies([tf.debugging.Assert(in_range, [message, low, high])]):
                return tf.identity(index)
    elif backend == "jax":
        import jax

        if isinstance(index, jax.core.Tracer):
            # The host callback runs only in the bad branch: a good step pays one compare.
            def report(lo: Any, hi: Any) -> None:
                jax.debug.callback(_raise_if_out_of_range, lo, hi, num_classes, name)

            bad = jax.numpy.logical_or(low < 0, high >= num_classes)
            jax.lax.cond(bad, report, lambda lo, hi: None, low, high)
            return index
    _raise_if_out_of_range(ops.convert_to_numpy(low), ops.convert_to_numpy(high), num_classes, name)
    return index


def in_class_range(index: Any, num_classes: int) -> Any:
    """Boolean mask of the elements of ``index`` in ``0..num_classes-1``."""
    from keras import ops

    return ops.logical_and(index >= 0, index < num_classes)


def _graph_mode() -> bool:
    """Whether TensorFlow traces a graph now (where XLA may drop the range assert)."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return not tf.executing_eagerly()


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


def one_hot(
    y_true: Any, y_pred: Any, *, ignore_class: int | None = None, name: str = "y_true"
) -> Any:
    """One-hot ``y_true`` in the dtype of ``y_pred``; sparse labels are expanded, one-hot kept.

    Sparse labels are checked with :func:`check_class_range`. In a TensorFlow graph an
    out-of-range label also gets a row of NaN, so that under XLA (which drops the assert) the
    loss is NaN, as Keras's own sparse cross-entropy gives there, instead of a silent 0.
    """
    from keras import ops

    y_true = ops.convert_to_tensor(y_true)
    if is_one_hot(y_true, y_pred):
        return ops.cast(y_true, y_pred.dtype)
    index = class_indices(y_true, y_pred, ignore_class=ignore_class, name=name)
    return indices_to_one_hot(index, y_pred, ignore_class=ignore_class)


def indices_to_one_hot(index: Any, y_pred: Any, *, ignore_class: int | None = None) -> Any:
    """``ops.one_hot`` of indices checked by :func:`class_indices`, in ``y_pred``'s dtype.

    In a TensorFlow graph an out-of-range index gets a row of NaN (see :func:`one_hot`); an
    ``ignore_class`` element gets a row of zeros.
    """
    from keras import ops

    num_classes = y_pred.shape[-1]
    target = ops.one_hot(index, num_classes, dtype=y_pred.dtype)
    if _graph_mode() and num_classes is not None:
        valid = in_class_range(index, num_classes)
        if ignore_class is not None:
            valid = ops.logical_or(valid, ops.equal(index, ignore_class))
        nan = ops.full_like(target, float("nan"))
        target = ops.where(ops.expand_dims(valid, -1), target, nan)
    return target
