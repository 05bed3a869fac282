"""The math of the sharpness-aware step against NumPy, on exact numbers."""

from __future__ import annotations

import numpy as np
import pytest

from keras_imbalance.sharpness import ascent_step, global_norm, split_weights, tail_classes
from tests.sharpness.reference import weighted_gradient, weighted_loss


def test_tail_classes_are_those_below_the_threshold() -> None:
    counts = np.array([500, 300, 20, 19, 5])
    assert tail_classes(counts, threshold=20) == tuple(np.flatnonzero(counts < 20))
    assert tail_classes(counts, threshold=0) == ()
    assert tail_classes(counts, threshold=1000) == (0, 1, 2, 3, 4)
    share = 0.05  # of the largest class: fewer than 25 samples
    assert tail_classes(counts, share=share) == tuple(np.flatnonzero(counts < share * 500))
    assert tail_classes({"a": 40, "b": 2}, share=0.5) == (1,)


@pytest.mark.parametrize(
    ("counts", "threshold", "error", "named"),
    [
        ([], 5, ValueError, "counts"),
        ([[1, 2]], 5, ValueError, "counts"),
        ([3, -1], 5, ValueError, "counts"),
        ([3, 1], -2, ValueError, "threshold"),
        ([3, 1], "5", TypeError, "threshold"),
        ([3, 1], None, TypeError, "exactly one"),
    ],
)
def test_tail_classes_refuses_bad_input(counts, threshold, error, named) -> None:
    with pytest.raises(error, match=named):
        tail_classes(counts, threshold=threshold)


def test_tail_classes_takes_one_rule() -> None:
    with pytest.raises(TypeError, match="exactly one"):
        tail_classes([3, 1], threshold=2, share=0.5)
    with pytest.raises(ValueError, match="share"):
        tail_classes([3, 1], share=1.5)


def test_ascent_step_is_rho_times_the_unit_gradient() -> None:
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=(2,)).astype("float32")]
    norm = np.sqrt(sum(np.sum(g.astype("float64") ** 2) for g in grads))
    np.testing.assert_allclose(float(global_norm(grads)), norm, rtol=1e-6)
    for got, grad in zip(ascent_step(grads, 0.3), grads, strict=True):
        np.testing.assert_allclose(np.asarray(got), 0.3 * grad / norm, rtol=1e-5)
    total = np.sqrt(sum(np.sum(np.asarray(e, "float64") ** 2) for e in ascent_step(grads, 0.3)))
    assert total == pytest.approx(0.3, rel=1e-5)


def test_ascent_step_of_a_zero_gradient_is_zero() -> None:
    steps = ascent_step([np.zeros((2, 2), "float32")], 0.05)
    np.testing.assert_array_equal(np.asarray(steps[0]), np.zeros((2, 2)))


def test_split_weights_masks_the_tail_and_sums_to_the_weights() -> None:
    labels = np.array([0, 3, 1, 3, 2])
    weight = np.array([0.5, 1.0, 2.0, 3.0, 4.0], "float32")
    head, tail = split_weights(labels, weight, (1, 3))
    expected_mask = np.isin(labels, [1, 3])
    np.testing.assert_allclose(np.asarray(tail), weight * expected_mask)
    np.testing.assert_allclose(np.asarray(head), weight * ~expected_mask)
    head, tail = split_weights(labels, None, None)
    np.testing.assert_allclose(np.asarray(tail), np.ones(5))
    np.testing.assert_allclose(np.asarray(head), np.zeros(5))
    head, tail = split_weights(labels, weight[:, None], ())
    np.testing.assert_allclose(np.asarray(head), weight[:, None])
    np.testing.assert_allclose(np.asarray(tail), np.zeros((5, 1)))


def test_reference_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(6, 3)), np.array([0, 1, 2, 2, 1, 0])
    weight = rng.uniform(0.2, 2.0, size=6)
    kernel, bias = rng.normal(size=(3, 3)), rng.normal(size=3)
    grad_k, grad_b = weighted_gradient(kernel, bias, x, y, weight)
    step = 1e-6
    for index in np.ndindex(kernel.shape):
        up, down = kernel.copy(), kernel.copy()
        up[index] += step
        down[index] -= step
        numeric = (
            weighted_loss(up, bias, x, y, weight) - weighted_loss(down, bias, x, y, weight)
        ) / (2 * step)
        assert grad_k[index] == pytest.approx(numeric, abs=1e-7)
    for c in range(3):
        up, down = bias.copy(), bias.copy()
        up[c] += step
        down[c] -= step
        numeric = (
            weighted_loss(kernel, up, x, y, weight) - weighted_loss(kernel, down, x, y, weight)
        ) / (2 * step)
        assert grad_b[c] == pytest.approx(numeric, abs=1e-7)
