"""Thresholds and score metrics under cross-validation: each binary fold run keeps every epoch's
positive-class scores, the epoch and the threshold are chosen on the pooled out-of-fold scores,
and the final model's test scores are cut there. The test split chooses nothing."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from keras_imbalance.comparison import Comparison, compare
from keras_imbalance.comparison.cross_validation import (
    FoldScoring,
    choose_on_folds,
    out_of_fold_scores,
    score_curve,
)
from keras_imbalance.comparison.data.folds import Folds, stratified_folds
from keras_imbalance.comparison.data.splits import make_splits
from keras_imbalance.comparison.journal import Journal
from keras_imbalance.comparison.run_record import decode_scores, encode_classes, encode_scores
from keras_imbalance.comparison.scoring.operating_points import choose_threshold
from tests.comparison.scoring.test_operating_points import binary_data, mlp

STRATEGIES = ["none", "balanced", "threshold"]
KWARGS = {"model": mlp, "epochs": 2, "seeds": [0], "n_boot": 20, "refit": False, "cv": 2}


def _data(flip: bool = False) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    x, y = binary_data(2)
    order = np.random.default_rng(3).permutation(len(y))
    x, y = x[order][:120], y[order][:120]
    y_test = 1 - y[90:] if flip else y[90:]
    return (x[:90], y[:90]), (x[90:], y_test)


def _fake_runs(rng: np.random.Generator, folds: Folds, epochs: int) -> list[dict]:
    """One seed's fold runs with random per-epoch scores (and classes at the argmax)."""
    runs = []
    for fold, held in enumerate(folds.held_out):
        p = rng.random((epochs, len(held))).astype(np.float32)
        kept = {"predictions": encode_classes((p > 0.5).astype(int)), "scores": encode_scores(p)}
        kept["nll"] = [[1.0, 1.0]] * epochs
        runs.append(
            {"strategy": "a", "params": {}, "seed": 0, "fold": fold, "seconds": 0.0}
            | {"diverged": False, "epochs_validation": kept}
        )
    return runs


@pytest.mark.parametrize("metric", ["average_precision", "roc_auc"])
def test_score_metrics_choose_the_epoch_on_the_pooled_scores(metric: str) -> None:
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(14, int), np.ones(6, int)]
    folds = stratified_folds(y, 2, 0)
    runs = _fake_runs(rng, folds, epochs=4)
    pooled = np.full((4, y.size), np.nan)
    for run in runs:  # laid out by hand
        pooled[:, folds.held_out[run["fold"]]] = decode_scores(run["epochs_validation"]["scores"])
    np.testing.assert_array_equal(out_of_fold_scores(runs, folds), pooled)
    reference = skm.average_precision_score if metric == "average_precision" else skm.roc_auc_score
    expected = [reference(y, row) for row in pooled]
    np.testing.assert_allclose(score_curve(y, pooled, metric, 0.9), expected)
    scoring = FoldScoring(y, folds, metric, 2, (), epochs=4)
    choice = choose_on_folds(runs, {"a": "trained"}, scoring)["a"]
    assert choice.epoch == int(np.argmax(expected)) + 1
    assert choice.score == pytest.approx(max(expected))
    np.testing.assert_array_equal(choice.scores[0], pooled[choice.epoch - 1])


def test_recall_at_precision_curve_is_the_recall_at_the_lowest_reaching_threshold() -> None:
    y = np.array([0, 1, 0, 1, 1])
    p = np.array([[0.1, 0.3, 0.5, 0.7, 0.9]])
    # precision >= 0.75 first holds at t = 0.3 (3 of 4 positive): every positive found
    assert score_curve(y, p, "recall_at_precision", 0.75).tolist() == [1.0]
    assert score_curve(y, p, "recall_at_precision", 1.0).tolist() == [2 / 3]


@pytest.fixture(scope="module")
def folded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Comparison, Path]:
    folder = tmp_path_factory.mktemp("cvthr")
    return compare(_data(), STRATEGIES, metric="f1", output=folder, **KWARGS), folder


def _journal(folder: Path) -> list[dict]:
    with (folder / "runs.jsonl").open(encoding="utf-8") as handle:
        config = json.loads(handle.readline())["config"]
    with Journal.open(folder, config) as journal:
        return [{k: v for k, v in r.items() if k != "key"} for r in journal.records()]


def _by_hand(result: Comparison, folder: Path, strategy: str) -> tuple[np.ndarray, np.ndarray]:
    """The pooled labels and the out-of-fold scores of ``strategy`` after every epoch (the
    threshold head: its one set), laid out by hand from the journal's fold runs."""
    splits = make_splits(_data())
    y = np.concatenate([splits.y_train, splits.y_val])
    folds = stratified_folds(y, 2, result.settings["selection"]["fold_seed"])
    pooled = np.full((2 if strategy != "threshold" else 1, y.size), np.nan)
    for run in _journal(folder):
        if run.get("fold") is None or run["strategy"] != strategy:
            continue
        kept = run.get("epochs_validation")
        if kept is not None:  # a trained strategy: every epoch's scores
            scores = decode_scores(kept["scores"])
        else:  # the threshold head: its one set of scores
            scores = decode_scores(run["scores"]["validation"])[None, :]
        pooled[:, folds.held_out[run["fold"]]] = scores
    return y, pooled


