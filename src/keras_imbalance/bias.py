"""Output-bias helpers: start a model at the class priors, and adjust logits after training.

* :func:`initial_bias` gives the output bias that makes an untrained model (zero kernel) predict
  the class priors: ``log(n_pos / n_neg)`` per sigmoid output, ``log(n_c / N)`` per softmax
  output. Starting there saves the first epochs from learning the base rate, and keeps the
  initial loss near the prior's entropy (TensorFlow's "Classification on imbalanced data"
  tutorial, extended here to any number of classes and to multi-label outputs).
* :func:`set_output_bias` writes that bias into a model's last ``Dense`` layer.
* :func:`adjust_logits` is post-hoc logit adjustment: ``z - tau * log(prior)`` (Menon et al.,
  "Long-tail learning via logit adjustment", ICLR 2021), whose argmax targets balanced error.
"""

from __future__ import annotations

from typing import Any, Literal

import keras
import numpy as np
from keras import ops

from keras_imbalance._validation import (
    check_number,
    check_option,
    positional_deprecated,
    short_repr,
)
from keras_imbalance.counting import ClassCounts, CountsLike, as_counts, as_prior

Activation = Literal["sigmoid", "softmax"]
ACTIVATIONS: tuple[str, ...] = ("sigmoid", "softmax")


__all__ = ["ACTIVATIONS", "adjust_logits", "initial_bias", "set_output_bias"]


def _log_prior(prior: Any) -> np.ndarray:
    return np.log(as_prior(prior, name="prior"))


@positional_deprecated(2)
def adjust_logits(logits: Any, prior: Any, *, tau: float = 1.0) -> Any:
    """Post-hoc logit adjustment: ``logits - tau * log(prior)``.

    Subtracting the log-prior removes the bias a model learns towards frequent classes; the
    argmax of the result estimates the balanced-error-optimal class (Menon et al. 2021,
    Eq. 8). ``prior`` may be probabilities or counts (normalised here; a constant shift changes
    neither the argmax nor the softmax). NumPy arrays and lists give a NumPy array; tensors give a
    tensor of the current backend.

    Example:
        >>> adjust_logits([[0.0, 0.0]], [0.75, 0.25]).round(4).tolist()
        [[0.2877, 1.3863]]
    """
    tau = check_number("tau", tau)
    if tau < 0:
        raise ValueError(
            f"tau={tau!r} is negative; tau scales the log-prior and must be >= 0 (1 is the "
            f"Fisher-consistent choice, 0 leaves the logits as they are)"
        )
    log_prior = _log_prior(prior)
    if isinstance(logits, np.ndarray | list | tuple | np.generic):
        array = np.asarray(logits)
        dtype = array.dtype if array.dtype.kind == "f" else np.float64
        _check_width(array.shape[-1] if array.ndim else None, log_prior.size)
        return (array - tau * log_prior).astype(dtype)
    logits = ops.convert_to_tensor(logits)
    _check_width(logits.shape[-1] if len(logits.shape) else None, log_prior.size)
    return logits - ops.cast(tau * log_prior, logits.dtype)


def _check_width(width: int | None, num_classes: int) -> None:
    if width is not None and width != num_classes:
        raise ValueError(
            f"logits have {width} classes on their last axis but prior has {num_classes}; "
            f"give one prior per class"
        )


@positional_deprecated(1)
def initial_bias(counts: CountsLike, *, activation: Activation = "sigmoid") -> np.ndarray:
    """The output bias at which a zero-kernel model predicts the class priors.

    * ``"sigmoid"``: ``log(n_pos / n_neg)`` per output. For binary counts (two classes, not
      multi-label) one value ``log(n_1 / n_0)``, for a single sigmoid unit. For multi-label counts,
      ``n_neg = n_samples - n_pos`` per label; for more than two single-label classes, each
      output is one-vs-rest.
    * ``"softmax"``: ``log(n_c / N)``, the log-priors (any constant could be added).

    Example:
        >>> round(float(initial_bias([45000, 5000])[0]), 4)
        -2.1972
        >>> initial_bias([1, 3], activation="softmax").round(4).tolist()
        [-1.3863, -0.2877]
    """
    check_option("activation", activation, ACTIVATIONS)
    found = as_counts(counts)
    n = found.counts.astype(np.float64)
    if activation == "softmax":
        if found.label_mode == "multi_label":
            raise ValueError(
                "counts are multi-label, but activation='softmax' models one class per sample; "
                "use activation='sigmoid' for multi-label outputs"
            )
        _check_positive(found, n, "samples")
        return np.log(n / n.sum())
    if found.label_mode != "multi_label" and found.num_classes == 2:
        positives, negatives, labels = n[1:], n[:1], found.classes[1:]
    else:
        total = found.n_samples if found.label_mode == "multi_label" else n.sum()
        positives, negatives, labels = n, total - n, found.classes
    for label, n_pos, n_neg in zip(labels, positives, negatives, strict=True):
        if n_pos == 0 or n_neg == 0:
            kind = "positive" if n_pos == 0 else "negative"
            raise ValueError(
                f"class {label!r} has no {kind} samples, so log(n_pos / n_neg) is infinite; drop "
                f"the class or count a larger sample"
            )
    return np.log(positives / negatives)


