"""Tests for keras_imbalance.comparison.scoring.ranking: average precision and ROC AUC against
scikit-learn, with ties, sample weights and (samples, replicates) weights."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, roc_auc_score

from keras_imbalance.comparison.scoring import ranking
from keras_imbalance.comparison.scoring.ranking import (
    SCORE_METRICS,
    average_precision,
    multilabel_average_precision,
    roc_auc,
)

FUNCTIONS: dict[str, tuple[Callable[..., float | np.ndarray], Callable[..., float]]] = {
    "average_precision": (average_precision, average_precision_score),
    "roc_auc": (roc_auc, roc_auc_score),
}


def data(seed: int, n: int, levels: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Random labels (about 30% positive) and scores; ``levels`` rounds them to force ties."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    y[:2] = [0, 1]
    scores = rng.normal(size=n) + y
    if levels is not None:
        scores = np.round(scores * levels / 4) / levels
    return y, scores


def test_score_metrics_name_the_functions() -> None:
    assert tuple(FUNCTIONS) == SCORE_METRICS


@pytest.mark.parametrize("metric", SCORE_METRICS)
@pytest.mark.parametrize(("n", "levels"), [(2, None), (7, None), (200, None), (200, 3), (500, 1)])
def test_equals_sklearn_with_ties(metric: str, n: int, levels: int | None) -> None:
    ours, reference = FUNCTIONS[metric]
    for seed in range(5):
        y, scores = data(seed, n, levels)
        value = ours(y, scores)
        assert isinstance(value, float)
        assert value == pytest.approx(reference(y, scores), abs=1e-12)


@pytest.mark.parametrize("metric", SCORE_METRICS)
def test_equals_sklearn_with_sample_weights(metric: str) -> None:
    ours, reference = FUNCTIONS[metric]
    rng = np.random.default_rng(1)
    for levels in (None, 2):
        y, scores = data(3, 300, levels)
        for weights in (rng.random(300) * 3, rng.integers(0, 4, 300)):
            weights[:2] = 1
            expected = reference(y, scores, sample_weight=weights)
            assert ours(y, scores, weights) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("metric", SCORE_METRICS)
def test_each_weight_column_equals_sklearn(metric: str) -> None:
    ours, reference = FUNCTIONS[metric]
    y, scores = data(4, 150, 3)
    counts = np.random.default_rng(5).multinomial(150, np.full(150, 1 / 150), size=40).T
    counts[:2] = 1
    values = ours(y, scores, counts)
    assert isinstance(values, np.ndarray) and values.shape == (40,)
    expected = [reference(y, scores, sample_weight=counts[:, b]) for b in range(40)]
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("metric", SCORE_METRICS)
def test_block_size_does_not_change_the_result(
    metric: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, _ = FUNCTIONS[metric]
    y, scores = data(6, 100, 2)
    counts = np.random.default_rng(7).integers(0, 3, size=(100, 23))
    whole = ours(y, scores, counts)
    monkeypatch.setattr(ranking, "BLOCK_ELEMENTS", 250)  # blocks of 2 replicates
    np.testing.assert_array_equal(ours(y, scores, counts), whole)


@pytest.mark.parametrize("metric", SCORE_METRICS)
def test_inputs_are_not_modified(metric: str) -> None:
    ours, _ = FUNCTIONS[metric]
    y, scores = data(8, 50)
    weights = np.random.default_rng(0).random((50, 3))
    copies = y.copy(), scores.copy(), weights.copy()
    ours(y, scores, weights)
    for array, copy in zip((y, scores, weights), copies, strict=True):
        np.testing.assert_array_equal(array, copy)


def test_identities() -> None:
    y = np.array([0, 1, 0, 1, 1])
    perfect = y + 0.5
    assert average_precision(y, perfect) == 1.0
    assert roc_auc(y, perfect) == 1.0
    assert roc_auc(y, -perfect) == 0.0
    # every score tied: one threshold, precision = prevalence, AUC one half
    assert average_precision(y, np.zeros(5)) == pytest.approx(3 / 5, abs=1e-15)
    assert roc_auc(y, np.zeros(5)) == 0.5
    # scores rank-invariant: a monotone map changes nothing
    _, scores = data(9, 5)
    assert roc_auc(y, scores) == roc_auc(y, np.exp(scores))
    assert average_precision(y, scores) == average_precision(y, np.exp(scores))
    # integer weights equal repeating the samples
    weights = np.array([2, 1, 3, 1, 2])
    repeated = np.repeat(np.arange(5), weights)
    for ours, _ in FUNCTIONS.values():
        assert ours(y, scores, weights) == pytest.approx(
            ours(y[repeated], scores[repeated]), abs=1e-12
        )


samples = st.lists(
    st.tuples(st.integers(0, 1), st.integers(-3, 3), st.integers(0, 3)), min_size=2, max_size=30
)


@settings(max_examples=80, deadline=None)
@given(samples)
def test_properties_on_small_weighted_samples_with_ties(rows: list[tuple[int, int, int]]) -> None:
    y, scores, weights = (np.array(column) for column in zip(*rows, strict=True))
    positive, negative = weights @ y, weights @ (1 - y)
    assume(positive > 0 and negative > 0)
    # AUC is the weighted share of (positive, negative) pairs in order, ties counting half
    order = np.sign(scores[:, None] - scores[None, :]) + 1  # 2: above, 1: tied, 0: below
    pairs = np.outer(weights * y, weights * (1 - y))
    assert roc_auc(y, scores, weights) == pytest.approx(
        (pairs * order).sum() / 2 / (positive * negative), abs=1e-12
    )
    for ours, reference in FUNCTIONS.values():
        expected = reference(y, scores, sample_weight=weights)
        assert ours(y, scores, weights) == pytest.approx(expected, abs=1e-12)


def test_undefined_cases_are_nan() -> None:
    assert np.isnan(average_precision([0, 0, 0], [0.1, 0.2, 0.3]))
    assert np.isnan(roc_auc([1, 1], [0.1, 0.2]))
    assert np.isnan(roc_auc([0, 0], [0.1, 0.2]))
    # weights that remove every positive, or every negative, in one column only
    y, scores = [0, 1, 1], [0.2, 0.9, 0.4]
    weights = np.array([[1, 1, 0], [1, 0, 1], [1, 0, 1]])
    ap = average_precision(y, scores, weights)
    auc = roc_auc(y, scores, weights)
    assert isinstance(ap, np.ndarray) and isinstance(auc, np.ndarray)
    assert ap[0] == 1.0 and np.isnan(ap[1]) and ap[2] == 1.0
    assert auc[0] == 1.0 and np.isnan(auc[1]) and np.isnan(auc[2])


def test_zero_weight_samples_count_for_nothing() -> None:
    y, scores = data(10, 60)
    weights = np.random.default_rng(2).integers(0, 2, 60)
    weights[:2] = 1
    kept = weights > 0
    for ours, _ in FUNCTIONS.values():
        assert ours(y, scores, weights) == pytest.approx(ours(y[kept], scores[kept]), abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_multilabel_equals_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = (rng.random((80, 5)) < [0.5, 0.2, 0.05, 0.3, 0.1]).astype(int)
    y[0] = 1
    scores = np.round(rng.normal(size=(80, 5)) + y, 1)
    for average in ("macro", "micro"):
        expected = average_precision_score(y, scores, average=average)
        assert multilabel_average_precision(y, scores, average=average) == pytest.approx(
            expected, abs=1e-12
        )


def test_multilabel_macro_leaves_out_labels_without_positives() -> None:
    rng = np.random.default_rng(3)
    y = (rng.random((40, 4)) < 0.4).astype(int)
    y[:, 2] = 0
    y[0] = [1, 1, 0, 1]
    scores = rng.random((40, 4))
    kept = [0, 1, 3]
    expected = average_precision_score(y[:, kept], scores[:, kept], average="macro")
    assert multilabel_average_precision(y, scores) == pytest.approx(expected, abs=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns and counts the label as 0
        counted = average_precision_score(y, scores, average="macro")
    assert counted == pytest.approx(expected * 3 / 4, abs=1e-12)
    assert np.isnan(multilabel_average_precision(np.zeros((3, 2), int), np.ones((3, 2))))
    assert np.isnan(
        multilabel_average_precision(np.zeros((3, 2), int), np.ones((3, 2)), average="micro")
    )


@pytest.mark.parametrize(
    ("y", "scores", "weights", "error", "match"),
    [
        ([0, 1, 2], [0.1, 0.2, 0.3], None, ValueError, r"y_true holds label 2.*binary"),
        ([0.0, 1.0], [0.1, 0.2], None, TypeError, r"y_true must hold integer.*astype\(int\)"),
        ([], [], None, ValueError, r"y_true has shape \(0,\)"),
        ([[0, 1]], [[0.1, 0.2]], None, ValueError, r"y_true has shape \(1, 2\)"),
        ([0, 1], [0.1, 0.2, 0.3], None, ValueError, r"scores has shape \(3,\); give shape \(2,\)"),
        ([0, 1], [0.1, np.nan], None, ValueError, r"scores holds a non-finite score \(nan\)"),
        ([0, 1], [0.1, np.inf], None, ValueError, r"non-finite score \(inf\)"),
        ([0, 1], ["a", "b"], None, TypeError, r"scores must hold real scores"),
        ([0, 1], [0.1, 0.2], [1.0, -1.0], ValueError, r"weights holds -1.0; give finite, non-neg"),
        ([0, 1], [0.1, 0.2], [1.0, np.nan], ValueError, r"weights holds nan"),
        ([0, 1], [0.1, 0.2], [1.0, 1.0, 1.0], ValueError, r"shape \(2,\) or \(2, replicates\)"),
        ([0, 1], [0.1, 0.2], np.ones((2, 2, 2)), ValueError, r"weights=.* must be real, of shape"),
    ],
)
@pytest.mark.parametrize("metric", SCORE_METRICS)
def test_bad_input_raises(
    metric: str, y: object, scores: object, weights: object, error: type, match: str
) -> None:
    ours, _ = FUNCTIONS[metric]
    with pytest.raises(error, match=match):
        ours(y, scores, weights)


def test_multilabel_bad_input_raises() -> None:
    with pytest.raises(ValueError, match=r"average='weighted' is not supported"):
        multilabel_average_precision([[0, 1]], [[0.1, 0.2]], average="weighted")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"y_true has shape \(2,\); give .* \(n, labels\)"):
        multilabel_average_precision([0, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"scores has shape \(1, 3\); give shape \(1, 2\)"):
        multilabel_average_precision([[0, 1]], [[0.1, 0.2, 0.3]])
