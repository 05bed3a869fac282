"""Tests for the bootstrap of ranking metrics (keras_imbalance.comparison.scoring.score_bootstrap)
and for average precision / ROC AUC in the bootstrap intervals of
keras_imbalance.comparison.scoring.statistics: every replicate against scikit-learn with the
replicate's draw counts as sample weights, and the draws against the documented protocol."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from keras_imbalance.comparison.scoring import bootstrap, ranking
from keras_imbalance.comparison.scoring.bootstrap import bootstrap_replicates, bootstrap_weights
from keras_imbalance.comparison.scoring.ranking import SCORE_METRICS
from keras_imbalance.comparison.scoring.score_bootstrap import score_replicates
from keras_imbalance.comparison.scoring.statistics import (
    bootstrap_intervals,
    intervals_and_differences,
    paired_differences,
)

REFERENCE: dict[str, Callable[..., float]] = {
    "average_precision": average_precision_score,
    "roc_auc": roc_auc_score,
}


def detector(
    seed: int, n: int, strategies: int, seeds: int, levels: int | None = 4
) -> tuple[np.ndarray, np.ndarray]:
    """Labels (about 25% positive, shuffled) and ``(K, S, n)`` scores, rounded to force ties."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.25).astype(int)
    y[:2] = [1, 0]
    scale = np.arange(1, strategies + 1)[:, None, None]  # strategy k is k + 1 times noisier
    scores = y + rng.normal(scale=scale, size=(strategies, seeds, n))
    if levels is not None:
        scores = np.round(scores * levels) / levels
    return y, scores


def protocol_counts(true: np.ndarray, n_boot: int, seeds: int, seed: int) -> np.ndarray:
    """The documented protocol, one replicate at a time: ``(n, B)`` draw counts."""
    rng = np.random.default_rng(seed)
    if seeds > 1:
        rng.integers(0, seeds, size=(n_boot, seeds))
    u = rng.random((n_boot, true.shape[0]))
    order = np.argsort(true, kind="stable")
    class_counts = np.bincount(true)
    starts = np.concatenate([[0], np.cumsum(class_counts)[:-1]])
    sorted_true = true[order]
    counts = np.zeros((true.shape[0], n_boot), dtype=np.int64)
    for b in range(n_boot):
        drawn = order[starts[sorted_true] + np.floor(u[b] * class_counts[sorted_true]).astype(int)]
        np.add.at(counts[:, b], drawn, 1)
    return counts


