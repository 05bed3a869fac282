"""compare(model=...) with a keras.applications backbone whose weights come from a local file."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_imbalance as ki

SHAPE = (32, 32, 3)


def backbone(weights: str | None) -> keras.Model:
    return keras.applications.MobileNetV3Small(
        input_shape=SHAPE,
        include_top=False,
        weights=weights,
        pooling="avg",
        minimalistic=True,
        include_preprocessing=False,
    )


def test_pretrained_backbone_from_a_local_path(tmp_path):
    # "Pretrained" weights: a backbone with weights we know, saved where a user keeps theirs.
    keras.utils.set_random_seed(7)
    saved = backbone(None)
    path = str(tmp_path / "backbone.weights.h5")
    saved.save_weights(path)
    expected = [np.asarray(w) for w in saved.weights]
    loaded_equal = []

    def build(shape, num_classes):
        base = backbone(path)
        pairs = zip(base.weights, expected, strict=True)
        loaded_equal.append(all(np.array_equal(np.asarray(w), e) for w, e in pairs))
        inputs = keras.Input(shape)
        return keras.Model(inputs, keras.layers.Dense(num_classes)(base(inputs)))

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [40, 16, 12])
    x = (rng.uniform(size=(len(y), *SHAPE)) * 0.5 + 0.1 * y[:, None, None, None]).astype("float32")
    result = ki.compare(
        (x, y),
        ["none", "posthoc"],
        model=build,
        epochs=1,
        seeds=[0],
        batch_size=16,
        tune=False,
        n_boot=50,
    )
    assert loaded_equal and all(loaded_equal)  # every model compare built started from the file
    assert sorted(r["strategy"] for r in result.summary()) == ["none", "posthoc"]
    for run in result.runs:
        assert np.isfinite(run["validation"]["balanced_accuracy"])


def nested(shape: tuple[int, ...], num_classes: int) -> keras.Model:
    """The classifier inside a sub-model: ``Model(inputs, backbone(augment(inputs)))``."""
    inner = keras.Input(shape)
    hidden = keras.layers.Dense(6, activation="relu")(inner)
    body = keras.Model(inner, keras.layers.Dense(num_classes)(hidden), name="backbone")
    augment = keras.Sequential([keras.layers.GaussianNoise(0.1)], name="augment")
    inputs = keras.Input(shape)
    return keras.Model(inputs, body(augment(inputs)))


def blobs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1, 2], [40, 20, 14])
    return (rng.normal(size=(len(y), 4)) + 2 * np.eye(3, 4)[y]).astype("float32"), y


def test_decoupled_heads_reach_a_classifier_inside_a_sub_model():
    from keras_imbalance.comparison.run.heads import classifier_weights, feature_extractor

    model = nested((4,), 3)
    x = blobs()[0][:9]
    features = keras.ops.convert_to_numpy(feature_extractor(model)(x, training=False))
    kernel, bias = classifier_weights(model)
    assert features.shape == (9, 6) and kernel.shape == (6, 3)
    expected = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(features @ kernel + bias, expected, rtol=1e-4, atol=1e-5)

    result = ki.compare(
        blobs(),
        ["none", "posthoc", "crt"],
        model=nested,
        epochs=1,
        seeds=[0],
        batch_size=16,
        grids={"posthoc": {"tau": [0.0]}},
        n_boot=20,
    )
    runs = {r["strategy"]: r for r in result.runs}
    assert set(runs) == {"none", "posthoc", "crt"}
    # posthoc with tau=0 is the none model's classifier on its own features: the same predictions
    assert runs["posthoc"]["predictions"] == runs["none"]["predictions"]


def test_an_unreachable_classifier_is_refused_before_training():
    def scaled(shape, num_classes):
        inputs = keras.Input(shape)
        logits = keras.layers.Dense(num_classes)(inputs)
        return keras.Model(inputs, keras.layers.Rescaling(2.0, name="scale")(logits))

    calls = []
    with pytest.raises(ValueError, match=r"decoupled strategies need .* Dense\(3\).* 'scale'"):
        ki.compare(
            blobs(),
            ["none", "crt"],
            model=scaled,
            epochs=1,
            seeds=[0],
            progress=lambda *a: calls.append(a),
        )
    assert calls == []
    result = ki.compare(blobs(), ["none"], model=scaled, epochs=1, seeds=[0], n_boot=20)
    assert result.strategies == ["none"]  # without a decoupled strategy the model is fine
