"""Multi-label scores: thresholds equal a brute-force search, metrics equal scikit-learn's, and
the paired bootstrap equals a loop over replicates written with scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

from keras_imbalance.comparison.multilabel.bootstrap import (
    metric_replicates,
    paired_interval,
    paired_intervals,
)
from keras_imbalance.comparison.multilabel.figures import precision_recall_curve
from keras_imbalance.comparison.multilabel.metrics import (
    best_f1_thresholds,
    label_table,
    multilabel_scores,
)

metrics = pytest.importorskip("sklearn.metrics")


def random_case(seed: int, n: int = 40, labels: int = 3, ties: bool = False):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, labels)) < [0.5, 0.25, 0.1][:labels]).astype(int)
    y[0] = 1  # every label has a positive
    scores = rng.random((n, labels))
    if ties:
        scores = np.round(scores, 1)
    return y, scores


def brute_force_thresholds(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Every distinct score tried, the highest best one kept, F1 from scikit-learn."""
    chosen = []
    for label in range(y.shape[1]):
        if not y[:, label].any():
            chosen.append(0.5)
            continue
        best, best_t = -1.0, None
        for t in sorted(set(scores[:, label].tolist()), reverse=True):
            f1 = metrics.f1_score(y[:, label], scores[:, label] >= t, zero_division=0)
            if f1 > best + 1e-12:
                best, best_t = f1, t
        chosen.append(best_t)
    return np.asarray(chosen)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ties", [False, True])
def test_thresholds_equal_a_brute_force_search(seed: int, ties: bool) -> None:
    y, scores = random_case(seed, ties=ties)
    thresholds, missing = best_f1_thresholds(y, scores)
    np.testing.assert_array_equal(thresholds, brute_force_thresholds(y, scores))
    assert missing == []


def test_a_label_without_positive_keeps_one_half() -> None:
    y, scores = random_case(0)
    y[:, 1] = 0
    thresholds, missing = best_f1_thresholds(y, scores)
    assert missing == [1] and thresholds[1] == 0.5
    np.testing.assert_array_equal(thresholds, brute_force_thresholds(y, scores))


@pytest.mark.parametrize("seed", range(4))
def test_metrics_equal_scikit_learn(seed: int) -> None:
    y, scores = random_case(seed, ties=seed % 2 == 1)
    thresholds = np.array([0.3, 0.5, 0.7])
    predicted = scores >= thresholds
    got = multilabel_scores(y, scores, thresholds)
    assert got["macro_average_precision"] == pytest.approx(
        metrics.average_precision_score(y, scores, average="macro"), abs=1e-12
    )
    assert got["micro_average_precision"] == pytest.approx(
        metrics.average_precision_score(y, scores, average="micro"), abs=1e-12
    )
    assert got["macro_f1"] == pytest.approx(
        metrics.f1_score(y, predicted, average="macro", zero_division=0), abs=1e-12
    )
    table = label_table(y, scores, thresholds)
    for name, reference in (
        ("f1", metrics.f1_score),
        ("precision", metrics.precision_score),
        ("recall", metrics.recall_score),
    ):
        expected = reference(y, predicted, average=None, zero_division=0)
        np.testing.assert_allclose(table[name], expected, atol=1e-12)
    np.testing.assert_allclose(
        table["average_precision"],
        metrics.average_precision_score(y, scores, average=None),
        atol=1e-12,
    )


def test_a_label_without_positive_is_left_out_of_macro_average_precision() -> None:
    y, scores = random_case(1)
    y[:, 2] = 0
    got = multilabel_scores(y, scores, np.full(3, 0.5))
    expected = np.mean([metrics.average_precision_score(y[:, i], scores[:, i]) for i in (0, 1)])
    assert got["macro_average_precision"] == pytest.approx(expected, abs=1e-12)
    assert np.isnan(label_table(y, scores, np.full(3, 0.5))["average_precision"][2])


