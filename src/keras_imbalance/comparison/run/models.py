"""The default network of :func:`~keras_imbalance.comparison.compare`, and the check of a user's."""

from __future__ import annotations

from typing import Any

from keras_imbalance._validation import short_repr
from keras_imbalance.comparison.run.heads import classifier_layer, feature_extractor


def default_model(input_shape: tuple[int, ...], num_classes: int) -> Any:
    """A small network chosen from the input shape; it outputs logits.

    Images ``(H, W, C)`` with ``H, W >= 16`` get a two-block CNN; anything else (tabular data,
    and images as small as 8x8 digits, which a CNN learns slowly) a two-layer MLP.
    """
    import keras

    inputs = keras.Input(shape=input_shape)
    if len(input_shape) == 3 and min(input_shape[:2]) >= 16:
        h = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
        h = keras.layers.MaxPooling2D()(h)
        h = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(h)
        h = keras.layers.Flatten()(keras.layers.MaxPooling2D()(h))
        h = keras.layers.Dense(64, activation="relu")(h)
    else:
        h = keras.layers.Flatten()(inputs) if len(input_shape) > 1 else inputs
        h = keras.layers.Dense(128, activation="relu")(h)
        h = keras.layers.Dense(64, activation="relu")(h)
    outputs = keras.layers.Dense(num_classes, name="logits")(h)
    return keras.Model(inputs, outputs)


def _check_model(model: Any, num_classes: int, input_shape: tuple[int, ...]) -> None:
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must build a keras.Model, it returned {short_repr(model)}")
    shape = tuple(model.output_shape) if not isinstance(model.output_shape, list) else None
    if shape is None or shape[-1] != num_classes:
        raise ValueError(
            f"the model outputs shape {model.output_shape}, "
            f"but the data has {num_classes} classes; "
            f"end the model with Dense({num_classes}) and no softmax (compare trains on logits)"
        )
    last = classifier_layer(model)
    activation = getattr(getattr(last, "activation", None), "__name__", "linear")
    if activation not in ("linear", None):
        raise ValueError(
            f"the model's last layer has activation {activation!r}; compare needs logits: "
            f"use Dense({num_classes}) with no activation"
        )


def check_decoupled(model: Any, num_classes: int) -> None:
    """Refuse, before any training, a model whose classifier the decoupled heads cannot reach.

    The heads (``posthoc``, ``tau_norm``, ``crt``, ``crt_la``) need the model's classifier
    (:func:`~keras_imbalance.comparison.run.heads.classifier_layer`, found through nested models) to
    be a ``Dense(num_classes)`` with a ``(features, num_classes)`` kernel, and the features that
    feed it to be computable from the model's inputs.
    """
    last = classifier_layer(model)
    weights = last.get_weights() if last is not None else []
    shape = tuple(getattr(weights[0], "shape", ())) if weights else ()
    name = getattr(last, "name", None)
    if len(shape) != 2 or shape[1] != num_classes:
        raise ValueError(
            f"the decoupled strategies need the model's classifier to be Dense({num_classes}), but "
            f"its last layer {name!r} has a kernel of shape {shape}; end the model with "
            f"Dense({num_classes}), or drop posthoc, tau_norm, crt and crt_la from strategies"
        )
    try:
        feature_extractor(model)
    except (ValueError, AttributeError, TypeError) as error:
        raise ValueError(
            f"the decoupled strategies cannot compute the features that feed the classifier "
            f"{name!r} from the model's inputs ({error}); build the model as one functional or "
            f"Sequential graph, or drop posthoc, tau_norm, crt and crt_la from strategies"
        ) from error
