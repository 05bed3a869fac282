"""Sharpness-aware minimisation for the tail: SAM and ImbSAM as a ``keras.Model`` wrapper.

:class:`SharpnessAwareModel` trains the model it wraps with SAM (Foret et al., ICLR 2021) or,
given tail classes, ImbSAM (Zhou et al., ICCV 2023); :func:`tail_classes` picks the classes
with fewer than a threshold of samples; :mod:`~.perturbation` holds the math.

Example:
    >>> from keras_imbalance.sharpness import tail_classes
    >>> tail_classes([600, 100, 12, 6], threshold=20)
    (2, 3)
"""

from typing import Any

from keras_imbalance.sharpness.perturbation import (
    ascent_step,
    global_norm,
    split_weights,
    tail_classes,
)

__all__ = [
    "SharpnessAwareModel",
    "ascent_step",
    "check_tail_classes",
    "global_norm",
    "split_weights",
    "tail_classes",
]


def __getattr__(name: str) -> Any:
    # The model imports Keras: loaded on first use, so the remedies import this package lightly.
    if name in ("SharpnessAwareModel", "check_tail_classes"):
        from keras_imbalance.sharpness import model

        return getattr(model, name)
    raise AttributeError(f"module 'keras_imbalance.sharpness' has no attribute {name!r}")
