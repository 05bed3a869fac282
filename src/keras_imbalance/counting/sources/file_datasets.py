"""Count a dataset that knows its files (``image_dataset_from_directory``) from its file paths."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_imbalance._validation import short_repr
from keras_imbalance.counting.class_counts import ClassCounts
from keras_imbalance.labels import MAX_CLASSES, ClassesLike, LabelMode, normalize_classes

# --- Datasets -----------------------------------------------------------------------------------


def count_tf_dataset(
    dataset: Any,
    label_mode: LabelMode | None,
    classes: ClassesLike,
    max_classes: int = MAX_CLASSES,
    assume_finite: bool = False,
) -> ClassCounts:
    from keras_imbalance.counting.sources.tfdata import count_dataset

    counted: ClassCounts = count_dataset(
        dataset,
        label_mode=label_mode,
        classes=classes,
        max_classes=max_classes,
        assume_finite=assume_finite,
    )
    return counted


def _file_label_mode(dataset: Any, num_classes: int) -> LabelMode | None:
    """The label mode of a Keras directory dataset from its element spec; None if it has no y."""
    spec = getattr(dataset, "element_spec", None)
    if spec is None:  # a grain dataset: no spec to read
        return "int"
    if not isinstance(spec, tuple) or len(spec) < 2:
        return None
    shape = getattr(spec[1], "shape", None)
    dtype = getattr(spec[1], "dtype", None)
    if shape is None or dtype is None or len(shape) == 0:
        return "int" if shape is not None else None
    if getattr(dtype, "is_floating", False) and shape[-1] == num_classes and num_classes > 1:
        return "categorical"
    return "int"


def _path_classes(paths: Sequence[str], names: Sequence[str]) -> np.ndarray | None:
    """Counts per class of ``directory/<class>/.../file`` paths, or None if they are not so."""
    separator = os.sep
    # A character prefix (fast, in C) is enough: the root is cut back to a separator below.
    prefix = os.path.commonprefix(list(paths))  # noqa: RUF071
    known = {name: i for i, name in enumerate(names)}
    cut = prefix.rfind(separator)
    # The class is the path component right after the root; the deepest root whose next
    # components are all class names is the one Keras joined (it is the common prefix unless
    # every file lies in one class folder).
    while cut >= 0:
        tops = [path[cut + 1 :].split(separator, 1)[0] for path in paths]
        if all(top in known for top in set(tops)) and all(
            separator in path[cut + 1 :] for path in paths[:1000]
        ):
            index = np.fromiter((known[top] for top in tops), dtype=np.int64, count=len(tops))
            return np.bincount(index, minlength=len(names)).astype(np.int64)
        cut = prefix.rfind(separator, 0, cut)
    return None


def _zipped_labels(dataset: Any) -> Any:
    """The label dataset Keras zipped with the file paths, found through the input chain."""
    current, depth = dataset, 0
    while current is not None and depth < 32:
        parts = getattr(current, "_datasets", None)
        if isinstance(parts, tuple) and len(parts) == 2:
            dtype = getattr(getattr(parts[0], "element_spec", None), "dtype", None)
            if getattr(dtype, "name", None) == "string":
                return parts[1]
            return None
        current = getattr(current, "_input_dataset", None)
        depth += 1
    return None


def count_file_dataset(
    dataset: Any, label_mode: LabelMode | None, classes: ClassesLike
) -> ClassCounts | None:
    """Count a ``keras.utils.image_dataset_from_directory`` dataset from its ``file_paths``.

    Returns None, to fall back on iterating the dataset, unless the dataset still carries
    ``file_paths`` and ``class_names`` and its labels were inferred from the folders.
    """
    paths = getattr(dataset, "file_paths", None)
    names = getattr(dataset, "class_names", None)
    if (
        not isinstance(paths, Sequence)
        or not paths
        or not isinstance(names, Sequence)
        or not names
        or not all(isinstance(n, str) for n in names)
        or label_mode == "multi_label"
    ):
        return None
    detected = _file_label_mode(dataset, len(names))
    if detected is None:
        return None
    mode: LabelMode = label_mode or detected
    if classes is None:
        found: tuple[Any, ...] = tuple(names)
    else:
        declared = normalize_classes(classes) or ()
        if declared not in (tuple(names), tuple(range(len(names)))):
            raise ValueError(
                f"classes={short_repr(list(declared))} does not match the dataset's "
                f"class_names={short_repr(list(names))}; give classes=None, "
                f"classes={len(names)} or the class_names themselves"
            )
        found = declared
    if all(_looks_like_int(n) for n in names):
        # Keras names the classes str(label) when labels=[...] is given, so folders named like
        # ints cannot tell inferred labels from explicit ones: count the real label dataset.
        labels = _zipped_labels(dataset)
        if labels is None:
            return None
        counted = count_tf_dataset(labels.batch(65536).map(lambda y: (y, y)), mode, len(names))
        return ClassCounts(counted.counts, found, mode, counted.n_samples)
    counts = _path_classes(paths, names)
    if counts is None:
        return None
    return ClassCounts(counts, found, mode, len(paths))


def _looks_like_int(name: str) -> bool:
    return name.lstrip("-").isdigit()
