"""Turn class weights into the per-sample weights ``model.fit(sample_weight=...)`` takes.

Keras 3's own ``class_weight`` argument works for one output with sparse or one-hot labels
only. It argmaxes multi-hot rows (a row gets the weight of its first positive label, an
all-zero row gets class 0's weight), argmaxes sparse sequence labels ``(N, T)`` over time,
refuses 3-D one-hot labels and multi-output models, cannot be combined with ``sample_weight``,
and converts the weights in a Python loop over samples. :func:`sample_weights` does it for every
label shape :func:`~keras_imbalance.labels.decode_labels` reads, with one vectorised gather:

===============================  ========================  ==========================
labels                           ``label_mode``            weights
===============================  ========================  ==========================
``(N,)``, ``(N, 1)``, strings    ``"int"``                 ``(N,)``
one-hot ``(N, C)``               ``"categorical"``         ``(N,)``
sequences ``(N, T)``             ``"int"`` (give it for    ``(N, T)``, per timestep
                                 0/1 sequences)
one-hot ``(N, T, C)``            ``"categorical"``         ``(N, T)``
masks ``(N, H, W)``              ``"int"``                 ``(N, H, W)``, per pixel
one-hot ``(N, H, W, C)``         ``"categorical"``         ``(N, H, W)``
multi-hot ``(N, L)``             ``"multi_label"``         ``(N,)``: the row's positive
                                                           labels' weights, reduced
===============================  ========================  ==========================

Keras accepts all these shapes as ``fit(sample_weight=...)`` and weights each element.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

import numpy as np

from keras_imbalance._validation import (
    check_number,
    check_option,
    positional_deprecated,
    short_repr,
)
from keras_imbalance.labels import (
    MAX_CLASSES,
    ClassesLike,
    LabelMode,
    check_max_classes,
    decode_labels,
)
from keras_imbalance.weighting.class_weights import (
    ClassWeightLike,
    ClassWeights,
    check_class_weight,
)

MultiLabelReduce = Literal["max", "mean", "sum"]


MULTI_LABEL_REDUCE_OPTIONS: tuple[str, ...] = get_args(MultiLabelReduce)


SampleWeightNormalize = Literal["mean"]


SAMPLE_WEIGHT_NORMALIZE_OPTIONS: tuple[str | None, ...] = (None, *get_args(SampleWeightNormalize))


def _int_like(key: Any) -> bool:
    if isinstance(key, bool):
        return False
    if isinstance(key, int | np.integer):
        return True
    if isinstance(key, float | np.floating):
        return float(key).is_integer()
    return isinstance(key, str) and key.strip().lstrip("-").isdigit()


@positional_deprecated(1)
def weight_classes(
    class_weight: ClassWeightLike,
    *,
    classes: ClassesLike = None,
    text_labels: bool = False,
    max_classes: int = MAX_CLASSES,
) -> tuple[int, list[str] | None]:
    """The number of classes and the class names that ``class_weight`` is checked against.

    ``classes`` wins when given. A :class:`~keras_imbalance.ClassWeights` brings its own class
    names. A dict keyed by class index needs every index up to its largest key. A dict keyed by
    class names (strings that are not numbers) names its classes, sorted as
    :func:`~keras_imbalance.labels.decode_labels` sorts string labels; the names only count
    when the labels are strings, so integer labels with such a dict raise in
    :func:`~keras_imbalance.check_class_weight`. An integer key above ``max_classes - 1`` is
    refused (a stray key of 10**9 would otherwise size the weights by it).
    """
    if classes is not None:
        if isinstance(classes, int | np.integer) and not isinstance(classes, bool):
            return int(classes), None
        names = [str(c) for c in classes]  # type: ignore[union-attr]
        return len(names), names
    if isinstance(class_weight, ClassWeights):
        return len(class_weight), list(class_weight.class_names)
    if isinstance(class_weight, Mapping):
        keys = list(class_weight)
        if keys and all(_int_like(k) for k in keys):
            size = max(len(keys), max(int(float(k)) for k in keys) + 1)
            check_max_classes(size, max_classes, "class_weight")
            return size, None
        if text_labels:
            names = sorted(str(k) for k in keys)
            return len(names), names
        return max(len(keys), 1), None
    if isinstance(class_weight, str | bytes) or not isinstance(class_weight, Sequence | np.ndarray):
        raise TypeError(
            f"class_weight must be a dict {{class index: weight}} or a list of weights, got "
            f"{short_repr(class_weight)}"
        )
    return max(int(np.asarray(class_weight, dtype=object).size), 1), None


def class_weight_vector(
    class_weight: ClassWeightLike, num_classes: int, *, class_names: Sequence[Any] | None = None
) -> np.ndarray:
    """``class_weight`` checked by :func:`~keras_imbalance.check_class_weight`, as an array.

    Example:
        >>> class_weight_vector({"0": 1, "1": 5.5}, 2)
        array([1. , 5.5])
    """
    # Fast path for weights that are already a clean vector; anything else, and every error
    # message, goes through check_class_weight.
    values = None
    if isinstance(class_weight, ClassWeights):
        if class_names is None or [str(c) for c in class_names] == class_weight.class_names:
            values = class_weight.to_array()
    elif isinstance(class_weight, np.ndarray | list | tuple):
        candidate = np.asarray(class_weight)
        if candidate.dtype.kind in "iuf" and candidate.ndim == 1:
            values = candidate.astype(np.float64)
    if (
        values is not None
        and values.size == num_classes
        and np.isfinite(values).all()
        and (values >= 0).all()
    ):
        return values
    checked = check_class_weight(class_weight, num_classes, class_names=class_names)
    return np.asarray([checked[i] for i in range(num_classes)], dtype=np.float64)


@positional_deprecated(2)
def reduce_multi_hot(
    multi_hot: np.ndarray, weights: np.ndarray, *, reduce: str, negative_weight: float
) -> np.ndarray:
    """Per-row weight of multi-hot rows ``(..., L)``: the positive labels' weights reduced."""
    positives = multi_hot.astype(bool)
    count = positives.sum(axis=-1)
    if reduce == "max":
        # Weights are >= 0, so zeros at the negatives leave the maximum of the positives.
        reduced = np.where(positives, weights, 0.0).max(axis=-1)
    else:
        total = positives.astype(np.float64) @ weights
        reduced = total if reduce == "sum" else total / np.maximum(count, 1)
    return np.where(count > 0, reduced, negative_weight)


