"""Operating points of binary problems: thresholds chosen on validation only, costs, metrics."""

from __future__ import annotations

import itertools
import math

import keras
import numpy as np
import pytest
from sklearn import metrics as skm

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.result import Comparison
from keras_imbalance.comparison.run_record import decode_scores
from keras_imbalance.comparison.scoring.costs import (
    bayes_decision,
    check_costs,
    cost_scope,
    expected_cost,
    parse_costs,
)
from keras_imbalance.comparison.scoring.operating_points import (
    choose_threshold,
    logit_score,
    positive_scores,
    precision_threshold,
    threshold_confusions,
)
from keras_imbalance.comparison.scoring.scores import (
    confusion_matrices,
    greater_is_better,
    metric_from_confusion,
)
from keras_imbalance.comparison.verdict import _rank, choose_params

COSTS = np.array([[0.0, 1.0], [20.0, 0.0]])


def _reference(metric: str, y: np.ndarray, predicted: np.ndarray) -> float:
    """The metric from scikit-learn (or by hand for the cost), independent of the code tested."""
    if metric == "f1":
        return float(skm.f1_score(y, predicted, zero_division=0))
    if metric == "balanced_accuracy":
        return float(skm.balanced_accuracy_score(y, predicted))
    if metric == "mcc":
        return float(skm.matthews_corrcoef(y, predicted))
    if metric == "expected_cost":
        fn = np.sum((y == 1) & (predicted == 0))
        fp = np.sum((y == 0) & (predicted == 1))
        return float((20 * fn + fp) / len(y))
    raise AssertionError(metric)


def _brute_force(metric: str, y: np.ndarray, p: np.ndarray) -> float:
    """Every distinct score tried in a loop; the best value, ties to the highest threshold."""
    best_t, best_v = math.nan, -math.inf
    sign = 1.0 if greater_is_better(metric) else -1.0
    for t in sorted(set(p.tolist()), reverse=True):
        value = sign * _reference(metric, y, (p >= t).astype(int))
        if value > best_v + 1e-12:
            best_t, best_v = t, value
    return best_t


