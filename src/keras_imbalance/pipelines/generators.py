"""Per-sample weights for a Python generator of batches: :func:`weighted_generator`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from keras_imbalance._validation import check_option
from keras_imbalance.labels import LabelMode
from keras_imbalance.pipelines.pydataset import weighted_batch
from keras_imbalance.weighting import MULTI_LABEL_REDUCE_OPTIONS, MultiLabelReduce


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
        yield weighted_batch(batch, class_weight, options)
