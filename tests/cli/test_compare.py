"""``keras-imbalance compare``: flags, data by path or name, files written, errors before Keras."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_imbalance.cli import main
from tests.comparison.test_compare import tiny_data
from tests.conftest import needs_tensorflow

QUICK = ["--epochs", "1", "--seeds", "0", "--n-boot", "20", "--no-plots"]


def test_cli_compare_on_npz_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    x, y = tiny_data()
    np.savez(tmp_path / "data.npz", x=x, y=y)
    args = ["--strategies", "none,logit_adjusted", *QUICK]
    args += ["--grid", "logit_adjusted.tau=0.5,1.5", "--validation-size", "0.25"]
    code = main(["compare", str(tmp_path / "data.npz"), *args, "--output", str(tmp_path / "a")])
    assert code == 0
    out = capsys.readouterr().out
    assert "Recipe (" in out and "import keras_imbalance as ki" in out
    saved = json.loads((tmp_path / "a" / "results.json").read_text())
    assert saved["strategies"] == ["none", "logit_adjusted"]
    assert saved["settings"]["grids"]["logit_adjusted"] == {"tau": [0.5, 1.5]}
    assert {r["params"]["tau"] for r in saved["runs"] if r["strategy"] == "logit_adjusted"} == {
        0.5,
        1.5,
    }
    assert "0.25 of the data" in saved["splits"]["validation"]["source"]

    lines = ["f0,f1,f2,f3,label"] + [
        ",".join(map(str, row)) + f",c{label}" for row, label in zip(x, y, strict=True)
    ]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n")
    args = ["--label-column", "label", "--strategies", "none,balanced", "--no-tune", *QUICK]
    assert (
        main(
            [
                "compare",
                str(tmp_path / "data.csv"),
                *args,
                "--output",
                str(tmp_path / "b"),
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["class_names"] == ["c0", "c1", "c2"]
    assert data["settings"]["tune"] is False


def test_cli_compare_detector_and_plots(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    x, y = tiny_data()
    np.savez(tmp_path / "data.npz", x=x, y=y)
    args = ["compare", str(tmp_path / "data.npz"), "--detector", "2"]
    args += ["--strategies", "none,posthoc", "--epochs", "1", "--seeds", "0,1", "--n-boot", "20"]
    args += ["--output", str(tmp_path / "out")]
    assert main(args) == 0
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["class_names"] == ["not-2", "2"]
    assert saved["seeds"] == [0, 1]
    for name in (
        "ranking.png",
        "per_class_recall.png",
        "learning_curves.png",
        "class_distribution.png",
    ):
        assert (tmp_path / "out" / name).read_bytes()[:4] == b"\x89PNG"
    assert "<html" in (tmp_path / "out" / "report.html").read_text()


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--strategies", "none,bogus"], "bogus"),
        (["--seeds", "a"], None),
        (["/no/such.npz"], "does not exist"),
        (["--ratio", "0.5"], "--ratio 0.5"),
        (["--epochs", "0"], "--epochs=0"),
        (["--validation-size", "1.2"], "--validation-size=1.2"),
        (["--grid", "focal.gamma=1"], "not compared"),
        (["--grid", "logit_adjusted.bogus=1"], "does not take"),
        (["--grid", "logit_adjusted.tau"], "STRATEGY.KNOB=V1,V2"),
        (["--grid", "logit_adjusted.tau=x"], "not a number"),
        (["--grid", "logit_adjusted.tau=1", "--no-tune"], "ignored"),
        (["--tail-classes", "0"], "--tail-classes=0"),
    ],
)
def test_cli_compare_user_errors(
    args: list[str], match: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["compare", "--strategies", "none,logit_adjusted", "--epochs", "1"]
    if "--strategies" in args:
        base = ["compare", "--epochs", "1"]
    try:
        code = main([*base, *args])
    except SystemExit as exit_:  # argparse type errors
        code = int(exit_.code or 0)
    assert code == 2
    if match:
        assert match in capsys.readouterr().err


def test_cli_output_that_is_a_file_fails_before_training(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    target.write_text("{}")
    code = (
        "import sys; from keras_imbalance.cli import main; "
        f"code = main(['compare', '--epochs', '1', '--output', {str(target)!r}]); "
        "print(code, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "False"]  # refused before Keras was even imported
    assert "give a folder" in out.stderr
    assert target.read_text() == "{}"


def test_cli_flag_errors_do_not_import_keras() -> None:
    code = (
        "import sys; from keras_imbalance.cli import main; "
        "code = main(['compare', '--grid', 'logit_adjusted.tau=-2']); "
        "print(code, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "False"]
    assert "--grid logit_adjusted.tau=-2" in out.stderr


def _write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def _write_fashion_mnist(folder: Path, *, per_class_train: int, per_class_test: int) -> None:
    """Fashion-MNIST's four IDX files in ``folder``: random pixels, every class equally often."""
    rng = np.random.default_rng(0)
    y_train = np.repeat(np.arange(10), per_class_train)
    y_test = np.repeat(np.arange(10), per_class_test)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (y_train.size, 28, 28)),
        "train-labels-idx1-ubyte": y_train,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (y_test.size, 28, 28)),
        "t10k-labels-idx1-ubyte": y_test,
    }
    for name, array in arrays.items():
        _write_idx(folder / name, array)


