"""LogitAdjustedLoss with class weights: value and gradient against NumPy, and DRW."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_imbalance import callbacks, losses
from tests.conftest import BACKEND

COUNTS = [50.0, 10.0, 2.0]
WEIGHTS = [0.5, 1.0, 3.0]


def reference(y: np.ndarray, z: np.ndarray, tau: float, w: list[float]) -> tuple[float, np.ndarray]:
    """Mean of w[y] * -log softmax(z + tau log p)[y], and its gradient in z (float64)."""
    prior = np.asarray(COUNTS) / np.sum(COUNTS)
    adjusted = z + tau * np.log(prior)
    soft = np.exp(adjusted - adjusted.max(axis=1, keepdims=True))
    soft /= soft.sum(axis=1, keepdims=True)
    weight = np.asarray(w)[y]
    loss = float(np.mean(weight * -np.log(soft[np.arange(len(y)), y])))
    grad = weight[:, None] * (soft - np.eye(3)[y]) / len(y)
    return loss, grad


def gradient(loss: keras.losses.Loss, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    if BACKEND == "tensorflow":
        import tensorflow as tf

        tensor = tf.constant(z, dtype="float32")
        with tf.GradientTape() as tape:
            tape.watch(tensor)
            value = loss(y, tensor)
        return np.asarray(tape.gradient(value, tensor))
    if BACKEND == "jax":
        import jax

        return np.asarray(jax.grad(lambda t: loss(y, t))(z.astype("float32")))
    import torch

    tensor = torch.tensor(z, dtype=torch.float32, requires_grad=True)
    loss(torch.tensor(y), tensor).backward()
    return tensor.grad.numpy()


@pytest.mark.parametrize("tau", [0.0, 1.0, 1.5])
def test_weighted_value_and_gradient_match_numpy(tau: float) -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 16)
    z = rng.normal(size=(16, 3))
    loss = losses.LogitAdjustedLoss(COUNTS, tau=tau, class_weight=WEIGHTS)
    expected, expected_grad = reference(y, z, tau, WEIGHTS)
    assert float(loss(y, z.astype("float32"))) == pytest.approx(expected, rel=1e-5)
    np.testing.assert_allclose(gradient(loss, y, z), expected_grad, rtol=1e-4, atol=1e-6)
    function = losses.logit_adjusted_crossentropy(y, z, COUNTS, tau=tau, class_weight=WEIGHTS)
    assert float(np.mean(keras.ops.convert_to_numpy(function))) == pytest.approx(expected, rel=1e-5)


def test_uniform_weights_equal_the_unweighted_loss() -> None:
    rng = np.random.default_rng(1)
    y, z = rng.integers(0, 3, 8), rng.normal(size=(8, 3)).astype("float32")
    plain = losses.LogitAdjustedLoss(COUNTS, tau=1.0)
    uniform = losses.LogitAdjustedLoss(COUNTS, tau=1.0, class_weight=[1.0, 1.0, 1.0])
    assert float(plain(y, z)) == pytest.approx(float(uniform(y, z)), rel=1e-6)
    assert plain.get_config()["class_weight"] is None
    weighted = losses.LogitAdjustedLoss(COUNTS, class_weight=WEIGHTS)
    restored = losses.LogitAdjustedLoss.from_config(weighted.get_config())
    assert restored.class_weight.tolist() == WEIGHTS
    assert float(restored(y, z)) == pytest.approx(float(weighted(y, z)), rel=1e-6)


def test_deferred_reweighting_drives_it_in_fit() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.integers(0, 3, 32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    loss = losses.LogitAdjustedLoss(COUNTS, class_weight=[1.0, 1.0, 1.0])
    model.compile(optimizer="sgd", loss=loss)
    model.fit(
        x,
        y,
        epochs=2,
        verbose=0,
        callbacks=[callbacks.DeferredReweighting(WEIGHTS, start_epoch=1)],
    )
    assert loss.class_weight.tolist() == WEIGHTS
