"""One mixup formula: mix_batch against NumPy written here; every mixup in the package uses it."""

from __future__ import annotations

import numpy as np
import pytest

from keras_imbalance.comparison.data.streams import _mix
from keras_imbalance.pipelines import MixupBatches
from keras_imbalance.pipelines.mixing import mix_batch

RNG = np.random.default_rng(0)
X = RNG.normal(size=(6, 3))
Y = np.array([0, 2, 1, 1, 0, 2])
WEIGHTS = np.array([0.5, 2.0, 3.0])


def reference(lam: float, partners: np.ndarray, weights: np.ndarray | None) -> list[np.ndarray]:
    one_hot = np.eye(3)[Y]
    out = [lam * X + (1 - lam) * X[partners], lam * one_hot + (1 - lam) * one_hot[partners]]
    if weights is not None:
        out.append(lam * weights[Y] + (1 - lam) * weights[Y[partners]])
    return out


@pytest.mark.parametrize("weights", [None, WEIGHTS])
@pytest.mark.parametrize("lam", [0.0, 0.3, 1.0])
def test_mix_batch_is_the_mixup_formula(lam: float, weights: np.ndarray | None) -> None:
    partners = np.array([3, 0, 5, 1, 2, 4])
    mixed = mix_batch(X, Y, 3, lam=lam, partners=partners, class_weight=weights)
    expected = reference(lam, partners, weights)
    assert len(mixed) == len(expected)
    for got, want in zip(mixed, expected, strict=True):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_the_stream_mixup_draws_lam_then_partners_and_mixes_alike() -> None:
    mixed = _mix(X, Y, WEIGHTS, 3, np.random.default_rng(7), 0.4)
    draws = np.random.default_rng(7)
    lam = float(draws.beta(0.4, 0.4))
    for got, want in zip(mixed, reference(lam, draws.permutation(6), WEIGHTS), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_mixup_batches_mix_their_drawn_pairs() -> None:
    batches = MixupBatches(X, Y, batch_size=6, alpha=0.4, class_weight=WEIGHTS, seed=3)
    rows = batches._order
    assert sorted(rows.tolist()) == list(range(6))
    x, y, w = batches[0]
    lam, partners = float(batches._lams[0]), batches._partners[0]
    one_hot = np.eye(3)[Y[rows]]
    np.testing.assert_allclose(x, lam * X[rows] + (1 - lam) * X[rows][partners], rtol=1e-6)
    np.testing.assert_allclose(y, lam * one_hot + (1 - lam) * one_hot[partners], rtol=1e-6)
    expected_w = lam * WEIGHTS[Y[rows]] + (1 - lam) * WEIGHTS[Y[rows][partners]]
    np.testing.assert_allclose(w, expected_w, rtol=1e-6)
