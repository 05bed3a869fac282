"""Deferred re-weighting and the compounds built by chaining it: one start epoch, one place."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

import keras_imbalance as ki
from keras_imbalance.remedies import (
    DRW,
    LDAM,
    REMEDIES,
    Chain,
    Context,
    Knob,
    LogitAdjusted,
    Mixup,
    Remedy,
    chain,
    start_epoch,
)
from keras_imbalance.remedies.drw import late_weights

COUNTS = (40, 15, 5)


@pytest.mark.parametrize(
    ("start", "epochs", "expected"),
    [(0.8, 10, 8), (0.5, 2, 1), (0.1, 4, 1), (0.0, 5, 1), (1.0, 5, 5), (0.7, 1, 0)],
)
def test_start_epoch(start: float, epochs: int, expected: int) -> None:
    assert start_epoch(start, epochs) == expected


def test_late_weights_are_effective_number_with_beta_0_9999() -> None:
    shape = (1 - 0.9999) / (1 - 0.9999 ** np.asarray(COUNTS, dtype=float))
    ratios = np.asarray(late_weights(COUNTS)) / shape
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-5)


def _drw_callback(setup: Any) -> Any:
    (callback,) = [c for c in setup.callbacks if isinstance(c, ki.callbacks.DeferredReweighting)]
    return callback


@pytest.mark.parametrize(
    ("name", "loss_type"),
    [
        ("drw", ki.losses.WeightedSparseCategoricalCrossentropy),
        ("ldam_drw", ki.losses.LDAMLoss),
        ("la_drw", ki.losses.LogitAdjustedLoss),
    ],
)
def test_compounds_train_their_loss_with_the_same_deferred_reweighting(
    name: str, loss_type: type
) -> None:
    remedy = REMEDIES[name]
    setup = remedy.setup({"start": 0.5}, Context(COUNTS, 4))
    assert isinstance(setup.loss, loss_type)
    callback = _drw_callback(setup)
    assert callback.start_epoch == start_epoch(0.5, 4) == 2
    np.testing.assert_allclose(callback.class_weight, late_weights(COUNTS), rtol=1e-12)
    if name != "ldam_drw":  # the loss starts with uniform weights, which the callback changes
        np.testing.assert_allclose(setup.loss.class_weight, [1.0, 1.0, 1.0])


def test_la_drw_is_logit_adjustment_then_drw() -> None:
    la_drw = REMEDIES["la_drw"]
    assert isinstance(la_drw, Chain)
    assert la_drw.parts == (LogitAdjusted(), DRW())
    assert la_drw.defaults() == {"tau": 1.0, "start": 0.8}
    assert la_drw.default_grid() == {"start": [0.6, 0.8]}


def test_mixup_drw_puts_the_late_weights_in_the_batches() -> None:
    setup = REMEDIES["mixup_drw"].setup({"alpha": 0.4, "start": 0.75}, Context(COUNTS, 4))
    assert setup.mixup_alpha == 0.4 and setup.callbacks == []
    assert setup.fit_kwargs["start_epoch"] == start_epoch(0.75, 4) == 3
    np.testing.assert_allclose(setup.fit_kwargs["late_weights"], late_weights(COUNTS))


def test_the_recipe_and_the_setup_share_the_start_epoch() -> None:
    for name in ("drw", "ldam_drw", "la_drw", "mixup_drw"):
        remedy = REMEDIES[name]
        values = {k: repr(v) for k, v in remedy.defaults().items()} | {"start": "0.3"}
        text = remedy.recipe_text(values, Context(COUNTS, 10))
        (callback,) = text.callbacks
        assert f"start_epoch={start_epoch(0.3, 10)}," in callback
        assert ("DeferredMixupWeights" in callback) == (name == "mixup_drw")


def test_chain_refuses_parts_that_share_a_knob_or_an_unknown_grid() -> None:
    with pytest.raises(ValueError, match="share the knob 'tau'"):
        chain(LogitAdjusted(), LogitAdjusted(), name="twice", summary="")
    with pytest.raises(ValueError, match="no part takes"):
        chain(LDAM(), DRW(), name="x", summary="", grids={"tau": [1.0]})
    with pytest.raises(TypeError, match="Remedy objects"):
        chain(name="empty", summary="")


class Shifted(Remedy):
    """A user's part: adds a constant to every class weight the setup holds."""

    name = "shifted"
    knobs = (Knob("shift", 1.0, low=0.0),)

    def apply(self, setup: Any, params: Any, context: Context) -> Any:
        weights = {c: 1.0 + params["shift"] for c in range(context.num_classes)}
        return replace(setup, fit_kwargs={**setup.fit_kwargs, "class_weight": weights})


def test_a_users_part_chains_with_the_built_in_ones() -> None:
    mixed = chain(Mixup(), Shifted(), DRW(), name="mine", summary="")
    setup = mixed.setup({"shift": 2.0}, Context(COUNTS, 4))
    assert setup.fit_kwargs["class_weight"] == {0: 3.0, 1: 3.0, 2: 3.0}
    assert setup.fit_kwargs["start_epoch"] == 3
    assert mixed.reweights and mixed.defaults() == {"alpha": 0.2, "shift": 1.0, "start": 0.8}
