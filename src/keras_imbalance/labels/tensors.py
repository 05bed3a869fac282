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
    another width than ``C`` are refused. Sparse labels outside ``0..C-1`` (other than
    ``ignore_class``) raise a ``ValueError`` naming ``name`` wherever the values can be read on
    the host, and a TensorFlow graph asserts (see :func:`check_class_range`). Inside a jitted
    JAX step or an XLA-compiled TensorFlow step the indices come back unchanged, out of range:
    use :func:`checked_class_indices` there, which also returns the flag to act on.
    """
    return checked_class_indices(y_true, y_pred, ignore_class=ignore_class, name=name)[0]


def checked_class_indices(
    y_true: Any, y_pred: Any, *, ignore_class: int | None = None, name: str = "y_true"
) -> tuple[Any, Any]:
    """:func:`class_indices` and the out-of-range flag of :func:`check_class_range`.

    Returns:
        ``(index, out_of_range)``: ``out_of_range`` is ``None`` where the labels were checked
        on the host (or need no check: one-hot rows), else a boolean scalar tensor, true when
        some element other than ``ignore_class`` lies outside ``0..C-1``. Pass it to
        :func:`poison` to make a loss or metric value NaN for that batch.
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
        return first_argmax(y_true), None
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


def check_class_range(
    index: Any, num_classes: int | None, *, ignore_class: int | None = None, name: str = "y_true"
) -> tuple[Any, Any]:
    """Refuse class indices outside ``0..num_classes-1`` (other than ``ignore_class``).

    What happens to a bad index depends on where the labels are:

    * **Readable on the host** (eager TensorFlow, eager JAX, NumPy inputs, ``run_eagerly=True``
      on every backend, PyTorch tensors on the CPU, eager or under ``torch.compile``, where the
      read is a graph break): a ``ValueError`` naming ``name`` and the bad index.
    * **A TensorFlow graph** (``tf.function``, ``model.fit`` by default): a
      ``tf.debugging.Assert`` raises ``InvalidArgumentError`` naming ``name``.
    * **Compiled steps** where a host error would cost every step (a jitted JAX step, which
      ``model.fit`` uses by default; TensorFlow with ``jit_compile=True``, where XLA drops the
      assert; PyTorch tensors on an accelerator, where reading them would wait for the device):
      no error; the returned flag is true, and the losses and metrics turn it into NaN for the
      batch (:func:`poison`). A host callback inside ``jax.jit`` costs about 150 us per call
      even when it never fires, more than the metric update itself.

    To get the named error on those paths, run the step eagerly (``model.compile(...,
    run_eagerly=True)``) or check the labels up front with ``keras_imbalance.count_labels(y,
    classes=C)``.

    Returns:
        ``(index, out_of_range)``: ``index`` (in a TensorFlow graph, with the assert attached;
        on an accelerator in PyTorch, with bad elements replaced by 0 so that no gather fails on
        the device) and ``None`` where the check ran on the host, else a boolean scalar tensor.
    """
    import keras
    from keras import ops

    if num_classes is None or 0 in tuple(index.shape):
        return index, None
    valid = None if ignore_class is None else ops.not_equal(index, ignore_class)
    # Ignored elements count as class 0 for the range check.
    checked = index if valid is None else ops.where(valid, index, ops.zeros_like(index))
    backend = keras.backend.backend()
    if backend == "torch":
        if index.device.type == "cpu":
            import torch

            low, high = (int(v) for v in torch.aminmax(checked))  # one pass, no device wait
            _raise_if_out_of_range(low, high, num_classes, name)
            return index, None
        bad_elements = ops.logical_or(checked < 0, checked >= num_classes)
        safe = ops.where(bad_elements, ops.zeros_like(index), index)
        return safe, ops.any(bad_elements)
    low, high = ops.min(checked), ops.max(checked)
    if backend == "tensorflow":
        import tensorflow as tf

        if not tf.executing_eagerly():
            out_of_range = tf.logical_or(low < 0, high >= num_classes)
            message = (
                f"{name} contains a class index outside 0..{num_classes - 1} (y_pred has "
                f"{num_classes} classes); fix the labels or the number of model outputs"
            )
            check = tf.debugging.Assert(tf.logical_not(out_of_range), [message, low, high])
            with tf.control_dependencies([check]):
                return tf.identity(index), tf.identity(out_of_range)
    elif backend == "jax":
        import jax

        if isinstance(index, jax.core.Tracer):
            return index, jax.numpy.logical_or(low < 0, high >= num_classes)
    _raise_if_out_of_range(
        int(ops.convert_to_numpy(low)), int(ops.convert_to_numpy(high)), num_classes, name
    )
    return index, None


