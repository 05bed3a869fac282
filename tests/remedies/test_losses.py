"""The loss remedies: logit adjustment, LDAM, focal, mixup, resampling, against their formulas."""

from __future__ import annotations

import keras
import numpy as np

import keras_imbalance as ki
from keras_imbalance.remedies import (
    LDAM,
    Baseline,
    Context,
    Focal,
    LogitAdjusted,
    Mixup,
    Resample,
)

COUNTS = (40, 15, 5)
CONTEXT = Context(COUNTS, 4)


def _loss_value(loss: object, y: np.ndarray, logits: np.ndarray) -> float:
    return float(keras.ops.convert_to_numpy(loss(y, logits)))  # type: ignore[operator]


def _softmax_ce(y: np.ndarray, logits: np.ndarray) -> float:
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].mean())


LOGITS = np.array([[2.0, 0.5, -1.0], [0.1, 0.3, 0.2], [-1.0, 0.0, 1.5]], dtype="float32")
Y = np.array([0, 1, 2])


def test_baseline_is_plain_cross_entropy() -> None:
    setup = Baseline().setup({}, CONTEXT)
    assert setup.fit_kwargs == {} and setup.callbacks == [] and not setup.one_hot
    np.testing.assert_allclose(_loss_value(setup.loss, Y, LOGITS), _softmax_ce(Y, LOGITS), 1e-5)


def test_logit_adjusted_is_cross_entropy_on_shifted_logits() -> None:
    loss = LogitAdjusted().setup({"tau": 2.0}, CONTEXT).loss
    prior = np.asarray(COUNTS) / sum(COUNTS)
    expected = _softmax_ce(Y, LOGITS + 2.0 * np.log(prior))
    np.testing.assert_allclose(_loss_value(loss, Y, LOGITS), expected, rtol=1e-5)


def test_ldam_margins_follow_the_quarter_power() -> None:
    loss = LDAM().setup({"max_margin": 0.5}, CONTEXT).loss
    assert isinstance(loss, ki.losses.LDAMLoss)
    margins = np.asarray(COUNTS, dtype=float) ** -0.25
    margins *= 0.5 / margins.max()
    np.testing.assert_allclose(np.asarray(loss.margins).ravel(), margins, rtol=1e-5)
    shifted = 30.0 * (LOGITS - np.eye(3)[Y] * margins[Y][:, None])
    np.testing.assert_allclose(_loss_value(loss, Y, LOGITS), _softmax_ce(Y, shifted), rtol=1e-4)


def test_focal_alpha_is_balanced_and_gamma_zero_is_weighted_cross_entropy() -> None:
    setup = Focal().setup({"gamma": 0.0}, CONTEXT)
    assert setup.one_hot
    alpha = np.asarray(setup.loss.alpha, dtype=float)
    balanced = sum(COUNTS) / (3 * np.asarray(COUNTS, dtype=float))
    np.testing.assert_allclose(alpha, balanced, rtol=1e-5)
    one_hot = np.eye(3, dtype="float32")[Y]
    shifted = LOGITS - LOGITS.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = float(-(alpha[Y] * log_p[np.arange(3), Y]).mean())
    np.testing.assert_allclose(_loss_value(setup.loss, one_hot, LOGITS), expected, rtol=1e-5)


def test_mixup_alone_keeps_uniform_weights_from_the_start() -> None:
    setup = Mixup().setup({"alpha": 0.4}, CONTEXT)
    assert setup.mixup_alpha == 0.4
    assert setup.fit_kwargs == {"late_weights": [1.0, 1.0, 1.0], "start_epoch": 0}
    assert isinstance(setup.loss, keras.losses.CategoricalCrossentropy)


def test_resample_asks_for_balanced_batches() -> None:
    setup = Resample().setup({}, CONTEXT)
    assert setup.balanced_batches and setup.fit_kwargs == {}
    assert Resample().recipe_text({}, CONTEXT).data == "balanced"