def _check_combine(combine: Any, shape: tuple[int, ...], name: str) -> np.ndarray:
    other = np.asarray(combine.numpy() if hasattr(combine, "numpy") else combine)
    if other.dtype.kind not in "biuf":
        raise TypeError(f"{name} has dtype {other.dtype}; give numeric per-sample weights")
    other = other.astype(np.float64)
    if other.ndim > len(shape) or other.shape != shape[: other.ndim] or other.ndim == 0:
        raise ValueError(
            f"{name} has shape {other.shape}, but the class weights have shape {shape}; give "
            f"one weight per sample {shape[:1]} or per element {shape}"
        )
    if not np.isfinite(other).all() or (other < 0).any():
        raise ValueError(
            f"{name} holds negative or non-finite values; weights must be finite and >= 0"
        )
    return other.reshape(other.shape + (1,) * (len(shape) - other.ndim))


def _single(
    y: Any,
    class_weight: Any,
    *,
    label_mode: LabelMode | None,
    classes: ClassesLike,
    multi_label_reduce: str,
    negative_weight: float,
    combine: Any,
    normalize: str | None,
    max_classes: int,
    name: str,
) -> np.ndarray:
    if class_weight is None:
        raise TypeError(f"class_weight for {name} is None; give a dict or list of weights")
    probe = np.asarray(y.numpy() if hasattr(y, "numpy") else y)
    text = probe.dtype.kind in "USa" or (
        probe.dtype == object and probe.size > 0 and isinstance(probe.ravel()[0], str | bytes)
    )
    num_classes, names = weight_classes(
        class_weight, classes=classes, text_labels=text, max_classes=max_classes
    )
    if classes is not None:
        decode_classes: ClassesLike = classes
    elif text and names is not None:
        decode_classes = names
    else:
        decode_classes = num_classes
    try:
        decoded = decode_labels(y, label_mode=label_mode, classes=decode_classes, name=name)
    except ValueError as error:
        if classes is not None or "classes" not in str(error):
            raise
        raise ValueError(
            f"{error} (here the classes are those of class_weight, which weighs {num_classes} "
            f"classes; give a weight for every class)"
        ) from error
    weights = class_weight_vector(class_weight, num_classes, class_names=names)
    if decoded.indices is not None:
        result = weights[decoded.indices]
    else:
        result = reduce_multi_hot(
            decoded.multi_hot,  # type: ignore[arg-type]
            weights,
            reduce=multi_label_reduce,
            negative_weight=negative_weight,
        )
    if combine is not None:
        result = result * _check_combine(combine, result.shape, "combine")
    if normalize == "mean":
        mean = float(result.mean())
        if mean <= 0:
            raise ValueError(
                f"normalize='mean' cannot rescale the weights for {name}: they are all 0"
            )
        result = result / mean
    return result


