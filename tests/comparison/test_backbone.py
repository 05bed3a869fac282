"""compare(model=...) with a keras.applications backbone whose weights come from a local file."""

from __future__ import annotations

import keras
import numpy as np

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
