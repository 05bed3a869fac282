"""The CutMix remedies: their setup and recipe text, the deferred weights, the image check."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_imbalance.remedies import REMEDIES, Chain, CutMix, Mixup, get_remedy
from keras_imbalance.remedies.base import Context, RecipeText
from keras_imbalance.remedies.chain import chain
from keras_imbalance.remedies.cutmix import check_image_remedies, needs_images
from keras_imbalance.remedies.drw import DRW, start_epoch

COUNTS = (50, 10, 2)


def late_weights(counts: tuple[int, ...]) -> np.ndarray:
    """Effective-number weights, beta 0.9999, normalised to mean 1 (Cao et al. 2019)."""
    raw = (1 - 0.9999) / (1 - 0.9999 ** np.asarray(counts, dtype=float))
    return raw * len(counts) / raw.sum()


def test_cutmix_is_mixup_with_boxes_and_alpha_one_by_default() -> None:
    remedy = REMEDIES["cutmix"]
    assert isinstance(remedy, CutMix)
    assert remedy.defaults() == {"alpha": 1.0}
    assert remedy.default_grid() == {"alpha": [0.2, 1.0]}
    setup = remedy.setup({"alpha": 0.2}, Context(COUNTS, 4))
    assert (setup.mixup_alpha, setup.mix_mode) == (0.2, "cutmix")
    assert setup.fit_kwargs == {"late_weights": [1.0, 1.0, 1.0], "start_epoch": 0}
    assert isinstance(setup.loss, keras.losses.CategoricalCrossentropy)
    assert Mixup().setup({"alpha": 0.2}, Context(COUNTS, 4)).mix_mode == "mixup"
    with pytest.raises(ValueError, match=r"alpha.*=0"):
        remedy.setup({"alpha": 0}, Context(COUNTS, 4))


def test_cutmix_drw_puts_the_late_weights_in_the_batches() -> None:
    remedy = get_remedy("cutmix_drw")
    assert isinstance(remedy, Chain) and remedy.parts == (CutMix(), DRW())
    assert remedy.defaults() == {"alpha": 1.0, "start": 0.8}
    assert remedy.default_grid() == {"alpha": [0.2, 1.0]}
    setup = remedy.setup({"alpha": 0.4, "start": 0.75}, Context(COUNTS, 4))
    assert (setup.mixup_alpha, setup.mix_mode, setup.callbacks) == (0.4, "cutmix", [])
    assert setup.fit_kwargs["start_epoch"] == start_epoch(0.75, 4) == 3
    np.testing.assert_allclose(setup.fit_kwargs["late_weights"], late_weights(COUNTS))


def test_the_recipe_text_says_cutmix_and_the_deferred_weights() -> None:
    text = REMEDIES["cutmix_drw"].recipe_text({"alpha": "0.2", "start": "0.3"}, Context(COUNTS, 10))
    assert isinstance(text, RecipeText)
    assert (text.data, text.mix_mode, text.mixup_alpha) == ("mixup", "cutmix", "0.2")
    assert text.loss == "keras.losses.CategoricalCrossentropy(from_logits=True)"
    (callback,) = text.callbacks
    assert "DeferredMixupWeights" in callback and f"start_epoch={start_epoch(0.3, 10)}," in callback
    assert Mixup().recipe_text({"alpha": "0.2"}, Context(COUNTS, 10)).mix_mode == "mixup"


def test_only_the_cutmix_remedies_need_images() -> None:
    assert {name for name, r in REMEDIES.items() if needs_images(r)} == {"cutmix", "cutmix_drw"}
    mine = chain(CutMix(), DRW(), name="my_cutmix", summary="")
    check_image_remedies(list(REMEDIES.values()), (8, 8, 3))
    check_image_remedies([REMEDIES["mixup_drw"]], (5,))
    for shape in [(5,), (8, 8), (2, 8, 8, 1)]:
        with pytest.raises(ValueError, match=r"'my_cutmix', which needs images") as error:
            check_image_remedies([Mixup(), mine], shape)
        assert repr(shape) in str(error.value)
