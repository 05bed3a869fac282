"""The "sam" and "imbsam" remedies: their settings, their knobs, and a tiny compare run."""

from __future__ import annotations

from dataclasses import replace

import keras
import numpy as np
import pytest

import keras_imbalance as ki
from keras_imbalance.remedies import REMEDIES, Context, ImbSAM, SharpnessSettings
from keras_imbalance.remedies.registry import DEFAULT_REMEDIES
from keras_imbalance.remedies.sharpness import SAM, trained_model
from keras_imbalance.sharpness import steps
from tests.comparison.test_compare import mlp


def tiny_data(counts: tuple[int, ...] = (40, 16, 6), seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), counts)
    x = rng.normal(size=(y.size, 4)) + 2.5 * np.eye(3, 4)[y]
    return x.astype("float32"), y


def test_both_are_built_in_and_not_in_the_default_run() -> None:
    assert isinstance(REMEDIES["sam"], SAM) and isinstance(REMEDIES["imbsam"], ImbSAM)
    assert "sam" not in DEFAULT_REMEDIES and "imbsam" not in DEFAULT_REMEDIES
    assert REMEDIES["sam"].default_grid() == {"rho": [0.05, 0.1]}
    assert REMEDIES["imbsam"].defaults() == {"rho": 0.05, "tail_below": 0.04}


@pytest.mark.parametrize("share", [0.04, 0.1, 0.5, 1.0])
def test_imbsam_tail_is_the_classes_below_a_share_of_the_largest(share: float) -> None:
    counts = (600, 250, 61, 60, 20, 6)
    setup = ImbSAM().setup({"rho": 0.1, "tail_below": share}, Context(counts, 3))
    expected = tuple(np.flatnonzero(np.asarray(counts) < share * max(counts)))
    assert setup.sharpness == SharpnessSettings(0.1, expected)
    assert isinstance(setup.loss, keras.losses.SparseCategoricalCrossentropy)


def test_sam_perturbs_every_class() -> None:
    setup = SAM().setup({"rho": 0.05}, Context((30, 10), 2))
    assert setup.sharpness == SharpnessSettings(0.05, None)


@pytest.mark.parametrize(
    ("params", "named"),
    [({"rho": 0.0}, "rho"), ({"rho": -1.0}, "rho"), ({"tail_below": 1.5}, "tail_below")],
)
def test_bad_knobs_are_named(params: dict[str, float], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        ImbSAM().check_params(params)


def test_trained_model_wraps_only_with_sharpness_settings() -> None:
    network = mlp((4,), 3)
    plain = REMEDIES["none"].setup({}, Context((30, 10, 5), 2))
    assert trained_model(network, plain) is network
    setup = ImbSAM().setup({"rho": 0.1, "tail_below": 0.5}, Context((30, 10, 5), 2))
    wrapper = trained_model(network, setup)
    assert isinstance(wrapper, ki.SharpnessAwareModel) and wrapper.model is network
    assert (wrapper.rho, wrapper.tail_classes) == (0.1, (1, 2))
    assert [id(v) for v in wrapper.trainable_variables] == [
        id(v) for v in network.trainable_variables
    ]


def test_compare_trains_imbsam_through_the_wrapper(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"{keras.backend.backend()}_step"
    calls = []
    original = getattr(steps, name)

    def counted(*args):
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(steps, name, counted)
    result = ki.compare(
        tiny_data(),
        ["none", "imbsam"],
        model=mlp,
        epochs=2,
        seeds=[0],
        batch_size=16,
        grids={"imbsam": {"rho": [0.1], "tail_below": [0.5]}},
        n_boot=10,
        cv=None,
    )
    assert calls, "the imbsam runs must train through SharpnessAwareModel"
    runs = {run["strategy"]: run for run in result.runs}
    assert runs["imbsam"]["params"] == {"rho": 0.1, "tail_below": 0.5}
    assert np.isfinite(runs["imbsam"]["validation"]["balanced_accuracy"])
    assert "ki.SharpnessAwareModel(" in replace(result, best="imbsam").recipe()


def test_imbsam_la_is_the_logit_adjusted_loss_with_imbsam_steps() -> None:
    counts = (600, 300, 20, 6)
    setup = REMEDIES["imbsam_la"].setup(
        {"tau": 1.0, "rho": 0.1, "tail_below": 0.04}, Context(counts, 2)
    )
    assert setup.sharpness == SharpnessSettings(rho=0.1, tail_classes=(2, 3))  # 20, 6 < 24
    assert isinstance(setup.loss, ki.losses.LogitAdjustedLoss) and setup.loss.tau == 1.0
    np.testing.assert_allclose(setup.loss.prior, np.asarray(counts) / sum(counts), rtol=1e-12)
    assert "imbsam_la" not in DEFAULT_REMEDIES
    assert REMEDIES["imbsam_la"].default_grid() == {"rho": [0.05, 0.1]}