@pytest.mark.parametrize("metric", ["f1", "balanced_accuracy", "mcc", "expected_cost"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_threshold_equals_a_brute_force_search(metric: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = (rng.random(60) < 0.25).astype(int)
    y[:2] = [0, 1]
    # rounded scores: many ties, so the run-length handling is exercised
    p = np.round(np.clip(0.3 * y + rng.random(60) * 0.7, 0, 1), 1)
    with cost_scope(COSTS):
        chosen = choose_threshold(y, p, metric)
    assert chosen == _brute_force(metric, y, p)


def test_ties_go_to_the_highest_threshold() -> None:
    y = np.array([0, 1, 0, 1])
    p = np.array([0.1, 0.9, 0.5, 0.95])
    # t = 0.9 and t = 0.95 ... 0.9 separates perfectly; 0.5 adds a false positive
    assert choose_threshold(y, p, "balanced_accuracy") == 0.9
    y2 = np.array([1, 0, 1, 0])  # t=0.8 and t=0.2 both give balanced accuracy 0.5
    assert choose_threshold(y2, np.array([0.8, 0.6, 0.4, 0.2]), "balanced_accuracy") == 0.8


def test_confusions_at_every_threshold_match_sklearn() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 40)
    p = np.round(rng.random(40), 1)
    thresholds, confusions = threshold_confusions(y, p)
    assert np.all(np.diff(thresholds) < 0)
    for t, m in zip(thresholds, confusions, strict=True):
        expected = skm.confusion_matrix(y, (p >= t).astype(int), labels=[0, 1])
        np.testing.assert_array_equal(m, expected)


def test_precision_threshold_is_the_lowest_reaching_the_precision() -> None:
    rng = np.random.default_rng(4)
    y = (rng.random(80) < 0.3).astype(int)
    p = np.round(0.4 * y + 0.6 * rng.random(80), 2)
    for wanted in (0.5, 0.7, 0.9):
        reached = [
            t
            for t in sorted(set(p.tolist()))
            if skm.precision_score(y, (p >= t).astype(int), zero_division=0) >= wanted
        ]
        assert reached, wanted
        assert precision_threshold(y, p, wanted) == reached[0]
    # none reaches it: the threshold of the highest precision (1/2 at 0.8 and 0.6: the higher)
    y = np.array([0, 1, 0, 1, 0])
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    assert precision_threshold(y, p, 0.9) == 0.8
    with pytest.raises(ValueError, match="min_precision"):
        precision_threshold(y, p, 1.5)


def test_expected_cost_by_hand_and_the_bayes_decision() -> None:
    m = np.array([[50, 5], [3, 12]])
    assert float(expected_cost(m, COSTS)) == pytest.approx((5 * 1 + 3 * 20) / 70)
    with cost_scope(COSTS):
        assert float(metric_from_confusion(m, "expected_cost")) == pytest.approx(65 / 70)
    with pytest.raises(ValueError, match="needs costs"):
        metric_from_confusion(m, "expected_cost")
    three = np.array([[0, 1, 4], [2, 0, 1], [9, 9, 0]], dtype=float)
    p = np.random.default_rng(0).dirichlet(np.ones(3), size=20)
    expected = [
        int(np.argmin([sum(row[i] * three[i, j] for i in range(3)) for j in range(3)])) for row in p
    ]
    assert bayes_decision(p, three).tolist() == expected


def test_f1_and_recall_at_precision_are_of_the_positive_class() -> None:
    y = np.array([0, 0, 0, 1, 1, 1, 1])
    pred = np.array([0, 1, 0, 1, 1, 0, 0])
    m = confusion_matrices(y, pred, 2)
    assert float(metric_from_confusion(m, "f1")) == pytest.approx(skm.f1_score(y, pred))
    assert float(metric_from_confusion(m, "recall_at_precision")) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="binary problems"):
        metric_from_confusion(confusion_matrices(np.array([0, 1, 2]), np.array([0, 1, 2]), 3), "f1")


def test_logit_score_of_the_score_metrics() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 50)
    logits = rng.normal(size=(50, 2)) + y[:, None] * np.array([0.0, 1.0])
    p = positive_scores(logits)
    np.testing.assert_allclose(p, np.exp(logits[:, 1]) / np.exp(logits).sum(axis=1))
    assert logit_score(y, logits, "roc_auc", 2, ()) == pytest.approx(skm.roc_auc_score(y, p))
    assert logit_score(y, logits, "average_precision", 2, ()) == pytest.approx(
        skm.average_precision_score(y, p)
    )
    # expected_cost at the argmax, lower is better
    cost = logit_score(y, logits, "expected_cost", 2, (), costs=COSTS.tolist())
    assert cost == pytest.approx(_reference("expected_cost", y, logits.argmax(axis=1)))


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"fn": 1}, "exactly the keys"),
        ({"fn": -1, "fp": 1}, "finite number >= 0"),
        ({"fn": 0, "fp": 0}, "all 0"),
        ([[0, 1], [1]], "cost_matrix"),
        ([[0, -1], [1, 0]], ">= 0"),
    ],
)
def test_costs_are_checked(given: object, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        check_costs(given)


def test_costs_parse_from_text() -> None:
    assert parse_costs("fn=20,fp=1") == {"fn": 20.0, "fp": 1.0}
    assert parse_costs("0,1;5,0") == [[0.0, 1.0], [5.0, 0.0]]
    with pytest.raises(ValueError, match="--costs 'fn=a'"):
        parse_costs("fn=a")
    with pytest.raises(ValueError, match="3 classes"):
        check_costs({"fn": 1, "fp": 1}, num_classes=3)


def _run(strategy: str, params: dict[str, float], seed: int, cost: float) -> dict[str, object]:
    return {
        "strategy": strategy,
        "params": params,
        "seed": seed,
        "chosen": False,
        "validation": {"expected_cost": cost},
    }


def test_a_lower_cost_wins_the_knobs_and_the_rank() -> None:
    runs = [
        _run("a", {"k": k}, s, c) for (k, c), s in itertools.product([(1, 0.5), (2, 0.2)], [0, 1])
    ]
    choose_params(runs, ["a"], "expected_cost")
    assert {r["params"]["k"] for r in runs if r["chosen"]} == {2}
    rows = [
        {"strategy": s, "diverged": False, "validation": {"mean": {"expected_cost": v}}}
        for s, v in [("none", 0.9), ("b", 0.3), ("c", 0.6)]
    ]
    _rank(rows, "expected_cost")
    assert [r["strategy"] for r in rows] == ["b", "c", "none"]


# --- compare, tiny binary data ------------------------------------------------------------


def mlp(input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    inputs = keras.Input(input_shape)
    hidden = keras.layers.Dense(6, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(num_classes)(hidden))


def binary_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], [150, 40])
    x = (rng.normal(size=(y.size, 3)) + np.eye(2, 3)[y] * 1.5).astype("float32")
    return x, y