def _raise_if_out_of_range(low: int, high: int, num_classes: int, name: str) -> None:
    if low < 0 or high >= num_classes:
        raise ValueError(_range_message(name, low, high, num_classes))


def poison(values: Any, out_of_range: Any) -> Any:
    """``values``, or NaN everywhere when ``out_of_range`` (a flag from :func:`check_class_range`).

    One scalar ``where`` and a broadcast add: a bad batch in a compiled step gives a NaN loss
    (Keras's ``TerminateOnNaN`` stops on it) instead of a finite wrong number.
    """
    from keras import ops

    if out_of_range is None:
        return values
    nan = ops.where(out_of_range, float("nan"), 0.0)
    return values + ops.cast(nan, values.dtype)


def in_class_range(index: Any, num_classes: int) -> Any:
    """Boolean mask of the elements of ``index`` in ``0..num_classes-1``."""
    from keras import ops

    return ops.logical_and(index >= 0, index < num_classes)


def first_argmax(x: Any) -> Any:
    """``argmax`` over the last axis of a tensor (the first index among ties), as ``int32``.

    From 32 classes on, on TensorFlow and JAX, this is written as max, compare and a second
    reduction: ``ops.argmax`` lowers to a variadic reduction that is slow on CPU there (JAX,
    ``(1024, C)``: 486 us at C = 100 and 3961 us at C = 1000, against 167 us and 622 us for a
    max over float positions counted down, which JAX uses; TensorFlow takes the min of int
    positions). Below 32 classes, and on PyTorch, ``ops.argmax`` is as fast or faster. A row of
    NaN gives a valid class index either way.
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
    if keras.backend.backend() == "jax":
        # A max over float32 positions counted down is faster than an int32 min under XLA's CPU
        # reduction (1024 x 100: 167 us against 225 us); exact below 2**24 classes.
        countdown = ops.arange(num_classes, 0, -1, dtype="float32")
        found = ops.max(ops.where(hits, countdown, ops.zeros_like(countdown)), axis=-1)
        first = num_classes - ops.cast(found, "int32")
    else:
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

    Sparse labels are checked as :func:`check_class_range` describes; where that check cannot
    raise (a jitted JAX or XLA step, PyTorch on an accelerator), an out-of-range label makes the
    whole result NaN. :func:`checked_one_hot` returns the flag instead, so that a loss can
    poison its ``(N,)`` result rather than the ``(N, C)`` target.
    """
    target, out_of_range = checked_one_hot(y_true, y_pred, ignore_class=ignore_class, name=name)
    return poison(target, out_of_range)


def checked_one_hot(
    y_true: Any, y_pred: Any, *, ignore_class: int | None = None, name: str = "y_true"
) -> tuple[Any, Any]:
    """``(one-hot target, out_of_range flag or None)``; see :func:`checked_class_indices`."""
    from keras import ops

    y_true = ops.convert_to_tensor(y_true)
    if is_one_hot(y_true, y_pred):
        return ops.cast(y_true, y_pred.dtype), None
    index, out_of_range = checked_class_indices(
        y_true, y_pred, ignore_class=ignore_class, name=name
    )
    return indices_to_one_hot(index, y_pred), out_of_range


def indices_to_one_hot(index: Any, y_pred: Any, *, ignore_class: int | None = None) -> Any:
    """``ops.one_hot`` of class indices in ``y_pred``'s dtype.

    An index outside ``0..C-1`` (an ``ignore_class`` element, or a bad label in a compiled
    step, which :func:`poison` then turns NaN) gets a row of zeros. ``ignore_class`` is kept
    for compatibility; it changes nothing.
    """
    from keras import ops

    return ops.one_hot(index, y_pred.shape[-1], dtype=y_pred.dtype)


def check_ignore_class(ignore_class: Any) -> int | None:
    """Validate an ``ignore_class`` option: an int label (e.g. ``-1`` or ``255``) or ``None``."""
    import numpy as np

    if ignore_class is None:
        return None
    if isinstance(ignore_class, bool) or not isinstance(ignore_class, int | np.integer):
        raise TypeError(
            f"ignore_class must be an int label (e.g. -1 or 255) or None, got "
            f"{ignore_class!r} of type {type(ignore_class).__name__}"
        )
    return int(ignore_class)
