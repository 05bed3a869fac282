"""Tests for keras_imbalance.comparison.scoring.statistics: metrics against scikit-learn and
imbalanced-learn, and the paired hierarchical bootstrap against a loop written here."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
from imblearn.metrics import geometric_mean_score
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    matthews_corrcoef,
    recall_score,
)

from keras_imbalance.comparison.scoring import bootstrap
from keras_imbalance.comparison.scoring.statistics import (
    METRICS,
    Interval,
    PairedDifference,
    bootstrap_intervals,
    confusion_matrices,
    metric_from_confusion,
    paired_differences,
)

TAIL = (1,)


def reference_metric(metric: str, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The scikit-learn / imbalanced-learn default that each metric must equal."""
    functions: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
        "accuracy": accuracy_score,
        "balanced_accuracy": balanced_accuracy_score,
        "macro_f1": lambda t, p: f1_score(t, p, average="macro", zero_division=0),
        "mcc": matthews_corrcoef,
        "g_mean": geometric_mean_score,
        "tail_recall": lambda t, p: float(
            np.mean(recall_score(t, p, labels=list(TAIL), average=None, zero_division=0))
        ),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(functions[metric](y_true, y_pred))


def random_problem(
    rng: np.random.Generator, num_classes: int, n: int, kind: str, batch: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Labels and batched predictions; ``kind`` shapes which classes appear where."""
    if kind == "random":
        true_classes, pred_classes = np.arange(num_classes), np.arange(num_classes)
    elif kind == "missing_from_pred":  # class 0 is never predicted
        true_classes, pred_classes = np.arange(num_classes), np.arange(1, num_classes)
    else:  # "predicted_not_true": the last class is predicted but absent from y_true
        true_classes, pred_classes = np.arange(num_classes - 1), np.arange(num_classes)
    y_true = rng.choice(true_classes, size=n)
    y_true[: len(true_classes)] = true_classes  # every class of true_classes occurs
    guess = rng.choice(pred_classes, size=(*batch, n))
    right = rng.random((*batch, n)) < 0.5
    y_pred = np.where(right & np.isin(y_true, pred_classes), y_true, guess)
    return y_true, y_pred


# --------------------------------------------------------------------------------------------
# confusion matrices and metrics
# --------------------------------------------------------------------------------------------


def test_confusion_matrices_match_sklearn_batched() -> None:
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 4, 50)
    y_pred = rng.integers(0, 4, (2, 3, 50))
    result = confusion_matrices(y_true, y_pred, 4)
    assert result.shape == (2, 3, 4, 4)
    assert result.dtype == np.int64
    for i in range(2):
        for j in range(3):
            expected = confusion_matrix(y_true, y_pred[i, j], labels=range(4))
            np.testing.assert_array_equal(result[i, j], expected)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("num_classes", [2, 3, 6])
@pytest.mark.parametrize("kind", ["random", "missing_from_pred", "predicted_not_true"])
def test_metric_matches_sklearn(metric: str, num_classes: int, kind: str) -> None:
    rng = np.random.default_rng(num_classes * 7 + len(kind))
    y_true, y_pred = random_problem(rng, num_classes, 40, kind, batch=(2, 3))
    confusion = confusion_matrices(y_true, y_pred, num_classes)
    if metric == "tail_recall" and not np.isin(TAIL, y_true).all():
        with pytest.raises(ValueError, match="do not occur in y_true"):
            metric_from_confusion(confusion, metric, tail=TAIL)
        return
    result = metric_from_confusion(confusion, metric, tail=TAIL)
    assert result.shape == (2, 3)
    assert result.dtype == np.float64
    expected = [[reference_metric(metric, y_true, row) for row in block] for block in y_pred]
    np.testing.assert_allclose(result, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize(
    ("y_true", "y_pred"),
    [
        ([1, 1, 1], [1, 1, 1]),  # one class, all right
        ([1, 1, 1], [1, 0, 2]),  # one class in y_true, others predicted
        ([1], [1]),  # one sample
        ([1], [0]),  # one sample, wrong
        ([0, 1, 1, 2], [1, 1, 1, 1]),  # a constant prediction
    ],
)
def test_degenerate_cases_match_sklearn_and_are_finite(
    metric: str, y_true: list[int], y_pred: list[int]
) -> None:
    true, pred = np.array(y_true), np.array(y_pred)
    value = metric_from_confusion(confusion_matrices(true, pred, 3), metric, tail=TAIL)
    assert np.isfinite(value)
    assert float(value) == pytest.approx(reference_metric(metric, true, pred), abs=1e-12)


def test_g_mean_is_zero_when_a_class_is_predicted_but_absent() -> None:
    # imbalanced-learn's default: the absent class has recall 0, so the geometric mean is 0
    y_true, y_pred = np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1])
    value = metric_from_confusion(confusion_matrices(y_true, y_pred, 3), "g_mean")
    assert float(value) == reference_metric("g_mean", y_true, y_pred) == 0.0


def test_metric_rejects_empty_confusion_and_absent_tail_class() -> None:
    with pytest.raises(ValueError, match="no samples"):
        metric_from_confusion(np.zeros((2, 3, 3), dtype=int), "accuracy")
    confusion = confusion_matrices(np.array([0, 0, 1]), np.array([0, 1, 1]), 3)
    with pytest.raises(ValueError, match=r"tail class\(es\) \[2\] do not occur in y_true"):
        metric_from_confusion(confusion, "tail_recall", tail=[1, 2])
    with pytest.raises(ValueError, match=r"tail=\(\) is empty"):
        metric_from_confusion(confusion, "tail_recall")
    with pytest.raises(ValueError, match=r"confusion has shape \(3, 2\)"):
        metric_from_confusion(np.ones((3, 2)), "accuracy")
    with pytest.raises(ValueError, match="negative count"):
        metric_from_confusion(-np.ones((2, 2)), "accuracy")
    with pytest.raises(ValueError, match="metric='f2' is not supported"):
        metric_from_confusion(confusion, "f2")


# --------------------------------------------------------------------------------------------
# the bootstrap
# --------------------------------------------------------------------------------------------


def reference_bootstrap(
    y_true: np.ndarray,
    predictions: dict[str, np.ndarray],
    metric: str,
    n_boot: int,
    seed: int,
    confidence: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The documented protocol, one replicate at a time, scored with scikit-learn.

    Returns the per-strategy replicate statistics of the metric, ``(B, K)``, and of the
    full-sample metric per seed, ``(K, S)``.
    """
    stacked = np.stack(list(predictions.values()))
    strategies, seeds, n = stacked.shape
    rng = np.random.default_rng(seed)
    if seeds > 1:
        seed_draws = rng.integers(0, seeds, size=(n_boot, seeds))
    else:
        seed_draws = np.zeros((n_boot, 1), dtype=int)
    u = rng.random((n_boot, n))
    order = np.argsort(y_true, kind="stable")
    counts = np.bincount(y_true)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    sorted_true = y_true[order]
    replicates = np.empty((n_boot, strategies))
    for b in range(n_boot):
        drawn = order[starts[sorted_true] + np.floor(u[b] * counts[sorted_true]).astype(int)]
        for k in range(strategies):
            scores = [
                reference_metric(metric, y_true[drawn], stacked[k, s, drawn]) for s in seed_draws[b]
            ]
            replicates[b, k] = np.mean(scores)
    full = np.array(
        [
            [reference_metric(metric, y_true, stacked[k, s]) for s in range(seeds)]
            for k in range(strategies)
        ]
    )
    return replicates, full


@pytest.mark.parametrize("metric", ["macro_f1", "g_mean", "mcc"])
@pytest.mark.parametrize("seeds", [1, 3])
def test_bootstrap_matches_a_loop_over_replicates(metric: str, seeds: int) -> None:
    rng = np.random.default_rng(5)
    y_true = rng.choice(3, size=60, p=[0.6, 0.3, 0.1])
    predictions = {
        name: np.where(rng.random((seeds, 60)) < accuracy, y_true, rng.integers(0, 4, (seeds, 60)))
        for name, accuracy in [("none", 0.5), ("a", 0.7), ("b", 0.9)]
    }
    n_boot, confidence = 25, 0.9
    replicates, full = reference_bootstrap(y_true, predictions, metric, n_boot, 3, confidence)
    alpha = (1 - confidence) / 2

    intervals = bootstrap_intervals(
        y_true,
        predictions,
        metric=metric,
        num_classes=4,
        n_boot=n_boot,
        confidence=confidence,
        seed=3,
    )
    for k, name in enumerate(predictions):
        expected = Interval(
            mean=float(full[k].mean()),
            low=float(np.quantile(replicates[:, k], alpha)),
            high=float(np.quantile(replicates[:, k], 1 - alpha)),
            seeds=seeds,
            samples=60,
        )
        for field in ("mean", "low", "high"):
            assert getattr(intervals[name], field) == pytest.approx(
                getattr(expected, field), abs=1e-12
            )

    # the reference's seed draws are the same for every strategy, so replicate differences
    # are the paired statistic
    differences = paired_differences(
        y_true,
        predictions,
        metric=metric,
        num_classes=4,
        n_boot=n_boot,
        confidence=confidence,
        seed=3,
    )
    assert list(differences) == ["a", "b"]
    for k, name in [(1, "a"), (2, "b")]:
        delta = replicates[:, k] - replicates[:, 0]
        result = differences[name]
        assert (result.strategy, result.baseline) == (name, "none")
        assert (result.seeds, result.samples) == (seeds, 60)
        assert result.mean == pytest.approx(float((full[k] - full[0]).mean()), abs=1e-12)
        assert result.low == pytest.approx(float(np.quantile(delta, alpha)), abs=1e-12)
        assert result.high == pytest.approx(float(np.quantile(delta, 1 - alpha)), abs=1e-12)


def test_result_does_not_depend_on_block_size(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    y_true = rng.integers(0, 5, 200)
    predictions = {
        name: np.where(rng.random((2, 200)) < 0.6, y_true, rng.integers(0, 5, (2, 200)))
        for name in ["none", "a", "b", "c"]
    }
    arguments = {"metric": "balanced_accuracy", "num_classes": 5, "n_boot": 37, "seed": 11}
    default = paired_differences(y_true, predictions, **arguments)
    default_intervals = bootstrap_intervals(y_true, predictions, **arguments)
    # 200 * 5 elements: one (strategy, seed) row and a few replicates per block
    monkeypatch.setattr(bootstrap, "BLOCK_ELEMENTS", 1000)
    assert paired_differences(y_true, predictions, **arguments) == default
    assert bootstrap_intervals(y_true, predictions, **arguments) == default_intervals
    monkeypatch.setattr(bootstrap, "BLOCK_ELEMENTS", 5000)
    assert paired_differences(y_true, predictions, **arguments) == default


def test_same_seed_same_result_other_seed_other_result() -> None:
    rng = np.random.default_rng(4)
    y_true = rng.integers(0, 3, 100)
    predictions = {name: rng.integers(0, 3, (2, 100)) for name in ["none", "a"]}
    first = paired_differences(y_true, predictions, num_classes=3, n_boot=50, seed=1)
    again = paired_differences(y_true, predictions, num_classes=3, n_boot=50, seed=1)
    other = paired_differences(y_true, predictions, num_classes=3, n_boot=50, seed=2)
    assert first == again
    assert (first["a"].low, first["a"].high) != (other["a"].low, other["a"].high)
    assert first["a"].mean == other["a"].mean  # the point estimate does not resample


@pytest.mark.parametrize("metric", METRICS)
def test_identical_strategy_has_zero_interval(metric: str) -> None:
    rng = np.random.default_rng(6)
    y_true = rng.integers(0, 3, 90)
    baseline = rng.integers(0, 3, (3, 90))
    result = paired_differences(
        y_true,
        {"none": baseline, "copy": baseline.copy()},
        metric=metric,
        num_classes=3,
        tail=[1],
        n_boot=100,
    )["copy"]
    assert (result.mean, result.low, result.high) == (0.0, 0.0, 0.0)
    assert not result.separable


def noisy_predictions(
    rng: np.random.Generator, y_true: np.ndarray, accuracy: float, shape: tuple[int, ...]
) -> np.ndarray:
    """Right with probability ``accuracy``, else a uniformly drawn wrong class (3 classes)."""
    wrong = (y_true + rng.integers(1, 3, shape)) % 3
    return np.where(rng.random(shape) < accuracy, y_true, wrong)


def test_clearly_better_strategy_is_separable() -> None:
    rng = np.random.default_rng(7)
    y_true = rng.choice(3, size=600, p=[0.7, 0.2, 0.1])
    predictions = {
        "none": noisy_predictions(rng, y_true, 0.55, (2, 600)),
        "better": noisy_predictions(rng, y_true, 0.85, (2, 600)),
    }
    result = paired_differences(y_true, predictions, num_classes=3, n_boot=300)["better"]
    assert result.separable
    assert 0 < result.low < result.mean < result.high
    # the known difference in expected balanced accuracy is 0.85 - 0.55
    assert result.low < 0.3 < result.high


def test_noise_only_difference_on_a_small_sample_is_not_separable() -> None:
    rng = np.random.default_rng(8)
    y_true = rng.integers(0, 3, 40)
    baseline = noisy_predictions(rng, y_true, 0.6, (1, 40))
    strategy = baseline.copy()
    right = np.flatnonzero(baseline[0] == y_true)
    wrong = np.flatnonzero(baseline[0] != y_true)
    strategy[0, right[:2]] = (y_true[right[:2]] + 1) % 3  # breaks two samples
    strategy[0, wrong[:2]] = y_true[wrong[:2]]  # fixes two others
    result = paired_differences(
        y_true, {"none": baseline, "noise": strategy}, metric="accuracy", num_classes=3
    )["noise"]
    assert result.mean == 0.0  # two fixed, two broken
    assert result.low < 0 < result.high
    assert not result.separable


def test_intervals_cover_the_true_difference() -> None:
    # Class counts are fixed, so the expected balanced accuracy is the mean over classes of the
    # probability of a right answer, and the true difference is known exactly.
    rng = np.random.default_rng(9)
    counts = [80, 40, 20]
    y_true = np.repeat([0, 1, 2], counts)
    right_none = np.repeat([0.9, 0.6, 0.4], counts)
    right_strategy = np.repeat([0.85, 0.7, 0.6], counts)
    true_difference = np.mean([0.85 - 0.9, 0.7 - 0.6, 0.6 - 0.4])
    trials, covered = 200, 0
    for trial in range(trials):
        u = rng.random(len(y_true))  # shared: the two strategies err on related samples
        wrong = (y_true + rng.integers(1, 3, len(y_true))) % 3
        predictions = {
            "none": np.where(u < right_none, y_true, wrong)[None, :],
            "strategy": np.where(u < right_strategy, y_true, wrong)[None, :],
        }
        result = paired_differences(y_true, predictions, num_classes=3, n_boot=200, seed=trial)[
            "strategy"
        ]
        covered += result.low <= true_difference <= result.high
    assert 0.90 <= covered / trials <= 0.99


def test_pairing_narrows_the_interval_for_correlated_predictions() -> None:
    rng = np.random.default_rng(10)
    n = 400
    y_true = rng.integers(0, 3, n)
    baseline = noisy_predictions(rng, y_true, 0.7, (n,))
    strategy = baseline.copy()
    wrong = np.flatnonzero(baseline != y_true)[:10]
    strategy[wrong] = y_true[wrong]  # fixes ten samples, otherwise identical
    paired = paired_differences(
        y_true,
        {"none": baseline[None, :], "strategy": strategy[None, :]},
        metric="accuracy",
        num_classes=3,
        n_boot=500,
    )["strategy"]
    # unpaired: each strategy's accuracy resampled with its own, independent draws
    draws = rng.integers(0, n, size=(2, 500, n))
    accuracy_strategy = (strategy[draws[0]] == y_true[draws[0]]).mean(axis=1)
    accuracy_none = (baseline[draws[1]] == y_true[draws[1]]).mean(axis=1)
    low, high = np.quantile(accuracy_strategy - accuracy_none, [0.025, 0.975])
    assert paired.mean == pytest.approx(10 / n, abs=1e-12)
    assert paired.separable
    assert paired.high - paired.low < 0.5 * (high - low)


def test_disagreeing_seeds_widen_the_interval() -> None:
    rng = np.random.default_rng(11)
    n = 300
    y_true = rng.integers(0, 3, n)
    baseline = noisy_predictions(rng, y_true, 0.7, (3, n))
    strategy = np.stack([noisy_predictions(rng, y_true, p, (n,)) for p in (0.95, 0.6, 0.8)])
    three = paired_differences(
        y_true, {"none": baseline, "s": strategy}, num_classes=3, n_boot=400
    )["s"]
    one = paired_differences(
        y_true, {"none": baseline[:1], "s": strategy[:1]}, num_classes=3, n_boot=400
    )["s"]
    assert (three.seeds, one.seeds) == (3, 1)
    assert three.high - three.low > 2 * (one.high - one.low)


def test_bootstrap_intervals_single_seed_point_is_the_sklearn_metric() -> None:
    rng = np.random.default_rng(12)
    y_true = rng.integers(0, 4, 120)
    pred = rng.integers(0, 4, (1, 120))
    result = bootstrap_intervals(y_true, {"none": pred}, metric="mcc", num_classes=4, n_boot=100)
    interval = result["none"]
    assert interval.mean == pytest.approx(matthews_corrcoef(y_true, pred[0]), abs=1e-12)
    assert interval.low <= interval.high
    assert (interval.seeds, interval.samples) == (1, 120)


def test_result_types() -> None:
    d = PairedDifference("a", "none", mean=-0.1, low=-0.2, high=-0.05, seeds=2, samples=10)
    assert d.separable
    assert d.to_dict() == {
        "strategy": "a",
        "baseline": "none",
        "mean": -0.1,
        "low": -0.2,
        "high": -0.05,
        "seeds": 2,
        "samples": 10,
        "separable": True,
    }
    assert not PairedDifference("a", "none", 0.1, -0.01, 0.2, 1, 10).separable
    assert not PairedDifference("a", "none", 0.1, 0.0, 0.2, 1, 10).separable  # 0 is inside
    interval = Interval(mean=0.5, low=0.4, high=0.6, seeds=1, samples=10)
    assert interval.to_dict() == {"mean": 0.5, "low": 0.4, "high": 0.6, "seeds": 1, "samples": 10}


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------

Y = np.array([0, 1, 2, 0, 1, 2])
PRED = np.array([[0, 1, 2, 0, 1, 1]])


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        (
            {"predictions": {"none": PRED, "a": PRED[:, :5]}},
            ValueError,
            r"predictions\['a'\] has shape \(1, 5\)",
        ),
        ({"predictions": {"none": PRED, "a": PRED[0]}}, ValueError, r"use pred\[None, :\]"),
        ({"y_true": Y[None, :]}, ValueError, r"y_true has shape \(1, 6\)"),
        ({"y_true": Y[:0]}, ValueError, r"y_true has shape \(0,\)"),
        ({"y_true": Y + 1}, ValueError, r"y_true holds class 3, outside \[0, 3\)"),
        (
            {"predictions": {"none": PRED, "a": -PRED}},
            ValueError,
            r"predictions\['a'\] holds class -2",
        ),
        (
            {"predictions": {"none": PRED, "a": PRED * 1.0}},
            TypeError,
            r"predictions\['a'\] must hold integer",
        ),
        (
            {"predictions": {"a": PRED}},
            ValueError,
            r"baseline='none' is not in predictions \(strategies: 'a'\)",
        ),
        (
            {"predictions": {"none": PRED, "a": np.vstack([PRED, PRED])}},
            ValueError,
            "has 2 seeds but",
        ),
        ({"predictions": {}}, ValueError, "non-empty mapping"),
        (
            {"confidence": 1.0},
            ValueError,
            r"confidence=1.0 is out of range; it must lie in \(0, 1\)",
        ),
        ({"confidence": 0}, ValueError, r"confidence=0 is out of range"),
        ({"n_boot": 0}, ValueError, r"n_boot=0 is out of range; it must lie in \[1, inf\]"),
        ({"n_boot": 2.5}, ValueError, "n_boot=2.5 must be a whole number"),
        (
            {"metric": "auc"},
            ValueError,
            r"metric='auc' is not supported; use one of 'balanced_accuracy'",
        ),
        ({"metric": "tail_recall"}, ValueError, r"tail=\(\) is empty"),
        ({"tail": [3]}, ValueError, r"tail=\[3\] holds class 3, outside \[0, 3\)"),
        ({"tail": [1, 1]}, ValueError, "repeats a class"),
        ({"num_classes": 0}, ValueError, r"num_classes=0 is out of range"),
        ({"seed": -1}, ValueError, r"seed=-1 is out of range"),
    ],
)
def test_errors(arguments: dict, error: type[Exception], match: str) -> None:
    call = {"y_true": Y, "predictions": {"none": PRED, "a": PRED}, "num_classes": 3, "n_boot": 5}
    call.update(arguments)
    with pytest.raises(error, match=match):
        paired_differences(**call)


