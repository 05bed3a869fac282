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

Each head's math is its remedy's (:mod:`keras_imbalance.remedies.heads`); this module finds the
classifier inside the model and computes the features the heads work on.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_imbalance.comparison.run.logits import predict_logits

HEAD_EPOCHS = 10


def classifier_layer(model: Any) -> Any:
    """The layer that makes ``model``'s logits: its last layer, looked for inside nested models.

    A builder may wrap its classifier in a sub-model, as in ``Model(inputs,
    backbone(augment(inputs)))``: the last layer of ``backbone`` (recursively) is the classifier.
    """
    import keras

    last = model.layers[-1] if model.layers else None
    if isinstance(last, keras.Model):
        return classifier_layer(last)
    return last


def _fed_into(layer: Any, outputs: list[Any]) -> Any:
    """The tensor that feeds ``layer`` in the call of it that makes ``outputs``."""
    for node in getattr(layer, "_inbound_nodes", []):
        if any(made is out for made in node.output_tensors for out in outputs):
            tensors = node.input_tensors
            return tensors[0] if len(tensors) == 1 else tensors
    raise ValueError(f"the layer {layer.name!r} does not make the model's output")


def _features_tensor(model: Any) -> Any:
    """The symbolic input of the classifier, in ``model``'s own graph, through nested models."""
    import keras

    last = model.layers[-1]
    if not isinstance(last, keras.Model):
        return last.input
    return feature_extractor(last)(_fed_into(last, list(model.outputs)))


def feature_extractor(model: Any) -> Any:
    """The model up to the input of its classifier (:func:`classifier_layer`): its features.

    A nested classifier is reached through the sub-models that hold it, each applied to what the
    outer model feeds it, so the extractor starts at the outer model's inputs.

    Example:
        >>> import keras
        >>> inner_in = keras.Input((4,))
        >>> backbone = keras.Model(inner_in, keras.layers.Dense(3)(keras.layers.Dense(5)(inner_in)))
        >>> outer_in = keras.Input((4,))
        >>> outer = keras.Model(outer_in, backbone(keras.layers.Identity()(outer_in)))
        >>> tuple(feature_extractor(outer).output.shape)
        (None, 5)
    """
    import keras

    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, _features_tensor(model))


def classifier_weights(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(kernel (d, C), bias (C,))`` of the model's classifier (:func:`classifier_layer`)."""
    weights = classifier_layer(model).get_weights()
    kernel = np.asarray(weights[0], dtype="float64")
    if len(weights) < 2:
        return kernel, np.zeros(kernel.shape[1])
    return kernel, np.asarray(weights[1], dtype="float64")


def head_model(
    num_features: int, num_classes: int, seed: int, max_norm: float | None = None
) -> Any:
    """A fresh linear classifier ``Dense(C)`` on ``num_features`` inputs, seeded; with
    ``max_norm``, ``keras.constraints.MaxNorm(max_norm, axis=0)`` on its class vectors."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(num_features,))
    constraint = None if max_norm is None else keras.constraints.MaxNorm(float(max_norm), axis=0)
    dense = keras.layers.Dense(num_classes, kernel_constraint=constraint, name="logits")
    return keras.Model(inputs, dense(inputs))


def features_of(model: Any, *arrays: np.ndarray) -> list[np.ndarray]:
    """The frozen features of each array, as float32."""
    extractor = feature_extractor(model)
    return [predict_logits(extractor, x).astype("float32") for x in arrays]
