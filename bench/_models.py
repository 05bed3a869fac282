"""The small Keras model the input-pipeline benchmarks train (the backend is the caller's)."""

from __future__ import annotations

import keras


def small_model(features: int, classes: int) -> keras.Model:
    """A seeded two-layer MLP, compiled with Adam and sparse cross-entropy on probabilities."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((features,))
    hidden = keras.layers.Dense(64, activation="relu")(inputs)
    outputs = keras.layers.Dense(classes, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model
