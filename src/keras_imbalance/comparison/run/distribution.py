"""One run on several devices: a ``keras.distribution`` layout or a ``tf.distribute`` strategy.

``compare(..., distribution=...)`` trains every run inside ``distribution.scope()``: the model is
built, compiled, fitted and evaluated there, so its variables are laid out (JAX) or mirrored
(TensorFlow) over the devices the user chose, and each batch is split between them. Runs still
go one after another: a distribution spreads *one* run over several devices, an ``executor``
spreads *several* runs over processes, and the two are not combined. A training batch the
devices do not divide (the last of an epoch, of a fold, of the final model) is padded with
zero-weight rows that leave its loss unchanged
(:mod:`~keras_imbalance.comparison.run.even_batches`), so every run takes its usual steps with any
``batch_size``. Predictions call the model on whole chunks, which need no split.

Example (JAX, two devices)::

    import keras
    layout = keras.distribution.DataParallel(devices=keras.distribution.list_devices("gpu"))
    result = ki.compare((x, y), distribution=layout)

Example (TensorFlow)::

    import tensorflow as tf
    result = ki.compare((x, y), distribution=tf.distribute.MirroredStrategy())
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from keras_imbalance._validation import short_repr
from keras_imbalance.comparison.report.formatting import plural

__all__ = ["check_distribution", "distribution_name", "distribution_scope"]


def _is_tf_strategy(value: Any) -> bool:
    """Whether ``value`` is a ``tf.distribute.Strategy``, without importing TensorFlow."""
    return any(
        cls.__module__.startswith("tensorflow.") and cls.__name__ == "StrategyBase"
        for cls in type(value).__mro__
    )


def _is_keras_distribution(value: Any) -> bool:
    import keras

    # The base class is not public; these are the layouts Keras exports.
    return isinstance(value, (keras.distribution.DataParallel, keras.distribution.ModelParallel))


def check_distribution(distribution: Any, *, executor: Any = None) -> Any:
    """Validate ``distribution=`` for the running Keras backend; return it unchanged.

    Raises:
        TypeError: ``distribution`` is neither a ``keras.distribution`` layout
            (``DataParallel``, ``ModelParallel``) nor a ``tf.distribute.Strategy``.
        ValueError: the kind does not match the backend (a ``keras.distribution`` layout needs
            JAX, a ``tf.distribute`` strategy needs TensorFlow), or an ``executor`` is given too.

    Example:
        >>> check_distribution(None) is None
        True
        >>> check_distribution("gpu")
        Traceback (most recent call last):
        ...
        TypeError: distribution='gpu' must be a keras.distribution layout (JAX, e.g. \
keras.distribution.DataParallel()) or a tf.distribute strategy (TensorFlow, e.g. \
tf.distribute.MirroredStrategy()), or None for one device
    """
    if distribution is None:
        return None
    import keras

    backend = keras.backend.backend()
    if _is_keras_distribution(distribution):
        if backend != "jax":
            raise ValueError(
                f"distribution={short_repr(distribution)} is a keras.distribution layout, which "
                f"compare supports on the JAX backend only (the backend is {backend!r}); set "
                f"KERAS_BACKEND=jax, or give a tf.distribute strategy on TensorFlow"
            )
    elif _is_tf_strategy(distribution):
        if backend != "tensorflow":
            raise ValueError(
                f"distribution={short_repr(distribution)} is a tf.distribute strategy, which "
                f"needs the TensorFlow backend (the backend is {backend!r}); set "
                f"KERAS_BACKEND=tensorflow, or give a keras.distribution layout on JAX"
            )
    else:
        raise TypeError(
            f"distribution={short_repr(distribution)} must be a keras.distribution layout (JAX, "
            f"e.g. keras.distribution.DataParallel()) or a tf.distribute strategy (TensorFlow, "
            f"e.g. tf.distribute.MirroredStrategy()), or None for one device"
        )
    if executor is not None:
        raise ValueError(
            f"distribution= and executor={short_repr(executor)} cannot be combined: a "
            f"distribution spreads one run over several devices, an executor runs several runs "
            f"in other processes; drop one of them"
        )
    return distribution


def distribution_name(distribution: Any) -> str | None:
    """A short description for ``results.json``: the class and, where known, the device count.

    Example:
        >>> distribution_name(None) is None
        True
    """
    if distribution is None:
        return None
    devices = getattr(distribution, "num_replicas_in_sync", None)
    mesh = getattr(distribution, "device_mesh", None)
    if devices is None and mesh is not None:
        devices = int(np.size(mesh.devices))
    name = type(distribution).__name__
    return name if devices is None else f"{name} ({plural(int(devices), 'device')})"


@contextlib.contextmanager
def distribution_scope(distribution: Any) -> Iterator[None]:
    """``distribution.scope()``, or nothing for ``None``.

    Example:
        >>> with distribution_scope(None):
        ...     print("one device")
        one device
    """
    if distribution is None:
        yield
        return
    with distribution.scope():
        yield
