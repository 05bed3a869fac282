"""Training batches a distribution can split: padded to a multiple of its devices.

A JAX ``keras.distribution`` layout (``DataParallel``) shards every batch evenly over its
devices, and a ``tf.distribute.MirroredStrategy`` fails to add up uneven replica batches, so a
batch of 15 samples on 2 devices (the last batch of an epoch, a fold's, a refit's) cannot be
trained. Under a distribution every training batch ``(x, y[, w])`` of ``n`` samples is padded to
``m = ceil(n / d) * d`` rows (``d`` devices): the ``m - n`` extra rows repeat the batch's first
samples with weight 0, and the ``n`` real weights are multiplied by ``m / n``. A loss reduced
over the batch, ``sum_i w_i l_i / m`` (Keras' ``"sum_over_batch_size"``) or
``sum_i w_i l_i / sum_i w_i``, is then exactly the unpadded batch's, so every run still takes
``ceil(N / batch_size)`` gradient steps per epoch, and each step sees the same samples as on
one device. Layers that pool statistics over the batch (``BatchNormalization``) see the
repeated rows in a padded batch. Arrays are batched here too (shuffled every epoch from the
run's seed), not by Keras, so that their last batch is padded as well; a ``tf.data`` pipeline
(strategy ``"resample"`` on a stream) is padded by a ``map`` of the same rule. Without a
distribution nothing changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["batch_shards", "even_batches", "pad_batch"]


def batch_shards() -> int:
    """Over how many devices the distribution in force splits each batch (1 without one): a
    JAX ``keras.distribution`` layout's batch axis, a ``tf.distribute`` strategy's replicas.

    Example:
        >>> batch_shards()
        1
    """
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        if not tf.distribute.has_strategy():
            return 1
        return int(tf.distribute.get_strategy().num_replicas_in_sync)
    if backend != "jax" or keras.distribution.distribution() is None:
        return 1
    current = keras.distribution.distribution()
    mesh = current.device_mesh
    name = getattr(current, "batch_dim_name", None)
    if name in mesh.axis_names:
        return int(mesh.shape[list(mesh.axis_names).index(name)])
    return int(np.prod(mesh.shape))


def pad_batch(batch: tuple[Any, ...], shards: int) -> tuple[np.ndarray, ...]:
    """``(x, y, w)``: ``batch`` padded to a multiple of ``shards`` rows, its loss unchanged.

    ``batch`` is ``(x, y)`` or ``(x, y, sample_weight)`` (weights 1 when absent). The padding
    repeats the first rows with weight 0, and the real weights are scaled by ``m / n``, so
    ``sum(w * loss) / m`` equals the unpadded ``sum(w * loss) / n``.

    Example:
        >>> x, y, w = pad_batch((np.arange(3.0)[:, None], np.array([0, 1, 1])), 2)
        >>> x.ravel().tolist(), y.tolist(), w.round(4).tolist()
        ([0.0, 1.0, 2.0, 0.0], [0, 1, 1, 0], [1.3333, 1.3333, 1.3333, 0.0])
    """
    if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
        raise ValueError(f"shards={shards!r} must be a whole number of devices, at least 1")
    if len(batch) not in (2, 3):
        raise ValueError(
            f"a training batch has {len(batch)} parts; pad_batch takes (x, y) or "
            f"(x, y, sample_weight)"
        )
    x, y = np.asarray(batch[0]), np.asarray(batch[1])
    n = len(y)
    weights = np.ones(n, "float32") if len(batch) == 2 else np.asarray(batch[2], "float32")
    size = -(-n // shards) * shards
    if n == 0 or size == n:
        return x, y, weights
    rows = np.arange(size - n) % n
    scaled = (weights * np.float32(size / n)).astype("float32")
    return (
        np.concatenate([x, x[rows]]),
        np.concatenate([y, y[rows]]),
        np.concatenate([scaled, np.zeros(size - n, "float32")]),
    )


def even_batches(batches: Any) -> Any:
    """``batches`` (a ``keras.utils.PyDataset`` or a ``tf.data.Dataset``) with every batch
    padded by :func:`pad_batch` to the device count of the distribution in force
    (:func:`batch_shards`); ``batches`` itself when there is none, or for arrays (batched by
    Keras: compare gives them as batches under a distribution).

    Example:
        >>> even_batches([1, 2]) == [1, 2]
        True
    """
    import keras

    shards = batch_shards()
    if shards == 1:
        return batches
    if not isinstance(batches, keras.utils.PyDataset):
        return _padded_tf_data(batches, shards) if _is_tf_data(batches) else batches

    class EvenBatches(keras.utils.PyDataset):  # type: ignore[misc]
        """The same batches, each padded to a multiple of the devices."""

        def __init__(self) -> None:
            super().__init__()

        def __len__(self) -> int:
            return len(batches)

        def __getitem__(self, index: int) -> tuple[np.ndarray, ...]:
            return pad_batch(tuple(batches[index]), shards)

        def on_epoch_begin(self) -> None:
            batches.on_epoch_begin()

        def on_epoch_end(self) -> None:
            batches.on_epoch_end()

    return EvenBatches()


def _is_tf_data(value: Any) -> bool:
    """Whether ``value`` is a ``tf.data.Dataset``, without importing TensorFlow."""
    return any(
        cls.__module__.startswith("tensorflow.") and cls.__name__ == "DatasetV2"
        for cls in type(value).__mro__
    )


def _padded_tf_data(dataset: Any, shards: int) -> Any:
    """``dataset`` of ``(x, y[, w])`` batches mapped through :func:`pad_batch`'s rule in graph."""
    import tensorflow as tf

    def pad(x: Any, y: Any, w: Any = None) -> tuple[Any, Any, Any]:
        n = tf.shape(y)[0]
        size = (n + shards - 1) // shards * shards
        rows = tf.range(size - n) % tf.maximum(n, 1)
        weights = tf.ones([n], tf.float32) if w is None else tf.cast(w, tf.float32)
        scale = tf.cast(size, tf.float32) / tf.cast(tf.maximum(n, 1), tf.float32)
        return (
            tf.concat([x, tf.gather(x, rows)], 0),
            tf.concat([y, tf.gather(y, rows)], 0),
            tf.concat([weights * scale, tf.zeros([size - n], tf.float32)], 0),
        )

    return dataset.map(pad)