def test_cli_compare_fashion_mnist_lt_from_a_folder(tmp_path: Path) -> None:
    """--dataset fashion-mnist-lt --data-path --ratio: images scaled, channel added, CNN trained."""
    _write_fashion_mnist(tmp_path, per_class_train=20, per_class_test=3)
    args = ["compare", "--dataset", "fashion-mnist-lt", "--data-path", str(tmp_path)]
    args += ["--ratio", "10", "--strategies", "none", *QUICK]
    args += ["--metric", "macro_f1", "--batch-size", "16", "--learning-rate", "0.01"]
    args += ["--output", str(tmp_path / "out")]
    assert main(args) == 0
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["metric"] == "macro_f1"
    assert saved["class_names"][6] == "Shirt"
    train, val = saved["splits"]["train"]["counts"], saved["splits"]["validation"]["counts"]
    assert train[0] + val[0] == 20 and train[-1] + val[-1] == 2  # ratio 10
    assert saved["splits"]["test"]["counts"] == [3] * 10


@needs_tensorflow  # Keras reads image folders through tf.data
def test_cli_compare_on_an_image_folder(tmp_path: Path) -> None:
    """A class folder is decoded by Keras at --image-size and scaled to [0, 1]."""
    rng = np.random.default_rng(0)
    for name, count in {"big": 12, "small": 6}.items():
        (tmp_path / "images" / name).mkdir(parents=True)
        for index in range(count):
            pixels = rng.integers(0, 256, size=(10, 10, 3), dtype=np.uint8)
            keras.utils.save_img(tmp_path / "images" / name / f"{index}.png", pixels)
    args = ["compare", str(tmp_path / "images"), "--image-size", "8", "--strategies", "none"]
    args += [*QUICK, "--output", str(tmp_path / "out")]
    assert main(args) == 0
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["class_names"] == ["big", "small"]
    assert sum(sum(s["counts"]) for s in saved["splits"].values()) == 18


def test_cli_compare_fashion_mnist_detector_prints_the_operating_points(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dataset fashion-mnist --detector Shirt: the whole set, one class against the rest."""
    _write_fashion_mnist(tmp_path, per_class_train=8, per_class_test=4)
    args = ["compare", "--dataset", "fashion-mnist", "--data-path", str(tmp_path)]
    args += ["--detector", "Shirt", "--strategies", "none,threshold", *QUICK, "--cv", "none"]
    args += ["--output", str(tmp_path / "out")]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Operating points" in printed and "threshold" in printed
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["class_names"] == ["not-Shirt", "Shirt"]
    # every class kept whole (ratio 1): 8 shirts of 80 training images, 4 of 40 test images
    splits = saved["splits"]
    assert sum(splits["train"]["counts"]) + sum(splits["validation"]["counts"]) == 80
    assert saved["splits"]["test"]["counts"] == [36, 4]


def test_cli_compare_fashion_mnist_refuses_a_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--dataset", "fashion-mnist", "--ratio", "5"]) != 0
    assert "--ratio 5.0 applies to a -lt dataset" in capsys.readouterr().err
