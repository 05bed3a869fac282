"""The three splits of a stream for ``compare``: given by the user, or carved out of it.

See :mod:`~keras_imbalance.comparison.data.streams` for what compare does with streams.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_imbalance._validation import short_repr
from keras_imbalance.comparison.data.stratify import decode_single, stratified
from keras_imbalance.comparison.data.streams import Stream, _is_pydataset, is_shuffled, is_stream


def stream_splits(
    train: Any,
    validation: Any,
    test: Any,
    class_names: Sequence[str] | None,
    *,
    validation_size: float = 0.2,
    test_size: float = 0.2,
    seed: int = 0,
) -> tuple[dict[str, Stream], np.ndarray, list[Any]]:
    """The three splits as :class:`Stream`; training counts; class names.

    The splits not given are carved out of ``train`` by :func:`carve_splits`.
    """
    from keras_imbalance.counting import count_labels

    given = {"validation_data": validation, "test_data": test}
    missing = [name for name, value in given.items() if value is None]
    if missing and _is_pydataset(train):
        raise ValueError(
            f"a PyDataset needs {missing[0]}= (a stream of the same kind of batches): compare "
            f"carves splits out of a tf.data.Dataset, but a PyDataset gives no per-sample access; "
            f"give {missing[0]}=, or a tf.data.Dataset, an image folder or arrays"
        )
    for name, value in given.items():
        if value is not None and not is_stream(value):
            raise TypeError(
                f"{name}={short_repr(value)} must be a tf.data.Dataset or PyDataset like the "
                f"training data"
            )
        if value is not None and not _is_pydataset(value) and is_shuffled(value):
            raise ValueError(
                f"{name} is shuffled (its pipeline has a shuffle step); compare scores "
                f"predictions against the labels in order, so give it in a fixed order: drop "
                f".shuffle(), or pass shuffle=False to image_dataset_from_directory"
            )
    if missing:
        streams = carve_splits(
            train, validation, test, validation_size=validation_size, test_size=test_size, seed=seed
        )
        classes = streams["train"].classes
        counts = np.bincount(streams["train"].labels, minlength=len(classes))
    else:
        label_counts = count_labels(train)
        if label_counts.label_mode == "multi_label":
            raise ValueError(
                "the training stream holds multi-label targets; compare needs one class per sample"
            )
        classes, mode = list(label_counts.classes), label_counts.label_mode
        counts = label_counts.counts
        sorted_labels = np.repeat(np.arange(len(classes)), counts)
        streams = {
            "train": Stream(train, "data", classes, mode, labels=sorted_labels),
            "val": Stream(validation, "validation_data", classes, mode),
            "test": Stream(test, "test_data", classes, mode),
        }
    names = list(class_names) if class_names is not None else None
    if names is None:
        names = list(getattr(train, "class_names", None) or [str(c) for c in classes])
    return streams, counts, names


def carve_splits(
    dataset: Any,
    validation: Any = None,
    test: Any = None,
    *,
    validation_size: float = 0.2,
    test_size: float = 0.2,
    seed: int = 0,
) -> dict[str, Stream]:
    """Carve the validation and test splits not given out of a finite ``tf.data.Dataset``.

    The labels are read once (each batch mapped to its ``y``) and split as
    :func:`~keras_imbalance.comparison.data.splits.make_splits` splits arrays: test first
    (``test_size`` of the data, ``seed``), then validation (``validation_size`` of the data, or
    of the training data when ``test`` is given; ``seed + 1``), both stratified. Each split is
    the source's elements at its indices, in the source's order, rebatched at the source's batch
    size.

    Example:
        >>> import tensorflow as tf
        >>> y = np.array([0] * 14 + [1] * 6)
        >>> ids = np.arange(20, dtype="float32")[:, None]
        >>> dataset = tf.data.Dataset.from_tensor_slices((ids, y)).batch(4)
        >>> streams = carve_splits(dataset, validation_size=0.25, test_size=0.25)
        >>> [np.bincount(streams[s].labels).tolist() for s in ("train", "val", "test")]
        [[7, 3], [3, 1], [4, 2]]
        >>> np.concatenate([x[:, 0] for x, _ in streams["test"].batches()]).tolist()
        [0.0, 2.0, 3.0, 5.0, 18.0, 19.0]
    """
    _check_carvable(dataset)
    if validation is None and test is None and validation_size + test_size >= 1:
        raise ValueError(
            f"validation_size={validation_size!r} + test_size={test_size!r} leaves no training "
            f"data; keep their sum below 1, e.g. 0.2 and 0.2"
        )
    batches = list(dataset.map(lambda *element: element[1]).as_numpy_iterator())
    if not batches:
        raise ValueError("data yields no batch; give a dataset with data in it")
    decoded = decode_single(np.concatenate(batches), None, "y in data")
    classes, mode, y = list(decoded.classes), decoded.label_mode, decoded.indices
    rows, sources = {}, {"train": "the rest"}
    pool, share = np.arange(len(y)), validation_size
    if test is None:
        pool, rows["test"] = stratified(y, test_size, seed, "test", classes, keep=2)
        sources["test"] = f"stratified {test_size:g} of the stream (seed {seed})"
        share = validation_size / (1 - test_size)
    if validation is None:
        fit, val = stratified(y[pool], share, seed + 1, "validation", classes, keep=1)
        pool, rows["val"] = pool[fit], pool[val]
        of = "stream" if test is None else "training stream"
        sources["val"] = f"stratified {validation_size:g} of the {of} (seed {seed + 1})"
    rows["train"] = pool
    elements = dataset.map(lambda *element: (element[0], element[1])).unbatch().enumerate()
    streams = {}
    for split, name, value in (
        ("train", "training", None),
        ("val", "validation", validation),
        ("test", "test", test),
    ):
        if value is not None:
            streams[split] = Stream(value, f"{name}_data", classes, mode)
            continue
        member = np.zeros(len(y), dtype=bool)
        member[rows[split]] = True
        carved = _carved(elements, member, len(rows[split]), len(batches[0]))
        streams[split] = Stream(
            carved,
            f"the {name} split of data",
            classes,
            mode,
            y[rows[split]],
            rows=rows[split],
            source=sources[split],
        )
    return streams


def _carved(elements: Any, member: np.ndarray, count: int, batch_size: int) -> Any:
    """The ``(x, y)`` of the enumerated ``elements`` where ``member[index]``, batched."""
    import tensorflow as tf

    mask = tf.constant(member)
    split = elements.filter(lambda index, _: tf.gather(mask, index))
    split = split.map(lambda index, element: element).batch(batch_size)
    # A known size: fit and its progress bar know the number of batches.
    return split.apply(tf.data.experimental.assert_cardinality(-(-count // batch_size)))


def _check_carvable(dataset: Any) -> None:
    """A dataset of batches that ends and gives its elements in one order on every pass."""
    import tensorflow as tf

    how = "compare carves the splits not given out of data by element index, which needs"
    give = "or give validation_data= and test_data="
    if int(dataset.cardinality()) == int(tf.data.INFINITE_CARDINALITY):
        raise ValueError(
            f"data is endless (repeat() without a count); {how} a finite dataset: drop repeat(), "
            f"{give}"
        )
    if is_shuffled(dataset):
        raise ValueError(
            f"data is shuffled (its pipeline has a shuffle step); {how} one order on every pass: "
            f"drop .shuffle() (or pass shuffle=False to image_dataset_from_directory), {give}, "
            f"or give an image folder, which compare splits by file list"
        )
    if dataset.options().deterministic is False:
        raise ValueError(
            f"data has options().deterministic=False; {how} one order on every pass: drop that "
            f"option, {give}"
        )
    spec = dataset.element_spec
    batched = isinstance(spec, tuple) and len(spec) in (2, 3)
    if not batched or getattr(getattr(spec[1], "shape", None), "rank", None) == 0:
        raise ValueError(
            f"data must yield (x, y) or (x, y, sample_weight) batches, got elements of spec "
            f"{short_repr(spec)}; batch single samples first, e.g. dataset.batch(32)"
        )
