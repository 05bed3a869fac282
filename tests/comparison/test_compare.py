"""compare(): every strategy runs, runs reproduce, the schema is stable, bad input fails early."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_imbalance.cli import main
from keras_imbalance.comparison import COMPARE_STRATEGIES, METRICS, Comparison, compare
from tests.conftest import needs_tensorflow


def tiny_data(
    seed: int = 0, n_major: int = 120, n_minor: int = 24
) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 4-D, 120/60/24 samples."""
    rng = np.random.default_rng(seed)
    sizes = [n_major, n_major // 2, n_minor]
    y = np.repeat(np.arange(3), sizes)
    centers = np.eye(3, 4) * 2.5
    x = (rng.normal(size=(y.size, 4)) + centers[y]).astype("float32")
    return x, y


def mlp(input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(num_classes)])


@pytest.fixture(scope="module")
def every_strategy() -> Comparison:
    return compare(
        tiny_data(), COMPARE_STRATEGIES, model=mlp, epochs=2, seeds=[0, 1], batch_size=32
    )


def test_every_strategy_runs_and_scores(every_strategy: Comparison) -> None:
    assert [r["strategy"] for r in every_strategy.runs] == [
        s for s in COMPARE_STRATEGIES for _ in (0, 1)
    ]
    for run in every_strategy.runs:
        assert set(run["metrics"]) == set(METRICS)
        assert all(0.0 <= run["metrics"][m] <= 1.0 for m in METRICS if m != "mcc")
        assert len(run["per_class_recall"]) == 3
    summary = every_strategy.summary()
    assert [row["rank"] for row in summary] == list(range(1, len(COMPARE_STRATEGIES) + 1))
    means = [row["mean"]["balanced_accuracy"] for row in summary]
    assert means == sorted(means, reverse=True)
    assert every_strategy.best == summary[0]["strategy"]


def test_metrics_match_sklearn_on_held_out_predictions() -> None:
    from sklearn.metrics import balanced_accuracy_score, f1_score, matthews_corrcoef, recall_score

    x, y = tiny_data()
    result = compare(
        (x, y), ["none"], model=mlp, epochs=1, seeds=[3], batch_size=64, learning_rate=1e-3
    )
    # Rebuild the run by hand: same seed, same initial weights, same fit.
    from keras_imbalance.comparison.splits import _held_out_split

    split = _held_out_split(x, y, test_size=0.3, seed=3)
    keras.utils.set_random_seed(3)
    initial = mlp((4,), 3).get_weights()
    keras.utils.set_random_seed(3)
    model = mlp((4,), 3)
    model.set_weights(initial)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(split.x_train, split.y_train, epochs=1, batch_size=64, shuffle=True, verbose=0)
    predicted = model.predict(split.x_test, verbose=0).argmax(-1)
    metrics = result.runs[0]["metrics"]
    assert metrics["balanced_accuracy"] == pytest.approx(
        balanced_accuracy_score(split.y_test, predicted)
    )
    assert metrics["macro_f1"] == pytest.approx(f1_score(split.y_test, predicted, average="macro"))
    assert metrics["mcc"] == pytest.approx(matthews_corrcoef(split.y_test, predicted))
    recall = recall_score(split.y_test, predicted, average=None)
    assert metrics["g_mean"] == pytest.approx(float(np.prod(recall) ** (1 / 3)))
    np.testing.assert_allclose(result.runs[0]["per_class_recall"], recall)


def test_held_out_split_is_balanced_and_disjoint() -> None:
    from keras_imbalance.comparison.splits import _held_out_split

    x, y = tiny_data()
    split = _held_out_split(x, y, test_size=0.3, seed=0)
    assert split.held_out == "balanced"
    assert np.bincount(split.y_test).tolist() == [7, 7, 7]  # floor(24 * 0.3) per class
    assert len(split.x_train) + len(split.x_test) == len(x)
    rows = {tuple(row) for row in split.x_train}
    assert not any(tuple(row) in rows for row in split.x_test)


def test_reproducible_with_fixed_seed() -> None:
    first = compare(tiny_data(), ["none", "balanced"], model=mlp, epochs=2, seeds=[5])
    second = compare(tiny_data(), ["none", "balanced"], model=mlp, epochs=2, seeds=[5])
    for a, b in zip(first.runs, second.runs, strict=True):
        assert a["metrics"] == pytest.approx(b["metrics"], abs=1e-6)
        assert a["history"]["loss"] == pytest.approx(b["history"]["loss"], rel=1e-5)


def test_posthoc_equals_adjusted_none_logits() -> None:
    result = compare(tiny_data(), ["none", "posthoc"], model=mlp, epochs=1, seeds=[0])
    none, posthoc = result.runs
    assert none["history"] == posthoc["history"]  # posthoc trains nothing of its own


