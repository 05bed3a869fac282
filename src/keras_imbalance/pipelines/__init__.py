"""Class weights and rebalancing on the input pipelines Keras trains from.

* :func:`count_dataset` counts the classes of a ``tf.data.Dataset`` inside the graph (it lives in
  :mod:`keras_imbalance.counting`, and is re-exported here).
* :func:`with_sample_weights` maps ``(x, y)`` to ``(x, y, w)`` inside the graph, for every label
  shape :func:`keras_imbalance.labels.decode_labels` reads; Keras's own ``class_weight`` argmaxes
  multi-hot rows and sequence labels and refuses 3-D one-hot labels.
* :func:`resample` rebalances an unbatched ``tf.data`` stream toward a target class distribution.
* :class:`BalancedBatches` is a ``keras.utils.PyDataset`` of balanced batches drawn afresh every
  epoch from in-memory arrays (every backend); :class:`WeightedPyDataset` adds per-sample
  weights to an existing ``PyDataset``.
* :class:`MixupBatches` is a ``PyDataset`` of mixup batches with per-class weights, which
  :class:`DeferredMixupWeights` re-weights late in training (mixup with deferred re-weighting).
* :func:`weighted_generator` adds per-sample weights to a Python generator of batches, which
  Keras refuses to combine with ``class_weight``.

TensorFlow is imported only by the ``tf.data`` functions.
"""

from __future__ import annotations

import importlib
from typing import Any

from keras_imbalance.counting import count_dataset, is_batched

# The Keras-backed classes load on first use, so that a pure NumPy helper of a submodule
# (``pipelines.mixup.mix_batch``) can be imported without importing Keras.
_LAZY: dict[str, str] = {
    "BalancedBatches": "pydataset",
    "DeferredMixupWeights": "mixup",
    "MixupBatches": "mixup",
    "RESAMPLE_METHODS": "tfdata",
    "ResampleMethod": "tfdata",
    "Resampled": "tfdata",
    "SAMPLING_OPTIONS": "tfdata",
    "Sampling": "tfdata",
    "WeightedPyDataset": "pydataset",
    "resample": "tfdata",
    "weighted_generator": "generators",
    "with_sample_weights": "tfdata",
}

__all__ = [
    "BalancedBatches",
    "DeferredMixupWeights",
    "MixupBatches",
    "RESAMPLE_METHODS",
    "ResampleMethod",
    "Resampled",
    "SAMPLING_OPTIONS",
    "Sampling",
    "WeightedPyDataset",
    "count_dataset",
    "is_batched",
    "resample",
    "weighted_generator",
    "with_sample_weights",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"keras_imbalance.pipelines.{_LAZY[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'keras_imbalance.pipelines' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