def sample_weights(
    y: Any,
    class_weight: Any,
    *,
    label_mode: LabelMode | None = None,
    classes: ClassesLike = None,
    multi_label_reduce: MultiLabelReduce = "max",
    negative_weight: float = 1.0,
    combine: Any = None,
    normalize: SampleWeightNormalize | None = None,
    max_classes: int = MAX_CLASSES,
) -> Any:
    """Per-sample (per-timestep, per-pixel) weights from class weights, for ``fit(sample_weight=)``.

    Every element gets the weight of its class, ``w_i = class_weight[y_i]``: one gather, no
    Python loop. A multi-hot row gets its positive labels' weights reduced by
    ``multi_label_reduce``: ``"max"`` (the rarest label present decides), ``"mean"`` or ``"sum"``;
    a row with no positive label gets ``negative_weight``.

    Keras's default loss reduction ``"sum_over_batch_size"`` computes ``sum_i(w_i * l_i) / n``
    with ``n`` the number of elements, not ``sum_i(w_i)``; so weights also scale the loss and,
    with it, the effective learning rate. ``normalize="mean"`` divides the weights by their mean
    over all elements of ``y``, which keeps the expected loss scale of an unweighted run.

    Args:
        y: labels (see the table in this module's docstring), or for a multi-output model a
            dict ``{output name: labels}`` (or a list of label arrays, one per output).
        class_weight: ``{class index: weight}`` (a :class:`~keras_imbalance.ClassWeights`, a
            dict keyed by class index, or by class name for string labels) or a list of weights.
            Multi-output: a dict (or list) with one entry per output; ``None`` leaves that
            output unweighted (all ones, which every Keras input path accepts).
        label_mode: ``"int"``, ``"categorical"``, ``"multi_label"``, or ``None`` to detect it
            as :func:`~keras_imbalance.labels.decode_labels` does.
        classes: the classes, as for ``decode_labels`` (e.g. ``[-1, 1]`` or a list of names).
        multi_label_reduce: how a multi-hot row's weights combine: ``"max"``, ``"mean"``, ``"sum"``.
        negative_weight: the weight of a multi-hot row with no positive label.
        combine: existing per-sample weights to multiply with, shaped ``(N,)`` or like the
            result; it is not modified. Multi-output: a dict or list like ``y``.
        normalize: ``None`` or ``"mean"`` (the mean weight over all elements becomes 1).
        max_classes: the most classes a ``class_weight`` dict keyed by class index may make
            (default 100 000): a stray key of 10**9 is refused instead of sizing the weights by
            it. Pass a larger value if you really have that many classes.

    Returns:
        A ``float64`` array shaped like the labels without their class axis (``(N,)`` for
        multi-hot rows), or a dict/list of them for a multi-output ``y``.

    Example:
        >>> sample_weights([0, 1, 1, 2], {0: 1.0, 1: 2.0, 2: 4.0}).tolist()
        [1.0, 2.0, 2.0, 4.0]
        >>> sample_weights([[1, 0, 1], [0, 0, 0]], [1.0, 2.0, 4.0]).tolist()
        [4.0, 1.0]
        >>> sample_weights([0, 0, 0, 1], [1.0, 3.0], normalize="mean").tolist()
        [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0]
    """
    check_option("multi_label_reduce", multi_label_reduce, MULTI_LABEL_REDUCE_OPTIONS)
    check_option("normalize", normalize, SAMPLE_WEIGHT_NORMALIZE_OPTIONS)
    negative_weight = check_number("negative_weight", negative_weight, low=0)
    options = {
        "label_mode": label_mode,
        "classes": classes,
        "multi_label_reduce": multi_label_reduce,
        "negative_weight": negative_weight,
        "normalize": normalize,
        "max_classes": max_classes,
    }
    if isinstance(y, Mapping):
        return _multi_output_dict(y, class_weight, combine, options)
    if _is_output_list(y, class_weight):
        return _multi_output_list(y, class_weight, combine, options)
    return _single(y, class_weight, combine=combine, name="y", **options)  # type: ignore[arg-type]


