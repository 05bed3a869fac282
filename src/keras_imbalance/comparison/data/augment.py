"""Data augmentation for every strategy alike: ``compare(..., augment=("flip", "translate"))``.

Each named operation is a Keras preprocessing layer, so it runs on TensorFlow, JAX and PyTorch
alike, inside the model:

* ``"flip"``: ``keras.layers.RandomFlip("horizontal")``, a left-right mirror half the time;
* ``"translate"``: ``keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant")``, a shift
  of up to a tenth of the height and of the width, the uncovered border filled with zeros;
* ``"crop"``: ``keras.layers.RandomZoom((-0.2, 0.0))``, a centred crop of 80% to 100% of each
  side resized back to the image's size (a random resized crop; with ``"translate"`` the crop's
  centre moves too).

The operations run in the order given, on every training batch, inside
:class:`~keras_imbalance.comparison.data.augment_layer.Augmentation`, a layer placed in front of the
user's network by :class:`AugmentedBuilder`: every strategy's model gets the same block, so the
comparison stays fair. The block is the identity whenever the model is not training
(``predict``, ``model(x)``, the decoupled heads' features, the final predictions), and the
refit ``model.keras`` saves and loads with it (import
``keras_imbalance.comparison.data.augment_layer`` before ``keras.saving.load_model``). Mixup batches
are augmented after mixing, like any batch.

This module imports Keras only when a model is built, so the options check without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from keras_imbalance._validation import short_repr

AUGMENTATIONS: tuple[str, ...] = ("flip", "translate", "crop")


def check_augment(augment: Any, argument: str = "augment") -> tuple[str, ...]:
    """The augmentation operations named by ``augment``, validated; ``()`` for none.

    ``augment`` is ``None`` or ``()`` (off), a sequence of names from :data:`AUGMENTATIONS`, or
    one comma-separated string of them.

    Example:
        >>> check_augment(["flip", "crop"]), check_augment("flip,translate"), check_augment(None)
        (('flip', 'crop'), ('flip', 'translate'), ())
    """
    if augment is None:
        return ()
    flag = argument.startswith("--")
    given = f"{argument} {augment}" if flag else f"{argument}={short_repr(augment)}"
    if isinstance(augment, str):
        names: list[Any] = [part.strip() for part in augment.split(",") if part.strip()]
    elif isinstance(augment, Sequence):
        names = list(augment)
    else:
        raise TypeError(
            f"{argument}={short_repr(augment)} must be a list of augmentations from "
            f"{', '.join(AUGMENTATIONS)}, e.g. {argument}=('flip', 'translate'), or None for none"
        )
    for name in names:
        if name not in AUGMENTATIONS:
            raise ValueError(
                f"{given} names {short_repr(name)}, which is not an "
                f"augmentation; use some of {', '.join(AUGMENTATIONS)}"
            )
    if len(set(names)) != len(names):
        raise ValueError(f"{given} names an augmentation twice; name each once")
    return tuple(names)


def check_image_shape(augment: Sequence[str], input_shape: Sequence[int]) -> None:
    """Refuse augmentation unless the samples are images ``(height, width, channels)``.

    The batches must be NHWC (rank 4): tabular rows, sequences and ``(N, H, W)`` images without
    a channel axis are refused, naming the shape.

    Example:
        >>> check_image_shape(("flip",), (28, 28, 1))
        >>> check_image_shape(("flip",), (64,))
        Traceback (most recent call last):
        ...
        ValueError: augment=('flip',) needs images: ... the samples have shape (64,); ...
    """
    if augment and len(input_shape) != 3:
        raise ValueError(
            f"augment={tuple(augment)!r} needs images: batches of shape (N, height, width, "
            f"channels), but the samples have shape {tuple(input_shape)!r}; drop augment for "
            f"data that is not images, or give images a channel axis, e.g. x[..., None]"
        )


@dataclass(frozen=True)
class AugmentedBuilder:
    """A model builder that puts the augmentation block in front of ``build``'s network.

    ``AugmentedBuilder(build, ops)(input_shape, num_classes)`` is ``Model(inputs,
    network(Augmentation(ops)(inputs)))``, ``network = build(input_shape, num_classes)``: the
    classifier is the last layer of the nested network, which the decoupled heads reach
    (:func:`~keras_imbalance.comparison.run.heads.classifier_layer`). Picklable when ``build`` is,
    so it travels to parallel workers.

    Example:
        >>> from keras_imbalance.comparison.run.models import default_model
        >>> model = AugmentedBuilder(default_model, ("flip",))((16, 16, 1), 3)
        >>> [layer.__class__.__name__ for layer in model.layers]
        ['InputLayer', 'Augmentation', 'Functional']
    """

    build: Any
    augment: tuple[str, ...]

    def __call__(self, input_shape: tuple[int, ...], num_classes: int) -> Any:
        import keras

        from keras_imbalance.comparison.data.augment_layer import Augmentation

        network = self.build(input_shape, num_classes)
        inputs = keras.Input(shape=input_shape)
        block = Augmentation(self.augment, name="augmentation")
        return keras.Model(inputs, network(block(inputs)), name="augmented")


def augmented(build: Any, augment: Sequence[str], input_shape: Sequence[int]) -> Any:
    """``build`` itself when ``augment`` is empty, else :class:`AugmentedBuilder` over it, once
    the samples' ``input_shape`` is checked (:func:`check_image_shape`)."""
    check_image_shape(augment, input_shape)
    return AugmentedBuilder(build, tuple(augment)) if augment else build


__all__ = ["AUGMENTATIONS", "AugmentedBuilder", "augmented", "check_augment", "check_image_shape"]
