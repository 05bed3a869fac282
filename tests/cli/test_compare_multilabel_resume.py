"""``keras-imbalance compare --label-mode multi_label --output DIR``: the runs journaled in DIR,
a rerun resumes (and says so), other settings in DIR refused; --workers trains on a pool."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from keras_imbalance.cli import main
from tests.comparison.multilabel.test_compare import tiny_multilabel

QUICK = ["--epochs", "1", "--seeds", "0", "--n-boot", "20", "--label-mode", "multi_label"]


def test_cli_journals_and_resumes_multi_label_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x, y = tiny_multilabel()
    np.savez(tmp_path / "data.npz", x=x, y=y)
    out = tmp_path / "out"
    args = ["compare", str(tmp_path / "data.npz"), *QUICK, "--strategies", "none,focal"]
    args += ["--no-tune", "--no-refit", "--no-plots", "--cv", "none", "--output", str(out)]
    assert main(args) == 0
    first = capsys.readouterr()
    assert "training focal-seed0" in first.err
    lines = (out / "runs.jsonl").read_text().splitlines()
    assert [json.loads(line)["key"]["strategy"] for line in lines[1:]] == ["none", "focal"]
    saved = json.loads((out / "results.json").read_text())

    assert main(args) == 0  # everything journaled: nothing trains, the same result
    again = capsys.readouterr()
    assert f"resuming from {out}: 2 of 2 runs already finished" in again.err
    assert "training" not in again.err
    resumed = json.loads((out / "results.json").read_text())
    assert resumed == saved

    changed = [a if a != "1" else "2" for a in args]  # --epochs 2
    assert main(changed) == 2
    assert "training.epochs: 1 vs 2" in capsys.readouterr().err


def test_cli_trains_multi_label_runs_on_workers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--workers N: the runs go to parallel.process_pool(N) (here one thread, to stay quick)."""
    from concurrent.futures import ThreadPoolExecutor

    import keras_imbalance.comparison.parallel as parallel

    asked: list[int] = []

    def pool(workers: int) -> ThreadPoolExecutor:
        asked.append(workers)
        return ThreadPoolExecutor(1)

    monkeypatch.setattr(parallel, "process_pool", pool)
    x, y = tiny_multilabel()
    np.savez(tmp_path / "data.npz", x=x, y=y)
    args = ["compare", str(tmp_path / "data.npz"), *QUICK, "--strategies", "none,focal"]
    args += ["--no-tune", "--no-refit", "--no-plots", "--cv", "none", "--workers", "2"]
    assert main([*args, "--output", str(tmp_path / "out")]) == 0
    assert asked == [2]
    assert "2 runs in flight" in capsys.readouterr().err
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [r["strategy"] for r in saved["runs"]] == ["none", "focal"]


def test_cli_refuses_workers_with_a_dask_scheduler(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", "--dataset", "multilabel-synthetic", *QUICK, "--workers", "2"]
    args += ["--dask-scheduler", "tcp://127.0.0.1:1", "--output", str(tmp_path)]
    assert main(args) == 2
    assert "--workers and --dask-scheduler were both given" in capsys.readouterr().err
