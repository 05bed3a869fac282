"""Weights and rebalancing inside ``tf.data``: :func:`with_sample_weights` and :func:`resample`."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.counting import ClassCounts, count_dataset, is_batched
from keras_imbalance.counting.sources.tfdata import check_dataset, import_tensorflow, is_text_spec
from keras_imbalance.labels import LABEL_MODES, LabelMode
from keras_imbalance.weighting import (
    MULTI_LABEL_REDUCE_OPTIONS,
    MultiLabelReduce,
    class_weight_vector,
    weight_classes,
)

# --- with_sample_weights: (x, y) -> (x, y, w) inside the graph ---------------------------------


def _spec_label_mode(spec: Any, batched: bool, name: str) -> LabelMode:
    """The label mode an element spec allows without looking at values, or an error."""
    rank = spec.shape.rank
    if is_text_spec(spec) or rank == 0 or (rank is not None and spec.shape[-1] == 1):
        return "int"
    if batched and rank == 1:
        return "int"
    shape = f"{spec.shape} per {'batch' if batched else 'element'}"
    raise ValueError(
        f"{name} has shape {shape}, which could be one-hot rows, multi-hot rows or integer "
        f"sequences/masks; pass label_mode='categorical', 'multi_label' or 'int'"
    )


def _string_table(tf: Any, names: list[str]) -> Any:
    # Strings need a hash table; integer labels index the weight vector directly.
    keys = tf.constant(names, tf.string)
    values = tf.range(len(names), dtype=tf.int64)
    return tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(keys, values), -1)


def _weigh_labels(
    tf: Any,
    y: Any,
    weights: Any,
    *,
    label_mode: str,
    reduce: str,
    negative_weight: float,
    table: Any,
) -> Any:
    """In-graph per-element weights of labels ``y`` (any shape) from a weight vector."""
    num_classes = int(weights.shape[0])
    rank = y.shape.rank
    if label_mode == "int":
        if rank and y.shape[-1] == 1:
            y = tf.squeeze(y, axis=-1)
        if table is not None:
            index = table.lookup(y)
            message = "y in dataset holds a string that class_weight does not name"
        elif y.dtype.is_floating:
            # A cast would truncate 1.5 and 2.9 to classes 1 and 2; count_labels refuses them.
            whole = tf.reduce_all(tf.equal(y, tf.math.floor(y)))
            with tf.control_dependencies(
                [
                    tf.debugging.Assert(
                        whole,
                        [
                            "y in dataset holds a non-integral label (like 1.5); labels must "
                            "be class indices 0..C-1, one-hot or multi-hot rows"
                        ],
                    )
                ]
            ):
                index = tf.cast(tf.identity(y), tf.int64)
            message = (
                f"y in dataset holds a class index outside 0..{num_classes - 1}, the classes "
                f"class_weight weighs; give a weight for every class"
            )
        else:
            index = tf.cast(y, tf.int64)
            message = (
                f"y in dataset holds a class index outside 0..{num_classes - 1}, the classes "
                f"class_weight weighs; give a weight for every class"
            )
        # One check for both bounds: a negative index is a huge unsigned one.
        in_range = tf.reduce_all(tf.less(tf.bitcast(index, tf.uint64), num_classes))
        with tf.control_dependencies([tf.debugging.Assert(in_range, [message])]):
            return tf.gather(weights, tf.identity(index))
    values = tf.cast(y, tf.float32)
    binary = tf.reduce_all(tf.logical_or(tf.equal(values, 0.0), tf.equal(values, 1.0)))
    checks = [
        tf.debugging.assert_equal(
            binary, True, message=f"y in dataset holds values other than 0/1 ({label_mode})"
        ),
        tf.debugging.assert_equal(
            tf.shape(values)[-1],
            num_classes,
            message=f"y in dataset has a last axis that is not the {num_classes} classes of "
            f"class_weight",
        ),
    ]
    positives = tf.greater(values, 0.0)
    if label_mode == "categorical":
        checks.append(
            tf.debugging.assert_equal(
                tf.reduce_all(tf.equal(tf.reduce_sum(values, axis=-1), 1.0)),
                True,
                message="y in dataset has a row that is not one-hot; use "
                "label_mode='multi_label' for rows with several or no positive labels",
            )
        )
        with tf.control_dependencies(checks):
            return tf.gather(weights, tf.argmax(tf.identity(values), axis=-1))
    with tf.control_dependencies(checks):
        present = tf.where(positives, weights, tf.zeros_like(values))
    count = tf.reduce_sum(tf.cast(positives, tf.float32), axis=-1)
    if reduce == "max":
        reduced = tf.reduce_max(present, axis=-1)
    else:
        reduced = tf.reduce_sum(present, axis=-1)
        if reduce == "mean":
            reduced = reduced / tf.maximum(count, 1.0)
    return tf.where(count > 0, reduced, tf.fill(tf.shape(reduced), negative_weight))


def with_sample_weights(
    dataset: Any,
    class_weight: Any,
    *,
    label_mode: LabelMode | None = None,
    multi_label_reduce: MultiLabelReduce = "max",
    negative_weight: float = 1.0,
) -> Any:
    """Map a ``tf.data.Dataset`` of ``(x, y)`` to ``(x, y, w)`` with per-element class weights.

    The weight is a ``tf.gather`` from a constant weight vector inside the graph (strings go
    through a hash table built from the class names), batched or not, for every label shape of
    :func:`keras_imbalance.weighting.sample_weights`: sparse ``(B,)``/``(B, 1)``, one-hot
    ``(B, C)``, sequences ``(B, T)`` and ``(B, T, C)``, masks ``(B, H, W)``, multi-hot
    ``(B, L)``. An existing ``w`` in ``(x, y, w)`` is multiplied. ``x`` and ``y`` pass through
    untouched. Labels outside the weighted classes, or rows that are not one-hot for
    ``"categorical"``, fail at iteration with a clear message instead of getting a wrong weight.

    ``label_mode=None`` works when the element spec decides it: string labels, scalar labels,
    a trailing axis of size 1, or batches of shape ``(B,)``. Every other shape could be one-hot,
    multi-hot or integer sequences, and needs ``label_mode``.

    Args:
        dataset: a ``tf.data.Dataset`` of ``(x, y)`` or ``(x, y, sample_weight)``.
        class_weight: ``{class index: weight}`` or a list of weights (string labels: a
            :class:`~keras_imbalance.ClassWeights` with class names, or a dict keyed by name).
        label_mode: ``"int"``, ``"categorical"``, ``"multi_label"``, or ``None`` (see above).
        multi_label_reduce: ``"max"``, ``"mean"`` or ``"sum"`` of a multi-hot row's weights.
        negative_weight: the weight of a multi-hot row with no positive label.

    Example:
        >>> import tensorflow as tf
        >>> ds = tf.data.Dataset.from_tensor_slices(([[0.0]] * 4, [0, 1, 1, 2])).batch(4)
        >>> _, _, w = next(iter(with_sample_weights(ds, {0: 1.0, 1: 2.0, 2: 4.0})))
        >>> w.numpy().tolist()
        [1.0, 2.0, 2.0, 4.0]
    """
    tf = import_tensorflow()
    if label_mode is not None:
        check_option("label_mode", label_mode, LABEL_MODES)
    check_option("multi_label_reduce", multi_label_reduce, MULTI_LABEL_REDUCE_OPTIONS)
    negative_weight = check_number("negative_weight", negative_weight, low=0)
    spec = check_dataset(dataset)
    text = is_text_spec(spec)
    if label_mode is None:
        label_mode = _spec_label_mode(spec, is_batched(dataset), "y in dataset")
    if text and label_mode != "int":
        raise ValueError(
            f"y in dataset holds strings, which can only be label_mode='int', not {label_mode!r}"
        )
    if label_mode != "int" and (spec.shape.rank in (None, 0) or spec.shape[-1] is None):
        raise ValueError(
            f"y in dataset has shape {spec.shape}, but label_mode={label_mode!r} needs a static "
            f"last axis with one column per class"
        )
    num_classes, names = weight_classes(class_weight, text_labels=text)
    vector = class_weight_vector(class_weight, num_classes, class_names=names)
    if text and names is None:
        raise ValueError(
            "y in dataset holds strings, so class_weight must name the classes: give a "
            "ClassWeights from class_weights(...) or a dict keyed by class name"
        )
    weights = tf.constant(vector, tf.float32)
    table = _string_table(tf, names) if text else None  # type: ignore[arg-type]

    def add_weights(x: Any, y: Any, *existing: Any) -> tuple[Any, Any, Any]:
        w = _weigh_labels(
            tf,
            y,
            weights,
            label_mode=label_mode,  # type: ignore[arg-type]
            reduce=multi_label_reduce,
            negative_weight=float(negative_weight),
            table=table,
        )
        if existing:
            old = tf.cast(existing[0], tf.float32)
            for _ in range(w.shape.rank - old.shape.rank):
                old = tf.expand_dims(old, -1)
            w = w * old
        return x, y, w

    return dataset.map(add_weights, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


# --- resample: rebalance an unbatched tf.data stream --------------------------------------------

Sampling = Literal["oversample", "undersample"]
ResampleMethod = Sampling  # the former name, kept for type hints


SAMPLING_OPTIONS: tuple[str, ...] = ("oversample", "undersample")
"""The ``sampling=`` options of :func:`resample` and :class:`BalancedBatches`."""

RESAMPLE_METHODS = SAMPLING_OPTIONS  # deprecated alias of SAMPLING_OPTIONS


_UNSET: Any = object()


def check_sampling(sampling: Any, method: Any, owner: str) -> str:
    """``sampling=``, or the deprecated ``method=`` keyword with a ``DeprecationWarning``."""
    if method is not _UNSET:
        if sampling is not _UNSET:
            raise TypeError(
                f"{owner} got both sampling= and its deprecated name method=; pass sampling= only"
            )
        warnings.warn(
            f"{owner}(method=...) is deprecated and will be removed in the next release; use "
            f"sampling=..., the name BalancedBatches uses too",
            DeprecationWarning,
            stacklevel=3,
        )
        sampling = method
    if sampling is _UNSET:
        sampling = "oversample"
    return check_option("sampling", sampling, SAMPLING_OPTIONS)  # type: ignore[no-any-return]


def check_seed(seed: Any) -> int | None:
    """``None`` or a non-negative int, as NumPy's and tf.data's seeds need."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(
            f"seed={short_repr(seed)} must be an int >= 0 or None, got {type(seed).__name__}"
        )
    if seed < 0:
        raise ValueError(f"seed={int(seed)} is negative; give an int >= 0 or None")
    return int(seed)


