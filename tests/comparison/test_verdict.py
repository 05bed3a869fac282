"""The verdict from run records: divergence, ties at the top, and splits too small per class."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.scores import METRICS, confusion_matrices, metric_from_confusion
from keras_imbalance.comparison.verdict import (
    FEW_SAMPLES,
    ScoredSplits,
    choose_params,
    few_samples_notes,
    summarize,
)

Y_VAL = np.repeat([0, 1, 2], [20, 12, 10])
Y_TEST = np.repeat([0, 1, 2], [20, 12, 10])
LABELS = ScoredSplits(Y_VAL, Y_TEST, ["a", "b", "c"])


def record(strategy: str, seed: int, predicted: dict[str, np.ndarray] | None) -> dict:
    """A run record as ``session.score_run`` writes it; ``predicted=None`` is a diverged run."""
    run: dict = {"strategy": strategy, "seed": seed, "params": {}, "chosen": False}
    run["best_epoch"], run["diverged"] = 1, predicted is None
    run["per_class_recall"], run["predictions"] = {}, {}
    for split, y in (("validation", Y_VAL), ("test", Y_TEST)):
        pred = np.zeros(len(y), dtype=int) if predicted is None else predicted[split]
        confusion = confusion_matrices(y, pred, 3)
        run[split] = {
            m: math.nan
            if predicted is None
            else float(metric_from_confusion(confusion, m, tail=[2]))
            for m in METRICS
        }
        recall = np.diag(confusion) / confusion.sum(axis=1)
        run["per_class_recall"][split] = [math.nan if predicted is None else r for r in recall]
        run["predictions"][split] = pred.tolist()
    return run


def flipped(y: np.ndarray, wrong: int) -> np.ndarray:
    """``y`` with its first ``wrong`` samples predicted as the next class."""
    pred = y.copy()
    pred[:wrong] = (pred[:wrong] + 1) % 3
    return pred


def verdict_of(runs: list[dict], strategies: list[str]) -> tuple:
    choose_params(runs, strategies, "balanced_accuracy")
    return summarize(
        runs, strategies, metric="balanced_accuracy", labels=LABELS, tail=[2], n_boot=50
    )


def good(wrong: int = 2) -> dict[str, np.ndarray]:
    return {"validation": flipped(Y_VAL, wrong), "test": flipped(Y_TEST, wrong)}


def test_every_strategy_diverged_gives_that_verdict() -> None:
    runs = [record(s, seed, None) for seed in (0, 1) for s in ("none", "focal")]
    rows, best, verdict, notes = verdict_of(runs, ["none", "focal"])
    assert best is None
    assert verdict.startswith("Every strategy diverged") and "none and focal" in verdict
    assert all(row["diverged"] and row["test"]["interval"] is None for row in rows)
    assert any("Diverged" in note and "none, focal" in note for note in notes)


def test_none_alone_diverged_names_it() -> None:
    runs = [record("none", s, None) for s in (0, 1)] + [record("focal", s, good()) for s in (0, 1)]
    rows, best, verdict, _ = verdict_of(runs, ["none", "focal"])
    assert best is None
    assert "('none') diverged" in verdict and "focal ranks first" in verdict
    assert [row["strategy"] for row in rows] == ["focal", "none"]
    assert rows[0]["vs_none"] == {"validation": None, "test": None}


def test_one_remedy_diverged_is_ranked_last_and_noted() -> None:
    runs = [record("none", s, good(4)) for s in (0, 1)] + [record("drw", s, None) for s in (0, 1)]
    rows, best, verdict, notes = verdict_of(runs, ["none", "drw"])
    assert best is None
    assert [row["strategy"] for row in rows] == ["none", "drw"]
    assert verdict.startswith("No remedy beat plain cross-entropy")
    assert any("Diverged" in note and "drw" in note for note in notes)


def test_a_tie_at_the_top_is_named_and_broken_by_plan_order() -> None:
    # focal and log predict exactly like each other; none is worse.
    runs = [
        record(name, seed, good(wrong))
        for seed in (0, 1)
        for name, wrong in (("none", 8), ("focal", 1), ("log", 1))
    ]
    rows, _, verdict, _ = verdict_of(runs, ["none", "focal", "log"])
    value = rows[0]["validation"]["mean"]["balanced_accuracy"]
    expected = balanced_accuracy_score(Y_VAL, flipped(Y_VAL, 1))  # (19/20 + 1 + 1) / 3
    assert value == pytest.approx(expected)
    assert [row["strategy"] for row in rows] == ["focal", "log", "none"]
    assert f"focal and log tie on validation balanced_accuracy at {expected:.3f}" in verdict
    assert "focal is listed first because ties keep the order of the strategies" in verdict
    # the same runs with the strategies given the other way round: log first
    for run in runs:
        run["chosen"] = False
    rows, _, verdict, _ = verdict_of(runs, ["none", "log", "focal"])
    assert [row["strategy"] for row in rows][:2] == ["log", "focal"]
    assert "log and focal tie" in verdict


def test_no_tie_sentence_without_a_tie() -> None:
    runs = [
        record(name, seed, good(wrong))
        for seed in (0, 1)
        for name, wrong in (("none", 8), ("focal", 1))
    ]
    _, _, verdict, _ = verdict_of(runs, ["none", "focal"])
    assert "tie" not in verdict


def test_few_samples_per_class_are_named_with_their_counts() -> None:
    y_val = np.repeat([0, 1, 2], [30, 2, 9])
    y_test = np.repeat([0, 1, 2], [30, 12, 10])
    notes = few_samples_notes(ScoredSplits(y_val, y_test, ["a", "b", "c"]))
    assert len(notes) == 1
    assert notes[0].startswith(f"The validation split holds fewer than {FEW_SAMPLES} samples")
    assert "'b' (2), 'c' (9)" in notes[0] and "'a'" not in notes[0]
    assert few_samples_notes(ScoredSplits(y_test, y_test, ["a", "b", "c"])) == []
    both = few_samples_notes(ScoredSplits(y_val, y_val, ["a", "b", "c"]))
    assert [n.split(" split")[0] for n in both] == ["The validation", "The test"]


def test_a_tiny_validation_share_is_noted_by_compare() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [60, 40])
    x = (rng.normal(size=(100, 3)) + y[:, None]).astype("float32")

    def mlp(shape: tuple[int, ...], classes: int) -> keras.Model:
        inputs = keras.Input(shape)
        return keras.Model(inputs, keras.layers.Dense(classes)(inputs))

    result = compare(
        (x, y), ["none"], model=mlp, epochs=1, seeds=[0], validation_size=0.01, n_boot=20
    )
    assert result.splits["validation"]["counts"] == [1, 1]
    assert any("validation split holds fewer than" in n and "'0' (1)" in n for n in result.notes)
    assert result.to_markdown().count("validation split holds fewer than") == 1


def test_compare_whose_every_run_diverges_says_so() -> None:
    def nan_model(shape: tuple[int, ...], classes: int) -> keras.Model:
        inputs = keras.Input(shape)
        nan = keras.initializers.Constant(float("nan"))
        return keras.Model(inputs, keras.layers.Dense(classes, kernel_initializer=nan)(inputs))

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [40, 30])
    x = (rng.normal(size=(70, 3)) + y[:, None]).astype("float32")
    result = compare((x, y), ["none", "balanced", "posthoc"], model=nan_model, epochs=1, seeds=[0])
    assert result.best is None
    assert result.verdict.startswith("Every strategy diverged")
    assert all(run["diverged"] for run in result.runs)
