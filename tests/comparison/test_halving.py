"""Successive halving of the knob values: the rung arithmetic, the selection on validation only,
the epochs a stopped value trains, the journal's resume, and the executor."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.data.folds import Folds
from keras_imbalance.comparison.data.splits import make_splits
from keras_imbalance.comparison.halving import (
    check_halving,
    halved_epochs,
    rung_count,
    rung_epochs,
    select_survivors,
    survivors_count,
)
from keras_imbalance.comparison.halving_runs import folds_score, holdout_score
from keras_imbalance.comparison.parallel import RunTask, process_pool
from keras_imbalance.comparison.run.training import Recipe
from keras_imbalance.comparison.rungs import RungTask, load_state, run_rung, save_state
from tests.comparison.test_compare import mlp, tiny_data

TAUS = [0.0, 1.0, 2.0]
KWARGS: dict[str, Any] = {
    "model": mlp,
    "epochs": 2,
    "seeds": [0],
    "n_boot": 20,
    "cv": None,
    "refit": False,
    "grids": {"logit_adjusted": {"tau": TAUS}},
}
STRATEGIES = ["none", "logit_adjusted"]


# --- the arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("epochs", "n", "eta", "expected"),
    [
        (30, 2, 2, [15]),  # 30 // 2
        (30, 4, 2, [7, 15]),  # 30 // 4, 30 // 2
        (30, 5, 2, [3, 7, 15]),  # 3 rungs: 5 -> 3 -> 2 -> 1
        (30, 9, 3, [3, 10]),  # 9 -> 3 -> 1
        (30, 2, 3, [10]),
        (2, 4, 2, [1]),  # 2 // 4 == 0 is dropped
        (1, 4, 2, []),  # no rung before the only epoch
        (30, 1, 2, []),  # one value: untouched
    ],
)
def test_rung_epochs_by_hand(epochs: int, n: int, eta: int, expected: list[int]) -> None:
    assert rung_epochs(epochs, n, eta) == expected


def test_rung_count_is_ceil_log_eta() -> None:
    for eta in (2, 3, 4):
        for n in range(1, 40):
            assert rung_count(n, eta) == (0 if n == 1 else math.ceil(math.log(n, eta) - 1e-12))


def test_halved_epochs_by_hand() -> None:
    assert halved_epochs(30, 2, 2) == 2 * 15 + 1 * 15
    assert halved_epochs(30, 4, 2) == 4 * 7 + 2 * 8 + 1 * 15
    assert halved_epochs(30, 5, 2) == 5 * 3 + 3 * 4 + 2 * 8 + 1 * 15
    assert halved_epochs(2, 3, 2) == 3 * 1 + 2 * 1
    assert halved_epochs(30, 1, 2) == 30
    assert [survivors_count(n, 2) for n in (1, 2, 3, 4, 5)] == [1, 1, 2, 2, 3]


def test_survivors_are_the_top_scores_ties_in_order_nan_last() -> None:
    assert select_survivors([0.3, 0.9, 0.1, 0.5], keep=2) == [1, 3]
    assert select_survivors([0.5, 0.5, 0.5], keep=2) == [0, 1]
    assert select_survivors([math.nan, 0.0, -math.inf], keep=1) == [1]
    assert select_survivors([math.nan, math.nan], keep=1) == [0]


def test_holdout_score_is_the_mean_validation_metric() -> None:
    groups = [
        [{"validation": {"accuracy": 0.5}}, {"validation": {"accuracy": 0.7}}],
        [{"validation": {"accuracy": 0.9}}, {"validation": {"accuracy": math.nan}}],
    ]
    scores = holdout_score("accuracy")(groups)
    assert scores[0] == pytest.approx(0.6)
    assert math.isnan(scores[1])
    assert select_survivors(scores, keep=1) == [0]


def test_folds_score_pools_the_out_of_fold_predictions() -> None:
    folds = Folds((np.array([0, 1]), np.array([2, 3])), seed=0)
    y = np.array([0, 1, 0, 1])

    def record(fold: int, predicted: list[int]) -> dict[str, Any]:
        predictions = {"validation": predicted}
        return {"fold": fold, "seed": 0, "diverged": False, "predictions": predictions}

    recipe = Recipe(epochs=2, batch_size=4, learning_rate=0.1, metric="accuracy")
    right = [record(0, [0, 1]), record(1, [0, 1])]  # 4 of 4 out of fold
    half = [record(0, [0, 0]), record(1, [0, 0])]  # 2 of 4
    assert folds_score(y, folds, recipe, 2)([right, half]) == [1.0, 0.5]


@pytest.mark.parametrize("bad", [1, 9, 2.5, "yes", -2])
def test_bad_halving_is_refused_naming_it(bad: Any) -> None:
    with pytest.raises(ValueError, match=r"halving=.*reduction factor eta from 2 to 8"):
        check_halving(bad)
    with pytest.raises(ValueError, match=r"halving="):
        compare(tiny_data(), STRATEGIES, **{**KWARGS, "halving": bad})


def test_halving_values() -> None:
    assert [check_halving(v) for v in (None, False, True, 2, 8)] == [None, None, 2, 2, 8]


# --- one segment ---------------------------------------------------------------------------


def test_a_resumed_segment_continues_the_full_schedule(tmp_path: Path) -> None:
    x, y = tiny_data()
    splits = make_splits((x, y), validation_size=0.2, test_size=0.2, seed=0)
    arrays = {"train": splits.x_train, "val": splits.x_val, "test": splits.x_test}
    recipe = Recipe(epochs=3, batch_size=32, learning_rate=1e-2, tail=[2])
    run = RunTask("none", {}, 0, mlp, arrays, splits, recipe)
    first = run_rung(RungTask(run, 1))
    steps = math.ceil(len(splits.y_train) / 32)
    assert first.trained_epochs == 1 and len(first.record["history"]["loss"]) == 1
    assert int(first.state.optimizer[0]) == steps  # the optimizer's step count
    save_state(tmp_path / "state.npz", first.state)
    state = load_state(tmp_path / "state.npz")
    for a, b in zip(state.weights, first.state.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    second = run_rung(RungTask(run, 3, state))
    assert second.trained_epochs == 2
    assert len(second.record["history"]["loss"]) == 3
    assert int(second.state.optimizer[0]) == 3 * steps  # one schedule over all 3 epochs
    assert 1 <= second.record["best_epoch"] <= 3


# --- a halved comparison -------------------------------------------------------------------


def journal(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "runs.jsonl").read_text().splitlines()[1:]]


@pytest.fixture(scope="module")
def halved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    folder = tmp_path_factory.mktemp("halved")
    return compare(tiny_data(), STRATEGIES, output=folder, halving=True, **KWARGS), folder


def test_the_stopped_values_train_only_their_rung(halved: tuple[Any, Path]) -> None:
    result, folder = halved
    report = result.settings["halving"]
    assert report["eta"] == 2 and report["rungs"] == {"logit_adjusted": [1]}
    records = [r for r in journal(folder) if r["strategy"] == "logit_adjusted"]
    rung0 = {r["params"]["tau"]: r for r in records if r["key"].get("rung_epochs") == 1}
    assert sorted(rung0) == TAUS
    stopped = [s["params"]["tau"] for s in report["stopped"]]
    assert len(stopped) == 1 and all(s["rung"] == 0 and s["epochs"] == 1 for s in report["stopped"])
    # the better 2 of 3 on validation at rung 0 go on
    scores = {tau: r["validation"]["balanced_accuracy"] for tau, r in rung0.items()}
    kept = select_survivors([scores[t] for t in TAUS], keep=2)
    assert stopped == [t for i, t in enumerate(TAUS) if i not in kept]
    assert report["stopped"][0]["validation"] == pytest.approx(scores[stopped[0]])
    # epochs, counted from the records: a stopped value 1, a survivor 1 + 1
    epochs: dict[float, int] = {}
    for r in records:
        epochs[r["params"]["tau"]] = epochs.get(r["params"]["tau"], 0) + r["segment_epochs"]
    assert epochs[stopped[0]] == 1
    assert all(epochs[t] == 2 for t in TAUS if t != stopped[0])
    assert sum(epochs.values()) == halved_epochs(2, 3, 2)
    assert report["epochs_trained"] == 2 + halved_epochs(2, 3, 2)  # "none" trains 2
    assert report["epochs_unhalved"] == 2 + 3 * 2
    # the summary runs: the survivors' full runs only, with all their epochs
    kept_runs = [r for r in result.runs if r["strategy"] == "logit_adjusted"]
    assert sorted(r["params"]["tau"] for r in kept_runs) == [t for t in TAUS if t != stopped[0]]
    assert all(len(r["history"]["loss"]) == 2 for r in kept_runs)


def test_a_resume_trains_nothing_more(halved: tuple[Any, Path]) -> None:
    result, folder = halved
    again = compare(tiny_data(), STRATEGIES, output=folder, halving=True, **KWARGS)
    assert again.settings["runs_trained"] == 0
    assert again.settings["halving"] == result.settings["halving"]
    assert [r["params"] for r in again.runs if r["chosen"]] == [
        r["params"] for r in result.runs if r["chosen"]
    ]


def test_a_crash_after_the_first_rung_resumes_from_its_states(
    halved: tuple[Any, Path], tmp_path: Path
) -> None:
    result, folder = halved
    lines = (folder / "runs.jsonl").read_text().splitlines()
    kept = [lines[0]] + [
        line for line in lines[1:] if json.loads(line)["key"].get("rung_epochs") == 1
    ]
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    (crashed / "runs.jsonl").write_text("\n".join(kept) + "\n")
    (crashed / "halving").mkdir()
    for state in (folder / "halving").iterdir():
        (crashed / "halving" / state.name).write_bytes(state.read_bytes())
    resumed = compare(tiny_data(), STRATEGIES, output=crashed, halving=True, **KWARGS)
    # "none" (1 run) and the 2 survivors' second epoch: the rung is not trained again
    assert resumed.settings["runs_trained"] == 3
    assert resumed.settings["halving"]["stopped"] == result.settings["halving"]["stopped"]
    assert [r for r in journal(crashed) if r["key"].get("rung_epochs") == 1] == [
        json.loads(line) for line in kept[1:]
    ]


def test_flipped_test_labels_change_no_choice() -> None:
    x, y = tiny_data()
    test = np.arange(len(y)) % 5 == 0
    runs = []
    for y_test in (y[test], (y[test] + 1) % 3):
        given = {"test_data": (x[test], y_test), "halving": True}
        runs.append(compare((x[~test], y[~test]), STRATEGIES, **given, **KWARGS))
    first, flipped = runs
    assert first.settings["halving"]["stopped"] == flipped.settings["halving"]["stopped"]
    assert [(r["strategy"], r["params"]) for r in first.runs if r["chosen"]] == [
        (r["strategy"], r["params"]) for r in flipped.runs if r["chosen"]
    ]
    assert first.best == flipped.best
    assert [r["test"] for r in first.runs] != [r["test"] for r in flipped.runs]


def test_a_process_pool_halves_like_the_sequential_runs(halved: tuple[Any, Path]) -> None:
    result, _ = halved
    with process_pool(2) as executor:
        pooled = compare(tiny_data(), STRATEGIES, executor=executor, halving=True, **KWARGS)
    assert pooled.settings["halving"]["stopped"] == result.settings["halving"]["stopped"]
    for a, b in zip(pooled.runs, result.runs, strict=True):
        for field in ("strategy", "params", "chosen"):
            assert a[field] == b[field], field
        assert a["validation"] == pytest.approx(b["validation"], abs=1e-6)


def test_cross_validated_halving_chooses_on_the_folds(tmp_path: Path) -> None:
    kwargs = {**KWARGS, "cv": 2, "grids": {"logit_adjusted": {"tau": [0.0, 2.0]}}}
    result = compare(tiny_data(), STRATEGIES, output=tmp_path, halving=True, **kwargs)
    report = result.settings["halving"]
    assert report["rungs"] == {"logit_adjusted": [1]}
    assert len(report["stopped"]) == 1
    rung0 = [r for r in journal(tmp_path) if r["key"].get("rung_epochs") == 1]
    assert sorted((r["fold"], r["params"]["tau"]) for r in rung0) == [
        (0, 0.0),
        (0, 2.0),
        (1, 0.0),
        (1, 2.0),
    ]
    folds = result.settings["selection"]
    assert folds["scheme"] == "cross-validation" and folds["folds"] == 2
    left = [r["params"] for r in result.runs if r["strategy"] == "logit_adjusted"]
    assert all(p != report["stopped"][0]["params"] for p in left)


def test_the_report_says_which_values_stopped(halved: tuple[Any, Path]) -> None:
    result, _ = halved
    stopped = result.settings["halving"]["stopped"][0]
    text = result.to_markdown()
    assert "successive halving (eta 2, on validation)" in text
    assert f"logit_adjusted (tau={stopped['params']['tau']}) after 1 epochs" in text
