"""compare(label_mode="multi_label", output=...): every finished run journaled, a crashed
comparison resumed without training a finished run twice, and the result equal to an
uninterrupted one; a folder journaled for other settings refused; runs on an executor equal to
the sequential ones. Holdout and cross-validation. Tiny data, 2 epochs."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import keras_imbalance.comparison.multilabel.parallel as multilabel_parallel
from keras_imbalance.comparison import compare
from keras_imbalance.comparison.multilabel.journal import decode_array, encode_array
from keras_imbalance.comparison.multilabel.result import MultiLabelComparison
from keras_imbalance.comparison.multilabel.training import fit_multilabel_run
from keras_imbalance.comparison.parallel import process_pool
from tests.comparison.multilabel.test_compare import mlp, tiny_multilabel
from tests.conftest import BACKEND

STRATEGIES = ["none", "focal"]
HOLDOUT = {
    "epochs": 2,
    "seeds": [0, 1],
    "model": mlp,
    "n_boot": 20,
    "refit": False,
    "cv": None,
    "grids": {"focal": {"gamma": [1.0, 2.0]}},
}
HOLDOUT_RUNS = (1 + 2) * 2  # none, focal at 2 gammas; 2 seeds
CV = {**HOLDOUT, "seeds": [0], "cv": 2}
CV_FOLD_RUNS = (1 + 2) * 2  # 3 settings, 1 seed, 2 folds
CV_RUNS = CV_FOLD_RUNS + 2  # and a final model per remedy


class CrashError(RuntimeError):
    """What the patched trainer raises: the comparison dies mid-way."""


def counting(monkeypatch: pytest.MonkeyPatch, crash_after: int | None = None) -> list[int]:
    """Patch the trainer of every run to count its calls (and raise after ``crash_after``)."""
    real: Callable[..., Any] = fit_multilabel_run
    calls: list[int] = []

    def fit(*args: Any, **kwargs: Any) -> Any:
        if crash_after is not None and len(calls) == crash_after:
            raise CrashError(f"killed after {crash_after} runs")
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(multilabel_parallel, "fit_multilabel_run", fit)
    return calls


def without_seconds(value: Any) -> Any:
    """``value`` with every ``"seconds"`` entry left out (the only thing a rerun changes)."""
    if isinstance(value, dict):
        return {k: without_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_seconds(v) for v in value]
    return value


def assert_same(first: MultiLabelComparison, second: MultiLabelComparison, seconds: bool) -> None:
    """Identical results: every table, choice and score, and every run's probability arrays."""
    a, b = json.loads(first.to_json()), json.loads(second.to_json())
    assert (a if seconds else without_seconds(a)) == (b if seconds else without_seconds(b))
    for one, two in zip(first.runs, second.runs, strict=True):
        arrays = [k for k in one if k.startswith("_")]
        assert arrays and arrays == [k for k in two if k.startswith("_")]
        for name in arrays:
            np.testing.assert_array_equal(one[name], two[name], err_msg=name)
            assert one[name].dtype == two[name].dtype


