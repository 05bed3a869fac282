"""``compare``'s flags are checked before training, and every user error names the flag."""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from keras_imbalance import comparison
from keras_imbalance.cli import compare_checks, main
from keras_imbalance.datasets import load_arrays
from tests.comparison.test_compare import tiny_data

QUICK = ["--epochs", "1", "--seeds", "0", "--n-boot", "20", "--no-plots", "--no-tune"]
# Python keywords that must never reach a command-line user.
PYTHON_WORDS = (
    "positive=",
    "tail_classes=",
    "grids[",
    "validation_data=",
    "class_names=",
    "tensorboard_dir=",
    "output=",
    "Traceback",
)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(err: str, *parts: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("keras-imbalance: error: ")
    for part in parts:
        assert part in lines[0], lines[0]
    for word in PYTHON_WORDS:
        assert word not in lines[0], lines[0]


@pytest.fixture
def npz(tmp_path: Path) -> Path:
    x, y = tiny_data(n_major=16, n_minor=8)
    np.savez(tmp_path / "data.npz", x=x, y=y)
    return tmp_path / "data.npz"


@pytest.mark.parametrize(
    ("detector", "expected"),
    [
        ("99", ["--detector 99", "0..9"]),
        ("-1", ["--detector -1", "0..9"]),
        ("Horse", ["--detector 'Horse'", "'9'"]),
    ],
)
def test_detector_that_is_no_class_of_digits_lt(
    detector: str, expected: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", "--detector", detector, "--strategies", "none", *QUICK]
    code, _, err = run_cli([*args, "--output", str(tmp_path / "out")], capsys)
    assert code == 2
    assert_one_line_error(err, *expected)
    assert not (tmp_path / "out" / "runs.jsonl").exists()  # refused before any training


def test_detector_by_label_on_labels_without_names(tmp_path: Path) -> None:
    x, y = tiny_data(n_major=16, n_minor=8)
    np.savez(tmp_path / "data.npz", x=x, y=y.astype(str))  # labels "0", "1", "2"
    data = load_arrays(tmp_path / "data.npz")
    (x_out, y_out), names = compare_checks.as_detector(data, "2")
    assert names == ["not-2", "2"]
    np.testing.assert_array_equal(y_out, (y == 2).astype(np.int64))
    assert x_out is data[0]


def test_detector_on_a_split_npz_whose_test_split_lacks_a_class(tmp_path: Path) -> None:
    x, y = tiny_data(n_major=16, n_minor=8)
    np.savez(tmp_path / "data.npz", x_train=x, y_train=y, x_test=x[:4], y_test=y[:4])
    data = load_arrays(tmp_path / "data.npz")
    assert set(data[1][1].tolist()) == {0}  # the test labels hold class 0 only
    ((x_train, y_train), (x_test, y_test)), names = compare_checks.as_detector(data, "2")
    assert names == ["not-2", "2"]
    np.testing.assert_array_equal(y_train, (y == 2).astype(np.int64))
    np.testing.assert_array_equal(y_test, np.zeros(4, np.int64))
    assert x_train is data[0][0] and x_test is data[1][0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--data-path", "{tmp}"], ["--data-path", "--dataset fashion-mnist-lt"]),
        (
            ["--dataset", "fashion-mnist-lt", "--data-path", "{tmp}"],
            ["--data-path '{tmp}' lacks the Fashion-MNIST files", "drop --data-path to download"],
        ),
    ],
)
def test_data_path_errors_name_the_flag(
    args: list[str], expected: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    base = ["compare", "--strategies", "none", *QUICK, "--output", str(tmp_path / "out")]
    code, _, err = run_cli([*base, *args], capsys)
    assert code == 2
    assert_one_line_error(err, *(e.replace("{tmp}", str(tmp_path)) for e in expected))


def test_tensorboard_without_the_package_fails_before_training(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compare_checks, "tensorboard_installed", lambda: False)
    logs = tmp_path / "logs"
    args = ["compare", str(npz), "--strategies", "none", *QUICK, "--tensorboard", str(logs)]
    code, _, err = run_cli([*args, "--output", str(tmp_path / "out")], capsys)
    assert code == 2
    assert_one_line_error(err, "--tensorboard", repr(str(logs)), 'pip install "keras-imbalance[')
    assert not (tmp_path / "out").exists() and not logs.exists()


def test_tensorboard_that_is_a_file_fails_before_training(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compare_checks, "tensorboard_installed", lambda: True)
    target = tmp_path / "logs.txt"
    target.write_text("keep me")
    for value in (target, target / "inside"):
        args = ["compare", str(npz), "--strategies", "none", *QUICK, "--tensorboard", str(value)]
        code, _, err = run_cli([*args, "--output", str(tmp_path / "out")], capsys)
        assert code == 2
        assert_one_line_error(err, f"--tensorboard {str(value)!r}", "is a file", "give a folder")
    assert target.read_text() == "keep me"
    assert not (tmp_path / "out").exists()


def test_tensorboard_check_reads_both_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    found = {"tensorflow": object(), "tensorboard": None}
    monkeypatch.setattr(compare_checks.importlib.util, "find_spec", found.get)
    assert compare_checks.tensorboard_installed() is False
    found["tensorboard"] = object()
    assert compare_checks.tensorboard_installed() is True


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_dead_dask_scheduler_fails_fast_in_one_line(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(compare_checks, "DASK_CONNECT_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{closed_port()}"
    args = ["compare", str(npz), "--strategies", "none", *QUICK, "--dask-scheduler", address]
    start = time.monotonic()
    code, _, err = run_cli([*args, "--output", str(tmp_path / "out")], capsys)
    assert time.monotonic() - start < 10
    assert code == 2
    assert_one_line_error(err, f"--dask-scheduler {address!r}", "within 1 s", "dask scheduler")
    assert not (tmp_path / "out" / "runs.jsonl").exists()


def test_dask_connects_with_the_short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    dask_distributed = pytest.importorskip("dask.distributed")
    seen: dict[str, object] = {}

    class Client:
        def __init__(self, address: str, timeout: float) -> None:
            seen.update(address=address, timeout=timeout)

        def get_executor(self) -> str:
            return "executor"

    monkeypatch.setattr(dask_distributed, "Client", Client)
    assert compare_checks.connect_dask("tcp://host:8786") == "executor"
    assert seen == {"address": "tcp://host:8786", "timeout": compare_checks.DASK_CONNECT_TIMEOUT}
    assert compare_checks.DASK_CONNECT_TIMEOUT <= 10


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--tail-classes", "20"], ["--tail-classes 20", "3 classes", "1 to 2"]),
        (["--tail-classes", "2", "--detector", "1"], ["--tail-classes 2", "2 classes"]),
        (["--grid", "logit_adjusted.foo=1"], ["--grid logit_adjusted.foo", "its knobs: 'tau'"]),
        (["--grid", "logit_adjusted.tau=-2"], ["--grid logit_adjusted.tau=-2", "out of range"]),
        (["--grid", "focal.gamma=1"], ["--grid names strategy 'focal'", "--strategies"]),
        (["--grid", "logit_adjusted.tau=1,1"], ["--grid 'logit_adjusted.tau=1,1' lists 1 twice"]),
        (
            ["--grid", "logit_adjusted.tau=1", "--grid", "logit_adjusted.tau=2"],
            ["--grid logit_adjusted.tau is given twice"],
        ),
        (["--seeds", "1,1"], ["--seeds 1,1 lists a seed twice"]),
        (["--detector", "7"], ["--detector '7'", "[0, 1, 2]"]),
        (["--grid", "logit_adjusted.tau=auto"], ["--grid logit_adjusted.tau must be a number"]),
        (["--label-column", "y"], ["--label-column 'y'", "drop --label-column"]),
        (["--ratio", "10"], ["--ratio 10", "drop --ratio or PATH"]),
    ],
)
def test_user_errors_name_the_flag(
    args: list[str],
    expected: list[str],
    npz: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["compare", str(npz), "--strategies", "none,logit_adjusted", "--epochs", "1"]
    code, _, err = run_cli([*base, *args, "--output", str(tmp_path / "out")], capsys)
    assert code == 2
    assert_one_line_error(err, *expected)
    assert not (tmp_path / "out" / "runs.jsonl").exists()


def test_a_one_sample_class_error_names_no_python_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x, y = tiny_data(n_major=16, n_minor=8)
    x, y = np.concatenate([x, x[:1]]), np.concatenate([y, [3]])  # class 3: one sample
    np.savez(tmp_path / "data.npz", x=x, y=y)
    args = ["compare", str(tmp_path / "data.npz"), "--strategies", "none", *QUICK]
    code, _, err = run_cli([*args, "--output", str(tmp_path / "out")], capsys)
    assert code == 2
    assert_one_line_error(err, "class 3", "x_train, y_train, x_test, y_test")


def test_model_from_a_module_in_the_current_folder(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "ki_cli_models.py").write_text(
        "import keras\n\n\n"
        "def build(input_shape, num_classes):\n"
        "    inputs = keras.Input(input_shape)\n"
        "    return keras.Model(inputs, keras.layers.Dense(num_classes)(inputs))\n"
    )
    here = str(Path.cwd())
    # as an installed console script sees it: neither "" nor the current folder on sys.path
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", here, str(folder))])
    monkeypatch.chdir(folder)
    try:
        args = [
            "compare",
            str(npz),
            "--strategies",
            "none",
            *QUICK,
            "--model",
            "ki_cli_models:build",
        ]
        code, _, err = run_cli([*args, "--output", str(tmp_path / "out")], capsys)
        assert code == 0, err
        assert sys.modules["ki_cli_models"].__file__ == str(folder / "ki_cli_models.py")
    finally:
        sys.modules.pop("ki_cli_models", None)
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert "build" in json.dumps(saved["settings"])


class SeenError(Exception):
    """Raised by the stand-in compare once it has seen its arguments."""


def compare_kwargs(
    flag: list[str], npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, object]:
    """The keywords the command line hands to ``compare`` for ``flag`` (nothing trains)."""
    seen: dict[str, object] = {}

    def spy(data: object, strategies: object, **kwargs: object) -> None:
        seen.update(kwargs)
        raise SeenError

    monkeypatch.setattr(comparison, "compare", spy)
    args = ["compare", str(npz), "--strategies", "none", *QUICK, *flag]
    with pytest.raises(SeenError):
        main([*args, "--output", str(tmp_path / "out")])
    return seen


@pytest.mark.parametrize(("flag", "expected"), [([], 0), (["--split-seed", "7"], 7)])
def test_split_seed_reaches_compare(
    flag: list[str], expected: int, npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = compare_kwargs(flag, npz, tmp_path, monkeypatch)
    assert seen["split_seed"] == expected
    assert seen["seeds"] == [0]  # the training seeds stay apart from the split's


def test_split_seed_must_be_a_whole_number_from_zero(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", str(npz), "--strategies", "none", *QUICK, "--split-seed", "-1"]
    code, _, err = run_cli([*args, "--output", str(tmp_path / "out")], capsys)
    assert code == 2
    assert_one_line_error(err, "--split-seed=-1", "out of range")


@pytest.mark.parametrize(("flag", "expected"), [([], True), (["--no-refit"], False)])
def test_refit_flag_reaches_compare(
    flag: list[str], expected: bool, npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert compare_kwargs(flag, npz, tmp_path, monkeypatch)["refit"] is expected


def test_refit_saves_the_final_model_and_says_where(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["compare", str(npz), "--strategies", "none", *QUICK, "--output", str(out)]
    code, stdout, err = run_cli(args, capsys)
    assert code == 0, err
    saved = json.loads((out / "results.json").read_text())["refit"]
    assert saved["model"] == "model.keras" and (out / "model.keras").is_file()
    score = saved["test"]["balanced_accuracy"]
    expected = (
        f"final model (none, all {saved['samples']} training samples): {out / 'model.keras'}; "
        f"test balanced_accuracy {score:.3f}"
    )
    assert expected in stdout.splitlines()
    assert "Final model." in (out / "results.md").read_text()


def test_cv_flag_reaches_compare(
    npz: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", str(npz), "--strategies", "none", *QUICK, "--cv", "2", "--no-refit"]
    code, _, _ = run_cli([*args, "--output", str(tmp_path / "out")], capsys)
    assert code == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["settings"]["selection"]["scheme"] == "cross-validation"
    assert results["settings"]["selection"]["folds"] == 2
    assert results["refit"] is None


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--costs", "fn=x"], "--costs 'fn=x' cannot be read"),
        (["--costs", "fn=1,fp=-1"], "costs['fp']=-1.0"),
        (["--min-precision", "1.5"], "--min-precision"),
        (["--metric", "average_precision", "--dataset", "digits-lt"], "binary problems"),
    ],
)
def test_cli_detector_flags_are_checked(
    args: list[str], match: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from keras_imbalance.cli import main

    base = ["compare", "--epochs", "1", "--seeds", "0", "--output", str(tmp_path / "o")]
    try:
        code = main([*base, "--strategies", "none", *args])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    assert code == 2
    assert match in capsys.readouterr().err


def test_cli_detector_prints_the_operating_points(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x, y = tiny_data()
    np.savez(tmp_path / "data.npz", x=x, y=y)
    quick = ["--epochs", "1", "--seeds", "0", "--n-boot", "20", "--no-plots", "--no-refit"]
    args = ["compare", str(tmp_path / "data.npz"), "--detector", "2", "--cv", "none", *quick]
    code = main([*args, "--strategies", "none,threshold", "--output", str(tmp_path / "o")])
    assert code == 0
    out = capsys.readouterr().out
    assert "**Operating points** (positive class" in out and "| threshold |" in out
    saved = json.loads((tmp_path / "o" / "results.json").read_text())
    assert saved["settings"]["min_precision"] == 0.9
    assert all("threshold" in run for run in saved["runs"])
