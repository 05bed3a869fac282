"""MixupBatches: the mixing formula exactly, fresh draws per epoch, and deferred re-weighting."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_imbalance.pipelines import DeferredMixupWeights, MixupBatches

N = 10
Y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 2, 2])
WEIGHTS = np.array([0.5, 1.0, 4.0])


def decode(row: np.ndarray) -> tuple[int, int, float]:
    """``(i, j, lam)`` of a mixed row of the identity matrix: ``lam e_i + (1 - lam) e_j``."""
    nonzero = np.flatnonzero(row > 1e-7)
    if len(nonzero) == 1:  # a sample mixed with itself
        return int(nonzero[0]), int(nonzero[0]), 1.0
    i, j = nonzero
    return int(i), int(j), float(row[i])


def test_every_batch_follows_the_mixup_formula() -> None:
    batches = MixupBatches(np.eye(N), Y, batch_size=4, alpha=0.4, class_weight=WEIGHTS, seed=3)
    assert len(batches) == 3
    seen: list[int] = []
    for index in range(len(batches)):
        x, y, w = batches[index]
        lams = set()
        for row, target, weight in zip(x, y, w, strict=True):
            i, j, lam = decode(row)
            if i != j:
                lams.add(round(lam, 5) if lam >= 0.5 else round(1 - lam, 5))
                a, b = (i, j)
                lam_a = lam
            else:
                a, b, lam_a = i, i, 1.0
            expected = lam_a * np.eye(3)[Y[a]] + (1 - lam_a) * np.eye(3)[Y[b]]
            np.testing.assert_allclose(target, expected, atol=1e-6)
            np.testing.assert_allclose(
                weight, lam_a * WEIGHTS[Y[a]] + (1 - lam_a) * WEIGHTS[Y[b]], rtol=1e-6
            )
            seen.append(i)
        assert len(lams) <= 1  # one lam per batch
    assert len(seen) == N


def test_draws_are_seeded_and_fresh_every_epoch() -> None:
    first = MixupBatches(np.eye(N), Y, batch_size=5, seed=1)
    second = MixupBatches(np.eye(N), Y, batch_size=5, seed=1)
    np.testing.assert_array_equal(first[0][0], second[0][0])
    before = first[0][0].copy()
    first.on_epoch_end()
    assert not np.array_equal(first[0][0], before)


def test_lam_follows_the_beta_distribution() -> None:
    batches = MixupBatches(np.eye(N), Y, batch_size=1, alpha=0.5, seed=0)
    draws = []
    for _ in range(200):
        draws.extend(batches._lams.tolist())
        batches.on_epoch_end()
    assert np.mean(draws) == pytest.approx(0.5, abs=0.03)  # Beta(a, a) has mean 1/2
    assert np.var(draws) == pytest.approx(1 / (4 * (2 * 0.5 + 1)), abs=0.02)  # 1/(4(2a+1))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"alpha": 0}, ValueError, "alpha=0"),
        ({"batch_size": 0}, ValueError, "batch_size=0"),
        ({"seed": -1}, ValueError, "seed=-1"),
        ({"class_weight": [1.0, 2.0]}, ValueError, "one finite weight"),
        ({"class_weight": [1.0, -2.0, 1.0]}, ValueError, "one finite weight"),
    ],
)
def test_bad_arguments(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        MixupBatches(np.eye(N), Y, **kwargs)


def test_labels_must_match_the_samples() -> None:
    with pytest.raises(ValueError, match="x has 10 samples but y has 9"):
        MixupBatches(np.eye(N), Y[:9])


def test_deferred_reweighting_in_fit() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = np.repeat([0, 1, 2], [24, 12, 4])
    batches = MixupBatches(x, y, batch_size=8, class_weight=[1.0, 1.0, 1.0], seed=0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    history = model.fit(
        batches, epochs=3, verbose=0, callbacks=[DeferredMixupWeights(batches, WEIGHTS, 2)]
    )
    assert len(history.history["loss"]) == 3
    np.testing.assert_array_equal(batches.class_weight, WEIGHTS)
