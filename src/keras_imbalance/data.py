"""Class weights and rebalancing on the input pipelines Keras trains from.

* :func:`count_dataset` counts the classes of a ``tf.data.Dataset`` inside the graph.
* :func:`with_sample_weights` maps ``(x, y)`` to ``(x, y, w)`` inside the graph, for every label
  shape :func:`keras_imbalance.labels.decode_labels` reads; Keras's own ``class_weight`` argmaxes
  multi-hot rows and sequence labels and refuses 3-D one-hot labels.
* :func:`resample` rebalances an unbatched ``tf.data`` stream toward a target class distribution.
* :class:`BalancedBatches` is a ``keras.utils.PyDataset`` of balanced batches drawn afresh every
  epoch from in-memory arrays (every backend); :class:`WeightedPyDataset` adds per-sample
  weights to an existing ``PyDataset``.
* :func:`weighted_generator` adds per-sample weights to a Python generator of batches, which
  Keras refuses to combine with ``class_weight``.

TensorFlow is imported only by the ``tf.data`` functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal, NamedTuple

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.counting import ClassCounts
from keras_imbalance.labels import (
    LABEL_MODES,
    ClassesLike,
    LabelMode,
    _check_width,
    _normalize_classes,
    decode_labels,
)
from keras_imbalance.sample_weights import (
    MULTI_LABEL_REDUCE_OPTIONS,
    MultiLabelReduce,
    class_weight_vector,
    sample_weights,
    weight_classes,
)

_TENSORFLOW_HINT = 'pip install "keras-imbalance[tensorflow]"'

# Dataset types whose elements are batches (walked through `_inputs()`); names are private to
# tf.data, so an unknown pipeline falls back to "unbatched" and the docs say to pass label_mode.
_BATCHING_DATASETS = frozenset(
    {"_BatchDataset", "_ParallelBatchDataset", "_PaddedBatchDataset", "_RebatchDataset"}
)
_UNBATCHING_DATASETS = frozenset({"_UnbatchDataset"})

# Elements per internal batch when reducing an unbatched label stream.
_REDUCE_BATCH = 4096


def _tf() -> Any:
    try:
        import tensorflow as tf
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"tf.data support needs TensorFlow; install it with {_TENSORFLOW_HINT}"
        ) from error
    return tf


def _check_dataset(dataset: Any, name: str = "dataset") -> Any:
    tf = _tf()
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError(
            f"{name} must be a tf.data.Dataset, got {type(dataset).__name__}; use "
            f"count_labels/sample_weights for arrays and WeightedPyDataset for a PyDataset"
        )
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) not in (2, 3):
        raise ValueError(
            f"{name} yields {short_repr(spec, 160)}; it must yield (x, y) or (x, y, sample_weight) "
            f"tuples, for example with dataset.map(lambda e: (e['image'], e['label']))"
        )
    label_spec = spec[1]
    if not isinstance(label_spec, tf.TensorSpec):
        raise TypeError(
            f"{name} has labels {short_repr(label_spec, 160)}; give one dense label tensor "
            f"per element (multi-output labels: map the dataset once per output)"
        )
    return label_spec


def is_batched(dataset: Any) -> bool:
    """Whether the elements of ``dataset`` are batches, read from its pipeline.

    Walks the dataset's inputs back to its source: a ``batch``/``padded_batch``/``rebatch``
    step means batched, ``unbatch`` or reaching the source means unbatched. A dataset built by
    ``from_generator`` that yields whole batches reads as unbatched.

    Example:
        >>> import tensorflow as tf
        >>> ds = tf.data.Dataset.from_tensor_slices(([1.0, 2.0], [0, 1]))
        >>> is_batched(ds), is_batched(ds.batch(2).prefetch(1))
        (False, True)
    """
    node = dataset
    while True:
        kind = type(node).__name__
        if kind in _BATCHING_DATASETS:
            return True
        if kind in _UNBATCHING_DATASETS:
            return False
        inputs = node._inputs()
        if not inputs:
            return False
        node = inputs[0]


def _labels_only(dataset: Any) -> Any:
    return dataset.map(lambda *element: element[1])


def _is_text_spec(spec: Any) -> bool:
    return spec.dtype.name == "string"


def _count_state(tf: Any, spec: Any, text: bool, width: int | None) -> dict[str, Any]:
    key_dtype = tf.string if text else tf.int64
    state = {
        "keys": tf.zeros([0], key_dtype),
        "key_counts": tf.zeros([0], tf.int64),
        "elements": tf.constant(0, tf.int64),
    }
    if text:
        return state
    state.update(
        {
            "nonfinite": tf.constant(False),
            "nonintegral": tf.constant(np.nan, tf.float64),
            "low": tf.constant(np.inf, tf.float64),
            "high": tf.constant(-np.inf, tf.float64),
        }
    )
    if width is not None:
        state.update(
            {
                "column_sums": tf.zeros([width], tf.int64),
                "rows": tf.constant(0, tf.int64),
                "binary": tf.constant(True),
                "rows_sum_to_one": tf.constant(True),
                "bad_row_sum": tf.constant(1.0, tf.float64),
            }
        )
    return state


def _merge_keys(tf: Any, state: dict[str, Any], keys: Any) -> tuple[Any, Any]:
    flat = tf.reshape(keys, [-1])
    batch_keys, index = tf.unique(flat, out_idx=tf.int64)
    batch_counts = tf.math.unsorted_segment_sum(
        tf.ones_like(index), index, tf.size(batch_keys, out_type=tf.int64)
    )
    all_keys = tf.concat([state["keys"], batch_keys], axis=0)
    all_counts = tf.concat([state["key_counts"], batch_counts], axis=0)
    merged, where = tf.unique(all_keys, out_idx=tf.int64)
    counts = tf.math.unsorted_segment_sum(all_counts, where, tf.size(merged, out_type=tf.int64))
    return merged, counts


def _count_step(tf: Any, text: bool, width: int | None) -> Callable[[Any, Any], Any]:
    def step(state: dict[str, Any], y: Any) -> dict[str, Any]:
        new = dict(state)
        new["elements"] = state["elements"] + tf.size(y, out_type=tf.int64)
        if text:
            new["keys"], new["key_counts"] = _merge_keys(tf, state, y)
            return new
        values = tf.cast(y, tf.float64)
        finite = tf.math.is_finite(values)
        integral = tf.logical_and(finite, tf.equal(values, tf.floor(values)))
        new["nonfinite"] = tf.logical_or(state["nonfinite"], tf.logical_not(tf.reduce_all(finite)))
        fractional = tf.boolean_mask(values, tf.logical_and(finite, tf.logical_not(integral)))
        new["nonintegral"] = tf.cond(
            tf.logical_and(tf.math.is_nan(state["nonintegral"]), tf.size(fractional) > 0),
            lambda: fractional[0],
            lambda: state["nonintegral"],
        )
        finite_values = tf.where(finite, values, tf.zeros_like(values))
        new["low"] = tf.minimum(state["low"], tf.reduce_min(tf.where(finite, values, np.inf)))
        new["high"] = tf.maximum(state["high"], tf.reduce_max(tf.where(finite, values, -np.inf)))
        if y.dtype.is_integer:
            keys = tf.cast(y, tf.int64)
        else:
            keys = tf.cast(tf.where(integral, finite_values, tf.zeros_like(values)), tf.int64)
        new["keys"], new["key_counts"] = _merge_keys(tf, state, keys)
        if width is not None:
            rows = tf.reshape(finite_values, [-1, width])
            binary = tf.reduce_all(tf.logical_or(tf.equal(values, 0.0), tf.equal(values, 1.0)))
            new["binary"] = tf.logical_and(state["binary"], binary)
            row_sums = tf.reduce_sum(rows, axis=1)
            off = tf.boolean_mask(row_sums, tf.not_equal(row_sums, 1.0))
            new["bad_row_sum"] = tf.cond(
                tf.logical_and(state["rows_sum_to_one"], tf.size(off) > 0),
                lambda: off[0],
                lambda: state["bad_row_sum"],
            )
            new["rows_sum_to_one"] = tf.logical_and(state["rows_sum_to_one"], tf.size(off) == 0)
            positive = tf.cast(tf.not_equal(rows, 0.0), tf.int64)
            new["column_sums"] = state["column_sums"] + tf.reduce_sum(positive, axis=0)
            new["rows"] = state["rows"] + tf.shape(rows, out_type=tf.int64)[0]
        return new

    return step


def count_dataset(
    dataset: Any,
    *,
    label_mode: LabelMode | None = None,
    classes: ClassesLike = None,
) -> ClassCounts:
    """Count the classes of a ``tf.data.Dataset`` of ``(x, y)`` or ``(x, y, w)`` elements.

    The labels are reduced inside the graph in one pass (``tf.unique`` and segment sums for
    class indices and strings, column sums for one-hot and multi-hot rows), batched or not;
    there is no Python loop over elements. Only ``y`` is kept, but map steps upstream of
    ``dataset`` still run, so count before an expensive ``map`` where you can.

    ``label_mode=None`` follows :func:`~keras_imbalance.labels.decode_labels`'s rules on the
    stacked labels (rank, last axis, and whether all values are 0/1 and all rows sum to 1).
    Whether elements are batches is read from the pipeline (:func:`is_batched`); pass
    ``label_mode`` for a ``from_generator`` dataset that yields whole batches of 0/1 labels.

    Args:
        dataset: a finite ``tf.data.Dataset`` of ``(x, y)`` or ``(x, y, sample_weight)``.
        label_mode: ``"int"``, ``"categorical"``, ``"multi_label"``, or ``None`` to detect it.
        classes: an int ``C`` or a list of classes, to declare classes that may be absent.

    Returns:
        A :class:`~keras_imbalance.ClassCounts`, equal to ``count_labels`` of the stacked labels.

    Example:
        >>> import tensorflow as tf
        >>> ds = tf.data.Dataset.from_tensor_slices(([[0.0]] * 5, [0, 1, 1, 2, 2]))
        >>> count_dataset(ds.batch(2)).as_dict()
        {0: 1, 1: 2, 2: 2}
        >>> count_dataset(ds, classes=4).as_dict()
        {0: 1, 1: 2, 2: 2, 3: 0}
    """
    tf = _tf()
    if label_mode is not None:
        check_option("label_mode", label_mode, LABEL_MODES)
    declared = _normalize_classes(classes)
    spec = _check_dataset(dataset)
    if dataset.cardinality() == tf.data.INFINITE_CARDINALITY:
        raise ValueError(
            "dataset is infinite (it repeats), so its classes cannot be counted; count it "
            "before .repeat(), or count dataset.take(n)"
        )
    batched = is_batched(dataset)
    text = _is_text_spec(spec)
    rank = spec.shape.rank
    if rank is None:
        raise ValueError(
            "dataset labels have an unknown rank; give them a static rank, e.g. with "
            "dataset.map(lambda x, y: (x, tf.ensure_shape(y, [None])))"
        )
    if not text and not (spec.dtype.is_integer or spec.dtype.is_floating or spec.dtype.is_bool):
        raise TypeError(
            f"dataset labels have dtype {spec.dtype.name}; give integer, string or 0/1 labels"
        )
    last = spec.shape[-1] if rank >= 1 else None
    width = None if text or rank == 0 or last is None or last == 1 else int(last)
    if label_mode in ("categorical", "multi_label") and width is None:
        raise ValueError(
            f"dataset labels have shape {spec.shape} per element, but label_mode={label_mode!r} "
            f"needs a static last axis with one column per class"
        )

    labels = _labels_only(dataset)
    if not batched and spec.shape.is_fully_defined():
        labels = labels.batch(_REDUCE_BATCH)
    state = labels.reduce(_count_state(tf, spec, text, width), _count_step(tf, text, width))
    result = {key: value.numpy() for key, value in state.items()}
    name = "y in dataset"

    if text:
        keys = np.asarray([key.decode() for key in result["keys"].tolist()], dtype=object)
        if keys.size == 0:
            raise ValueError("dataset is empty; give at least one labelled element")
        return _counts_from_keys(keys, result["key_counts"], declared, name)
    if result["elements"] == 0:
        raise ValueError("dataset is empty; give at least one labelled element")
    if result["nonfinite"]:
        decode_labels(np.asarray([np.nan]), name=name)  # raises decode_labels's own error
    if not np.isnan(result["nonintegral"]):
        decode_labels(np.asarray([result["nonintegral"]]), name=name)

    array_rank = rank + (0 if batched else 1)
    trailing_one = array_rank >= 2 and last == 1
    if label_mode is None:
        if array_rank == 1 or trailing_one or width is None:
            label_mode = "int"
        elif result["binary"]:
            if result["rows_sum_to_one"]:
                label_mode = "categorical"
            elif array_rank == 2:
                label_mode = "multi_label"
            else:
                raise ValueError(
                    f"{name} has shape {spec.shape} per {'batch' if batched else 'element'} "
                    f"with 0/1 values that are not one-hot; they could be integer masks or "
                    f"multi-hot rows. Pass label_mode='int' or label_mode='multi_label'"
                )
        else:
            label_mode = "int"

    if label_mode == "int":
        return _counts_from_keys(result["keys"], result["key_counts"], declared, name)

    if not result["binary"]:
        bad = result["high"] if result["high"] > 1 else result["low"]
        raise ValueError(
            f"{name} contains {int(bad)}, but {label_mode} labels hold only 0 and 1; "
            f"use label_mode='int' for class indices"
        )
    mode_name = "one-hot" if label_mode == "categorical" else "multi-hot"
    found = _check_width(declared, int(width), name, mode_name)  # type: ignore[arg-type]
    counts = result["column_sums"].astype(np.int64)
    if label_mode == "categorical":
        if not result["rows_sum_to_one"]:
            raise ValueError(
                f"{name} has a row that sums to {int(result['bad_row_sum'])}, but one-hot rows "
                f"sum to exactly 1; use label_mode='multi_label' for rows with several (or no) "
                f"positive labels"
            )
        return ClassCounts(counts, found, "categorical", int(counts.sum()))
    return ClassCounts(counts, found, "multi_label", int(result["rows"]))


def _counts_from_keys(
    keys: np.ndarray, key_counts: np.ndarray, declared: tuple[Any, ...] | None, name: str
) -> ClassCounts:
    # decode_labels on the distinct labels gives the class order and every error it would give
    # on the full labels.
    decoded = decode_labels(keys, label_mode="int", classes=declared, name=name)
    if decoded.indices is None:  # pragma: no cover - impossible for label_mode="int"
        raise RuntimeError("decode_labels gave no indices for int labels")
    counts = np.bincount(
        decoded.indices, weights=key_counts.astype(np.float64), minlength=decoded.num_classes
    ).astype(np.int64)
    return ClassCounts(counts, decoded.classes, "int", int(counts.sum()))


# --- with_sample_weights: (x, y) -> (x, y, w) inside the graph ---------------------------------


def _spec_label_mode(spec: Any, batched: bool, name: str) -> LabelMode:
    """The label mode an element spec allows without looking at values, or an error."""
    rank = spec.shape.rank
    if _is_text_spec(spec) or rank == 0 or (rank is not None and spec.shape[-1] == 1):
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
    :func:`keras_imbalance.sample_weights.sample_weights`: sparse ``(B,)``/``(B, 1)``, one-hot
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
    tf = _tf()
    if label_mode is not None:
        check_option("label_mode", label_mode, LABEL_MODES)
    check_option("multi_label_reduce", multi_label_reduce, MULTI_LABEL_REDUCE_OPTIONS)
    negative_weight = check_number("negative_weight", negative_weight, low=0)
    spec = _check_dataset(dataset)
    text = _is_text_spec(spec)
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

ResampleMethod = Literal["oversample", "undersample"]
RESAMPLE_METHODS: tuple[str, ...] = ("oversample", "undersample")


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
    method: ResampleMethod = "oversample",
    counts: ClassCounts | Mapping[Any, int] | None = None,
    seed: int | None = None,
    shuffle_buffer: int = 1024,
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
        method: ``"oversample"`` or ``"undersample"``: the size of one pass (see above).
        counts: the class counts, if known; otherwise :func:`count_dataset` counts them.
        seed: seed of the class draws and the per-class shuffles.
        shuffle_buffer: per-class shuffle buffer (``0`` disables it).

    Example:
        >>> import tensorflow as tf
        >>> ds = tf.data.Dataset.from_tensor_slices(([[0.0]] * 6, [0, 0, 0, 0, 1, 2]))
        >>> balanced, epoch_size = resample(ds, seed=0)
        >>> epoch_size
        12
    """
    tf = _tf()
    check_option("method", method, RESAMPLE_METHODS)
    shuffle_buffer = check_number("shuffle_buffer", shuffle_buffer, low=0, integer=True)  # type: ignore[assignment]
    spec = _check_dataset(dataset)
    if is_batched(dataset):
        raise ValueError(
            "dataset is batched; resample draws single elements, so call resample(...) before "
            ".batch() (keras_imbalance does not unbatch your pipeline for you)"
        )
    rank = spec.shape.rank
    text = _is_text_spec(spec)
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
        streams.append(stream.repeat())
    mixed = tf.data.Dataset.sample_from_datasets(
        streams,
        weights=shares[kept].astype(np.float32).tolist(),
        seed=seed,
        rerandomize_each_iteration=True,
    )
    return Resampled(mixed, epoch_size)


