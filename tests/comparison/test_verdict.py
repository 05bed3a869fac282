"""The verdict from run records: divergence, ties at the top, and splits too small per class."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.scoring.scores import (
    METRICS,
    confusion_matrices,
    metric_from_confusion,
)
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


def candidate_runs(test_wrong: int, strategies: tuple[str, ...] = ("none", "focal")) -> list:
    """none errs on 8 samples of both splits; focal on 1 of validation, ``test_wrong`` of test."""
    runs = []
    for seed in (0, 1):
        runs.append(record("none", seed, good(8)))
        focal = {"validation": flipped(Y_VAL, 1), "test": flipped(Y_TEST, test_wrong)}
        runs.append(record("focal", seed, focal))
    return [run for run in runs if run["strategy"] in strategies]


def lead(split: str, y: np.ndarray, wrong: int) -> float:
    """focal's lead over none on ``split``, by scikit-learn (none errs on 8 samples)."""
    return balanced_accuracy_score(y, flipped(y, wrong)) - balanced_accuracy_score(y, flipped(y, 8))


def test_best_needs_the_one_candidate_confirmed_on_test() -> None:
    rows, best, verdict, _ = verdict_of(candidate_runs(test_wrong=1), ["none", "focal"])
    assert best == "focal" and rows[0]["strategy"] == "focal"
    assert rows[0]["vs_none"]["test"]["low"] > 0
    assert verdict.startswith("Best strategy: focal, chosen on validation, where it leads 'none'")
    assert f"by {lead('validation', Y_VAL, 1):+.3f} (95% interval" in verdict
    assert "(optimistic: the same data chose its epoch, knobs and rank)" in verdict
    assert "test, checked once for this one candidate, confirms it" in verdict
    assert f"there it leads 'none' by {lead('test', Y_TEST, 1):+.3f} (95% interval" in verdict


def test_a_validation_lead_that_test_does_not_confirm_is_no_best() -> None:
    # focal leads clearly on validation (its validation interval is above 0, the old rule's
    # "best"), but predicts exactly like none on test.
    rows, best, verdict, _ = verdict_of(candidate_runs(test_wrong=8), ["none", "focal"])
    assert rows[0]["strategy"] == "focal" and rows[0]["vs_none"]["validation"]["low"] > 0
    assert best is None
    assert verdict.startswith("No remedy beat plain cross-entropy on this data beyond the noise")
    assert f"leads 'none' there by {lead('validation', Y_VAL, 1):+.3f}" in verdict
    assert "does not confirm it: it differs from 'none' by +0.000" in verdict
    assert "an interval that holds 0. Keep plain cross-entropy" in verdict


def test_a_candidate_worse_on_test_is_said_to_be_worse() -> None:
    rows, best, verdict, _ = verdict_of(candidate_runs(test_wrong=16), ["none", "focal"])
    assert best is None and rows[0]["vs_none"]["test"]["high"] < 0
    assert verdict.startswith("No remedy beat plain cross-entropy on this data: the top strategy")
    assert f"it is worse than 'none': {lead('test', Y_TEST, 16):+.3f} (95% interval" in verdict
    assert verdict.endswith("Keep plain cross-entropy.")


def test_chosen_on_names_the_data_the_choice_was_made_on() -> None:
    runs = candidate_runs(test_wrong=1)
    choose_params(runs, ["none", "focal"], "balanced_accuracy")
    _, best, verdict, _ = summarize(
        runs,
        ["none", "focal"],
        metric="balanced_accuracy",
        labels=LABELS,
        tail=[2],
        n_boot=50,
        chosen_on="5-fold cross-validation",
    )
    assert best == "focal"
    assert verdict.startswith("Best strategy: focal, chosen on 5-fold cross-validation, where")
    tied = [
        record(name, seed, good(wrong))
        for seed in (0, 1)
        for name, wrong in (("none", 8), ("focal", 1), ("log", 1))
    ]
    choose_params(tied, ["none", "focal", "log"], "balanced_accuracy")
    _, _, verdict, _ = summarize(
        tied,
        ["none", "focal", "log"],
        metric="balanced_accuracy",
        labels=LABELS,
        tail=[2],
        n_boot=50,
        chosen_on="3-fold cross-validation",
    )
    assert "focal and log tie on 3-fold cross-validation balanced_accuracy" in verdict


@pytest.mark.parametrize("bad", ["", "  ", None, 5])
def test_chosen_on_must_name_something(bad: object) -> None:
    runs = candidate_runs(test_wrong=1)
    choose_params(runs, ["none", "focal"], "balanced_accuracy")
    with pytest.raises(ValueError, match=r"chosen_on=.* must name the data"):
        summarize(
            runs,
            ["none", "focal"],
            metric="balanced_accuracy",
            labels=LABELS,
            tail=[2],
            chosen_on=bad,  # type: ignore[arg-type]
        )