def test_json_schema_is_stable(every_strategy: Comparison, tmp_path: Path) -> None:
    data = json.loads(every_strategy.to_json())
    assert set(data) == {
        "schema_version",
        "metric",
        "strategies",
        "seeds",
        "epochs",
        "class_names",
        "train_counts",
        "test_counts",
        "tail_classes",
        "held_out",
        "runs",
        "summary",
        "best",
        "gain_over_none",
    }
    assert data["schema_version"] == 1
    assert set(data["runs"][0]) == {
        "strategy",
        "seed",
        "metrics",
        "per_class_recall",
        "history",
        "seconds",
    }
    assert set(data["summary"][0]) == {"strategy", "rank", "mean", "std", "tail_recall"}
    assert data["tail_classes"] == [2]
    written = every_strategy.save(tmp_path, plots=False)
    assert json.loads(written[0].read_text()) == data
    assert "| rank | strategy |" in written[1].read_text()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"strategies": ["nope"]}, ValueError, "strategies='nope'"),
        ({"strategies": []}, ValueError, "empty"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"seeds": []}, ValueError, "seeds"),
        ({"metric": "auc"}, ValueError, "metric"),
        ({"model": lambda shape, c: mlp(shape, c + 1)}, ValueError, "3 classes"),
        (
            {
                "model": lambda shape, c: keras.Sequential(
                    [keras.Input(shape), keras.layers.Dense(c, activation="softmax")]
                )
            },
            ValueError,
            "logits",
        ),
    ],
)
def test_bad_arguments_fail_before_training(kwargs: dict, error: type, match: str) -> None:
    kwargs = {"strategies": ["none"], "model": mlp, "epochs": 1, "seeds": [0], **kwargs}
    strategies = kwargs.pop("strategies")
    with pytest.raises(error, match=match):
        compare(tiny_data(), strategies, **kwargs)


def test_one_class_is_refused() -> None:
    x = np.zeros((40, 4), "float32")
    with pytest.raises(ValueError, match="at least 2 classes"):
        compare(
            ((x, np.zeros(40, int)), (x, np.zeros(40, int))),
            ["none"],
            model=mlp,
            epochs=1,
            seeds=[0],
        )


def test_cli_compare_on_npz_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    x, y = tiny_data()
    np.savez(tmp_path / "data.npz", x=x, y=y)
    args = ["--strategies", "none,balanced", "--epochs", "1", "--seeds", "0", "--no-plots"]
    assert (
        main(
            [
                "compare",
                str(tmp_path / "data.npz"),
                *args,
                "--output",
                str(tmp_path / "a"),
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["strategies"] == ["none", "balanced"]
    assert (tmp_path / "a" / "results.md").exists()

    lines = ["f0,f1,f2,f3,label"] + [
        ",".join(map(str, row)) + f",c{label}" for row, label in zip(x, y, strict=True)
    ]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n")
    assert (
        main(
            [
                "compare",
                str(tmp_path / "data.csv"),
                "--label-column",
                "label",
                *args,
                "--output",
                str(tmp_path / "b"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Best strategy" in out
    saved = json.loads((tmp_path / "b" / "results.json").read_text())
    assert saved["class_names"] == ["c0", "c1", "c2"]


def test_cli_compare_detector_and_plots(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    x, y = tiny_data()
    np.savez(tmp_path / "data.npz", x=x, y=y)
    args = [
        "compare",
        str(tmp_path / "data.npz"),
        "--detector",
        "2",
        "--strategies",
        "none,posthoc",
        "--epochs",
        "1",
        "--seeds",
        "0,1",
        "--output",
        str(tmp_path / "out"),
    ]
    assert main(args) == 0
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["class_names"] == ["not-2", "2"]
    assert saved["seeds"] == [0, 1]
    for name in ("comparison.png", "training_curves.png", "class_distribution.png"):
        assert (tmp_path / "out" / name).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--strategies", "none,bogus"], "bogus"),
        (["--seeds", "a"], None),
        (["/no/such.npz"], "does not exist"),
        (["--ratio", "0.5"], "ratio=0.5"),
    ],
)
def test_cli_compare_user_errors(
    args: list[str], match: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["compare", *args, "--epochs", "1"])
    except SystemExit as exit_:  # argparse type errors
        code = int(exit_.code or 0)
    assert code == 2
    if match:
        assert match in capsys.readouterr().err


def _write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_cli_compare_fashion_mnist_lt_from_a_folder(tmp_path: Path) -> None:
    """--dataset fashion-mnist-lt --data-path --ratio: images scaled, channel added, CNN trained."""
    rng = np.random.default_rng(0)
    y_train = np.repeat(np.arange(10), 20)
    y_test = np.repeat(np.arange(10), 3)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (y_train.size, 28, 28)),
        "train-labels-idx1-ubyte": y_train,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (y_test.size, 28, 28)),
        "t10k-labels-idx1-ubyte": y_test,
    }
    for name, array in arrays.items():
        _write_idx(tmp_path / name, array)
    args = ["compare", "--dataset", "fashion-mnist-lt", "--data-path", str(tmp_path)]
    args += ["--ratio", "10", "--strategies", "none", "--epochs", "1", "--seeds", "0"]
    args += ["--metric", "macro_f1", "--batch-size", "16", "--learning-rate", "0.01"]
    args += ["--no-plots", "--output", str(tmp_path / "out")]
    assert main(args) == 0
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["metric"] == "macro_f1"
    assert saved["class_names"][6] == "Shirt"
    assert saved["train_counts"][0] == 20 and saved["train_counts"][-1] == 2  # ratio 10
    assert saved["test_counts"] == [3] * 10


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
    args += ["--epochs", "1", "--seeds", "0", "--no-plots", "--output", str(tmp_path / "out")]
    assert main(args) == 0
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["class_names"] == ["big", "small"]
    assert sum(saved["train_counts"]) + sum(saved["test_counts"]) == 18