# --- PyDataset: balanced batches and weighted batches -------------------------------------------


def _keras_pydataset() -> Any:
    import keras

    return keras.utils.PyDataset


def _take(data: Any, index: np.ndarray) -> Any:
    if isinstance(data, Mapping):
        return {key: _take(value, index) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(_take(value, index) for value in data)
    return data[index]


def _length(data: Any, name: str) -> int:
    if isinstance(data, Mapping):
        lengths = {_length(value, name) for value in data.values()}
    elif isinstance(data, list | tuple):
        lengths = {_length(value, name) for value in data}
    else:
        if not hasattr(data, "shape") or not getattr(data, "shape", ()):
            raise TypeError(
                f"{name} must be an array (or a dict/tuple of arrays), got {short_repr(data)}"
            )
        return int(data.shape[0])
    if len(lengths) != 1:
        raise ValueError(f"the arrays in {name} have different lengths {sorted(lengths)}")
    return lengths.pop()


def _balanced_epoch(
    members: list[np.ndarray], sampling: str, rng: np.random.Generator
) -> np.ndarray:
    """Indices of one balanced epoch: every class drawn ``n_max`` (or ``n_min``) times, shuffled."""
    sizes = [m.size for m in members if m.size]
    per_class = max(sizes) if sampling == "oversample" else min(sizes)
    parts = []
    for indices in members:
        if not indices.size:
            continue
        # Whole permutations first, so every element appears floor(per_class / n_c) times.
        rounds = -(-per_class // indices.size)
        if rounds == 1:
            parts.append(rng.permutation(indices)[:per_class])
        else:
            tiled = np.broadcast_to(indices, (rounds, indices.size))
            parts.append(rng.permuted(tiled, axis=1).ravel()[:per_class])
    epoch = np.concatenate(parts)
    return epoch[rng.permutation(epoch.size)]


SAMPLING_OPTIONS: tuple[str, ...] = ("oversample", "undersample")


class BalancedBatches(_keras_pydataset()):  # type: ignore[misc]
    """A ``keras.utils.PyDataset`` of class-balanced batches from in-memory arrays.

    Each epoch draws every class equally often, ``n_max`` times (``"oversample"``, small classes
    repeat) or ``n_min`` times (``"undersample"``, a fresh subset of the large classes), then
    shuffles; ``on_epoch_end`` draws the next epoch. The epoch has ``C * n_target`` elements
    and ``ceil(C * n_target / batch_size)`` batches: the last, partial batch is kept. ``x`` may
    have any rank (or be a dict/tuple of arrays); it works on every backend.

    Args:
        x: the inputs: an array of any rank, or a dict/tuple of arrays.
        y: one class per sample: indices ``(N,)``/``(N, 1)``, strings, or one-hot ``(N, C)``.
        batch_size: samples per batch.
        sampling: ``"oversample"`` or ``"undersample"``.
        class_weight: optional class weights; batches are then ``(x, y, w)``.
        seed: seed of the draws.
        label_mode: passed to :func:`~keras_imbalance.labels.decode_labels`.
        **kwargs: ``workers``, ``use_multiprocessing``, ``max_queue_size`` for ``PyDataset``.

    Example:
        >>> import numpy as np
        >>> y = np.array([0, 0, 0, 0, 1])
        >>> batches = BalancedBatches(np.zeros((5, 2)), y, batch_size=3, seed=0)
        >>> len(batches), np.bincount(np.concatenate([batches[i][1] for i in range(len(batches))]))
        (3, array([4, 4]))
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        *,
        batch_size: int = 32,
        sampling: ResampleMethod = "oversample",
        class_weight: Any = None,
        seed: int | None = None,
        label_mode: LabelMode | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_option("sampling", sampling, SAMPLING_OPTIONS)
        self.batch_size = check_number("batch_size", batch_size, low=1, integer=True)
        n = _length(x, "x")
        labels = np.asarray(y.numpy() if hasattr(y, "numpy") else y)
        if labels.ndim == 0 or labels.shape[0] != n:
            raise ValueError(
                f"y has {labels.shape[0] if labels.ndim else 0} labels but x has {n} samples; "
                f"give one label per sample"
            )
        decoded = decode_labels(labels, label_mode=label_mode, name="y")
        if decoded.indices is None or decoded.indices.ndim != 1:
            raise ValueError(
                f"y has shape {labels.shape} ({decoded.label_mode}); BalancedBatches needs one "
                f"class per sample: indices (N,), strings, or one-hot rows (N, C). For "
                f"multi-label or sequence labels use sample_weights(...) instead"
            )
        self.x = x
        self.y = labels
        self.sampling = sampling
        self.classes = decoded.classes
        self.weights = (
            None
            if class_weight is None
            else sample_weights(labels, class_weight, label_mode=decoded.label_mode)
        )
        self._rng = np.random.default_rng(seed)
        order = np.argsort(decoded.indices, kind="stable")
        bounds = np.cumsum(np.bincount(decoded.indices, minlength=decoded.num_classes))[:-1]
        self._members = np.split(order, bounds)
        self.epoch_indices = _balanced_epoch(self._members, sampling, self._rng)

    def __len__(self) -> int:
        return math.ceil(self.epoch_indices.size / self.batch_size)

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} is out of range; this epoch has {len(self)} batches")
        rows = self.epoch_indices[index * self.batch_size : (index + 1) * self.batch_size]
        batch = (_take(self.x, rows), self.y[rows])
        if self.weights is not None:
            return (*batch, self.weights[rows])
        return batch

    def on_epoch_end(self) -> None:
        self.epoch_indices = _balanced_epoch(self._members, self.sampling, self._rng)


class WeightedPyDataset(_keras_pydataset()):  # type: ignore[misc]
    """Wrap a ``keras.utils.PyDataset`` of ``(x, y)`` batches to yield ``(x, y, w)``.

    ``w`` comes from :func:`~keras_imbalance.sample_weights.sample_weights` for each batch (an
    existing ``w`` is multiplied). ``workers``, ``use_multiprocessing`` and ``max_queue_size``
    default to the wrapped dataset's.

    Example:
        >>> import keras, numpy as np
        >>> class Pairs(keras.utils.PyDataset):
        ...     def __len__(self):
        ...         return 1
        ...     def __getitem__(self, i):
        ...         return np.zeros((3, 1)), np.array([0, 1, 1])
        >>> WeightedPyDataset(Pairs(), [1.0, 3.0])[0][2].tolist()
        [1.0, 3.0, 3.0]
    """

    def __init__(
        self,
        dataset: Any,
        class_weight: Any,
        *,
        label_mode: LabelMode | None = None,
        multi_label_reduce: MultiLabelReduce = "max",
        negative_weight: float = 1.0,
        **kwargs: Any,
    ) -> None:
        for key in ("workers", "use_multiprocessing", "max_queue_size"):
            if hasattr(dataset, key):
                kwargs.setdefault(key, getattr(dataset, key))
        super().__init__(**kwargs)
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(
                f"dataset must be a keras.utils.PyDataset (with __getitem__ and __len__), got "
                f"{type(dataset).__name__}; wrap generators with weighted_generator(...)"
            )
        check_option("multi_label_reduce", multi_label_reduce, MULTI_LABEL_REDUCE_OPTIONS)
        self.dataset = dataset
        self.class_weight = class_weight
        self._options = {
            "label_mode": label_mode,
            "multi_label_reduce": multi_label_reduce,
            "negative_weight": negative_weight,
        }

    def __len__(self) -> int:
        return len(self.dataset)

    @property
    def num_batches(self) -> int | None:
        return getattr(self.dataset, "num_batches", len(self.dataset))

    def __getitem__(self, index: int) -> tuple[Any, Any, Any]:
        return _weighted_batch(self.dataset[index], self.class_weight, self._options)

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()


def _weighted_batch(batch: Any, class_weight: Any, options: dict[str, Any]) -> tuple[Any, Any, Any]:
    if not isinstance(batch, tuple | list) or len(batch) not in (2, 3):
        raise ValueError(
            f"a batch must be (x, y) or (x, y, sample_weight), got {short_repr(batch)}"
        )
    x, y, *existing = batch
    w = sample_weights(y, class_weight, combine=existing[0] if existing else None, **options)
    return x, y, w


def weighted_generator(
    generator: Iterable[Any],
    class_weight: Any,
    *,
    label_mode: LabelMode | None = None,
    multi_label_reduce: MultiLabelReduce = "max",
    negative_weight: float = 1.0,
) -> Iterator[tuple[Any, Any, Any]]:
    """Yield ``(x, y, w)`` from a Python generator (or iterable) of ``(x, y)`` batches.

    Keras refuses ``class_weight`` with a generator; this adds the per-sample weights of
    :func:`~keras_imbalance.sample_weights.sample_weights` to each batch instead (an existing
    ``w`` is multiplied). Pass ``label_mode`` so every batch is read the same way.

    Example:
        >>> import numpy as np
        >>> batches = [(np.zeros((2, 1)), np.array([0, 1]))]
        >>> [w.tolist() for _, _, w in weighted_generator(batches, [1.0, 3.0])]
        [[1.0, 3.0]]
    """
    check_option("multi_label_reduce", multi_label_reduce, MULTI_LABEL_REDUCE_OPTIONS)
    options = {
        "label_mode": label_mode,
        "multi_label_reduce": multi_label_reduce,
        "negative_weight": negative_weight,
    }
    for batch in generator:
        yield _weighted_batch(batch, class_weight, options)
