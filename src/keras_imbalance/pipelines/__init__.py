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

from keras_imbalance.counting import count_dataset, is_batched
from keras_imbalance.pipelines.generators import weighted_generator
from keras_imbalance.pipelines.mixup import DeferredMixupWeights, MixupBatches
from keras_imbalance.pipelines.pydataset import BalancedBatches, WeightedPyDataset
from keras_imbalance.pipelines.tfdata import (
    RESAMPLE_METHODS,
    SAMPLING_OPTIONS,
    Resampled,
    ResampleMethod,
    Sampling,
    resample,
    with_sample_weights,
)

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