class Resampled(NamedTuple):
    """What :func:`resample` returns: an endless balanced stream and the size of one pass.

    Unpack it as ``dataset, epoch_size = resample(...)``.
    """

    dataset: Any
    epoch_size: int

    def steps_per_epoch(self, batch_size: int) -> int:
        """Batches per epoch after ``dataset.batch(batch_size)``: ``ceil(epoch_size / b)``."""
        batch_size = check_number("batch_size", batch_size, low=1, integer=True)  # type: ignore[assignment]
        return math.ceil(self.epoch_size / batch_size)

    def __getattr__(self, name: str) -> Any:
        # resample(...).batch(32) reads naturally but this is a pair: say how to unpack it.
        if not name.startswith("_") and hasattr(self.dataset, name):
            raise AttributeError(
                f"resample(...) returns a Resampled pair (dataset, epoch_size), which has no "
                f".{name}; unpack it: balanced, epoch_size = resample(...), then "
                f"balanced.{name}(...). The stream is endless: fit(balanced.batch(b), "
                f"steps_per_epoch=math.ceil(epoch_size / b))"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _target_vector(target: Any, counts: ClassCounts) -> np.ndarray:
    if isinstance(target, str):
        check_option("target", target, ("uniform",))
        return np.full(counts.num_classes, 1.0 / counts.num_classes)
    if not isinstance(target, Mapping | list | tuple | np.ndarray):
        raise TypeError(f"target={short_repr(target)} must be 'uniform' or a dict {{class: share}}")
    try:
        shares = class_weight_vector(target, counts.num_classes, class_names=counts.class_names)
    except (TypeError, ValueError) as error:
        raise ValueError(
            "target is not a valid class distribution: "
            + str(error).replace("class_weight", "target")
        ) from error
    if shares.sum() <= 0:
        raise ValueError(
            "target gives every class a share of 0; give at least one class a share > 0"
        )
    shares = shares / shares.sum()
    empty = [counts.classes[i] for i in np.flatnonzero((shares > 0) & (counts.counts == 0))]
    if empty:
        raise ValueError(
            f"target asks for class {empty[0]!r}, which has no elements in dataset; give it a "
            f"share of 0"
        )
    return shares


def resample(
    dataset: Any,
    target: Literal["uniform"] | Mapping[Any, float] = "uniform",
    *,
    sampling: Sampling = _UNSET,
    counts: ClassCounts | Mapping[Any, int] | None = None,
    seed: int | None = None,
    shuffle_buffer: int = 1024,
    method: Sampling = _UNSET,
) -> Resampled:
    """Rebalance an unbatched ``tf.data`` stream of ``(x, y)`` toward a target class distribution.

    The result draws each element's class from ``target`` (``tf.data.Dataset.sample_from_datasets``
    over one endless, shuffled stream per class), so draws are fresh every epoch and the class
    proportions follow ``target`` exactly in expectation. One pass is ``epoch_size`` elements:

    * ``"oversample"``: ``max_c n_c / p_c``, the fewest draws that cover the largest class
      (``C * n_max`` for ``"uniform"``); small classes repeat.
    * ``"undersample"``: ``min_c n_c / p_c``, the most draws that never repeat a class
      (``C * n_min`` for ``"uniform"``); a different part of the large classes each epoch.

    The stream is endless: batch it and train with
    ``fit(ds.batch(b), steps_per_epoch=result.steps_per_epoch(b))``; Keras then keeps one
    iterator across epochs. Each class stream filters ``dataset``, so resample before expensive
    decoding (e.g. on ``(path, label)``) and shuffle upstream for fresh orders.

    Args:
        dataset: an **unbatched**, finite ``tf.data.Dataset`` of ``(x, y)`` with one class per
            element: an index, a string, or a one-hot row.
        target: ``"uniform"`` or ``{class: share}`` (shares are normalised to sum to 1).
        sampling: ``"oversample"`` (the default) or ``"undersample"``: the size of one pass (see
            above); the same keyword as :class:`BalancedBatches`.
        counts: the class counts, if known; otherwise :func:`count_dataset` counts them. The
            stream then checks, as it runs, that every element's class is one ``counts``
            declares, and that a class ``counts`` gives elements is in ``dataset`` (an
            ``InvalidArgumentError`` names ``counts`` and the class); the count values
            themselves cannot be checked without a pass over the data, and set ``epoch_size``.
        seed: seed of the class draws and the per-class shuffles, an int >= 0.
        shuffle_buffer: per-class shuffle buffer (``0`` disables it).
        method: the former name of ``sampling``; deprecated, it warns.

    Example:
        >>> import tensorflow as tf
        >>> ds = tf.data.Dataset.from_tensor_slices(([[0.0]] * 6, [0, 0, 0, 0, 1, 2]))
        >>> balanced, epoch_size = resample(ds, seed=0)
        >>> epoch_size
        12
    """
    tf = import_tensorflow()
    method = check_sampling(sampling, method, "resample")  # type: ignore[assignment]
    seed = check_seed(seed)
    shuffle_buffer = check_number("shuffle_buffer", shuffle_buffer, low=0, integer=True)  # type: ignore[assignment]
    spec = check_dataset(dataset)
    if is_batched(dataset):
        raise ValueError(
            "dataset is batched; resample draws single elements, so call resample(...) before "
            ".batch() (keras_imbalance does not unbatch your pipeline for you)"
        )
    rank = spec.shape.rank
    text = is_text_spec(spec)
    if rank is None or rank > 1:
        raise ValueError(
            f"y in dataset has shape {spec.shape} per element; resample needs one class per "
            f"element (an index, a string or a one-hot row)"
        )
    label_mode: LabelMode = "int" if rank == 0 or spec.shape[-1] == 1 or text else "categorical"
    if counts is None:
        found = count_dataset(dataset, label_mode=label_mode)
    elif isinstance(counts, ClassCounts):
        found = counts
    else:
        found = ClassCounts.from_counts(counts, label_mode=label_mode)
    if found.label_mode == "multi_label":
        raise ValueError(
            "counts are multi-label; resample needs one class per element (an index, a string "
            "or a one-hot row)"
        )
    shares = _target_vector(target, found)
    kept = np.flatnonzero(shares > 0)
    sizes = found.counts[kept] / shares[kept]
    epoch_size = math.ceil(sizes.max()) if method == "oversample" else int(sizes.min())
    table = _string_table(tf, found.class_names) if text else None

    def class_of(y: Any) -> Any:
        if label_mode == "categorical":
            return tf.argmax(y, axis=-1)
        if y.shape.rank:
            y = y[0]
        return table.lookup(y) if table is not None else tf.cast(y, tf.int64)

    if counts is not None:
        dataset = _check_declared(tf, dataset, class_of, found)

    streams = []
    for position, index in enumerate(kept.tolist()):
        stream = dataset.filter(lambda *e, c=index: tf.equal(class_of(e[1]), c))
        if shuffle_buffer:
            size = int(min(shuffle_buffer, found.counts[index]))
            stream = stream.shuffle(
                size,
                seed=None if seed is None else seed + position + 1,
                reshuffle_each_iteration=True,
            )
        stream = stream.repeat()
        if counts is not None:
            stream = _fail_when_empty(tf, stream, dataset, found, index)
        streams.append(stream)
    mixed = tf.data.Dataset.sample_from_datasets(
        streams,
        weights=shares[kept].astype(np.float32).tolist(),
        seed=seed,
        rerandomize_each_iteration=True,
    )
    return Resampled(mixed, epoch_size)


def _fail_when_empty(tf: Any, stream: Any, dataset: Any, found: ClassCounts, index: int) -> Any:
    """``stream`` (one class, repeated), failing when drawn if ``dataset`` has none of that
    class: a repeat of nothing ends at once, so the class would never be drawn while its count
    in ``counts`` still sized ``epoch_size``."""
    message = (
        f"counts gives class {found.classes[index]!r} a count of {int(found.counts[index])}, "
        f"but dataset holds no element of it, so resample could never draw it and epoch_size "
        f"is wrong; "
        f"pass counts of the classes in dataset (count_labels(dataset)), or counts=None to "
        f"count them"
    )

    def fail(*element: Any) -> Any:
        with tf.control_dependencies([tf.debugging.Assert(False, [message])]):
            return tuple(tf.nest.map_structure(tf.identity, element))

    # Reached only when the endless repeat above ends, that is when the class stream is empty.
    return stream.concatenate(dataset.take(1).map(fail))


def _check_declared(tf: Any, dataset: Any, class_of: Any, found: ClassCounts) -> Any:
    """Fail, as the stream runs, on an element whose class ``counts`` does not declare (its
    stream would otherwise drop it without a word)."""
    message = (
        f"y in dataset holds a class that counts does not declare (counts has "
        f"{found.num_classes} classes: {short_repr(found.classes)}); pass counts for every "
        f"class in dataset, or counts=None to count them"
    )

    def check(*element: Any) -> Any:
        index = class_of(element[1])
        known = tf.logical_and(index >= 0, index < found.num_classes)
        with tf.control_dependencies([tf.debugging.Assert(known, [message])]):
            return tuple(tf.nest.map_structure(tf.identity, element))

    return dataset.map(check)