@pytest.mark.parametrize("seeds", [1, 3])
def test_shared_draws_follow_the_protocol(seeds: int) -> None:
    true = np.random.default_rng(0).choice(3, size=70, p=[0.6, 0.3, 0.1])
    seed_draws, counts = bootstrap_weights(true, num_classes=3, n_boot=30, seeds=seeds, seed=4)
    np.testing.assert_array_equal(counts, protocol_counts(true, 30, seeds, 4))
    assert seed_draws.shape == (30, seeds)
    # the confusion path uses the same draws: its accuracy is the count-weighted accuracy
    pred = np.random.default_rng(1).integers(0, 3, (2, seeds, 70))
    _, boot, its_seed_draws = bootstrap_replicates(
        true, pred, metric="accuracy", num_classes=3, tail=(), n_boot=30, seed=4
    )
    np.testing.assert_array_equal(its_seed_draws, seed_draws)
    expected = np.einsum("ib,ksi->bks", counts, (pred == true).astype(float)) / 70
    np.testing.assert_allclose(boot, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("metric", SCORE_METRICS)
@pytest.mark.parametrize("seeds", [1, 3])
def test_each_replicate_equals_sklearn_with_its_draw_counts(metric: str, seeds: int) -> None:
    true, scores = detector(2, 90, strategies=2, seeds=seeds)
    full, boot, seed_draws = score_replicates(true, scores, metric=metric, n_boot=25, seed=7)
    expected_draws, counts = bootstrap_weights(true, num_classes=2, n_boot=25, seeds=seeds, seed=7)
    np.testing.assert_array_equal(seed_draws, expected_draws)
    reference = REFERENCE[metric]
    assert full.shape == (2, seeds) and boot.shape == (25, 2, seeds)
    for k in range(2):
        for s in range(seeds):
            assert full[k, s] == pytest.approx(reference(true, scores[k, s]), abs=1e-12)
            expected = [reference(true, scores[k, s], sample_weight=w) for w in counts.T]
            np.testing.assert_allclose(boot[:, k, s], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("metric", SCORE_METRICS)
def test_a_separating_score_is_perfect_in_every_replicate(metric: str) -> None:
    true = np.array([0, 1, 0, 0, 1, 0, 1, 0])
    scores = np.where(true == 1, 0.9, 0.1) + np.linspace(0, 0.05, 8)
    full, boot, _ = score_replicates(true, scores[None, None], metric=metric, n_boot=50, seed=0)
    assert full.tolist() == [[1.0]]
    assert (boot == 1.0).all()


@pytest.mark.parametrize("metric", SCORE_METRICS)
def test_block_size_does_not_change_the_result(
    metric: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    true, scores = detector(3, 120, strategies=3, seeds=2)
    default = score_replicates(true, scores, metric=metric, n_boot=41, seed=2)
    monkeypatch.setattr(bootstrap, "BLOCK_ELEMENTS", 500)  # 4 replicates a block
    monkeypatch.setattr(ranking, "BLOCK_ELEMENTS", 250)  # 2 replicates a cumulative sum
    for ours, expected in zip(
        score_replicates(true, scores, metric=metric, n_boot=41, seed=2), default, strict=True
    ):
        np.testing.assert_array_equal(ours, expected)


@pytest.mark.parametrize("metric", SCORE_METRICS)
def test_intervals_and_differences_match_a_loop(metric: str) -> None:
    true, scores = detector(5, 80, strategies=3, seeds=2)
    names = ["none", "a", "b"]
    predictions = dict(zip(names, scores, strict=True))
    seed_draws, counts = bootstrap_weights(true, num_classes=2, n_boot=30, seeds=2, seed=9)
    reference = REFERENCE[metric]
    per_seed = np.array(
        [
            [[reference(true, row, sample_weight=counts[:, b]) for row in rows] for rows in scores]
            for b in range(30)
        ]
    )  # (B, K, S)
    replicates = np.take_along_axis(per_seed, seed_draws[:, None, :], axis=2).mean(axis=2)
    full = np.array([[reference(true, row) for row in rows] for rows in scores])
    intervals, differences = intervals_and_differences(
        true, predictions, num_classes=2, baseline="none", metric=metric, n_boot=30,
        confidence=0.8, seed=9,
    )  # fmt: skip
    for k, name in enumerate(names):
        low, high = np.quantile(replicates[:, k], [0.1, 0.9])
        assert intervals[name].mean == pytest.approx(full[k].mean(), abs=1e-12)
        assert (intervals[name].low, intervals[name].high) == pytest.approx((low, high), abs=1e-12)
        if name != "none":
            delta = replicates[:, k] - replicates[:, 0]
            low, high = np.quantile(delta, [0.1, 0.9])
            shift = differences[name]
            assert shift.mean == pytest.approx((full[k] - full[0]).mean(), abs=1e-12)
            assert (shift.low, shift.high) == pytest.approx((low, high), abs=1e-12)


@pytest.mark.parametrize("metric", SCORE_METRICS)
def test_identical_strategies_differ_by_zero(metric: str) -> None:
    true, scores = detector(6, 60, strategies=1, seeds=3)
    result = paired_differences(
        true, {"none": scores[0], "copy": scores[0].copy()}, metric=metric, num_classes=2, n_boot=60
    )["copy"]
    assert (result.mean, result.low, result.high) == (0.0, 0.0, 0.0)
    assert not result.separable


def test_one_seed_may_be_given_as_a_vector() -> None:
    true, scores = detector(7, 50, strategies=1, seeds=1)
    options = {"metric": "roc_auc", "num_classes": 2, "n_boot": 40, "seed": 3}
    vector = bootstrap_intervals(true, {"none": scores[0, 0]}, **options)  # type: ignore[arg-type]
    matrix = bootstrap_intervals(true, {"none": scores[0]}, **options)  # type: ignore[arg-type]
    assert vector == matrix
    assert vector["none"].seeds == 1


@pytest.mark.parametrize(
    ("y_true", "predictions", "num_classes", "error", "match"),
    [
        ([0, 1, 0], {"none": [[1, 0, 1]]}, 2, TypeError, r"holds integers .* give float"),
        ([0, 1, 2], {"none": [[0.1, 0.5, 0.9]]}, 3, ValueError, r"num_classes=3; give num_cl"),
        ([1, 1, 1], {"none": [[0.1, 0.5, 0.9]]}, 2, ValueError, r"y_true holds only class 1"),
        ([0, 1, 0], {"none": [[0.1, np.nan, 0.9]]}, 2, ValueError, r"non-finite score \(nan\)"),
        ([0, 1, 0], {"none": [[0.1, 0.9]]}, 2, ValueError, r"predictions\['none'\] has shape"),
        ([0, 1, 0], {"none": np.ones((1, 1, 3))}, 2, ValueError, r"has shape \(1, 1, 3\)"),
        ([0, 1, 0], {"none": ["a", "b", "c"]}, 2, TypeError, r"must hold real scores"),
        ([0, 1, 0], {}, 2, ValueError, r"array of positive-class scores"),
    ],
)
@pytest.mark.parametrize("metric", SCORE_METRICS)
def test_bad_input_raises(
    metric: str,
    y_true: list[int],
    predictions: dict[str, object],
    num_classes: int,
    error: type,
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        bootstrap_intervals(
            np.array(y_true), predictions, metric=metric, num_classes=num_classes, n_boot=5
        )  # type: ignore[arg-type]


def test_class_metrics_still_want_classes() -> None:
    with pytest.raises(TypeError, match=r"must hold integer class indices"):
        bootstrap_intervals(np.array([0, 1]), {"none": np.array([[0.2, 0.8]])}, num_classes=2)
