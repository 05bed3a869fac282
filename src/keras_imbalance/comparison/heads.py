"""Decoupled strategies: new classifiers on the frozen features of the ``"none"`` model.

Kang et al. (2020, "Decoupling representation and classifier for long-tailed recognition") found
that plain cross-entropy learns good features, and that most of the imbalance sits in the last
layer. These strategies therefore reuse the ``"none"`` model of a seed: its features are computed
once, and each head costs a matrix product (``posthoc``, ``tau_norm``) or a few seconds of
training of one ``Dense`` layer (``crt``, ``crt_la``).

* ``posthoc``: ``z - tau * log(prior)`` (Menon et al. 2021, Eq. 8).
* ``tau_norm``: ``z_c = f . w_c / ||w_c||^tau + b_c``; ``tau = 0`` is the ``"none"`` model.
* ``crt``: a fresh ``Dense(C)`` trained on the frozen features with class-balanced batches.
* ``crt_la``: the same layer trained on shuffled batches with the logit-adjusted loss.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_imbalance.comparison.training import predict_logits

HEAD_EPOCHS = 10


def feature_extractor(model: Any) -> Any:
    """The model up to the input of its last layer (the classifier's features)."""
    import keras

    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, model.layers[-1].input)


def classifier_weights(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(kernel (d, C), bias (C,))`` of the model's last ``Dense`` layer."""
    weights = model.layers[-1].get_weights()
    kernel = np.asarray(weights[0], dtype="float64")
    if len(weights) < 2:
        return kernel, np.zeros(kernel.shape[1])
    return kernel, np.asarray(weights[1], dtype="float64")


def tau_normalized_logits(
    features: np.ndarray, kernel: np.ndarray, bias: np.ndarray, tau: float
) -> np.ndarray:
    """Logits of the tau-normalised classifier: ``f @ (W / ||W||^tau) + b`` (norms per class).

    Example:
        >>> f = np.array([[1.0, 0.0]])
        >>> w = np.array([[3.0, 0.0], [4.0, 1.0]])  # class norms 5 and 1
        >>> tau_normalized_logits(f, w, np.zeros(2), 1.0).tolist()
        [[0.6, 0.0]]
    """
    norms = np.linalg.norm(kernel, axis=0, keepdims=True)
    scale = np.where(norms > 0, norms, 1.0) ** float(tau)
    return features @ (kernel / scale) + bias


def posthoc_logits(logits: np.ndarray, counts: np.ndarray, tau: float) -> np.ndarray:
    """``logits - tau * log(prior)``, the prior from the training counts.

    Example:
        >>> posthoc_logits(np.zeros((1, 2)), np.array([90, 10]), 1.0).round(3).tolist()
        [[0.105, 2.303]]
    """
    prior = np.asarray(counts, dtype="float64") / np.sum(counts)
    return logits - float(tau) * np.log(prior)


def head_model(num_features: int, num_classes: int, seed: int) -> Any:
    """A fresh linear classifier ``Dense(C)`` on ``num_features`` inputs, seeded."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(num_features,))
    return keras.Model(inputs, keras.layers.Dense(num_classes, name="logits")(inputs))


def features_of(model: Any, *arrays: np.ndarray) -> list[np.ndarray]:
    """The frozen features of each array, as float32."""
    extractor = feature_extractor(model)
    return [predict_logits(extractor, x).astype("float32") for x in arrays]