def _is_output_list(y: Any, class_weight: Any) -> bool:
    if not isinstance(y, list | tuple) or not isinstance(class_weight, list | tuple):
        return False
    return any(
        item is None or isinstance(item, Mapping | list | tuple | np.ndarray)
        for item in class_weight
    )


def _unweighted(y: Any, combine: Any, name: str, normalize: str | None) -> np.ndarray:
    ones = np.ones(len(y), dtype=np.float64)
    if combine is None:
        return ones
    other = np.asarray(combine.numpy() if hasattr(combine, "numpy") else combine)
    checked = _check_combine(other, other.shape if other.ndim else (), name)
    if checked.shape[0] != len(y):
        raise ValueError(
            f"{name} has {checked.shape[0]} weights but the labels have {len(y)} samples; "
            f"give one weight per sample"
        )
    if normalize == "mean" and checked.mean() > 0:
        return checked / checked.mean()
    return checked.copy()


def _multi_output_dict(
    y: Mapping[str, Any], class_weight: Any, combine: Any, options: dict[str, Any]
) -> dict[str, Any]:
    if not isinstance(class_weight, Mapping) or isinstance(class_weight, ClassWeights):
        raise TypeError(
            f"y is a dict of outputs {short_repr(list(y))}, so class_weight must be a dict "
            f"{{output name: class weights or None}}, got {short_repr(class_weight)}"
        )
    unknown = [key for key in class_weight if key not in y]
    if unknown:
        raise ValueError(
            f"class_weight names the outputs {short_repr(unknown)}, which are not in y "
            f"(outputs {short_repr(list(y))}); key class_weight by output name"
        )
    if combine is not None and not isinstance(combine, Mapping):
        raise TypeError("y is a dict of outputs, so combine must be a dict {output name: weights}")
    lengths = {key: len(value) for key, value in y.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(
            f"the outputs in y have different lengths {lengths}; give one label per sample"
        )
    result = {}
    for key, labels in y.items():
        weights = class_weight.get(key)
        extra = combine.get(key) if combine is not None else None
        if weights is None:
            # Keras refuses a dict sample_weight that lacks an output; ones leave it unweighted.
            result[key] = _unweighted(labels, extra, f"combine[{key!r}]", options["normalize"])
        else:
            result[key] = _single(labels, weights, combine=extra, name=f"y[{key!r}]", **options)
    return result


def _multi_output_list(
    y: Sequence[Any], class_weight: Sequence[Any], combine: Any, options: dict[str, Any]
) -> list[Any]:
    if len(y) != len(class_weight):
        raise ValueError(
            f"y has {len(y)} outputs but class_weight has {len(class_weight)} entries; give one "
            f"entry (or None) per output"
        )
    if combine is not None and (not isinstance(combine, list | tuple) or len(combine) != len(y)):
        raise TypeError(
            f"y is a list of {len(y)} outputs, so combine must be a list of {len(y)} arrays"
        )
    named = {str(i): labels for i, labels in enumerate(y)}
    weights = {str(i): w for i, w in enumerate(class_weight)}
    extras = None if combine is None else {str(i): c for i, c in enumerate(combine)}
    result = _multi_output_dict(named, weights, extras, options)
    return [result[str(i)] for i in range(len(y))]
