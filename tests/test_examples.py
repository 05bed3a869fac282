"""Each script in examples/ runs on tiny settings and gives sane numbers."""

from __future__ import annotations

import gzip
import runpy
import struct
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import has_module

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str, argv: list[str]) -> dict[str, float]:
    namespace = runpy.run_path(str(EXAMPLES / name), run_name="example")
    return namespace["main"](argv)


def write_idx(path: Path, array: np.ndarray) -> None:
    """The IDX format: magic (0, 0, dtype 0x08, ndim), big-endian dims, then the uint8 data."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    with gzip.open(path, "wb") as file:
        file.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def tiny_fashion(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    for split, n in (("train", 400), ("t10k", 100)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 256, size=(n, 28, 28)) // (1 + (labels[:, None, None] == 6))
        write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", images)
        write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", labels)
    return tmp_path


def test_fashion_detector(tiny_fashion: Path) -> None:
    results = run_example(
        "fashion_detector.py", ["--data-path", str(tiny_fashion), "--epochs", "1", "--limit", "400"]
    )
    assert set(results) == {"plain", "balanced"}
    assert all(0.0 <= value <= 1.0 for value in results.values())


def test_flowers_folder(tmp_path: Path) -> None:
    results = run_example(
        "flowers_folder.py", ["--demo", str(tmp_path / "flowers"), "--epochs", "1"]
    )
    counts = np.array([32, 45, 32, 35, 40], dtype=float)  # round(0.05 * the seed's counts)
    np.testing.assert_allclose([results[str(i)] for i in range(5)], counts.sum() / (5 * counts))
    assert np.isfinite(results["loss"])


@pytest.mark.skipif(not has_module("tensorflow"), reason="the tf.data example needs tensorflow")
def test_tfdata_weights() -> None:
    assert np.isfinite(
        run_example("tfdata_weights.py", ["--samples", "300", "--epochs", "1"])["loss"]
    )


def test_multilabel_weights() -> None:
    results = run_example("multilabel_weights.py", ["--samples", "400", "--epochs", "1"])
    assert all(np.isfinite(v) for v in results.values())


def test_cost_matrix() -> None:
    results = run_example("cost_matrix.py", ["--samples", "300", "--epochs", "1"])
    assert set(results) == {
        "argmax_loss",
        "argmax_recall_class_2",
        "expected_loss",
        "expected_recall_class_2",
    }
    assert all(np.isfinite(v) for v in results.values())
