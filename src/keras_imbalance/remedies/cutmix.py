"""CutMix (Yun et al., ICCV 2019): paste a box of another image, mix the labels by its area.

``lam ~ Beta(alpha, alpha)`` sets the box's size, ``sqrt(1 - lam)`` of each side, its centre
uniform; the targets mix by the box's exact share once clipped to the image
(:func:`~keras_imbalance.pipelines.mixing.cut_batch`). Like :class:`~.mixup.Mixup`, the boxed
samples carry class weights (uniform here), which deferred re-weighting changes
(``"cutmix_drw"``). Images ``(N, H, W, C)`` only: :func:`check_image_remedies`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from keras_imbalance.remedies.base import Context, Knob, RecipeText, Remedy, Setup
from keras_imbalance.remedies.mixup import Mixup


class CutMix(Mixup):
    """CutMix batches (:class:`~keras_imbalance.MixupBatches` with ``mode="cutmix"``),
    ``alpha`` tuned.

    Example:
        >>> from keras_imbalance.remedies.base import Context
        >>> setup = CutMix().setup({"alpha": 1.0}, Context((30, 10), 2))
        >>> setup.mixup_alpha, setup.mix_mode, setup.fit_kwargs
        (1.0, 'cutmix', {'late_weights': [1.0, 1.0], 'start_epoch': 0})
    """

    name = "cutmix"
    summary = "CutMix (Yun et al. 2019)"
    knobs = (Knob("alpha", 1.0, grid=(0.2, 1.0), low=0.0, low_inclusive=False),)

    def apply(self, setup: Setup, params: Mapping[str, Any], context: Context) -> Setup:
        return replace(super().apply(setup, params, context), mix_mode="cutmix")

    def apply_recipe(
        self, text: RecipeText, values: Mapping[str, str], context: Context
    ) -> RecipeText:
        return replace(super().apply_recipe(text, values, context), mix_mode="cutmix")


def needs_images(remedy: Remedy) -> bool:
    """Whether ``remedy`` (or a part of a chain) trains on CutMix batches, which need images.

    Example:
        >>> from keras_imbalance.remedies.chain import chain
        >>> from keras_imbalance.remedies.drw import DRW
        >>> needs_images(chain(CutMix(), DRW(), name="mine", summary="")), needs_images(Mixup())
        (True, False)
    """
    parts: Iterable[Remedy] = getattr(remedy, "parts", ())
    return isinstance(remedy, CutMix) or any(needs_images(part) for part in parts)


def check_image_remedies(remedies: Iterable[Remedy], input_shape: Sequence[int]) -> None:
    """Refuse the CutMix remedies unless the samples are images ``(height, width, channels)``.

    Example:
        >>> check_image_remedies([CutMix()], (8, 8, 1))
        >>> check_image_remedies([Mixup(), CutMix()], (64,))
        Traceback (most recent call last):
        ...
        ValueError: strategies holds 'cutmix', which needs images: ... shape (64,); ...
    """
    for remedy in remedies:
        if needs_images(remedy) and len(input_shape) != 3:
            raise ValueError(
                f"strategies holds {remedy.name!r}, which needs images: batches of shape "
                f"(N, height, width, channels), but the samples have shape "
                f"{tuple(input_shape)!r}; use 'mixup' or 'mixup_drw' for other data"
            )