def _split(seed: int, test_flip: bool) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    x, y = binary_data(seed)
    order = np.random.default_rng(1).permutation(len(y))
    x, y = x[order], y[order]
    train, val, test = (slice(0, 110), slice(110, 150), slice(150, 190))
    y_test = y[test].copy()
    if test_flip:
        y_test = 1 - y_test
    return (x[train], y[train]), (x[val], y[val]), (x[test], y_test)


FAST = {"model": mlp, "epochs": 1, "seeds": [0, 1], "n_boot": 50, "refit": False}
STRATEGIES = ["none", "balanced", "posthoc", "threshold"]


@pytest.fixture(scope="module")
def two_compares() -> tuple[object, object]:
    results = []
    for flip in (False, True):
        train, val, test = _split(0, flip)
        results.append(
            compare(
                (train, test),
                STRATEGIES,
                validation_data=val,
                metric="f1",
                grids={"posthoc": {"tau": [0.0, 1.0]}},
                **FAST,
            )
        )
    return results[0], results[1]


def _choices(result: object) -> tuple[object, ...]:
    runs = result.runs  # type: ignore[attr-defined]
    thresholds = [(r["strategy"], r["seed"], r["params"], r.get("threshold")) for r in runs]
    chosen = [(r["strategy"], r["seed"], r["params"]) for r in runs if r["chosen"]]
    ranking = [row["strategy"] for row in result.rows]  # type: ignore[attr-defined]
    return thresholds, chosen, ranking


def test_the_test_split_chooses_nothing(two_compares: tuple[object, object]) -> None:
    first, second = two_compares
    assert _choices(first) == _choices(second)
    # while the test scores do differ
    assert first.rows[0]["test"]["mean"]["f1"] != second.rows[0]["test"]["mean"]["f1"]


def test_thresholds_are_chosen_on_each_runs_validation_scores(
    two_compares: tuple[object, object],
) -> None:
    result = two_compares[0]
    _, (_, y_val), (_, y_test) = _split(0, False)
    for run in result.runs:
        p_val = decode_scores(run["scores"]["validation"])
        if run["strategy"] == "none":
            assert run["threshold"] == 0.5
        else:
            assert run["threshold"] == _brute_force("f1", y_val, p_val)
        p_test = decode_scores(run["scores"]["test"])
        predicted = (p_test >= run["threshold"]).astype(int)
        assert run["predictions"]["test"] == predicted.tolist()
        assert run["test"]["f1"] == pytest.approx(skm.f1_score(y_test, predicted, zero_division=0))
        assert run["test"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y_test, p_test), abs=1e-6)
        at = run["at_precision"]
        assert at["threshold"] == precision_threshold(y_val, p_val, 0.9)
        reached = (p_test >= at["threshold"]).astype(int)
        assert run["test"]["recall_at_precision"] == pytest.approx(
            skm.recall_score(y_test, reached, zero_division=0)
        )


def test_threshold_reuses_the_none_model(two_compares: tuple[object, object]) -> None:
    result = two_compares[0]
    by = {(r["strategy"], r["seed"]): r for r in result.runs}
    for seed in (0, 1):
        for split in ("validation", "test"):
            # the none model's logits, through its frozen features (float32 rounding apart)
            np.testing.assert_allclose(
                decode_scores(by["threshold", seed]["scores"][split]),
                decode_scores(by["none", seed]["scores"][split]),
                rtol=1e-6,
            )
    row = result.row("threshold")
    assert row["params"] == {"threshold": pytest.approx(float(np.median(row["threshold"])))}


def test_results_json_round_trip_keeps_the_thresholds(two_compares: tuple[object, object]) -> None:
    result = two_compares[0]
    again = Comparison.from_dict(result.to_dict())
    assert [r["threshold"] for r in again.runs] == [r["threshold"] for r in result.runs]
    assert again.settings["min_precision"] == 0.9 and again.settings["costs"] is None


