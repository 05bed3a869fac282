"""compare with cross-validation: every training sample validated once, every choice made on
the out-of-fold predictions, the test split scored once by models trained on all the data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from keras_imbalance.comparison import Comparison, compare
from keras_imbalance.comparison.cross_validation import FoldScoring, choose_on_folds
from keras_imbalance.comparison.data.folds import stratified_folds
from keras_imbalance.comparison.journal import Journal
from tests.comparison.test_compare import mlp, tiny_data

STRATEGIES = ["none", "logit_adjusted", "posthoc"]
GRIDS = {"logit_adjusted": {"tau": [1.0, 2.0]}, "posthoc": {"tau": [0.0, 1.0]}}
POSTHOC = {"posthoc": GRIDS["posthoc"]}
KWARGS = {"model": mlp, "epochs": 3, "seeds": [0], "n_boot": 50}


@pytest.fixture(scope="module")
def folded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Comparison, Path]:
    folder = tmp_path_factory.mktemp("cv")
    return compare(tiny_data(), STRATEGIES, cv=3, output=folder, grids=GRIDS, **KWARGS), folder


def test_every_training_sample_is_validated_once(folded: tuple[Comparison, Path]) -> None:
    result, _ = folded
    splits = result.to_dict()["splits"]
    assert splits["validation"]["counts"] == splits["train"]["counts"]
    pool = sum(splits["train"]["counts"])
    assert pool + sum(splits["test"]["counts"]) == len(tiny_data()[1])
    summary_runs = [run for run in result.runs if "fold" not in run]
    assert {len(run["predictions"]["validation"]) for run in summary_runs} == {pool}
    selection = result.settings["selection"]
    assert selection["scheme"] == "cross-validation" and selection["folds"] == 3
    assert sum(selection["fold_sizes"]) == pool


def test_one_run_per_strategy_knob_seed_and_fold(folded: tuple[Comparison, Path]) -> None:
    result, _ = folded
    fold_runs = [run for run in result.runs if "fold" in run]
    keys = {(r["strategy"], json.dumps(r["params"]), r["seed"], r["fold"]) for r in fold_runs}
    # none once, logit_adjusted twice, posthoc twice; three folds
    assert len(keys) == len(fold_runs) == (1 + 2 + 2) * 3
    assert not any(run["chosen"] for run in fold_runs)


def test_choices_are_the_out_of_fold_choices_of_the_journal(
    folded: tuple[Comparison, Path],
) -> None:
    """Recompute every choice from the journal's fold runs, independently of compare."""
    result, folder = folded
    with Journal.open(folder, _config(folder)) as journal:
        records = [{k: v for k, v in r.items() if k != "key"} for r in journal.records()]
    fold_runs = [r for r in records if "fold" in r]
    selection = result.settings["selection"]
    y = np.concatenate(
        [np.full(n, c) for c, n in enumerate(result.to_dict()["splits"]["train"]["counts"])]
    )
    summary = {run["strategy"]: run for run in result.runs if "fold" not in run}
    pool_labels = _pool_labels(result)
    np.testing.assert_array_equal(np.sort(pool_labels), np.sort(y))
    folds = stratified_folds(pool_labels, 3, selection["fold_seed"])
    assert [len(p) for p in folds.held_out] == selection["fold_sizes"]
    scoring = FoldScoring(pool_labels, folds, "balanced_accuracy", 3, result.tail_classes, 3)
    kinds = {"none": "trained", "logit_adjusted": "trained", "posthoc": "head"}
    choices = choose_on_folds(fold_runs, kinds, scoring)
    for name, choice in choices.items():
        assert summary[name]["params"] == choice.params
        assert summary[name]["best_epoch"] == choice.epoch == selection["epochs"][name]
        assert summary[name]["validation"]["balanced_accuracy"] == pytest.approx(choice.score)
        np.testing.assert_array_equal(summary[name]["predictions"]["validation"], choice.oof[0])


def _config(folder: Path) -> dict:
    with (folder / "runs.jsonl").open(encoding="utf-8") as handle:
        return json.loads(handle.readline())["config"]


def _pool_labels(result: Comparison) -> np.ndarray:
    """The pooled labels in compare's order: the holdout's training then validation labels."""
    from keras_imbalance.comparison.data.splits import make_splits

    splits = make_splits(tiny_data())
    return np.concatenate([splits.y_train, splits.y_val])


