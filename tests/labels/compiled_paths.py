"""The paths a loss or metric runs on, and what an out-of-range label gives on each.

:func:`keras_imbalance.labels.check_class_range` documents the outcome per path: a named
``ValueError`` where the labels can be read on the host (``"eager"``), a named
``InvalidArgumentError`` in a TensorFlow graph (``"tf.function"``), and NaN where no error can be
raised cheaply (``"xla"``: TensorFlow with ``jit_compile=True``; ``"jit"``: ``jax.jit``). The
tests of the losses and the metrics share these helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from tests.conftest import BACKEND

PATHS: list[str] = {
    "tensorflow": ["eager", "tf.function", "xla"],
    "jax": ["eager", "jit"],
    "torch": ["eager"],
}[BACKEND]


def compile_on(path: str, function: Callable[..., Any]) -> Callable[..., np.ndarray]:
    """``function`` run on ``path``; it takes and returns NumPy arrays (inputs become tensors)."""
    if path == "eager":
        compiled = function
    elif path in ("tf.function", "xla"):
        import tensorflow as tf

        compiled = tf.function(function, jit_compile=path == "xla")
    elif path == "jit":
        import jax

        compiled = jax.jit(function)
    else:
        raise ValueError(f"unknown path {path!r}")

    def run(*arrays: Any) -> np.ndarray:
        tensors = [keras.ops.convert_to_tensor(a) for a in arrays]
        return np.asarray(keras.ops.convert_to_numpy(compiled(*tensors)), dtype=np.float64)

    return run


def raises_on(path: str) -> bool:
    """Whether an out-of-range label raises a named error on ``path`` (else the value is NaN)."""
    return path in ("eager", "tf.function")


def named_error(path: str, bad: int, num_classes: int) -> tuple[type[Exception], str]:
    """The exception type and message pattern an out-of-range label ``bad`` gives on ``path``."""
    if path == "tf.function":
        import tensorflow as tf

        return (
            tf.errors.InvalidArgumentError,
            rf"y_true contains a class index outside 0\.\.{num_classes - 1}",
        )
    return ValueError, rf"y_true contains the class index {bad}\b.*{num_classes} classes"


#: The ``Model.compile`` modes the fit/evaluate tests run, as keyword arguments.
COMPILE_MODES: dict[str, dict[str, bool]] = {
    "run_eagerly": {"run_eagerly": True},
    "default": {},
    "jit_compile": {"jit_compile": True},
}


def compile_mode(mode: str) -> tuple[dict[str, bool], str]:
    """``Model.compile`` keywords for ``mode`` and the path its train/test step runs on.

    Skips the test for PyTorch's ``jit_compile`` (``torch.compile`` takes ~20 s, and on the CPU
    it reads the labels as eager PyTorch does).
    """
    import pytest

    if BACKEND == "torch" and mode == "jit_compile":
        pytest.skip("torch.compile takes ~20 s; on the CPU it reads the labels as eager PyTorch")
    path = {
        ("tensorflow", "default"): "tf.function",
        ("tensorflow", "jit_compile"): "xla",
        ("jax", "default"): "jit",
        ("jax", "jit_compile"): "jit",
    }.get((BACKEND, mode), "eager")
    return COMPILE_MODES[mode], path