def journal_keys(folder: Path) -> list[dict[str, Any]]:
    lines = (folder / "runs.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["config"]["label_mode"] == "multi_label"
    return [json.loads(line)["key"] for line in lines[1:]]


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> tuple[MultiLabelComparison, Path]:
    """An uninterrupted holdout comparison, journaled."""
    folder = tmp_path_factory.mktemp("whole")
    return compare(
        tiny_multilabel(), STRATEGIES, label_mode="multi_label", output=folder, **HOLDOUT
    ), folder


def test_every_holdout_run_is_journaled_once(whole: tuple[MultiLabelComparison, Path]) -> None:
    result, folder = whole
    keys = journal_keys(folder)
    assert len(keys) == HOLDOUT_RUNS == len(result.runs)
    expected = [
        {"strategy": r["strategy"], "seed": r["seed"], "params": r["params"]} for r in result.runs
    ]
    assert keys == expected
    # the journal holds the probabilities exactly (float64)
    record = json.loads((folder / "runs.jsonl").read_text().splitlines()[1])
    np.testing.assert_array_equal(
        decode_array(record["test_scores"]), result.runs[0]["_test_scores"]
    )
    assert record["best_epoch"] == result.runs[0]["best_epoch"]


def test_a_finished_folder_resumes_without_training(
    whole: tuple[MultiLabelComparison, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    result, folder = whole
    calls = counting(monkeypatch)
    said: list[tuple[int, int, str]] = []
    again = compare(
        tiny_multilabel(),
        STRATEGIES,
        label_mode="multi_label",
        output=folder,
        progress=lambda done, total, run: said.append((done, total, run)),
        **HOLDOUT,
    )
    assert calls == []
    assert said == [(HOLDOUT_RUNS, HOLDOUT_RUNS, "")]  # no run announced: none trains
    assert_same(result, again, seconds=True)  # read back, not retrained: even the seconds
    # the metric only chooses: another one re-chooses from the journaled runs
    other = compare(
        tiny_multilabel(),
        STRATEGIES,
        label_mode="multi_label",
        output=folder,
        **{**HOLDOUT, "metric": "macro_f1"},
    )
    assert calls == [] and other.settings["metric"] == "macro_f1"
    f1 = [round(r["validation"]["macro_f1"], 3) for r in other.rows]
    assert f1 == sorted(f1, reverse=True)


@pytest.mark.parametrize("crash_after", [0, 4])
def test_a_crashed_holdout_resumes_to_the_uninterrupted_result(
    whole: tuple[MultiLabelComparison, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    crash_after: int,
) -> None:
    counting(monkeypatch, crash_after=crash_after)
    with pytest.raises(CrashError):
        compare(tiny_multilabel(), STRATEGIES, label_mode="multi_label", output=tmp_path, **HOLDOUT)
    assert len(journal_keys(tmp_path)) == crash_after
    assert not (tmp_path / "results.json").exists()
    calls = counting(monkeypatch)
    resumed = compare(
        tiny_multilabel(), STRATEGIES, label_mode="multi_label", output=tmp_path, **HOLDOUT
    )
    assert len(calls) == HOLDOUT_RUNS - crash_after
    assert len(journal_keys(tmp_path)) == HOLDOUT_RUNS
    assert_same(whole[0], resumed, seconds=False)


def test_other_settings_in_a_journaled_folder_are_refused(
    whole: tuple[MultiLabelComparison, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, folder = whole
    calls = counting(monkeypatch)
    changed = {**HOLDOUT, "epochs": 1}
    with pytest.raises(ValueError, match=r"another configuration .*training\.epochs: 2 vs 1"):
        compare(tiny_multilabel(), STRATEGIES, label_mode="multi_label", output=folder, **changed)
    other_data = tiny_multilabel(seed=1)
    with pytest.raises(ValueError, match=r"another configuration \(old vs new: data: "):
        compare(other_data, STRATEGIES, label_mode="multi_label", output=folder, **HOLDOUT)
    with pytest.raises(ValueError, match=r"cv: \(absent\) vs"):
        compare(tiny_multilabel(), STRATEGIES, label_mode="multi_label", output=folder, **CV)
    assert calls == []
    assert len(journal_keys(folder)) == HOLDOUT_RUNS  # untouched


def test_a_single_label_journal_is_refused(tmp_path: Path) -> None:
    header = {"journal": 1, "config_hash": "0" * 64, "config": {"seeds": [0], "tail": [1]}}
    (tmp_path / "runs.jsonl").write_text(json.dumps(header) + "\n")
    with pytest.raises(ValueError, match=r"label_mode: \(absent\) vs 'multi_label'"):
        compare(tiny_multilabel(), STRATEGIES, label_mode="multi_label", output=tmp_path, **HOLDOUT)


@pytest.fixture(scope="module")
def whole_cv(tmp_path_factory: pytest.TempPathFactory) -> tuple[MultiLabelComparison, Path]:
    """An uninterrupted 2-fold cross-validated comparison, journaled."""
    folder = tmp_path_factory.mktemp("whole_cv")
    data = tiny_multilabel(n=48)
    return compare(data, STRATEGIES, label_mode="multi_label", output=folder, **CV), folder


def test_every_fold_and_final_run_is_journaled(
    whole_cv: tuple[MultiLabelComparison, Path],
) -> None:
    result, folder = whole_cv
    keys = journal_keys(folder)
    assert len(keys) == CV_RUNS
    assert sorted(k["fold"] for k in keys[:CV_FOLD_RUNS]) == [0, 0, 0, 1, 1, 1]
    epochs = result.settings["selection"]["epochs"]
    finals = [k for k in keys if "final_epochs" in k]
    assert [(k["strategy"], k["final_epochs"]) for k in finals] == [
        (name, epochs[name]) for name in STRATEGIES
    ]
    # a fold's per-epoch scores are kept as float32, (epochs, held-out samples, labels)
    record = json.loads((folder / "runs.jsonl").read_text().splitlines()[1])
    scores = decode_array(record["val_epochs"])
    assert scores.dtype == np.float32 and scores.shape[0] == 2 and scores.shape[2] == 3


@pytest.mark.parametrize("crash_after", [3, CV_FOLD_RUNS + 1])  # in the folds; in the finals
def test_a_crashed_cross_validation_resumes_to_the_uninterrupted_result(
    whole_cv: tuple[MultiLabelComparison, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    crash_after: int,
) -> None:
    data = tiny_multilabel(n=48)
    counting(monkeypatch, crash_after=crash_after)
    with pytest.raises(CrashError):
        compare(data, STRATEGIES, label_mode="multi_label", output=tmp_path, **CV)
    assert len(journal_keys(tmp_path)) == crash_after
    calls = counting(monkeypatch)
    resumed = compare(data, STRATEGIES, label_mode="multi_label", output=tmp_path, **CV)
    assert len(calls) == CV_RUNS - crash_after
    assert_same(whole_cv[0], resumed, seconds=False)
    calls = counting(monkeypatch)
    again = compare(data, STRATEGIES, label_mode="multi_label", output=tmp_path, **CV)
    assert calls == []
    assert_same(resumed, again, seconds=True)


def test_encoded_arrays_round_trip_exactly() -> None:
    values = np.random.default_rng(0).random((3, 2))
    values[0, 0] = np.nan
    back = decode_array(encode_array(values))
    np.testing.assert_array_equal(back, values)
    assert back.dtype == np.float64 and back.flags.writeable
    small = decode_array(encode_array(values.astype(np.float32), "<f4"))
    assert small.dtype == np.float32
    np.testing.assert_array_equal(small, values.astype(np.float32))


def test_an_executor_gives_the_sequential_runs_and_journals_them(
    whole: tuple[MultiLabelComparison, Path], tmp_path: Path
) -> None:
    """One worker thread: the plumbing (initial weights sent, runs journaled as they finish)."""
    said: list[str] = []
    with ThreadPoolExecutor(1) as pool:
        result = compare(
            tiny_multilabel(),
            STRATEGIES,
            label_mode="multi_label",
            output=tmp_path,
            executor=pool,
            progress=lambda done, total, run: said.append(run),
            **HOLDOUT,
        )
    assert_same(whole[0], result, seconds=False)
    assert len(journal_keys(tmp_path)) == HOLDOUT_RUNS
    assert said[0] == f"{HOLDOUT_RUNS} runs in flight"
    finished = [f"finished {r['strategy']}-seed{r['seed']}" for r in result.runs]
    assert sorted(said[1:-1]) == sorted(finished)


def test_an_executor_resumes_a_cross_validation(
    whole_cv: tuple[MultiLabelComparison, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tiny_multilabel(n=48)
    counting(monkeypatch, crash_after=2)
    with pytest.raises(CrashError):
        compare(data, STRATEGIES, label_mode="multi_label", output=tmp_path, **CV)
    calls = counting(monkeypatch)
    with ThreadPoolExecutor(1) as pool:
        resumed = compare(
            data, STRATEGIES, label_mode="multi_label", output=tmp_path, executor=pool, **CV
        )
    assert len(calls) == CV_RUNS - 2
    assert_same(whole_cv[0], resumed, seconds=False)


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="executor plumbing is backend-independent; each worker imports the backend anew",
)
def test_a_process_pool_gives_the_sequential_runs(
    whole: tuple[MultiLabelComparison, Path], tmp_path: Path
) -> None:
    with process_pool(2) as pool:
        result = compare(
            tiny_multilabel(),
            STRATEGIES,
            label_mode="multi_label",
            output=tmp_path,
            executor=pool,
            **HOLDOUT,
        )
    assert_same(whole[0], result, seconds=False)
    assert len(journal_keys(tmp_path)) == HOLDOUT_RUNS  # written by this process alone