def test_binary_only_metrics_and_threshold_are_refused_on_three_classes() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [40, 30, 30])
    x = rng.normal(size=(100, 3)).astype("float32")
    with pytest.raises(ValueError, match="metric='average_precision' is for binary problems"):
        compare((x, y), ["none"], metric="average_precision", **FAST)
    with pytest.raises(ValueError, match="strategies holds 'threshold'"):
        compare((x, y), ["none", "threshold"], **FAST)
    with pytest.raises(ValueError, match="2 x 2 cost matrix"):
        compare((x, y), ["none"], costs={"fn": 2, "fp": 1}, **FAST)
    with pytest.raises(ValueError, match="needs costs"):
        compare((x, y), ["none"], metric="expected_cost", **FAST)


def test_threshold_trains_nothing_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    fits: list[int] = []
    original = keras.Model.fit

    def counted(self: keras.Model, *args: object, **kwargs: object) -> object:
        fits.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", counted)
    train, val, test = _split(0, False)
    counts = []
    for strategies in (["none"], ["none", "threshold"]):
        fits.clear()
        options = {**FAST, "seeds": [0]}
        compare((train, test), strategies, validation_data=val, **options)
        counts.append(len(fits))
    assert counts[0] == counts[1] > 0


def test_the_report_shows_the_operating_points_and_the_recipe_the_threshold(
    two_compares: tuple[object, object],
) -> None:
    import dataclasses

    result = two_compares[0]
    text = result.to_markdown()
    assert "**Operating points** (positive class '1'" in text
    row = result.row("balanced")
    median = float(np.median(row["threshold"]))
    assert f"| balanced | {median:.3f} |" in text
    as_best = dataclasses.replace(result, best="balanced")
    assert f"threshold = {round(median, 6)!r}" in as_best.recipe()
    assert "threshold = " not in dataclasses.replace(result, best=None).recipe()


def test_the_final_model_is_scored_at_the_median_threshold() -> None:
    from types import SimpleNamespace

    from keras_imbalance.comparison.refit import _score

    y = np.array([0, 0, 1, 1, 1])
    logits = np.array([[0.0, -2.0], [0.0, -0.5], [0.0, -0.2], [0.0, 1.0], [0.0, -3.0]])
    plan = SimpleNamespace(
        splits=SimpleNamespace(y_test=y, num_classes=2),
        recipe=SimpleNamespace(tail=[1], costs=None),
    )
    at_argmax, _ = _score(plan, logits)  # type: ignore[arg-type]
    at_threshold, recall = _score(plan, logits, 0.4)  # type: ignore[arg-type]
    predicted = (positive_scores(logits) >= 0.4).astype(int)  # [0, 1, 1, 1, 0]
    assert recall[1] == pytest.approx(skm.recall_score(y, predicted))
    assert at_threshold["f1"] == pytest.approx(skm.f1_score(y, predicted))
    assert at_argmax["f1"] == pytest.approx(skm.f1_score(y, logits.argmax(axis=1)))


def test_a_resume_keeps_the_scores_and_thresholds(tmp_path: object) -> None:
    train, val, test = _split(0, False)
    options = {**FAST, "seeds": [0], "output": tmp_path}
    first = compare((train, test), ["none", "threshold"], validation_data=val, **options)
    again = compare((train, test), ["none", "threshold"], validation_data=val, **options)
    assert again.settings["runs_trained"] == 0
    assert [r["threshold"] for r in again.runs] == [r["threshold"] for r in first.runs]
    assert [r["scores"] for r in again.runs] == [r["scores"] for r in first.runs]


def test_a_two_segment_run_keeps_the_lower_cost() -> None:
    from keras_imbalance.comparison.run.training import RunOutput
    from keras_imbalance.comparison.rungs import merge_outputs

    before = RunOutput(np.zeros((1, 2)), np.zeros((1, 2)), 2, {"val_expected_cost": [0.5, 0.4]})
    after = RunOutput(np.ones((1, 2)), np.ones((1, 2)), 3, {"val_expected_cost": [0.45, 0.3]})
    assert merge_outputs(before, after, "best").best_epoch == 3
    worse = RunOutput(np.ones((1, 2)), np.ones((1, 2)), 3, {"val_expected_cost": [0.45, 0.6]})
    assert merge_outputs(before, worse, "best").best_epoch == 2


def test_costs_choose_epochs_and_rank_by_the_lower_cost() -> None:
    train, val, test = _split(0, False)
    result = compare(
        (train, test),
        ["none", "threshold"],
        validation_data=val,
        costs={"fn": 10, "fp": 1},
        **{**FAST, "epochs": 3, "seeds": [0]},
    )
    assert result.metric == "expected_cost"
    assert result.settings["costs"] == [[0.0, 1.0], [10.0, 0.0]]
    for run in result.runs:
        if run["strategy"] == "none":  # the kept epoch has the lowest validation cost
            curve = run["history"]["val_expected_cost"]
            assert run["best_epoch"] == int(np.argmin(curve)) + 1
    means = [row["validation"]["mean"]["expected_cost"] for row in result.rows]
    assert means == sorted(means)


