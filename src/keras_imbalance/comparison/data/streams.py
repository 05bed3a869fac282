"""Streams (``tf.data.Dataset``, ``keras.utils.PyDataset``) as the data of ``compare``.

A stream is a finite dataset of ``(x, y)`` batches (``(x, y, w)``: the ``w`` is ignored,
compare sets its own weights).

* ``compare(train, validation_data=val, test_data=test)`` or
  ``compare((train, test), validation_data=val)`` take the user's splits as given; the training
  classes are counted by :func:`~keras_imbalance.counting.count_labels` (from the file paths of
  an ``image_dataset_from_directory`` dataset, without decoding).
* A split not given is carved out of a ``tf.data.Dataset``
  (:func:`~keras_imbalance.comparison.data.stream_splits.carve_splits`) exactly as
  ``compare((x, y))`` splits arrays: the same stratified draws, ``validation_size``,
  ``test_size`` and seed. The labels are read once; each split is
  ``dataset.unbatch().enumerate().filter(index in split).batch(...)``, never materialised, but
  each pass over a split reads the whole source (``.cache()`` a cheap one, or give an image
  folder, split by file list). Carving needs one order on every pass: a ``shuffle`` step, no
  end or ``deterministic=False`` is refused, and the training split keeps the source's order.
  A ``PyDataset`` is not carved: give it ``validation_data`` and ``test_data``.
* Validation and test streams are read once for their labels and must keep that order on every
  pass (no ``shuffle``): their predictions are scored against those labels, and a pass whose
  labels differ is an error that says so. A training stream given as such may be shuffled.

Every strategy trains on the stream, batch by batch: class weights become the batches' sample
weights, the one-hot losses get one-hot targets, mixup mixes each batch with a permutation of
itself (one ``lam ~ Beta(alpha, alpha)`` per batch), and ``resample`` draws class-balanced
batches with :func:`keras_imbalance.pipelines.resample` (``tf.data`` only: a ``PyDataset`` has
no per-element access, so ``resample`` is refused for it). The decoupled heads take their
features from one pass over each stream. Labels are class indices, strings or one-hot rows, read
by :func:`~keras_imbalance.labels.decode_labels`.

Streams cannot travel to other processes: with an ``executor`` compare refuses them (an image
folder or arrays can).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import numpy as np

from keras_imbalance._validation import short_repr
from keras_imbalance.pipelines.mixing import cut_batch, mix_batch


def is_stream(data: Any) -> bool:
    """Whether ``data`` is a ``tf.data.Dataset`` or a ``keras.utils.PyDataset``."""
    if type(data).__module__.startswith("tensorflow") and hasattr(data, "element_spec"):
        return True
    if "keras" not in sys.modules:  # no Keras imported: no PyDataset exists yet
        return False
    import keras

    return isinstance(data, keras.utils.PyDataset)


class Stream:
    """One split given as a stream of ``(x, y)`` batches, with its labels as class indices.

    ``len(stream)`` is its number of samples, ``stream.shape`` is ``(N, *input_shape)``, and
    :meth:`batches` yields ``(x, class indices)`` as NumPy, in the stream's order. A split carved
    out of a dataset
    (:func:`~keras_imbalance.comparison.data.stream_splits.carve_splits`) keeps its element
    indices in ``rows``.
    """

    def __init__(
        self,
        data: Any,
        name: str,
        classes: Sequence[Any],
        label_mode: str | None,
        labels: np.ndarray | None = None,
        *,
        rows: np.ndarray | None = None,
        source: str = "given",
    ) -> None:
        self.data = data
        self.name = name
        self.rows = rows  # a carved split's element indices in the source dataset
        self.source = source  # where the split came from, in words (for results.json)
        self.classes = list(classes)
        self.label_mode = label_mode
        self.tf_data = not _is_pydataset(data)
        first = next(self._raw(), None)
        if first is None:
            raise ValueError(f"{name} yields no batch; give a dataset with data in it")
        self.input_shape = tuple(int(d) for d in np.shape(first[0])[1:])
        self.num_batches = len(data) if not self.tf_data else _cardinality(data, name)
        self.labels = labels if labels is not None else self.read_labels()

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.labels), *self.input_shape)

    def __getstate__(self) -> Any:
        raise TypeError(
            f"{self.name} is a tf.data.Dataset or PyDataset, which cannot be sent to another "
            f"process; run compare without an executor, or give an image folder or arrays"
        )

    def _raw(self) -> Iterator[tuple[Any, Any]]:
        """``(x, y)`` of each batch as the user's stream gives it."""
        if self.tf_data:
            for element in self.data.as_numpy_iterator():
                yield _pair(element, self.name)
        else:
            for index in range(len(self.data)):
                yield _pair(self.data[index], self.name)

    def indices(self, y: Any) -> np.ndarray:
        from keras_imbalance.labels import decode_labels

        decoded = decode_labels(
            np.asarray(y),
            classes=self.classes,
            label_mode=cast(Any, self.label_mode),
            name=f"y in {self.name}",
        )
        if decoded.indices is None or decoded.indices.ndim != 1:
            raise ValueError(
                f"y in {self.name} must hold one class per sample (class indices, strings or "
                f"one-hot rows), got {decoded.label_mode} labels of shape {np.shape(y)}"
            )
        return np.asarray(decoded.indices, dtype=np.int64)

    def batches(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(x as float32, class indices)`` of each batch, in the stream's order."""
        for x, y in self._raw():
            yield np.asarray(x, dtype="float32"), self.indices(y)

    def read_labels(self) -> np.ndarray:
        """Every label of one pass, as class indices."""
        parts = [self.indices(y) for _, y in self._label_batches()]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _label_batches(self) -> Iterator[tuple[None, Any]]:
        if self.tf_data:  # the labels alone cross into Python
            for y in self.data.map(lambda *element: element[1]).as_numpy_iterator():
                yield None, y
        else:
            for _, y in self._raw():
                yield None, y

    def predict(self, model: Any) -> np.ndarray:
        """The model's outputs over one pass, float64; the pass's labels must be the stored ones."""
        import keras

        logits, seen = [], []
        for x, y in self.batches():
            logits.append(keras.ops.convert_to_numpy(model(x, training=False)))
            seen.append(y)
        labels = np.concatenate(seen)
        if not np.array_equal(labels, self.labels):
            raise ValueError(
                f"{self.name} yielded its labels in another order than on its first pass (is it "
                f"shuffled?); compare scores predictions against the labels in order, so give "
                f"validation and test data in a fixed order (no .shuffle())"
            )
        return np.concatenate(logits).astype("float64")

    def fingerprint(self) -> str:
        """sha256 of the labels, input shape, number of batches (and rows), not of the pixels."""
        digest = hashlib.sha256()
        digest.update(f"{self.input_shape}|{self.num_batches}|".encode())
        digest.update(np.ascontiguousarray(self.labels).tobytes())
        if self.rows is not None:
            digest.update(b"|rows|" + np.ascontiguousarray(self.rows, dtype=np.int64).tobytes())
        return digest.hexdigest()


def is_shuffled(dataset: Any) -> bool:
    """Whether a ``tf.data`` pipeline holds a ``shuffle`` step (read from its graph of inputs)."""
    seen, todo = set(), [dataset]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if "Shuffle" in type(current).__name__:
            return True
        inputs = getattr(current, "_inputs", None)
        try:
            todo.extend(inputs() if callable(inputs) else [])
        except (TypeError, NotImplementedError):
            continue
    return False


def _is_pydataset(data: Any) -> bool:
    import keras

    return isinstance(data, keras.utils.PyDataset)


def _pair(element: Any, name: str) -> tuple[Any, Any]:
    if not isinstance(element, tuple | list) or len(element) not in (2, 3):
        raise ValueError(
            f"{name} must yield (x, y) or (x, y, sample_weight) batches, got {short_repr(element)}"
        )
    return element[0], element[1]


def _cardinality(data: Any, name: str) -> int:
    import tensorflow as tf

    size = int(data.cardinality())
    if size == int(tf.data.INFINITE_CARDINALITY):
        raise ValueError(
            f"{name} is endless (repeat() without a count); compare needs a finite dataset, one "
            f"pass per epoch"
        )
    if size < 0:  # unknown (after a filter): count one pass
        size = sum(1 for _ in data.map(lambda *element: 0))
    return size


def _mix(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None,
    num_classes: int,
    rng: Any,
    alpha: float,
    mode: str = "mixup",
) -> tuple[np.ndarray, ...]:
    """One mixup batch (:func:`~keras_imbalance.pipelines.mixing.mix_batch`), drawing ``lam``
    then the partners from the stream's generator; with ``mode="cutmix"`` then the box's
    centre, for :func:`~keras_imbalance.pipelines.mixing.cut_batch`."""
    lam = float(rng.beta(alpha, alpha))
    partners = rng.permutation(len(y))
    if mode == "cutmix":
        row, column = rng.random(2)
        centre = (float(row), float(column))
        return cut_batch(
            x, y, num_classes, lam=lam, partners=partners, centre=centre, class_weight=weights
        )
    return mix_batch(x, y, num_classes, lam=lam, partners=partners, class_weight=weights)


def training_batches(
    stream: Stream,
    *,
    num_classes: int,
    seed: int,
    class_weight: Sequence[float] | None = None,
    one_hot: bool = False,
    mixup_alpha: float | None = None,
    mix_mode: str = "mixup",
) -> Any:
    """A ``PyDataset`` over the training stream, with the strategy's targets and weights.

    Keras reads a ``PyDataset`` with one worker in index order, so each epoch is one pass of the
    user's stream (a peek at batch 0 restarts it). ``set_class_weight`` changes the weights
    from the next batch on (deferred re-weighting of mixup).
    """
    import keras

    class StreamBatches(keras.utils.PyDataset):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.class_weight = (
                None if class_weight is None else np.asarray(class_weight, dtype="float32")
            )
            self.epoch = 0
            self.iterator: Iterator[tuple[np.ndarray, np.ndarray]] | None = None
            self.last: tuple[int, tuple[np.ndarray, ...]] | None = None

        def set_class_weight(self, weights: Any) -> None:
            values = (
                [weights[c] for c in range(num_classes)] if isinstance(weights, dict) else weights
            )
            self.class_weight = np.asarray(values, dtype="float32")

        def __len__(self) -> int:
            return stream.num_batches

        def __getitem__(self, index: int) -> tuple[np.ndarray, ...]:
            if self.last is not None and self.last[0] == index:
                return self.last[1]
            if index == 0 or self.iterator is None:
                self.iterator = stream.batches()
                self.last = None
            elif self.last is None or index != self.last[0] + 1:
                raise IndexError(
                    f"batch {index} asked out of order; a stream is read in order, with one "
                    f"worker (no workers= or use_multiprocessing= in fit_kwargs)"
                )
            try:
                x, y = next(self.iterator)
            except StopIteration:
                raise IndexError(f"{stream.name} ended before batch {index}") from None
            batch = self.transform(x, y, index)
            self.last = (index, batch)
            return batch

        def transform(self, x: np.ndarray, y: np.ndarray, index: int) -> tuple[np.ndarray, ...]:
            if mixup_alpha is not None:
                rng = np.random.default_rng([seed, self.epoch, index])
                return _mix(x, y, self.class_weight, num_classes, rng, mixup_alpha, mix_mode)
            targets = np.eye(num_classes, dtype="float32")[y] if one_hot else y
            if self.class_weight is None:
                return x, targets
            return x, targets, self.class_weight[y]

        def on_epoch_end(self) -> None:
            self.epoch += 1
            self.iterator, self.last = None, None  # the next epoch starts a fresh pass

    return StreamBatches()


def resampled_batches(
    stream: Stream, *, counts: np.ndarray, batch_size: int, steps: int, seed: int
) -> Any:
    """Class-balanced batches from a ``tf.data`` training stream (:func:`pipelines.resample`).

    The stream is unbatched, resampled toward uniform classes with its counts, and rebatched at
    ``batch_size`` with class indices as targets; each epoch is ``steps`` batches of one
    endless stream. Each class draws from its own filter of the stream, so one epoch reads the
    stream about once per class: a cost of streams (an image folder resamples file indices).
    """
    if not stream.tf_data:
        raise ValueError(
            "strategy 'resample' needs per-sample access, which a PyDataset does not give; use a "
            "tf.data.Dataset, an image folder or arrays, or drop 'resample'"
        )
    import tensorflow as tf

    from keras_imbalance.pipelines import resample

    classes = stream.classes
    elements = stream.data.map(lambda *element: (element[0], element[1])).unbatch()
    balanced = resample(
        elements,
        counts={c: int(n) for c, n in zip(classes, counts, strict=True)},
        seed=seed,
        shuffle_buffer=0,
    )
    mode = stream.label_mode

    def to_index(x: Any, y: Any) -> tuple[Any, Any]:
        if mode == "categorical":
            return tf.cast(x, tf.float32), tf.argmax(y, axis=-1)
        if y.dtype == tf.string:
            table = tf.constant([str(c) for c in classes])
            return tf.cast(x, tf.float32), tf.argmax(tf.cast(tf.equal(table, y), tf.int32))
        y = tf.reshape(y, [])
        index = tf.argmax(tf.cast(tf.equal(tf.constant(classes, y.dtype), y), tf.int32))
        return tf.cast(x, tf.float32), index

    dataset, _ = balanced
    # Exactly ``steps`` batches per pass, so that fit needs no steps_per_epoch.
    return dataset.map(to_index).batch(batch_size).take(steps)


def features_and_labels(
    extractor: Callable[..., Any], stream: Stream
) -> tuple[np.ndarray, np.ndarray]:
    """Features of one pass over ``stream`` and the labels of that same pass (any order)."""
    import keras

    features, labels = [], []
    for x, y in stream.batches():
        features.append(keras.ops.convert_to_numpy(extractor(x, training=False)))
        labels.append(y)
    return np.concatenate(features).astype("float32"), np.concatenate(labels)
