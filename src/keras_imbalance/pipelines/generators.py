"""Per-sample weights for a Python generator of batches: :func:`weighted_generator`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from keras_imbalance._validation import short_repr
from keras_imbalance.labels import LabelMode
from keras_imbalance.pipelines.pydataset import check_weighting_options, weighted_batch
from keras_imbalance.weighting import MultiLabelReduce


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
    :func:`~keras_imbalance.weighting.sample_weights` to each batch instead (an existing
    ``w`` is multiplied). Pass ``label_mode`` so every batch is read the same way. The options
    and ``class_weight`` are checked when it is called, before the first batch is read.

    Example:
        >>> import numpy as np
        >>> batches = [(np.zeros((2, 1)), np.array([0, 1]))]
        >>> [w.tolist() for _, _, w in weighted_generator(batches, [1.0, 3.0])]
        [[1.0, 3.0]]
    """
    check_weighting_options(class_weight, label_mode, multi_label_reduce, negative_weight)
    if isinstance(generator, str | bytes) or not isinstance(generator, Iterable):
        raise TypeError(
            f"generator must be a generator or iterable of (x, y) batches, got "
            f"{short_repr(generator)}"
        )
    options = {
        "label_mode": label_mode,
        "multi_label_reduce": multi_label_reduce,
        "negative_weight": negative_weight,
    }
    return _weighted(iter(generator), class_weight, options)


def _weighted(
    batches: Iterator[Any], class_weight: Any, options: dict[str, Any]
) -> Iterator[tuple[Any, Any, Any]]:
    for batch in batches:
        yield weighted_batch(batch, class_weight, options)
