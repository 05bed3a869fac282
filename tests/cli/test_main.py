"""The command line: each command and flag, and user errors as exit code 2 with one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_imbalance import ClassWeights, class_weights
from keras_imbalance.cli import main
from keras_imbalance.weighting import STRATEGIES
from tests.conftest import has_module

FLOWERS = {"daisy": 6, "dandelion": 9, "roses": 6, "sunflowers": 7, "tulips": 8}


@pytest.fixture
def flower_tree(tmp_path: Path) -> Path:
    root = tmp_path / "flower_photos"
    for name, count in FLOWERS.items():
        (root / name).mkdir(parents=True)
        for index in range(count):
            (root / name / f"{index}.jpg").write_bytes(b"not an image")
    return root


@pytest.mark.parametrize("with_rich", [True, False], ids=["rich", "plain"])
def test_inspect_prints_table_ratio_and_baseline(
    flower_tree: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    with_rich: bool,
) -> None:
    if not with_rich:  # without the "cli" extra the table is plain text
        monkeypatch.setitem(sys.modules, "rich.console", None)
    elif not has_module("rich"):
        pytest.skip("rich is not installed")
    assert main(["inspect", str(flower_tree)]) == 0
    out = capsys.readouterr().out
    assert ("┃" in out) == with_rich
    for name, count in FLOWERS.items():
        share = f"{count / 36:.1%}"
        assert any(
            line.strip("│ ").startswith(name) and f" {count} " in line and share in line
            for line in out.splitlines()
        )
    assert f"imbalance ratio (max/min): {9 / 6:.3g}" in out
    assert f"{9 / 36:.1%}" in out  # majority baseline: dandelion's share


def test_inspect_json_matches_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    y = np.repeat([0, 1, 2], [50, 30, 20])
    path = tmp_path / "labels.npy"
    np.save(path, y)
    assert main(["inspect", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["counts"] == [50, 30, 20]
    assert data["majority_baseline"] == 0.5
    assert data["imbalance_ratio"] == 2.5
    assert set(data["weights"]) == set(STRATEGIES)
    for strategy in STRATEGIES:
        np.testing.assert_allclose(data["weights"][strategy], class_weights(y, strategy).to_array())


def test_inspect_json_marks_unweighable_strategies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("id,label\n" + "".join(f"{i},{c}\n" for i, c in enumerate([0, 0, 2, 2, 2])))
    assert main(["inspect", str(path), "--column", "label", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["counts"] == [2, 0, 3]
    assert data["imbalance_ratio"] is None  # a class has no samples
    assert all(value is None for value in data["weights"].values())


def test_inspect_plot_writes_png(flower_tree: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "counts.png"
    assert main(["inspect", str(flower_tree), "--plot", str(target)]) == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_weights_output_round_trips(flower_tree: Path, tmp_path: Path, strategy: str) -> None:
    target = tmp_path / "weights.json"
    assert (
        main(
            [
                "weights",
                str(flower_tree),
                "--strategy",
                strategy,
                "--mu",
                "auto",
                "--output",
                str(target),
            ]
        )
        == 0
    )
    loaded = ClassWeights.load(target)
    expected = class_weights(flower_tree, strategy, mu="auto")
    assert dict(loaded) == dict(expected)
    assert all(type(key) is int for key in loaded)
    assert loaded.class_names == list(FLOWERS)


def test_weights_normalize_and_clip(flower_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "weights",
        str(flower_tree),
        "--strategy",
        "inverse",
        "--normalize",
        "max",
        "--clip",
        "0",
        "0.8",
        "--json",
    ]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    counts = np.array(list(FLOWERS.values()), dtype=float)
    expected = np.clip((1 / counts) / (1 / counts).max(), 0, 0.8)
    np.testing.assert_allclose(list(data["weights"].values()), expected)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inspect", "/no/such/folder"], "does not exist"),
        (["weights", "{empty}"], "empty"),
        (["inspect", "{csv}"], "column"),
        (["weights", "{npy}", "--strategy", "balanced"], "no samples"),
        (["inspect", "{bad_npy}"], "non-integral"),
    ],
)
def test_user_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "l.csv").write_text("label\n1\n2\n")
    np.save(tmp_path / "zero.npy", np.array([0, 0, 2]))
    np.save(tmp_path / "bad.npy", np.array([0.5, 1.0]))
    paths = {
        "{empty}": str(tmp_path / "empty"),
        "{csv}": str(tmp_path / "l.csv"),
        "{npy}": str(tmp_path / "zero.npy"),
        "{bad_npy}": str(tmp_path / "bad.npy"),
    }
    code = main([paths.get(a, a) for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("keras-imbalance: error:")
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_console_script_and_module_entry_points(tmp_path: Path) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "keras_imbalance", "inspect", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1
    usage = subprocess.run(
        [sys.executable, "-m", "keras_imbalance", "weights", str(tmp_path), "--strategy", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert usage.returncode == 2
    assert "invalid choice" in usage.stderr


@pytest.mark.parametrize(
    ("args", "prog", "message"),
    [
        (["compare", "--epochs", "x"], "keras-imbalance compare", "argument --epochs: invalid int"),
        (["compare", "--bogus"], "keras-imbalance", "unrecognized arguments: --bogus"),
        (["compare", "--metric", "auc"], "keras-imbalance compare", "argument --metric: invalid"),
        (["weights", "a.npy", "--strategy", "x"], "keras-imbalance weights", "--strategy"),
        (["nosuch"], "keras-imbalance", "argument COMMAND: invalid choice: 'nosuch'"),
        (["compare", "--cv", "1"], "keras-imbalance compare", "--cv must be auto, none"),
        (["compare", "--cv", "five"], "keras-imbalance compare", "got 'five'; e.g. --cv 5"),
    ],
)
def test_usage_errors_take_one_line(
    args: list[str], prog: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"{prog}: error: ")
    assert message in lines[0]
    assert lines[0].endswith(f"; see {prog} --help")
