"""Head remedies against NumPy: post-hoc adjustment, tau-normalisation, re-trained heads."""

from __future__ import annotations

import numpy as np
import pytest

import keras_imbalance as ki
from keras_imbalance.remedies import REMEDIES, Context, FrozenClassifier, Retrained

COUNTS = (40, 15, 5)
RNG = np.random.default_rng(0)
FROZEN = FrozenClassifier(
    RNG.normal(size=(6, 4)), RNG.normal(size=(4, 3)), RNG.normal(size=3), COUNTS
)


@pytest.mark.parametrize("tau", [0.0, 0.5, 2.0])
def test_posthoc_subtracts_tau_log_prior(tau: float) -> None:
    prior = np.asarray(COUNTS) / sum(COUNTS)
    expected = FROZEN.features @ FROZEN.kernel + FROZEN.bias - tau * np.log(prior)
    got = REMEDIES["posthoc"].head_logits({"tau": tau}, FROZEN)  # type: ignore[attr-defined]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("tau", [0.0, 0.7, 1.0])
def test_tau_norm_divides_each_class_vector_by_its_norm(tau: float) -> None:
    norms = np.sqrt((FROZEN.kernel**2).sum(axis=0))
    expected = FROZEN.features @ (FROZEN.kernel / norms**tau) + FROZEN.bias
    got = REMEDIES["tau_norm"].head_logits({"tau": tau}, FROZEN)  # type: ignore[attr-defined]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_logit_heads_train_nothing_and_retrained_heads_take_a_setup() -> None:
    context = Context(COUNTS, 10)
    for name in ("posthoc", "tau_norm"):
        assert REMEDIES[name].head_setup({"tau": 1.0}, context) is None  # type: ignore[attr-defined]
    crt = REMEDIES["crt"].head_setup({}, context)  # type: ignore[attr-defined]
    assert crt.balanced_batches
    crt_la = REMEDIES["crt_la"].head_setup({"tau": 2.0}, context)  # type: ignore[attr-defined]
    assert isinstance(crt_la.loss, ki.losses.LogitAdjustedLoss) and crt_la.loss.tau == 2.0


def test_retrained_takes_only_trained_remedies() -> None:
    with pytest.raises(TypeError, match="trained Remedy"):
        Retrained(REMEDIES["posthoc"], name="x", summary="", why="")
