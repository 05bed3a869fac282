"""Count a ``keras.utils.PyDataset`` or any iterable of ``(x, y)`` batches, batch by batch."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from keras_imbalance._validation import short_repr
from keras_imbalance.counting.class_counts import ClassCounts
from keras_imbalance.labels import (
    MAX_CLASSES,
    ClassesLike,
    LabelMode,
    decode_labels,
    normalize_classes,
)


def py_dataset_batches(dataset: Any) -> Iterator[Any]:
    try:
        length = dataset.num_batches if hasattr(type(dataset), "num_batches") else len(dataset)
    except (NotImplementedError, TypeError) as error:
        raise ValueError(
            f"the {type(dataset).__name__} has no length; count_labels needs a finite PyDataset "
            f"(define __len__ or num_batches)"
        ) from error
    if length is None:
        raise ValueError(
            f"the {type(dataset).__name__} is infinite (num_batches is None); count_labels needs "
            f"a finite PyDataset"
        )
    for index in range(int(length)):
        yield dataset[index]


def _batch_labels(batch: Any, position: int, what: str) -> Any:
    if isinstance(batch, tuple | list) and len(batch) in (2, 3):
        labels = batch[1]
        if labels is None:
            raise ValueError(
                f"batch {position} of the {what} has no labels (y is None); count a dataset of "
                f"(x, y) batches"
            )
        if isinstance(labels, Mapping):
            raise TypeError(
                f"batch {position} of the {what} has a dict of labels (a multi-output model); "
                f"count each output on its own"
            )
        return labels
    raise TypeError(
        f"batch {position} of the {what} is {short_repr(batch, 60)}; each batch must be a tuple "
        f"(x, y) or (x, y, sample_weight)"
    )


def count_batches(
    batches: Iterator[Any],
    label_mode: LabelMode | None,
    classes: ClassesLike,
    what: str,
    max_classes: int = MAX_CLASSES,
) -> ClassCounts:
    """Sum per-batch counts; labels are never gathered, only one batch is held at a time."""
    fixed = normalize_classes(classes)
    mode = label_mode
    total: np.ndarray | None = None
    by_name: dict[str, int] | None = None
    n_samples = 0
    for position, batch in enumerate(batches):
        labels = _batch_labels(batch, position, what)
        decoded = decode_labels(
            labels,
            label_mode=mode,
            classes=fixed,
            name=f"the labels of batch {position}",
            max_classes=max_classes,
        )
        counts = decoded.counts()
        n_samples += decoded.n_samples if decoded.label_mode == "multi_label" else int(counts.sum())
        if mode is None:
            mode = decoded.label_mode
        if fixed is None and mode != "int":
            fixed = decoded.classes  # one-hot and multi-hot widths stay fixed
        if fixed is not None:
            total = counts if total is None else total + counts
            continue
        is_text = isinstance(decoded.classes[0], str)
        if position and (by_name is not None) != is_text:
            raise TypeError(
                f"batch {position} of the {what} has {'string' if is_text else 'integer'} labels "
                f"but earlier batches had {'integer' if is_text else 'string'} ones; give all "
                f"labels as integers or all as strings"
            )
        if is_text:
            by_name = {} if by_name is None else by_name
            for label, n in zip(decoded.classes, counts.tolist(), strict=True):
                by_name[label] = by_name.get(label, 0) + n
        elif total is None:
            total = counts.copy()
        else:
            if counts.size > total.size:
                total = np.concatenate([total, np.zeros(counts.size - total.size, np.int64)])
            total[: counts.size] += counts
    if mode is None:
        raise ValueError(f"the {what} yielded no batches; give a non-empty source of labels")
    if by_name is not None:
        names = sorted(by_name)
        return ClassCounts(np.asarray([by_name[n] for n in names]), tuple(names), mode, n_samples)
    if total is None:  # pragma: no cover - a batch always sets one of them
        raise RuntimeError("no counts were gathered")
    found = fixed if fixed is not None else tuple(range(total.size))
    return ClassCounts(total, found, mode, n_samples)
