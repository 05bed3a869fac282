"""Count the classes of a ``tf.data.Dataset`` inside the graph: :func:`count_dataset`.

Also the ``tf.data`` checks the pipelines share. TensorFlow is imported only when called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from keras_imbalance._validation import check_option, short_repr
from keras_imbalance.counting.class_counts import ClassCounts
from keras_imbalance.labels import (
    LABEL_MODES,
    MAX_CLASSES,
    ClassesLike,
    LabelMode,
    check_width,
    decode_labels,
    normalize_classes,
)
from keras_imbalance.labels.decode import all_zero_message, max_classes_limit

_TENSORFLOW_HINT = 'pip install "keras-imbalance[tensorflow]"'


# Dataset types whose elements are batches (walked through `_inputs()`); names are private to
# tf.data, so an unknown pipeline falls back to "unbatched" and the docs say to pass label_mode.
_BATCHING_DATASETS = frozenset(
    {"_BatchDataset", "_ParallelBatchDataset", "_PaddedBatchDataset", "_RebatchDataset"}
)


_UNBATCHING_DATASETS = frozenset({"_UnbatchDataset"})


# Elements per internal batch when reducing an unbatched label stream.
_REDUCE_BATCH = 4096


def import_tensorflow() -> Any:
    try:
        import tensorflow as tf
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"tf.data support needs TensorFlow; install it with {_TENSORFLOW_HINT}"
        ) from error
    return tf


def check_dataset(dataset: Any, name: str = "dataset") -> Any:
    tf = import_tensorflow()
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


def is_text_spec(spec: Any) -> bool:
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
    max_classes: int = MAX_CLASSES,
    assume_finite: bool = False,
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
        max_classes: the most integer classes the labels may make without ``classes`` (default
            100 000). The labels are reduced to their distinct values first, so a stray label
            of 10**9 is refused with an error naming ``max_classes`` before any per-class array
            is allocated.
        assume_finite: a dataset whose cardinality is unknown (after ``filter``, ``take_while``
            or ``from_generator``) is counted when no step upstream of it is endless. One that
            filters an endless stream (``ds.repeat().filter(...)``) would never end, so it is
            refused; pass ``True`` if something else ends it (a ``take_while``, for example).
            A ``from_generator`` dataset must end, as any iterable ``count_labels`` reads.

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
    tf = import_tensorflow()
    if label_mode is not None:
        check_option("label_mode", label_mode, LABEL_MODES)
    max_classes_limit(max_classes)  # before the pass over the data
    declared = normalize_classes(classes)
    spec = check_dataset(dataset)
    _check_finite(tf, dataset, assume_finite)
    batched = is_batched(dataset)
    text = is_text_spec(spec)
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
        return _counts_from_keys(keys, result["key_counts"], declared, name, max_classes)
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
            elif array_rank == 2 and not result["column_sums"].any():
                raise ValueError(all_zero_message(name, (int(result["rows"]), int(width))))
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
        return _counts_from_keys(result["keys"], result["key_counts"], declared, name, max_classes)

    if not result["binary"]:
        bad = result["high"] if result["high"] > 1 else result["low"]
        raise ValueError(
            f"{name} contains {int(bad)}, but {label_mode} labels hold only 0 and 1; "
            f"use label_mode='int' for class indices"
        )
    mode_name = "one-hot" if label_mode == "categorical" else "multi-hot"
    found = check_width(declared, int(width), name, mode_name)  # type: ignore[arg-type]
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


def _check_finite(tf: Any, dataset: Any, assume_finite: Any) -> None:
    """Refuse an endless ``dataset``: one that repeats, or whose unknown cardinality hides an
    endless step upstream (``ds.repeat().filter(...)``); its count would never return."""
    if not isinstance(assume_finite, bool):
        raise TypeError(f"assume_finite must be True or False, got {short_repr(assume_finite)}")
    infinite = int(tf.data.INFINITE_CARDINALITY)
    if int(dataset.cardinality()) == infinite:
        raise ValueError(
            "dataset is infinite (it repeats), so its classes cannot be counted; count it "
            "before .repeat(), or count dataset.take(n)"
        )
    if assume_finite:
        return
    pending = list(dataset._inputs())
    while pending:
        node = pending.pop()
        cardinality = int(node.cardinality())
        if cardinality == infinite:
            raise ValueError(
                f"dataset has an unknown cardinality and reads an endless "
                f"{type(node).__name__.lstrip('_')} upstream (for example "
                f"ds.repeat().filter(...)), so counting it would never end; count before "
                f".repeat(), count dataset.take(n), or pass assume_finite=True if a later step "
                f"(a take_while) ends it"
            )
        if cardinality < 0:  # unknown: look further up
            pending.extend(node._inputs())


def _counts_from_keys(
    keys: np.ndarray,
    key_counts: np.ndarray,
    declared: tuple[Any, ...] | None,
    name: str,
    max_classes: int,
) -> ClassCounts:
    # decode_labels on the distinct labels gives the class order and every error it would give
    # on the full labels (max_classes included), before the bincount sized by the largest label.
    decoded = decode_labels(
        keys, label_mode="int", classes=declared, name=name, max_classes=max_classes
    )
    if decoded.indices is None:  # pragma: no cover - impossible for label_mode="int"
        raise RuntimeError("decode_labels gave no indices for int labels")
    counts = np.bincount(
        decoded.indices, weights=key_counts.astype(np.float64), minlength=decoded.num_classes
    ).astype(np.int64)
    return ClassCounts(counts, decoded.classes, "int", int(counts.sum()))
