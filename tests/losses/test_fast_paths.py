"""The losses' faster paths give the numbers of the paths they replace.

* Sparse labels weigh by one gather ``w[y]`` in LDAM and the sigmoid/focal class-balanced
  losses, where one-hot rows weigh by ``rows @ w``: the two must agree exactly.
* The expected-cost loss from logits takes one softmax: its value and gradient must match the
  closed form in NumPy (float64).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest

from keras_imbalance import losses
from tests.conftest import BACKEND

COUNTS = [40, 12, 5, 1]
WEIGHTS = [0.25, 1.0, 2.5, 7.0]
RNG = np.random.default_rng(7)
SPARSE = RNG.integers(0, 4, 24)
ONE_HOT = np.eye(4, dtype="float32")[SPARSE]
LOGITS = RNG.normal(size=(24, 4)).astype("float32")


def _values(loss: Callable[[Any, Any], Any], y: np.ndarray, z: np.ndarray) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(loss(y, z)))


@pytest.mark.parametrize(
    "loss",
    [
        lambda y, z: losses.ldam_loss(y, z, COUNTS, class_weight=WEIGHTS, scale=5.0),
        lambda y, z: losses.ldam_loss(y, z, COUNTS, scale=5.0),
        lambda y, z: losses.class_balanced_loss(y, z, COUNTS, base="sigmoid", from_logits=True),
        lambda y, z: losses.class_balanced_loss(y, z, COUNTS, base="focal", from_logits=True),
    ],
    ids=["ldam-weighted", "ldam", "class-balanced-sigmoid", "class-balanced-focal"],
)
def test_sparse_labels_give_exactly_the_one_hot_numbers(loss: Callable[[Any, Any], Any]) -> None:
    sparse = _values(loss, SPARSE.astype("int32"), LOGITS)
    one_hot = _values(loss, ONE_HOT, LOGITS)
    assert sparse.shape == (24,)
    np.testing.assert_array_equal(sparse, one_hot)


def test_ldam_sparse_weight_is_the_class_weight_of_each_label() -> None:
    """Against NumPy: w[y] * CE(softmax(s * z - s * m_y e_y))."""
    scale = 5.0
    margins = 1.0 / np.asarray(COUNTS, dtype=np.float64) ** 0.25
    margins *= 0.5 / margins.max()
    adjusted = scale * LOGITS.astype(np.float64) - scale * margins[SPARSE][:, None] * ONE_HOT
    shifted = adjusted - adjusted.max(axis=1, keepdims=True)
    log_soft = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = np.asarray(WEIGHTS)[SPARSE] * -log_soft[np.arange(24), SPARSE]
    got = _values(
        lambda y, z: losses.ldam_loss(y, z, COUNTS, class_weight=WEIGHTS, scale=scale),
        SPARSE.astype("int32"),
        LOGITS,
    )
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-6)


def _gradient(loss: keras.losses.Loss, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    if BACKEND == "tensorflow":
        import tensorflow as tf

        tensor = tf.constant(z)
        with tf.GradientTape() as tape:
            tape.watch(tensor)
            value = loss(y, tensor)
        return np.asarray(tape.gradient(value, tensor))
    if BACKEND == "jax":
        import jax

        return np.asarray(jax.grad(lambda t: loss(y, t))(z))
    import torch

    tensor = torch.tensor(z, requires_grad=True)
    loss(torch.tensor(y), tensor).backward()
    return tensor.grad.numpy()


def test_expected_cost_from_logits_value_and_gradient_match_numpy() -> None:
    """L = mean_i E_i * CE_i with E_i = sum_j cost[y_i, j] p_ij, p = softmax(z);
    dL/dz_i = (p_i * (CE_i * (r_i - E_i) + E_i) - E_i * e_{y_i}) / N, r_i = cost[y_i]."""
    cost = RNG.uniform(0.0, 4.0, size=(4, 4))
    loss = losses.CostSensitiveCategoricalCrossentropy(cost, mode="expected", from_logits=True)
    z = LOGITS.astype(np.float64)
    soft = np.exp(z - z.max(axis=1, keepdims=True))
    soft /= soft.sum(axis=1, keepdims=True)
    rows = cost[SPARSE]
    expected_cost = (rows * soft).sum(axis=1)
    ce = -np.log(soft[np.arange(24), SPARSE])
    value = float(np.mean(expected_cost * ce))
    grad = (
        soft * (ce[:, None] * (rows - expected_cost[:, None]) + expected_cost[:, None])
        - expected_cost[:, None] * ONE_HOT
    ) / 24
    labels = SPARSE.astype("int32")
    assert float(keras.ops.convert_to_numpy(loss(labels, LOGITS))) == pytest.approx(value, rel=2e-5)
    np.testing.assert_allclose(_gradient(loss, labels, LOGITS), grad, rtol=1e-4, atol=1e-6)
