"""Count pandas labels: a ``Series``, a ``Categorical`` or a ``DataFrame`` column."""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_imbalance._validation import short_repr
from keras_imbalance.counting.class_counts import ClassCounts, counts_from_labels
from keras_imbalance.labels import MAX_CLASSES, ClassesLike, LabelMode, normalize_classes

# --- pandas -------------------------------------------------------------------------------------


def count_pandas(
    source: Any,
    label_mode: LabelMode | None,
    classes: ClassesLike,
    column: str | None,
    max_classes: int = MAX_CLASSES,
) -> ClassCounts:
    kind = type(source).__name__
    if kind == "DataFrame":
        columns = list(source.columns)
        if column is None:
            if len(columns) != 1:
                raise ValueError(
                    f"source is a DataFrame with {len(columns)} columns {short_repr(columns)}; "
                    f"select the label column: count_labels(df[{columns[-1]!r}]) or "
                    f"column={columns[-1]!r} (for one-hot columns, pass df.to_numpy())"
                )
            column = columns[0]
        elif column not in columns:
            raise ValueError(
                f"column={column!r} is not a column of the DataFrame; its columns are "
                f"{short_repr(columns)}"
            )
        source = source[column]
        kind = type(source).__name__
        if kind == "DataFrame":
            raise ValueError(
                f"column={column!r} names several DataFrame columns; give a unique name"
            )
    elif column is not None:
        raise ValueError(f"column={column!r} applies to a DataFrame, not to a pandas {kind}")
    name = "labels" if column is None else f"column {column!r}"
    if kind == "Categorical" or (kind == "Series" and str(source.dtype) == "category"):
        categorical = source if kind == "Categorical" else source.cat
        return _count_categorical(
            np.asarray(categorical.codes), list(categorical.categories), label_mode, classes, name
        )
    if kind not in ("Series", "Index"):
        raise TypeError(
            f"count_labels reads a pandas Series, Categorical or DataFrame, not a pandas {kind}"
        )
    missing = np.flatnonzero(np.asarray(source.isna()))
    if missing.size:
        raise ValueError(
            f"{name} has a missing value (NaN/None) at position {int(missing[0])}; drop or fill "
            f"the rows without a label"
        )
    return counts_from_labels(
        source.to_numpy(),
        label_mode=label_mode,
        classes=classes,
        name=name,
        max_classes=max_classes,
    )


def _count_categorical(
    codes: np.ndarray,
    categories: list[Any],
    label_mode: LabelMode | None,
    classes: ClassesLike,
    name: str,
) -> ClassCounts:
    if label_mode not in (None, "int"):
        raise ValueError(
            f"{name} is categorical (one class per sample), so label_mode={label_mode!r} does not "
            f"apply; use label_mode=None or 'int'"
        )
    if codes.size == 0:
        raise ValueError(f"{name} is empty; give at least one label")
    missing = np.flatnonzero(codes < 0)
    if missing.size:
        raise ValueError(
            f"{name} has a missing value (NaN) at position {int(missing[0])}; drop or fill the "
            f"rows without a label"
        )
    found = tuple(c.item() if isinstance(c, np.generic) else c for c in categories)
    counts = np.bincount(codes.astype(np.int64), minlength=len(found))
    if classes is None:
        return ClassCounts(counts, found, "int")
    declared = normalize_classes(classes)
    if declared is None:  # pragma: no cover - classes is not None here
        raise RuntimeError("classes vanished")
    if declared == tuple(range(len(declared))) and len(declared) == len(found):
        return ClassCounts(counts, declared, "int")
    lookup = {c: i for i, c in enumerate(declared)}
    absent = [c for c, n in zip(found, counts, strict=True) if n and c not in lookup]
    if absent:
        raise ValueError(
            f"{name} has labels {short_repr(absent)} that are not in classes="
            f"{short_repr(list(declared))}; add them to classes or fix the labels"
        )
    result = np.zeros(len(declared), dtype=np.int64)
    for category, n in zip(found, counts, strict=True):
        if category in lookup:
            result[lookup[category]] += n
    return ClassCounts(result, declared, "int")
