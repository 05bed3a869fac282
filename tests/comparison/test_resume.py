"""compare(output=...): a journal that survives kill -9, and a resume that trains nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from keras_imbalance.comparison import compare
from tests.comparison.test_compare import mlp, tiny_data

STRATEGIES = ["none", "logit_adjusted", "posthoc", "crt"]


def is_run(label: str) -> bool:
    """Whether a progress label names a run (not the end, nor the final model of the refit)."""
    return bool(label) and not label.startswith("final model:")


KWARGS = {
    "model": mlp,
    "epochs": 2,
    "cv": None,  # the child process does not see tests/conftest.py
    "seeds": [0, 1],
    "n_boot": 50,
    "grids": {"logit_adjusted": {"tau": [1.0, 2.0]}, "posthoc": {"tau": [0.0, 1.0]}},
}
ROOT = Path(__file__).resolve().parents[2]


def assert_same_runs(first: list[dict], second: list[dict]) -> None:
    """The same runs: identical choices and predictions, scores equal to float precision."""
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        for key in ("strategy", "seed", "params", "chosen", "best_epoch", "predictions"):
            assert a[key] == b[key], key
        for split in ("validation", "test"):
            assert a[split] == pytest.approx(b[split], abs=1e-9)
        for name, curve in a["history"].items():
            assert curve == pytest.approx(b["history"][name], rel=1e-5), name


def journal_lines(folder: Path) -> int:
    path = folder / "runs.jsonl"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_killed_mid_way_then_resumed_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    whole = compare(tiny_data(), STRATEGIES, output=tmp_path / "whole", **KWARGS)
    total = len(whole.runs)
    assert whole.settings["runs_trained"] == total - 4  # posthoc costs no training
    assert journal_lines(tmp_path / "whole") == total + 1  # a header, then one line per run

    folder = tmp_path / "killed"
    code = (
        "from keras_imbalance.comparison import compare\n"
        "from tests.comparison.test_compare import mlp, tiny_data\n"
        "from tests.comparison.test_resume import KWARGS, STRATEGIES\n"
        f"compare(tiny_data(), STRATEGIES, output={str(folder)!r}, **KWARGS)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
    deadline = time.monotonic() + 120
    while journal_lines(folder) < 4 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    before = journal_lines(folder) - 1
    assert 3 <= before < total, "the kill should land mid-way"

    trained: list[str] = []
    resumed = compare(
        tiny_data(),
        STRATEGIES,
        output=folder,
        progress=lambda done, of, run: trained.append(run) if is_run(run) else None,
        **KWARGS,
    )
    assert_same_runs(resumed.runs, whole.runs)
    assert [r["strategy"] for r in resumed.summary()] == [r["strategy"] for r in whole.summary()]
    assert resumed.best == whole.best
    # nothing finished was trained again: only the runs missing from the journal trained
    assert len(trained) == total - before
    keys = [
        json.dumps(json.loads(line)["key"], sort_keys=True)
        for line in (folder / "runs.jsonl").read_text().splitlines()[1:]
    ]
    assert len(keys) == len(set(keys)) == total


def test_resuming_a_finished_compare_trains_nothing(tmp_path: Path) -> None:
    kwargs = {**KWARGS, "grids": {"posthoc": {"tau": [0.0, 1.0]}}}
    first = compare(tiny_data(), ["none", "posthoc"], output=tmp_path, **kwargs)
    trained: list[str] = []
    again = compare(
        tiny_data(),
        ["none", "posthoc"],
        output=tmp_path,
        progress=lambda done, of, run: trained.append(run) if is_run(run) else None,
        **kwargs,
    )
    assert trained == []
    assert again.settings["runs_trained"] == 0
    assert_same_runs(again.runs, first.runs)


def test_another_configuration_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    kwargs = {**KWARGS, "grids": None}
    compare(tiny_data(), ["none"], output=tmp_path, **{**kwargs, "epochs": 1})
    with pytest.raises(ValueError, match="another configuration"):
        compare(tiny_data(), ["none"], output=tmp_path, **{**kwargs, "epochs": 2})


def test_an_output_that_is_a_file_is_refused_before_training(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    target.write_text("{}")
    built: list[int] = []

    def model(shape: tuple[int, ...], classes: int) -> object:
        built.append(1)
        return mlp(shape, classes)

    with pytest.raises(NotADirectoryError, match="give a folder"):
        compare(tiny_data(), ["none"], output=target, **{**KWARGS, "grids": None, "model": model})
    assert built == [] and target.read_text() == "{}"