def _check_positive(found: ClassCounts, n: np.ndarray, what: str) -> None:
    zero = np.flatnonzero(n == 0)
    if zero.size:
        index = int(zero[0])
        raise ValueError(
            f"class {found.classes[index]!r} (index {index}) has no {what}, so its log-prior is "
            f"-inf; drop the class or count a larger sample"
        )


def _dense_layers(layer: Any) -> list[keras.layers.Dense]:
    found: list[keras.layers.Dense] = []
    for child in getattr(layer, "layers", []):
        if isinstance(child, keras.layers.Dense):
            found.append(child)
        else:
            found.extend(_dense_layers(child))
    return found


def _activation_name(layer: keras.layers.Dense) -> str:
    return str(getattr(layer.activation, "__name__", layer.activation))


@positional_deprecated(2)
def set_output_bias(
    model: keras.Model,
    counts: CountsLike,
    *,
    activation: Activation | None = None,
    layer: str | keras.layers.Dense | None = None,
) -> np.ndarray:
    """Set the bias of the model's output ``Dense`` layer to :func:`initial_bias`.

    Args:
        model: a built Keras model.
        counts: the training class counts.
        activation: ``"sigmoid"`` or ``"softmax"``; ``None`` reads it from the layer, which then
            must have one (a layer that outputs logits needs ``activation=`` to say how they will
            be read).
        layer: the ``Dense`` layer or its name; ``None`` takes the model's last ``Dense`` layer.

    Returns:
        The bias that was set.

    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((3,)),
        ...                           keras.layers.Dense(2, activation="softmax",
        ...                                              kernel_initializer="zeros")])
        >>> _ = set_output_bias(model, [30, 10])
        >>> [round(float(p), 4) for p in model.predict(np.ones((1, 3)), verbose=0)[0]]
        [0.75, 0.25]
    """
    if isinstance(layer, keras.layers.Dense):
        target = layer
    elif isinstance(layer, str):
        target = model.get_layer(layer)
        if not isinstance(target, keras.layers.Dense):
            raise ValueError(f"layer={layer!r} is a {type(target).__name__}, not a Dense layer")
    elif layer is None:
        dense = _dense_layers(model)
        if not dense:
            raise ValueError(
                f"model {model.name!r} has no Dense layer; pass layer= to name the output layer"
            )
        target = dense[-1]
    else:
        raise TypeError(f"layer must be a Dense layer, its name or None, got {short_repr(layer)}")
    if not target.use_bias or target.bias is None:
        raise ValueError(
            f"layer {target.name!r} has use_bias=False; build it with use_bias=True to set a bias"
        )
    own = _activation_name(target)
    if activation is None:
        if own not in ACTIVATIONS:
            raise ValueError(
                f"layer {target.name!r} has activation {own!r}; pass activation='sigmoid' or "
                f"'softmax' to say how its outputs are read"
            )
        activation = own  # type: ignore[assignment]
    else:
        check_option("activation", activation, ACTIVATIONS)
        if own in ACTIVATIONS and own != activation:
            raise ValueError(
                f"activation={activation!r} but layer {target.name!r} applies {own!r}; leave "
                f"activation=None or give {own!r}"
            )
    bias = initial_bias(counts, activation=activation)  # type: ignore[arg-type]
    units = int(target.units)
    if units != bias.size:
        raise ValueError(
            f"layer {target.name!r} has {units} units but the counts give {bias.size} "
            f"{activation} bias values; use a layer with {bias.size} units"
            + (" (a single sigmoid unit for binary counts)" if activation == "sigmoid" else "")
        )
    target.bias.assign(bias.astype(target.bias.dtype))
    return bias
