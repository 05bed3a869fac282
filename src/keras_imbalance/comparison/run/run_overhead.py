"""The fixed cost of one run of :func:`~keras_imbalance.comparison.compare`, cut without changing
what the run computes.

A run of the default digits-LT compare trains a tiny model for tens of gradient steps, so what
costs is not the arithmetic but what every run repeats:

* **TensorFlow**: for arrays, ``Model.fit`` without ``steps_per_epoch`` builds a fresh
  ``tf.data`` iterator twice per epoch (one at the start of the epoch, one at its end that the
  next epoch throws away), each tens of milliseconds. Given ``steps_per_epoch`` (the run's own
  ``ceil(n / batch_size)``), it keeps the end-of-epoch iterator for the next epoch: the same
  batches in the same order, half the iterators (:func:`array_fit_options`). PyTorch's loader
  draws its shuffle when its iterator is made, so there the batches would change: PyTorch and
  JAX keep Keras's default.
* **JAX**: every run jit-compiles its train and predict steps with XLA, and the fold and seed
  runs of one remedy compile the same programs. :func:`xla_cache` turns on JAX's persistent
  compilation cache in a temporary folder for the comparison, so each program is compiled once
  and read back for the other runs (the same executable, so the same numbers).

:func:`savings_disabled` restores Keras's own behaviour for both, for a benchmark that times the
old path against the new one in the same process.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["array_fit_options", "savings_disabled", "savings_enabled", "xla_cache"]

_DISABLED: list[bool] = []  # a stack: savings are off while it holds a True


def savings_enabled() -> bool:
    """Whether the runs started now take this module's savings (off in :func:`savings_disabled`).

    Example:
        >>> savings_enabled()
        True
        >>> with savings_disabled():
        ...     savings_enabled()
        False
    """
    return not any(_DISABLED)


@contextmanager
def savings_disabled() -> Iterator[None]:
    """Within this block, runs train the way Keras does by default (for benchmarks): a fresh
    ``tf.data`` iterator twice per epoch on TensorFlow, and no compilation cache on JAX."""
    _DISABLED.append(True)
    try:
        yield
    finally:
        _DISABLED.pop()


def array_fit_options(steps_per_epoch: int) -> dict[str, Any]:
    """The extra ``Model.fit`` keywords of a run on arrays: ``steps_per_epoch`` on TensorFlow.

    ``steps_per_epoch`` must be the run's ``ceil(n / batch_size)``, the number of batches Keras
    cuts from the arrays anyway, so that the epoch is unchanged.

    Example:
        >>> import keras
        >>> expected = {"steps_per_epoch": 11} if keras.backend.backend() == "tensorflow" else {}
        >>> array_fit_options(11) == expected
        True
    """
    import keras

    if keras.backend.backend() != "tensorflow" or not savings_enabled():
        return {}
    return {"steps_per_epoch": int(steps_per_epoch)}


_CACHE_FLAGS = (
    "jax_compilation_cache_dir",
    "jax_persistent_cache_min_compile_time_secs",
    "jax_persistent_cache_min_entry_size_bytes",
)


@contextmanager
def xla_cache() -> Iterator[str | None]:
    """JAX's persistent compilation cache, in a temporary folder, for the block; yields the folder.

    On the JAX backend, when the user has not set up the cache themselves
    (``jax_compilation_cache_dir`` unset and ``jax_enable_compilation_cache`` left on), every
    program is cached however fast it compiled, and the block's end restores the three settings,
    resets JAX's cache and deletes the folder. Elsewhere (another backend, the user's own cache,
    :func:`savings_disabled`) it changes nothing and yields ``None``. Only this process's runs
    use it: the workers of an ``executor`` compile their own.

    Example:
        >>> import keras
        >>> with xla_cache() as folder:
        ...     (folder is not None) == (keras.backend.backend() == "jax")
        True
    """
    import keras

    if keras.backend.backend() != "jax" or not savings_enabled():
        yield None
        return
    import jax
    from jax.experimental.compilation_cache import compilation_cache

    config: Any = jax.config
    if getattr(config, _CACHE_FLAGS[0]) or not config.jax_enable_compilation_cache:
        yield None
        return
    saved = {name: getattr(config, name) for name in _CACHE_FLAGS}
    folder = tempfile.mkdtemp(prefix="keras-imbalance-xla-")
    try:
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
        compilation_cache.set_cache_dir(folder)
        compilation_cache.reset_cache()
        yield folder
    finally:
        for name, value in saved.items():
            jax.config.update(name, value)
        compilation_cache.reset_cache()
        shutil.rmtree(folder, ignore_errors=True)
