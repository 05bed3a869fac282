"""The asymmetric loss against a NumPy formula, Keras identities, finite differences and files."""

from __future__ import annotations

import inspect
import math

import keras
import numpy as np
import pytest

import keras_imbalance as ki
from keras_imbalance import losses
from tests.losses.test_losses import autodiff_gradient, central_difference
from tests.serialization import check_config_round_trip, check_keras_file_round_trip

EPS = 1e-7  # keras.backend.epsilon()
GAMMAS = [(0.0, 0.0), (0.0, 4.0), (1.0, 4.0), (2.0, 2.0), (0.5, 1.5)]
CLIPS = [0.0, 0.05, 0.2]


def np_asymmetric(y, y_pred, gamma_pos, gamma_neg, clip, from_logits):
    """The paper's formula in float64, the mean over labels."""
    if from_logits:
        p = 1.0 / (1.0 + np.exp(-y_pred))
        log_p, log_q = -np.logaddexp(0.0, -y_pred), -np.logaddexp(0.0, y_pred)
    else:
        p = np.clip(y_pred, EPS, 1 - EPS)
        log_p, log_q = np.log(p), np.log(1 - p)
    shifted = np.maximum(p - clip, 0.0)
    log_not_shifted = log_q if clip == 0 else np.log(1.0 - shifted)
    positive = (1.0 - p) ** gamma_pos * log_p
    negative = shifted**gamma_neg * log_not_shifted
    return -(y * positive + (1 - y) * negative).mean(axis=-1)


def _inputs(from_logits: bool, shape=(6, 5), seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=shape).astype(np.float64)
    if from_logits:
        y_pred = rng.normal(scale=3.0, size=shape)
    else:
        y_pred = rng.uniform(0.01, 0.99, size=shape)
    return y, y_pred.astype("float32").astype(np.float64)


def _numpy(x) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)


# --- Values --------------------------------------------------------------------------------------


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("clip", CLIPS)
@pytest.mark.parametrize(("gamma_pos", "gamma_neg"), GAMMAS)
def test_matches_the_numpy_formula(gamma_pos, gamma_neg, clip, from_logits) -> None:
    y, y_pred = _inputs(from_logits, seed=1)
    options = {"gamma_pos": gamma_pos, "gamma_neg": gamma_neg, "clip": clip}
    got = _numpy(
        losses.asymmetric_loss(y, y_pred.astype("float32"), from_logits=from_logits, **options)
    )
    expected = np_asymmetric(y, y_pred, gamma_pos, gamma_neg, clip, from_logits)
    assert got.shape == (6,)
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-6)


def test_hand_worked_example() -> None:
    """Positive at p=0.8, negatives at 0.3 (shifted to 0.2) and 0.02 (below the margin: 0)."""
    got = losses.asymmetric_loss(
        [[1.0, 0.0, 0.0]], [[0.8, 0.3, 0.02]], gamma_pos=1.0, gamma_neg=2.0, clip=0.1
    )
    expected = -(0.2 * math.log(0.8) + 0.2**2 * math.log(0.8)) / 3
    assert float(_numpy(got)[0]) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("shape", [(6, 5), (6, 1), (2, 3, 4)])
def test_no_focusing_and_no_shift_is_keras_binary_crossentropy(from_logits, shape) -> None:
    y, y_pred = _inputs(from_logits, shape=shape, seed=2)
    got = losses.asymmetric_loss(
        y, y_pred, gamma_pos=0.0, gamma_neg=0.0, clip=0.0, from_logits=from_logits
    )
    expected = keras.losses.binary_crossentropy(y, y_pred, from_logits=from_logits)
    np.testing.assert_allclose(_numpy(got), _numpy(expected), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_equal_gammas_and_no_shift_is_keras_binary_focal_crossentropy(from_logits, gamma) -> None:
    y, y_pred = _inputs(from_logits, seed=3)
    got = losses.asymmetric_loss(
        y, y_pred, gamma_pos=gamma, gamma_neg=gamma, clip=0.0, from_logits=from_logits
    )
    expected = keras.losses.binary_focal_crossentropy(
        y, y_pred, gamma=gamma, from_logits=from_logits
    )
    np.testing.assert_allclose(_numpy(got), _numpy(expected), rtol=1e-5, atol=1e-6)


def test_label_vector_meets_a_single_output() -> None:
    y = np.array([1.0, 0.0, 1.0])
    y_pred = np.array([[0.7], [0.4], [0.2]], dtype="float32")
    got = _numpy(losses.asymmetric_loss(y, y_pred, gamma_pos=1.0))
    expected = np_asymmetric(y[:, None], y_pred.astype(np.float64), 1.0, 4.0, 0.05, False)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


# --- Gradients -----------------------------------------------------------------------------------


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize(("gamma_pos", "gamma_neg", "clip"), [(0.0, 4.0, 0.05), (1.0, 2.0, 0.2)])
def test_gradient_matches_finite_differences(gamma_pos, gamma_neg, clip, from_logits) -> None:
    y, y_pred = _inputs(from_logits, shape=(4, 5), seed=4)
    options = {"gamma_pos": gamma_pos, "gamma_neg": gamma_neg, "clip": clip}
    got = autodiff_gradient(
        lambda v: losses.asymmetric_loss(y, v, from_logits=from_logits, **options), y_pred
    )
    expected = central_difference(
        lambda v: np_asymmetric(y, v, gamma_pos, gamma_neg, clip, from_logits), y_pred
    )
    scale = np.abs(expected).max()
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4 * scale)