def test_cross_validation_moves_thresholds_and_ranks_costs() -> None:
    x, y = binary_data(1)
    x, y = x[:120], np.r_[np.zeros(100, int), np.ones(20, int)]
    result = compare(
        (x, y),
        cv=2,
        costs={"fn": 5, "fp": 1},
        **{**FAST, "seeds": [0]},
        strategies=["none", "balanced"],
    )
    assert result.metric == "expected_cost" and result.settings["selection"]["scheme"] != "holdout"
    assert not any("not moved" in note for note in result.notes)
    chosen = [r for r in result.runs if r["chosen"]]
    assert {r["threshold"] for r in chosen if r["strategy"] == "none"} == {0.5}
    assert all("threshold" in r and "scores" in r for r in chosen)
    means = [row["validation"]["mean"]["expected_cost"] for row in result.rows]
    assert means == sorted(means)


def test_halving_ranks_binary_runs_by_a_score_metric() -> None:
    train, val, test = _split(0, False)
    result = compare(
        (train, test),
        ["none", "logit_adjusted"],
        validation_data=val,
        metric="average_precision",
        grids={"logit_adjusted": {"tau": [0.5, 1.0, 2.0]}},
        halving=True,
        **{**FAST, "epochs": 2, "seeds": [0]},
    )
    stopped = result.settings["halving"]["stopped"]
    assert stopped and all(math.isfinite(s["validation"]) for s in stopped)
    for row in result.rows:
        assert 0.0 <= row["validation"]["mean"]["average_precision"] <= 1.0


def test_costs_on_three_classes_rank_by_expected_cost() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [60, 30, 20])
    x = (rng.normal(size=(y.size, 3)) + np.eye(3)[y] * 2).astype("float32")
    cost = [[0, 1, 1], [5, 0, 1], [10, 1, 0]]
    result = compare((x, y), ["none", "balanced"], costs=cost, cv=None, **{**FAST, "seeds": [0]})
    assert result.metric == "expected_cost"
    counts = result.splits["validation"]["counts"]
    labels = np.repeat(np.arange(3), counts)
    for run in result.runs:  # the stored cost is that of the stored predictions
        predicted = np.asarray(run["predictions"]["validation"])
        by_hand = np.mean(np.asarray(cost)[labels, predicted])
        assert run["validation"]["expected_cost"] == pytest.approx(by_hand)
        assert "threshold" not in run
    means = [row["validation"]["mean"]["expected_cost"] for row in result.rows]
    assert means == sorted(means)


def test_the_verdict_confirms_a_lower_cost_as_a_saving() -> None:
    from keras_imbalance.comparison.run_record import add_split_scores
    from keras_imbalance.comparison.verdict import ScoredSplits, summarize

    y = np.repeat([0, 1], [300, 60])
    labels = ScoredSplits(y, y, ["neg", "pos"])
    rng = np.random.default_rng(0)

    def run(strategy: str, seed: int, miss: float) -> dict[str, object]:
        record: dict[str, object] = {"strategy": strategy, "seed": seed, "params": {}}
        record.update(chosen=True, diverged=False, best_epoch=1)
        for split in ("validation", "test"):
            predicted = y.copy()
            predicted[(y == 1) & (rng.random(y.size) < miss)] = 0  # missed positives
            add_split_scores(record, split, y, predicted, 2, [1], costs=COSTS)
        return record

    runs = [run("none", s, 0.6) for s in (0, 1)] + [run("b", s, 0.1) for s in (0, 1)]
    with cost_scope(COSTS):
        rows, best, verdict, _ = summarize(
            runs, ["none", "b"], metric="expected_cost", labels=labels, tail=[1], n_boot=200
        )
    assert best == "b" and rows[0]["strategy"] == "b"
    saving = rows[0]["vs_none"]["test"]
    cost = {row["strategy"]: row["test"]["mean"]["expected_cost"] for row in rows}
    assert saving["mean"] == pytest.approx(cost["none"] - cost["b"]) and saving["low"] > 0
    assert "expected_cost saved (lower cost)" in verdict
