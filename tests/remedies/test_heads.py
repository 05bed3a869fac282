"""Head remedies against NumPy: post-hoc adjustment, tau-normalisation, re-trained heads."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import keras_imbalance as ki
from keras_imbalance.comparison import compare
from keras_imbalance.remedies import (
    REMEDIES,
    Context,
    FrozenClassifier,
    HeadRemedy,
    Knob,
    Retrained,
)

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


class ScaledPrior(HeadRemedy):
    """A user's head: the none logits minus ``weight`` times the log-prior (posthoc, renamed)."""

    name = "scaled_prior"
    knobs = (Knob("weight", 1.0, grid=(0.0, 1.0), low=0.0),)

    def head_logits(self, params: Any, frozen: FrozenClassifier) -> np.ndarray:
        prior = np.asarray(frozen.counts, dtype=float) / sum(frozen.counts)
        return frozen.logits - params["weight"] * np.log(prior)


def test_a_users_head_remedy_runs_on_the_frozen_none_model() -> None:
    from tests.remedies.test_registry import mlp, tiny_data

    result = compare(
        tiny_data(),
        [ScaledPrior(), "posthoc"],
        model=mlp,
        epochs=1,
        seeds=[0],
        grids={"posthoc": {"tau": [0.0, 1.0]}},
        n_boot=10,
    )
    assert result.strategies == ["none", "scaled_prior", "posthoc"]
    runs = {(r["strategy"], tuple(r["params"].values())): r for r in result.runs}
    # The same math as posthoc on the same frozen model: the same predictions, value by value.
    for value in (0.0, 1.0):
        mine, theirs = runs[("scaled_prior", (value,))], runs[("posthoc", (value,))]
        assert mine["predictions"] == theirs["predictions"]
    assert result.settings["runs_trained"] == 1  # only none trains
