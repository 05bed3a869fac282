"""SharpnessAwareModel: one step against the NumPy reference, the identities, the config."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_imbalance as ki
from tests.serialization import check_config_round_trip, check_keras_file_round_trip
from tests.sharpness.reference import imbsam_update, weighted_loss

LEARNING_RATE = 0.5
RHO = 0.3


def _batch() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(10, 4)).astype("float32")
    y = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 3])
    weight = rng.uniform(0.5, 2.0, size=10).astype("float32")
    return x, y, weight


def _linear(seed: int = 0) -> tuple[keras.Model, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4)])
    kernel = rng.normal(scale=0.5, size=(4, 4)).astype("float32")
    bias = rng.normal(scale=0.1, size=4).astype("float32")
    model.layers[0].set_weights([kernel, bias])
    return model, kernel, bias


def _step(model: keras.Model, weighted: bool = True) -> dict[str, list[float]]:
    x, y, weight = _batch()
    model.compile(
        optimizer=keras.optimizers.SGD(LEARNING_RATE),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = model.fit(
        x,
        y,
        sample_weight=weight if weighted else None,
        batch_size=len(x),
        epochs=1,
        shuffle=False,
        verbose=0,
    )
    return history.history


@pytest.mark.parametrize("tail", [(2, 3), (0, 1, 2, 3), (1,)])
def test_one_step_equals_the_numpy_reference(tail: tuple[int, ...]) -> None:
    net, kernel, bias = _linear()
    history = _step(ki.SharpnessAwareModel(net, rho=RHO, tail_classes=list(tail)))
    x, y, weight = _batch()
    want_k, want_b = imbsam_update(
        kernel.astype("float64"),
        bias.astype("float64"),
        (x, y, weight),
        np.array(tail),
        RHO,
        LEARNING_RATE,
    )
    got_k, got_b = net.layers[0].get_weights()
    np.testing.assert_allclose(got_k, want_k, atol=1e-5)
    np.testing.assert_allclose(got_b, want_b, atol=1e-5)
    # The logged loss is the plain weighted loss at w, L_H + L_T.
    plain = weighted_loss(kernel.astype("float64"), bias.astype("float64"), x, y, weight)
    assert history["loss"][0] == pytest.approx(plain, rel=1e-5)


def test_every_class_tail_is_sam() -> None:
    sam, _, _ = _linear()
    imbsam, _, _ = _linear()
    _step(ki.SharpnessAwareModel(sam, rho=RHO))
    _step(ki.SharpnessAwareModel(imbsam, rho=RHO, tail_classes=[0, 1, 2, 3]))
    for got, want in zip(imbsam.get_weights(), sam.get_weights(), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_no_tail_class_is_the_plain_step() -> None:
    plain, kernel, _ = _linear()
    wrapped, _, _ = _linear()
    _step(plain)
    _step(ki.SharpnessAwareModel(wrapped, rho=RHO, tail_classes=[]))
    for got, want in zip(wrapped.get_weights(), plain.get_weights(), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)
    assert not np.allclose(wrapped.layers[0].get_weights()[0], kernel)


def test_sam_without_sample_weights_equals_the_reference() -> None:
    net, kernel, bias = _linear(seed=5)
    _step(ki.SharpnessAwareModel(net, rho=RHO), weighted=False)
    x, y, _ = _batch()
    want_k, want_b = imbsam_update(
        kernel.astype("float64"),
        bias.astype("float64"),
        (x, y, np.ones(len(y))),
        np.arange(4),
        RHO,
        LEARNING_RATE,
    )
    np.testing.assert_allclose(net.layers[0].get_weights()[0], want_k, atol=1e-5)
    np.testing.assert_allclose(net.layers[0].get_weights()[1], want_b, atol=1e-5)


def test_config_and_keras_file_round_trip(tmp_path) -> None:
    net, _, _ = _linear()
    model = ki.SharpnessAwareModel(net, rho=0.1, tail_classes=[3, 2])
    x, y, _ = _batch()
    _step(model)
    config = model.get_config()
    assert (config["rho"], config["tail_classes"]) == (0.1, [2, 3])
    check_config_round_trip(model)
    loaded = check_keras_file_round_trip(model, tmp_path, x, y)
    assert isinstance(loaded, ki.SharpnessAwareModel)
    assert (loaded.rho, loaded.tail_classes) == (0.1, (2, 3))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), net.predict(x, verbose=0), atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"rho": 0.0}, ValueError, "rho"),
        ({"rho": float("inf")}, ValueError, "rho"),
        ({"rho": "big"}, TypeError, "rho"),
        ({"tail_classes": [4]}, ValueError, "tail_classes"),
        ({"tail_classes": [-1]}, ValueError, "tail_classes"),
        ({"tail_classes": [1.5]}, ValueError, "tail_classes"),
        ({"tail_classes": [1, 1]}, ValueError, "tail_classes"),
        ({"tail_classes": "tail"}, TypeError, "tail_classes"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, named) -> None:
    net, _, _ = _linear()
    with pytest.raises(error, match=named):
        ki.SharpnessAwareModel(net, **kwargs)


def test_model_must_be_a_keras_model() -> None:
    with pytest.raises(TypeError, match="model="):
        ki.SharpnessAwareModel(lambda x: x)


def test_batch_norm_statistics_come_from_the_pass_at_w() -> None:
    def net() -> keras.Model:
        keras.utils.set_random_seed(1)
        inputs = keras.Input((4,))
        normed = keras.layers.BatchNormalization(momentum=0.5)(inputs)
        return keras.Model(inputs, keras.layers.Dense(4)(normed))

    plain, wrapped = net(), net()
    _step(plain)
    _step(ki.SharpnessAwareModel(wrapped, rho=RHO, tail_classes=[3]))
    x = _batch()[0]
    # One update from the batch at w: moving_mean = 0.5 * 0 + 0.5 * mean(x).
    np.testing.assert_allclose(wrapped.layers[1].moving_mean, 0.5 * x.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(
        wrapped.layers[1].moving_variance, plain.layers[1].moving_variance, atol=1e-6
    )
