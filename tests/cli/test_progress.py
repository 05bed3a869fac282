"""``compare``'s progress lines: the counter never passes the total; a resume says so first."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from keras_imbalance.cli import main
from keras_imbalance.cli import progress as progress_module
from keras_imbalance.cli.progress import progress_line, progress_reporter, resume_line
from keras_imbalance.comparison import parallel
from tests.comparison.test_compare import tiny_data

QUICK = ["--epochs", "1", "--n-boot", "20", "--no-plots", "--no-tune", "--no-refit"]
COUNTER = re.compile(r"^\[(\d+)/(\d+) done\] (.*)$")


@pytest.fixture
def npz(tmp_path: Path) -> Path:
    x, y = tiny_data(n_major=16, n_minor=8)
    np.savez(tmp_path / "data.npz", x=x, y=y)
    return tmp_path / "data.npz"


def counters(err: str) -> list[tuple[int, int, str]]:
    found = [COUNTER.match(line) for line in err.splitlines()]
    return [(int(m[1]), int(m[2]), m[3]) for m in found if m]


def test_plain_lines_count_the_finished_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    bar, progress = progress_reporter()
    assert bar is None
    # what compare says with workers: submitted, then each run once it finished, then the end
    progress(0, 2, "2 runs in flight")
    progress(1, 2, "finished none, seed 0")
    progress(2, 2, "finished balanced, seed 0")
    progress(2, 2, "")
    assert capsys.readouterr().err.splitlines() == [
        "[0/2 done] 2 runs in flight",
        "[1/2 done] finished none, seed 0",
        "[2/2 done] finished balanced, seed 0",
    ]
    assert progress_line(0, 3, "none, seed 0") == "[0/3 done] training none, seed 0"


def test_the_counter_never_passes_the_total_with_workers(
    npz: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # one thread stands in for the process pool: the same executor path, no process start-up
    monkeypatch.setattr(parallel, "process_pool", lambda workers: ThreadPoolExecutor(1))
    args = ["compare", str(npz), "--strategies", "none,balanced", "--seeds", "0,1", *QUICK]
    assert main([*args, "--workers", "2", "--output", str(tmp_path / "out")]) == 0
    seen = counters(capsys.readouterr().err)
    assert [total for _, total, _ in seen] == [4] * 5
    assert [done for done, _, _ in seen] == [0, 1, 2, 3, 4]  # in flight, then 4 finished
    assert sorted(label for _, _, label in seen[1:]) == sorted(
        f"finished {name}, seed {seed}" for name in ("none", "balanced") for seed in (0, 1)
    )


def test_the_counter_without_workers(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", str(npz), "--strategies", "none,balanced", "--seeds", "0", *QUICK]
    assert main([*args, "--output", str(tmp_path / "out")]) == 0
    assert counters(capsys.readouterr().err) == [
        (0, 2, "training none, seed 0"),
        (1, 2, "training balanced, seed 0"),
    ]


def test_the_final_model_is_announced_after_the_runs(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", str(npz), "--strategies", "none,balanced", "--seeds", "0", *QUICK]
    assert main([*args, "--refit", "--output", str(tmp_path / "out")]) == 0
    refit = json.loads((tmp_path / "out" / "results.json").read_text())["refit"]
    epochs = f"{refit['epochs']} epoch{'' if refit['epochs'] == 1 else 's'}"
    final = f"final model: {refit['strategy']}, {epochs} on all {refit['samples']} training samples"
    seen = counters(capsys.readouterr().err)
    assert seen[:2] == [(0, 2, "training none, seed 0"), (1, 2, "training balanced, seed 0")]
    assert seen[2:] == [(2, 2, f"training {final}")]  # with the counter the runs left


def test_a_resume_says_how_many_runs_are_finished(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["compare", str(npz), "--strategies", "none,balanced,posthoc", "--seeds", "0", *QUICK]
    assert main([*args, "--output", str(out)]) == 0
    assert "resuming" not in capsys.readouterr().err  # a fresh folder: nothing to resume
    journal = out / "runs.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    assert len(lines) == 4  # the header and three runs
    journal.write_text("".join(lines[:2]))  # as if stopped after the first run
    assert main([*args, "--output", str(out)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == resume_line(out, 1, 3) == f"resuming from {out}: 1 of 3 runs already finished"
    assert counters("\n".join(err)) == [
        (1, 3, "training balanced, seed 0"),
        (2, 3, "training posthoc (tau=1.0), seed 0"),
    ]


def test_a_finished_folder_says_all_runs_are_finished(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["compare", str(npz), "--strategies", "none", "--seeds", "0,1", *QUICK]
    assert main([*args, "--output", str(out)]) == 0
    capsys.readouterr()
    assert main([*args, "--output", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"resuming from {out}: 2 of 2 runs already finished"]
    assert captured.out.lstrip().startswith("{")  # --json's stdout holds the JSON alone


def test_decoding_lines_count_images_and_wait_for_the_resume_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from keras_imbalance.comparison.data.image_cache import DECODING

    assert DECODING == progress_module.DECODING  # the CLI spells compare's label alike
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    _, progress = progress_reporter(resumed=1, folder="out")
    progress(0, 24, DECODING)
    progress(24, 24, DECODING)
    progress(1, 3, "balanced, seed 0")
    assert capsys.readouterr().err.splitlines() == [
        "[0/24 done] decoding images into the cache",
        "[24/24 done] decoding images into the cache",
        "resuming from out: 1 of 3 runs already finished",  # of runs, not of images
        "[1/3 done] training balanced, seed 0",
    ]