def test_resume_trains_nothing_again(folded: tuple[Comparison, Path]) -> None:
    result, folder = folded
    again = compare(tiny_data(), STRATEGIES, cv=3, output=folder, grids=GRIDS, **KWARGS)
    assert again.settings["runs_trained"] == 0
    assert again.summary() == result.summary()


def test_the_test_split_chooses_nothing() -> None:
    x, y = tiny_data()
    x_test, y_test = tiny_data(seed=1)
    kwargs = {"cv": 2, "grids": POSTHOC, **KWARGS}
    first = compare(((x, y), (x_test, y_test)), ["none", "posthoc"], **kwargs)
    second = compare(((x, y), (x_test, (y_test + 1) % 3)), ["none", "posthoc"], **kwargs)
    assert first.settings["selection"]["epochs"] == second.settings["selection"]["epochs"]
    for a, b in zip(first.runs, second.runs, strict=True):
        assert (a["params"], a["best_epoch"], a["validation"]) == (
            b["params"],
            b["best_epoch"],
            b["validation"],
        )


def test_validation_data_and_explicit_folds_conflict() -> None:
    x, y = tiny_data()
    with pytest.raises(ValueError, match="cv=3 cannot be combined with validation_data="):
        compare((x, y), ["none"], validation_data=tiny_data(seed=2), cv=3, **KWARGS)


@pytest.mark.parametrize("bad", [1, 25, "3", 2.0])
def test_bad_cv_fails_before_training(bad: object) -> None:
    with pytest.raises(ValueError, match=r"cv must be 'auto', None"):
        compare(tiny_data(), ["none"], cv=bad, **KWARGS)


@pytest.mark.real_cv_rule
def test_auto_cross_validates_small_data_and_says_why() -> None:
    result = compare(tiny_data(), ["none"], **KWARGS)
    selection = result.settings["selection"]
    assert selection["scheme"] == "cross-validation" and selection["folds"] == 5
    assert "fewer than 50" in selection["why"]
    holdout = compare(tiny_data(), ["none"], cv=None, **KWARGS)
    assert holdout.settings["selection"]["scheme"] == "holdout"


def test_the_report_says_what_chose(folded: tuple[Comparison, Path], tmp_path: Path) -> None:
    result, _ = folded
    text = result.to_markdown()
    assert text.startswith("Ranked by out-of-fold balanced_accuracy (3-fold cross-validation")
    assert "| chosen on 3-fold cross-validation | out-of-fold balanced_accuracy |" in text
    assert "3-fold cross-validation" in result.verdict
    page = (result.save(tmp_path, plots=False), (tmp_path / "report.html").read_text())[1]
    assert "ranked by out-of-fold" in page and "chosen on 3-fold cross-validation" in page
    reloaded = Comparison.from_dict(json.loads(result.to_json()))
    assert reloaded.chosen_on == "3-fold cross-validation" and reloaded.cross_validated


def test_the_final_model_trains_for_the_cross_validated_epochs(
    folded: tuple[Comparison, Path],
) -> None:
    result, folder = folded
    chosen = result.best or "none"
    assert result.refit["strategy"] == chosen
    epochs = result.settings["selection"]["epochs"][chosen]
    assert result.refit["epochs"] == epochs
    assert result.refit["samples"] == sum(result.to_dict()["splits"]["train"]["counts"])
    assert (folder / "model.keras").is_file()


def test_workers_give_the_sequential_result() -> None:
    """Fold runs and final runs (the heads of a seed share one task) through a process pool."""
    from keras_imbalance.comparison.parallel import process_pool

    kwargs = {**KWARGS, "seeds": [0, 1], "cv": 2, "grids": POSTHOC, "refit": False}
    alone = compare(tiny_data(), ["none", "posthoc", "crt"], **kwargs)
    with process_pool(2) as pool:
        pooled = compare(tiny_data(), ["none", "posthoc", "crt"], executor=pool, **kwargs)
    assert [r["strategy"] for r in pooled.summary()] == [r["strategy"] for r in alone.summary()]
    for a, b in zip(alone.runs, pooled.runs, strict=True):
        assert (a["strategy"], a["params"], a["seed"], a.get("fold")) == (
            b["strategy"],
            b["params"],
            b["seed"],
            b.get("fold"),
        )
        assert a["predictions"] == b["predictions"]
