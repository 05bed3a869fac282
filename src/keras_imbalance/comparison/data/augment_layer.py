"""The augmentation block: :class:`Augmentation`, Keras preprocessing layers active only in
training (see :mod:`~keras_imbalance.comparison.data.augment`).

It imports Keras when imported, and registers the layer for ``keras.saving.load_model``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

# The names of keras_imbalance.comparison.data.augment.AUGMENTATIONS, in its order.
_NAMES = ("flip", "translate", "crop")


def augmentation_layer(name: str, seed: int | None = None) -> Any:
    """The Keras preprocessing layer of one operation of
    :data:`~keras_imbalance.comparison.data.augment.AUGMENTATIONS`."""
    if name == "flip":
        return keras.layers.RandomFlip("horizontal", seed=seed)
    if name == "translate":
        return keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed)
    if name == "crop":
        return keras.layers.RandomZoom((-0.2, 0.0), fill_mode="constant", seed=seed)
    raise ValueError(f"{name!r} is not an augmentation; use some of {', '.join(_NAMES)}")


@keras.saving.register_keras_serializable(package="keras_imbalance")
class Augmentation(keras.layers.Layer):  # type: ignore[misc]
    """The operations ``augment`` in order on every training batch; the identity otherwise.

    Unlike Keras's random layers, which augment whenever ``training`` is not given, this block
    augments only when called with ``training=True`` (``fit``): ``predict`` and ``model(x)``
    see the inputs unchanged. ``seed`` fixes the draws (operation ``i`` gets ``seed + i``);
    ``None`` takes them from Keras's global seed when the layer is made.

    Example:
        >>> import numpy as np
        >>> x = np.arange(32, dtype="float32").reshape(2, 4, 4, 1)
        >>> block = Augmentation(("flip", "translate"), seed=0)
        >>> bool((np.asarray(block(x)) == x).all())
        True
    """

    def __init__(
        self,
        augment: Sequence[str] = ("flip", "translate", "crop"),
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.augment = tuple(str(name) for name in augment)
        self.seed = seed
        self.steps = [
            augmentation_layer(name, None if seed is None else seed + index)
            for index, name in enumerate(self.augment)
        ]

    def build(self, input_shape: Any) -> None:
        for step in self.steps:
            step.build(input_shape)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if not training:
            return inputs
        for step in self.steps:
            inputs = step(inputs, training=True)
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "augment": list(self.augment), "seed": self.seed}


__all__ = ["Augmentation", "augmentation_layer"]
