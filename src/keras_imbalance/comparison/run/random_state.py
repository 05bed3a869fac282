"""Leave the caller's global random state as it was: :func:`preserved_random_state`.

``compare`` seeds every run with ``keras.utils.set_random_seed(seed)``, which reseeds Python's
``random``, NumPy's global generator, TensorFlow's global seed, PyTorch's generator and Keras's
global ``SeedGenerator`` (the one ``keras.random`` draws from when no seed is given). Around
``compare`` these are saved and put back, so a caller's next draw is the draw it would have made
without ``compare``.

TensorFlow's global seed is put back as it was; its per-operation counter restarts, as after any
``tf.random.set_seed``.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

# Keras keeps its global seed and its global SeedGenerator in its global state under these keys
# (keras.src.utils.rng_utils and keras.src.random.seed_generator).
_KERAS_KEYS = ("global_random_seed", "global_seed_generator")


@dataclass(frozen=True)
class RandomState:
    """A snapshot of every global random state ``keras.utils.set_random_seed`` changes."""

    python: Any
    numpy: Any
    keras: dict[str, Any] | None
    tensorflow_seed: tuple[bool, int | None]
    torch: Any


def _keras_state() -> Any:
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover - a Keras without this module keeps no such state
        return None
    return global_state


def _tensorflow_seed() -> tuple[bool, int | None]:
    """``(imported, global seed)``: TensorFlow is looked at only when already imported."""
    if "tensorflow" not in sys.modules:
        return False, None
    from tensorflow.python.eager import context

    return True, context.global_seed()


def _torch_state() -> Any:
    if "torch" not in sys.modules:
        return None
    import torch

    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
    return torch.random.get_rng_state(), cuda


def capture() -> RandomState:
    """The global random state now.

    Example:
        >>> import random
        >>> saved = capture()
        >>> first = random.random()
        >>> restore(saved)
        >>> random.random() == first
        True
    """
    state = _keras_state()
    keras = None if state is None else {k: state.get_global_attribute(k) for k in _KERAS_KEYS}
    return RandomState(
        python=random.getstate(),
        numpy=np.random.get_state(),
        keras=keras,
        tensorflow_seed=_tensorflow_seed(),
        torch=_torch_state(),
    )


def restore(saved: RandomState) -> None:
    """Put back the global random state ``saved`` by :func:`capture`."""
    random.setstate(saved.python)
    np.random.set_state(saved.numpy)
    state = _keras_state()
    if state is not None and saved.keras is not None:
        for key, value in saved.keras.items():
            state.set_global_attribute(key, value)
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        tf.random.set_seed(saved.tensorflow_seed[1])
    if saved.torch is not None:
        import torch

        cpu, cuda = saved.torch
        torch.random.set_rng_state(cpu)
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)


@contextmanager
def preserved_random_state() -> Iterator[None]:
    """Run the block, then put the global random state back as it was before it (even on error).

    Example:
        >>> import numpy as np
        >>> with preserved_random_state():
        ...     np.random.seed(123)
        >>> np.random.seed(7); a = np.random.rand()
        >>> np.random.seed(7)
        >>> with preserved_random_state():
        ...     np.random.seed(123)
        >>> bool(np.random.rand() == a)
        True
    """
    saved = capture()
    try:
        yield
    finally:
        restore(saved)
