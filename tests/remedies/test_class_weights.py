"""Class-weight remedies against scikit-learn and the weighting formulas."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from keras_imbalance.remedies import ClassWeighted, Context
from keras_imbalance.weighting import STRATEGIES

COUNTS = (40, 15, 5)
N = sum(COUNTS)


def _weights(strategy: str, **params: object) -> np.ndarray:
    setup = ClassWeighted(strategy).setup(params, Context(COUNTS, 2))
    weights = setup.fit_kwargs["class_weight"]
    assert sorted(weights) == [0, 1, 2]
    return np.array([weights[c] for c in range(3)])


def test_balanced_matches_scikit_learn() -> None:
    y = np.repeat(np.arange(3), COUNTS)
    expected = compute_class_weight("balanced", classes=np.arange(3), y=y)
    np.testing.assert_allclose(_weights("balanced"), expected, rtol=1e-5)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_has_mean_weight_one_over_the_samples(strategy: str) -> None:
    np.testing.assert_allclose(np.dot(_weights(strategy), COUNTS) / N, 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    ("strategy", "params", "shape"),
    [
        ("inverse", {}, 1.0 / np.asarray(COUNTS)),
        ("sqrt_inverse", {}, 1.0 / np.sqrt(COUNTS)),
        ("effective_number", {"beta": 0.99}, (1 - 0.99) / (1 - 0.99 ** np.asarray(COUNTS))),
    ],
)
def test_weights_follow_their_formula(strategy: str, params: dict, shape: np.ndarray) -> None:
    ratios = _weights(strategy, **params) / shape
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-5)


def test_knobs_per_strategy() -> None:
    assert ClassWeighted("log").defaults() == {"mu": 0.15}
    assert ClassWeighted("effective_number").default_grid() == {"beta": [0.999, 0.9999]}
    assert ClassWeighted("balanced").knobs == ()
    with pytest.raises(ValueError, match="strategy='smote' is not supported"):
        ClassWeighted("smote")


def test_recipe_text_carries_the_tuned_knob() -> None:
    text = ClassWeighted("log").recipe_text({"mu": "0.2"}, Context(COUNTS, 2))
    assert text.class_weight == 'dict(ki.class_weights(counts, "log", normalize="mean", mu=0.2))'
