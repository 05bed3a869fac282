"""DeferredReweighting in real fits: the loss switches by exactly the expected factor."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_imbalance.callbacks import DeferredReweighting, reweightable_losses
from keras_imbalance.losses import (
    LDAMLoss,
    WeightedCategoricalCrossentropy,
    WeightedSparseCategoricalCrossentropy,
)
from tests.serialization import check_config_round_trip

WEIGHTS = [1.0, 3.0, 0.5]
COUNTS = [50, 10, 2]
X = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
Y = np.array([0, 1, 2, 0, 1, 0, 2, 1])


def np_log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def per_sample_reference(kind: str, logits: np.ndarray) -> np.ndarray:
    """The unweighted per-sample loss, in NumPy."""
    target = np.eye(3)[Y]
    if kind == "ldam":
        margins = np.asarray(COUNTS, dtype=float) ** -0.25
        margins = margins / margins.max() * 0.5
        logits = 30.0 * (logits - target * margins)
    return -(target * np_log_softmax(logits)).sum(-1)


def make_loss(kind: str) -> keras.losses.Loss:
    if kind == "ldam":
        return LDAMLoss(COUNTS)
    return WeightedSparseCategoricalCrossentropy([1.0, 1.0, 1.0], from_logits=True)


def frozen_model(loss: keras.losses.Loss) -> keras.Model:
    """A logits model that a learning rate of 0 keeps fixed, so every epoch sees the same batch."""
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss=loss)
    return model


@pytest.mark.parametrize("kind", ["weighted", "ldam"])
def test_loss_switches_by_the_expected_factor_at_start_epoch(kind: str) -> None:
    loss = make_loss(kind)
    model = frozen_model(loss)
    per_sample = per_sample_reference(kind, model.predict(X, verbose=0).astype(np.float64))
    uniform = per_sample.mean()
    weighted = (np.asarray(WEIGHTS)[Y] * per_sample).mean()
    history = model.fit(
        X,
        Y,
        batch_size=8,
        epochs=4,
        verbose=0,
        shuffle=False,
        validation_data=(X, Y),
        callbacks=[DeferredReweighting(WEIGHTS, start_epoch=2)],
    )
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(
            history.history[key], [uniform, uniform, weighted, weighted], rtol=1e-5
        )
    factor = history.history["loss"][2] / history.history["loss"][1]
    np.testing.assert_allclose(factor, weighted / uniform, rtol=1e-5)
    assert not np.isclose(weighted, uniform, rtol=1e-3)  # the test can tell the phases apart
    np.testing.assert_array_equal(loss.class_weight, WEIGHTS)


def test_a_second_fit_starts_uniform_again() -> None:
    loss = make_loss("weighted")
    model = frozen_model(loss)
    per_sample = per_sample_reference("weighted", model.predict(X, verbose=0).astype(np.float64))
    drw = DeferredReweighting(WEIGHTS, start_epoch=1)
    first = model.fit(X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[drw])
    second = model.fit(X, Y, batch_size=8, epochs=1, verbose=0, callbacks=[drw])
    weighted = (np.asarray(WEIGHTS)[Y] * per_sample).mean()
    np.testing.assert_allclose(first.history["loss"], [per_sample.mean(), weighted], rtol=1e-5)
    np.testing.assert_allclose(second.history["loss"], [per_sample.mean()], rtol=1e-5)


def test_start_epoch_zero_weights_from_the_first_step_and_resumes_with_initial_epoch() -> None:
    loss = make_loss("weighted")
    model = frozen_model(loss)
    per_sample = per_sample_reference("weighted", model.predict(X, verbose=0).astype(np.float64))
    weighted = (np.asarray(WEIGHTS)[Y] * per_sample).mean()
    history = model.fit(
        X,
        Y,
        batch_size=8,
        epochs=1,
        verbose=0,
        callbacks=[DeferredReweighting(WEIGHTS, start_epoch=0)],
    )
    np.testing.assert_allclose(history.history["loss"], [weighted], rtol=1e-5)
    resumed = model.fit(
        X,
        Y,
        batch_size=8,
        epochs=4,
        initial_epoch=2,
        verbose=0,
        callbacks=[DeferredReweighting(WEIGHTS, start_epoch=3)],
    )
    np.testing.assert_allclose(resumed.history["loss"], [per_sample.mean(), weighted], rtol=1e-5)


def test_drives_every_reweightable_loss_of_a_multi_output_model() -> None:
    inputs = keras.Input((4,))
    outputs = {
        "a": keras.layers.Dense(3, name="a")(inputs),
        "b": keras.layers.Dense(3, name="b")(inputs),
        "c": keras.layers.Dense(1, name="c")(inputs),
    }
    model = keras.Model(inputs, outputs)
    first = make_loss("weighted")
    second = WeightedCategoricalCrossentropy([1.0, 1.0, 1.0], from_logits=True)
    model.compile(optimizer="sgd", loss={"a": first, "b": second, "c": "mse"})
    targets = {"a": Y, "b": np.eye(3)[Y], "c": np.zeros((8, 1))}
    model.fit(
        X, targets, epochs=2, verbose=0, callbacks=[DeferredReweighting(WEIGHTS, start_epoch=1)]
    )
    np.testing.assert_array_equal(first.class_weight, WEIGHTS)
    np.testing.assert_array_equal(second.class_weight, WEIGHTS)


@pytest.mark.parametrize(
    ("structure", "expected"),
    [
        (lambda a, b: a, lambda a, b: [a]),
        (lambda a, b: [a, "mse", b], lambda a, b: [a, b]),
        (lambda a, b: {"x": "mse", "y": (b,)}, lambda a, b: [b]),
        (lambda a, b: "sparse_categorical_crossentropy", lambda a, b: []),
        (lambda a, b: None, lambda a, b: []),
    ],
)
def test_reweightable_losses_walks_nested_structures(structure, expected) -> None:
    a, b = make_loss("weighted"), make_loss("ldam")
    found = reweightable_losses(structure(a, b))
    assert [id(x) for x in found] == [id(x) for x in expected(a, b)]


def test_explicit_loss_argument_is_used_and_checked() -> None:
    loss = make_loss("weighted")
    model = frozen_model("sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"found no loss with set_class_weight in model\.loss"):
        model.fit(
            X, Y, epochs=1, verbose=0, callbacks=[DeferredReweighting(WEIGHTS, start_epoch=1)]
        )
    with pytest.raises(ValueError, match="class_weight has 2 weights but the loss"):
        DeferredReweighting([1.0, 2.0], start_epoch=1, loss=loss)
    drw = DeferredReweighting(WEIGHTS, start_epoch=0, loss=loss)
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[drw])
    np.testing.assert_array_equal(loss.class_weight, WEIGHTS)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"class_weight": WEIGHTS, "start_epoch": -1},
            ValueError,
            "start_epoch=-1 is out of range",
        ),
        (
            {"class_weight": WEIGHTS, "start_epoch": 1.5},
            ValueError,
            "start_epoch=1.5 must be a whole",
        ),
        (
            {"class_weight": [1.0, -1.0], "start_epoch": 1},
            ValueError,
            "class_weight for class 1 is -1.0",
        ),
        ({"class_weight": "balanced", "start_epoch": 1}, TypeError, "class_weight must be a dict"),
    ],
)
def test_bad_arguments(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        DeferredReweighting(**kwargs)


@pytest.mark.parametrize("with_loss", [False, True])
def test_config_round_trip(with_loss: bool) -> None:
    loss = LDAMLoss(COUNTS, class_weight=[1.0, 2.0, 1.0]) if with_loss else None
    callback = DeferredReweighting({0: 1.0, 1: 3.0, 2: 0.5}, start_epoch=5, loss=loss)
    rebuilt = check_config_round_trip(callback)
    assert rebuilt.class_weight == WEIGHTS and rebuilt.start_epoch == 5
    if with_loss:
        assert isinstance(rebuilt.loss, LDAMLoss)
        assert rebuilt.loss.get_config() == loss.get_config()


def test_start_epoch_and_loss_are_keyword_only_and_positional_calls_warn() -> None:
    loss = make_loss("weighted")
    with pytest.deprecated_call(match=r"pass start_epoch=\.\.\., loss=\.\.\. by keyword"):
        old = DeferredReweighting(WEIGHTS, 0, loss)
    new = DeferredReweighting(WEIGHTS, start_epoch=0, loss=loss)
    assert old.get_config() == new.get_config()
    assert old.start_epoch == 0 and old.loss is loss
    model = frozen_model("sparse_categorical_crossentropy")
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[old])
    np.testing.assert_array_equal(loss.class_weight, WEIGHTS)
    with pytest.raises(TypeError, match=r"required keyword-only argument: 'start_epoch'"):
        DeferredReweighting(WEIGHTS)