def test_gradient_flows_through_the_focusing_weight() -> None:
    """Not the gradient with the weights held constant (the reference's optional detach)."""
    y, p = _inputs(False, shape=(4, 5), seed=5)
    gamma_pos, gamma_neg, clip = 1.0, 4.0, 0.05
    got = autodiff_gradient(
        lambda v: losses.asymmetric_loss(y, v, gamma_pos=gamma_pos, gamma_neg=gamma_neg, clip=clip),
        p,
    )
    shifted = np.maximum(p - clip, 0.0)
    weight_pos, weight_neg = (1 - p) ** gamma_pos, shifted**gamma_neg
    detached = -(y * weight_pos / p - (1 - y) * weight_neg / (1 - shifted)) / p.shape[-1]
    full = (
        detached
        - (
            y * -gamma_pos * (1 - p) ** (gamma_pos - 1) * np.log(p)
            + (1 - y) * gamma_neg * shifted ** (gamma_neg - 1) * np.log(1 - shifted)
        )
        / p.shape[-1]
    )
    np.testing.assert_allclose(got, full, rtol=1e-4, atol=1e-6)
    assert not np.allclose(got, detached, rtol=1e-2, atol=1e-4)


@pytest.mark.parametrize("gamma_pos", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("from_logits", [False, True])
def test_finite_at_saturated_inputs(gamma_pos, from_logits) -> None:
    y = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]])
    if from_logits:
        y_pred = np.array([[-1e4, 1e4, 1e4, -1e4], [1e4, -1e4, 0.0, 0.0]])
    else:
        y_pred = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.5, 0.05]])
    for clip in (0.0, 0.05):
        options = {"gamma_pos": gamma_pos, "gamma_neg": 0.5, "clip": clip}
        value = _numpy(losses.asymmetric_loss(y, y_pred, from_logits=from_logits, **options))
        grad = autodiff_gradient(
            lambda v, o=options: losses.asymmetric_loss(y, v, from_logits=from_logits, **o),
            y_pred,
        )
        assert np.isfinite(value).all() and np.isfinite(grad).all()
        assert (value > 1.0).all()


# --- The class -----------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", None])
def test_class_applies_keras_reduction_and_sample_weight(reduction) -> None:
    y, y_pred = _inputs(True, shape=(6, 5), seed=6)
    sample_weight = np.random.default_rng(7).uniform(0, 2, size=6)
    loss = ki.losses.AsymmetricLoss(gamma_pos=1.0, clip=0.1, from_logits=True, reduction=reduction)
    got = _numpy(loss(y, y_pred.astype("float32"), sample_weight=sample_weight))
    weighted = np_asymmetric(y, y_pred, 1.0, 4.0, 0.1, True) * sample_weight
    expected = {"sum_over_batch_size": weighted.mean(), "sum": weighted.sum(), None: weighted}
    np.testing.assert_allclose(got, expected[reduction], rtol=2e-5)


def test_defaults_are_the_papers_and_the_name_is_the_functions() -> None:
    loss = losses.AsymmetricLoss()
    assert (loss.gamma_pos, loss.gamma_neg, loss.clip, loss.from_logits) == (0.0, 4.0, 0.05, False)
    assert loss.name == "asymmetric_loss"
    assert "AsymmetricLoss" in losses.__all__ and "asymmetric_loss" in losses.__all__


LOSSES = [
    losses.AsymmetricLoss(),
    losses.AsymmetricLoss(gamma_pos=1.0, gamma_neg=2.0, clip=0.0, from_logits=True, name="asl"),
]


@pytest.mark.parametrize("loss", LOSSES, ids=["defaults", "custom"])
def test_config_round_trip(loss) -> None:
    rebuilt = check_config_round_trip(loss)
    parameters = set(inspect.signature(type(loss).__init__).parameters) - {"self"}
    assert set(loss.get_config()) == parameters
    assert keras.saving.get_registered_object("keras_imbalance>AsymmetricLoss") is type(loss)
    y, y_pred = _inputs(loss.from_logits, seed=8)
    assert float(rebuilt(y, y_pred)) == pytest.approx(float(loss(y, y_pred)), rel=1e-6)


@pytest.mark.parametrize("loss", LOSSES, ids=["defaults", "custom"])
def test_keras_file_round_trip(loss, tmp_path) -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = rng.integers(0, 2, size=(16, 3)).astype("float32")
    activation = None if loss.from_logits else "sigmoid"
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation=activation)])
    model.compile(optimizer="sgd", loss=loss)
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0)  # the compiled step trains
    assert np.isfinite(history.history["loss"]).all()
    loaded = check_keras_file_round_trip(model, tmp_path, x, y)
    assert type(loaded.loss) is losses.AsymmetricLoss
    assert loaded.loss.get_config() == loss.get_config()


# --- Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"gamma_pos": -1.0}, ValueError, r"gamma_pos=-1.0 is out of range.*\[0, inf\]"),
        ({"gamma_neg": -0.5}, ValueError, r"gamma_neg=-0.5 is out of range"),
        ({"clip": 1.0}, ValueError, r"clip=1.0 is out of range.*\[0, 1\)"),
        ({"clip": -0.1}, ValueError, r"clip=-0.1 is out of range"),
        ({"gamma_neg": float("nan")}, ValueError, r"gamma_neg=nan must be finite"),
        ({"gamma_pos": "2"}, TypeError, r"gamma_pos must be a number, got '2'"),
    ],
)
def test_bad_options_fail_in_the_class_and_the_function(options, error, match) -> None:
    with pytest.raises(error, match=match):
        losses.AsymmetricLoss(**options)
    with pytest.raises(error, match=match):
        losses.asymmetric_loss([[1.0]], [[0.5]], **options)


def test_labels_of_another_width_fail() -> None:
    with pytest.raises(ValueError, match=r"y_true has shape \(2, 3\) but y_pred has \(2, 4\)"):
        losses.asymmetric_loss(np.zeros((2, 3)), np.full((2, 4), 0.5))