def test_the_threshold_is_chosen_on_the_stored_out_of_fold_scores(
    folded: tuple[Comparison, Path],
) -> None:
    result, folder = folded
    for run in (r for r in result.runs if "fold" not in r):
        y, every = _by_hand(result, folder, run["strategy"])
        if run["strategy"] == "balanced":  # the epoch of the best F1 at its own threshold
            best = [skm.f1_score(y, p >= choose_threshold(y, p, "f1")) for p in every]
            assert run["best_epoch"] == int(np.argmax(best)) + 1
        pooled = every[-1 if run["strategy"] == "threshold" else run["best_epoch"] - 1]
        assert np.isfinite(pooled).all()
        np.testing.assert_allclose(decode_scores(run["scores"]["validation"]), pooled)
        expected = 0.5 if run["strategy"] == "none" else choose_threshold(y, pooled, "f1")
        assert run["threshold"] == pytest.approx(expected)
        test_scores = decode_scores(run["scores"]["test"])
        cut = (test_scores >= run["threshold"]).astype(int)
        assert run["predictions"]["test"] == cut.tolist()
        assert run["predictions"]["validation"] == (pooled >= run["threshold"]).astype(int).tolist()
        assert run["validation"]["f1"] == pytest.approx(skm.f1_score(y, pooled >= expected))
        assert run["validation"]["average_precision"] == pytest.approx(
            skm.average_precision_score(y, pooled)
        )


def test_the_threshold_strategy_and_the_report_work_under_cv(
    folded: tuple[Comparison, Path],
) -> None:
    result, _ = folded
    row = result.row("threshold")
    assert row["params"] == {"threshold": float(np.median(row["threshold"]))}
    assert not any("not moved" in note for note in result.notes)
    text = result.to_markdown()
    assert "**Operating points**" in text
    median = float(np.median(result.row("balanced")["threshold"]))
    assert f"| balanced | {median:.3f} |" in text
    assert (
        f"threshold = {round(median, 6)!r}" in dataclasses.replace(result, best="balanced").recipe()
    )


def test_a_resume_keeps_the_per_epoch_scores(folded: tuple[Comparison, Path]) -> None:
    result, folder = folded
    for run in _journal(folder):
        if run.get("fold") is not None and run["strategy"] != "threshold":
            scores = decode_scores(run["epochs_validation"]["scores"])
            assert scores.shape == (2, len(run["predictions"]["validation"]))
    again = compare(_data(), STRATEGIES, metric="f1", output=folder, **KWARGS)
    assert again.settings["runs_trained"] == 0
    assert [r.get("threshold") for r in again.runs] == [r.get("threshold") for r in result.runs]
    assert again.summary() == result.summary()


@pytest.mark.parametrize("metric", ["average_precision", "recall_at_precision"])
def test_the_test_split_chooses_nothing_under_cv(metric: str) -> None:
    first, second = (compare(_data(flip), STRATEGIES, metric=metric, **KWARGS) for flip in (0, 1))
    assert first.settings["selection"]["epochs"] == second.settings["selection"]["epochs"]
    assert first.best == second.best
    for a, b in zip(first.runs, second.runs, strict=True):
        assert (a["params"], a["best_epoch"], a.get("threshold")) == (
            b["params"],
            b["best_epoch"],
            b.get("threshold"),
        )
        assert a["validation"] == b["validation"]
    assert {r["strategy"] for r in first.runs if "threshold" in r} == set(STRATEGIES)


@pytest.mark.parametrize("cv", [2, None])
def test_the_default_strategies_of_a_binary_problem_hold_threshold(cv: int | None) -> None:
    from keras_imbalance.comparison.detector_setup import DetectorOptions, detector_plan
    from keras_imbalance.comparison.options import DataOptions, PlanOptions
    from keras_imbalance.remedies import get_remedy

    plan = PlanOptions(remedies=[get_remedy("none")])
    splits = make_splits(_data())
    options = DetectorOptions().checked()
    planned = detector_plan(plan, [], splits, DataOptions(cv=cv), "f1", options, defaults=True)
    assert [r.name for r in planned.remedies] == ["none", "threshold"]
    given = detector_plan(plan, [], splits, DataOptions(cv=cv), "f1", options, defaults=False)
    assert [r.name for r in given.remedies] == ["none"]


def test_halving_and_a_two_stage_remedy_keep_the_scores_under_cv() -> None:
    """The rungs stack each epoch's scores; a two-stage run scores its final model last."""
    result = compare(
        _data(),
        ["none", "logit_adjusted", "weight_balancing"],
        metric="average_precision",
        grids={"logit_adjusted": {"tau": [0.5, 2.0]}},
        halving=True,
        **KWARGS,
    )
    for run in (r for r in result.runs if "fold" not in r):
        assert "threshold" in run and 0.0 <= run["validation"]["average_precision"] <= 1.0
        pooled = decode_scores(run["scores"]["validation"])
        assert np.isfinite(pooled).all()
        assert run["best_epoch"] == result.settings["selection"]["epochs"][run["strategy"]]
