"""SharpnessAwareModel: a ``keras.Model`` that trains the model it wraps with SAM or ImbSAM."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import keras
import numpy as np

from keras_imbalance._validation import check_number, short_repr
from keras_imbalance.sharpness.steps import train_step


def check_tail_classes(tail_classes: Any, num_classes: int | None = None) -> tuple[int, ...] | None:
    """``tail_classes`` as a sorted tuple of distinct class indices (``None`` stays ``None``).

    Example:
        >>> check_tail_classes([3, 1], num_classes=4)
        (1, 3)
        >>> check_tail_classes([1, 1])
        Traceback (most recent call last):
        ...
        ValueError: tail_classes=[1, 1] lists class 1 twice; list each tail class once
    """
    if tail_classes is None:
        return None
    if isinstance(tail_classes, str | bytes) or not isinstance(tail_classes, Iterable):
        raise TypeError(
            f"tail_classes={short_repr(tail_classes)} must be a list of class indices such as "
            f"[7, 8, 9], or None for plain SAM"
        )
    given = list(tail_classes)
    checked: list[int] = []
    for value in given:
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(
                f"tail_classes={short_repr(given)} holds {value!r}; give class indices, "
                f"integers >= 0"
            )
        if num_classes is not None and value >= num_classes:
            raise ValueError(
                f"tail_classes={short_repr(given)} holds class {int(value)}, but the model has "
                f"{num_classes} classes (0..{num_classes - 1}); give classes in that range"
            )
        if int(value) in checked:
            raise ValueError(
                f"tail_classes={short_repr(given)} lists class {int(value)} twice; list each "
                f"tail class once"
            )
        checked.append(int(value))
    return tuple(sorted(checked))


def _num_classes(model: Any) -> int | None:
    """The width of the model's output, when it is known before training."""
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):
        return None
    width = shape[-1] if isinstance(shape, tuple) and shape else None
    return int(width) if isinstance(width, int) else None


@keras.saving.register_keras_serializable(package="keras_imbalance")
class SharpnessAwareModel(keras.Model):  # type: ignore[misc]
    """Trains ``model`` with sharpness-aware minimisation: SAM, or ImbSAM on the tail classes.

    With ``tail_classes=None``, SAM (Foret et al., ICLR 2021): each step applies
    ``grad L(w + eps)`` to ``w``, ``eps = rho * grad L(w) / ||grad L(w)||_2`` (the norm over
    all trainable variables). With a list of ``tail_classes``, ImbSAM (Zhou et al., ICCV 2023):
    the loss splits by each sample's class into a head part ``L_H`` and a tail part ``L_T``
    (the compiled loss with the sample weights times the class masks, so ``L_H + L_T`` is the
    plain loss), and the step applies ``grad L_H(w) + grad L_T(w + eps)``,
    ``eps = rho * grad L_T(w) / ||grad L_T(w)||_2``: flat minima for the tail classes only.
    Every class a tail class is SAM; none, a plain step. The model's regularisation losses
    join the head part (taken at ``w``, like the authors' weight decay). Each step costs two
    forward and three backward passes. The model has one output, the class scores (the split
    reads each sample's class from the targets, sparse or one-hot).

    The wrapper calls ``model`` and shares its variables, so ``model`` holds the trained
    weights: predict, save or evaluate either. Compile the wrapper, with any loss, optimizer
    and metrics; ``fit`` takes class weights and sample weights as usual.

    Args:
        model: The Keras model to train.
        rho: The radius of the perturbation, > 0 (the papers' 0.05 with SGD).
        tail_classes: The tail classes' indices (ImbSAM), or ``None`` for plain SAM.
            :func:`~keras_imbalance.sharpness.tail_classes` picks them from class counts.

    Example:
        >>> import keras, numpy as np
        >>> import keras_imbalance as ki
        >>> net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        >>> sam = ki.SharpnessAwareModel(net, rho=0.05, tail_classes=[2])
        >>> sam.compile(optimizer="sgd",
        ...             loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        >>> x, y = np.ones((6, 4), "float32"), np.array([0, 0, 0, 1, 1, 2])
        >>> sam.fit(x, y, epochs=1, batch_size=6, verbose=0).history["loss"][0] > 0
        True
        >>> net.predict(x, verbose=0).shape
        (6, 3)
    """

    def __init__(
        self,
        model: Any,
        rho: float = 0.05,
        tail_classes: Iterable[int] | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(model, keras.Model):
            raise TypeError(
                f"model={short_repr(model)} must be a keras.Model (the network to train); "
                f"wrap it as SharpnessAwareModel(model, rho=..., tail_classes=...)"
            )
        check_number("rho", rho, low=0.0, low_inclusive=False)
        super().__init__(**kwargs)
        self.model = model
        self.rho = float(rho)
        self.tail_classes = check_tail_classes(tail_classes, _num_classes(model))

    def build(self, input_shape: Any) -> None:
        if not self.model.built:
            self.model.build(input_shape)
        self.built = True

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        return self.model(inputs, training=training)

    def train_step(self, *args: Any) -> Any:
        """The backend's step of :mod:`~keras_imbalance.sharpness.steps`."""
        return train_step(self, *args)

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": keras.saving.serialize_keras_object(self.model),
            "rho": self.rho,
            "tail_classes": None if self.tail_classes is None else list(self.tail_classes),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SharpnessAwareModel:
        config = dict(config)
        model = keras.saving.deserialize_keras_object(config.pop("model"))
        return cls(model, **config)