def test_tail_class_absent_from_y_true_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"tail class\(es\) \[3\] do not occur in y_true"):
        bootstrap_intervals(
            Y, {"none": PRED}, metric="tail_recall", num_classes=4, tail=[2, 3], n_boot=5
        )


def test_confusion_matrices_errors() -> None:
    with pytest.raises(ValueError, match=r"y_pred has shape \(2, 5\) but y_true has 6 samples"):
        confusion_matrices(Y, np.zeros((2, 5), dtype=int), 3)
    with pytest.raises(ValueError, match=r"y_pred holds class 7, outside \[0, 3\)"):
        confusion_matrices(Y, np.array([0, 0, 0, 0, 0, 7]), 3)
    with pytest.raises(TypeError, match="y_true must hold integer class indices"):
        confusion_matrices(Y.astype(float), Y, 3)


def test_one_bootstrap_gives_both_intervals_and_differences() -> None:
    """intervals_and_differences equals the two separate calls, draw for draw."""
    from keras_imbalance.comparison.scoring.statistics import intervals_and_differences

    rng = np.random.default_rng(7)
    y = rng.integers(0, 3, 120)
    predictions = {name: rng.integers(0, 3, (2, 120)) for name in ("none", "a", "b")}
    kwargs = {"metric": "macro_f1", "num_classes": 3, "n_boot": 300, "seed": 4}
    intervals, differences = intervals_and_differences(y, predictions, baseline="none", **kwargs)
    assert intervals == bootstrap_intervals(y, predictions, **kwargs)
    assert differences == paired_differences(y, predictions, baseline="none", **kwargs)
    assert intervals_and_differences(y, predictions, baseline=None, **kwargs)[1] == {}


def test_bootstrap_options_are_keyword_only_with_one_set_of_defaults() -> None:
    with pytest.raises(TypeError, match="positional"):
        paired_differences(Y, {"none": PRED, "a": PRED}, 3)  # type: ignore[misc]
    default = bootstrap_intervals(Y, {"none": PRED}, num_classes=3, n_boot=20)
    explicit = bootstrap_intervals(
        Y,
        {"none": PRED},
        num_classes=3,
        n_boot=20,
        metric="balanced_accuracy",
        tail=(),
        confidence=0.95,
        seed=0,
    )
    assert default == explicit
    assert default["none"].mean == pytest.approx(balanced_accuracy_score(Y, PRED[0]), abs=1e-12)
