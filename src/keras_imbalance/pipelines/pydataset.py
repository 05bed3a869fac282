"""``keras.utils.PyDataset`` pipelines: :class:`BalancedBatches` and :class:`WeightedPyDataset`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.labels import LABEL_MODES, LabelMode, decode_labels
from keras_imbalance.pipelines.tfdata import (
    _UNSET,
    Sampling,
    check_sampling,
    check_seed,
)
from keras_imbalance.weighting import (
    MULTI_LABEL_REDUCE_OPTIONS,
    MultiLabelReduce,
    check_class_weight,
    sample_weights,
    weight_classes,
)

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
        sampling: ``"oversample"`` (the default) or ``"undersample"``, as in :func:`resample`.
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
        sampling: Sampling = "oversample",
        class_weight: Any = None,
        seed: int | None = None,
        label_mode: LabelMode | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        sampling = check_sampling(sampling, _UNSET, "BalancedBatches")  # type: ignore[assignment]
        seed = check_seed(seed)
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

    ``w`` comes from :func:`~keras_imbalance.weighting.sample_weights` for each batch (an
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
        check_weighting_options(class_weight, label_mode, multi_label_reduce, negative_weight)
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
        return weighted_batch(self.dataset[index], self.class_weight, self._options)

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()


def check_weighting_options(
    class_weight: Any, label_mode: Any, multi_label_reduce: Any, negative_weight: Any
) -> None:
    """Check the options of :class:`WeightedPyDataset` and :func:`weighted_generator` when they
    are built, not at the first batch (the labels are checked batch by batch)."""
    if label_mode is not None:
        check_option("label_mode", label_mode, LABEL_MODES)
    check_option("multi_label_reduce", multi_label_reduce, MULTI_LABEL_REDUCE_OPTIONS)
    check_number("negative_weight", negative_weight, low=0)
    _check_weights_early(class_weight)


def _check_weights_early(class_weight: Any) -> None:
    if class_weight is None:
        raise TypeError(
            "class_weight=None weighs nothing; give a dict {class index: weight}, a list of "
            "weights or a ClassWeights"
        )
    per_output = isinstance(class_weight, Mapping) and any(
        isinstance(value, Mapping | list | tuple | np.ndarray) or value is None
        for value in class_weight.values()
    )
    if per_output:  # a multi-output model: one entry per output
        for value in class_weight.values():
            if value is not None:
                _check_weights_early(value)
        return
    num_classes, names = weight_classes(class_weight, text_labels=True)
    check_class_weight(class_weight, num_classes, class_names=names)


def weighted_batch(batch: Any, class_weight: Any, options: dict[str, Any]) -> tuple[Any, Any, Any]:
    if not isinstance(batch, tuple | list) or len(batch) not in (2, 3):
        raise ValueError(
            f"a batch must be (x, y) or (x, y, sample_weight), got {short_repr(batch)}"
        )
    x, y, *existing = batch
    w = sample_weights(y, class_weight, combine=existing[0] if existing else None, **options)
    return x, y, w