@pytest.mark.parametrize(
    "metric", ["macro_average_precision", "micro_average_precision", "macro_f1"]
)
def test_replicates_equal_scikit_learn_on_the_drawn_samples(metric: str) -> None:
    y, scores = random_case(2, n=30)
    thresholds = np.array([0.4, 0.5, 0.6])
    rng = np.random.default_rng(0)
    draws = rng.integers(0, len(y), size=(5, len(y)))
    weights = np.stack([np.bincount(d, minlength=len(y)) for d in draws], axis=1)
    got = metric_replicates(metric, y, scores, thresholds, weights.astype(float))
    for b, drawn in enumerate(draws):
        yb, sb = y[drawn], scores[drawn]
        present = yb.any(axis=0)
        if metric == "macro_f1":
            expected = metrics.f1_score(yb, sb >= thresholds, average="macro", zero_division=0)
        elif metric == "micro_average_precision":
            expected = metrics.average_precision_score(yb, sb, average="micro")
        else:
            expected = metrics.average_precision_score(yb[:, present], sb[:, present])
        assert got[b] == pytest.approx(expected, abs=1e-9)


def test_paired_interval_holds_zero_for_the_same_model_and_excludes_it_for_a_better_one() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random((300, 3)) < 0.3).astype(int)
    noisy = [(rng.random((300, 3)), np.full(3, 0.5)) for _ in range(2)]
    good = [(0.6 * y + 0.5 * rng.random((300, 3)), np.full(3, 0.5)) for _ in range(2)]
    assert paired_interval("macro_f1", y, noisy, noisy, n_boot=100) == (0.0, 0.0)
    low, _ = paired_interval("macro_average_precision", y, good, noisy, n_boot=100)
    assert low > 0.2


def test_many_strategies_at_once_equal_each_one_alone() -> None:
    """One set of draws serves every strategy: together or alone, the same intervals."""
    rng = np.random.default_rng(1)
    y = (rng.random((90, 3)) < 0.3).astype(int)
    runs = {
        name: [(rng.random((90, 3)), np.full(3, 0.4)) for _ in range(3)]
        for name in ("none", "a", "b")
    }
    together = paired_intervals("macro_average_precision", y, runs, n_boot=60, seed=4)
    for name in ("a", "b"):
        alone = paired_interval(
            "macro_average_precision", y, runs[name], runs["none"], n_boot=60, seed=4
        )
        assert together[name] == alone
    assert set(together) == {"a", "b"}


def test_precision_recall_curve_equals_scikit_learn() -> None:
    y, scores = random_case(3, ties=True)
    recall, precision = precision_recall_curve(y[:, 0], scores[:, 0])
    ref_precision, ref_recall, _ = metrics.precision_recall_curve(y[:, 0], scores[:, 0])
    # scikit-learn lists them from the lowest threshold up, ending at (recall 0, precision 1)
    np.testing.assert_allclose(recall, ref_recall[:-1][::-1])
    np.testing.assert_allclose(precision, ref_precision[:-1][::-1])


def test_results_json_is_strict_json_with_null_for_undefined_values() -> None:
    import json

    from keras_imbalance.comparison.multilabel.result import MultiLabelComparison

    result = MultiLabelComparison(
        rows=[],
        labels=[{"strategy": "none", "label": "a", "average_precision": float("nan")}],
        best=None,
        verdict="",
        notes=[],
        settings={"metric": "macro_f1", "value": np.float64(np.inf)},
        runs=[{"strategy": "none", "_test_scores": np.zeros((2, 1)), "test": {"f1": 0.5}}],
        label_names=["a"],
    )
    saved = json.loads(result.to_json(), parse_constant=lambda name: pytest.fail(name))
    assert saved["labels"][0]["average_precision"] is None
    assert saved["settings"]["value"] is None
    assert saved["runs"] == [{"strategy": "none", "test": {"f1": 0.5}}]
