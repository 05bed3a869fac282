"""compare on an image folder: streamed a batch at a time, equal to compare on the same arrays."""

from __future__ import annotations

import pickle
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

import keras_imbalance.comparison.data.images as images_module
from keras_imbalance.comparison import compare
from keras_imbalance.comparison.data.images import CorruptImageError
from keras_imbalance.comparison.data.splits import make_splits
from keras_imbalance.comparison.parallel import RunTask, process_pool
from tests.comparison.data.test_images import COUNTS, make_folder
from tests.comparison.test_resume import assert_same_runs
from tests.conftest import BACKEND


def tiny_cnn(input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    inputs = keras.Input(input_shape)
    hidden = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    hidden = keras.layers.GlobalAveragePooling2D()(hidden)
    return keras.Model(inputs, keras.layers.Dense(num_classes)(hidden))


# Every kind of strategy: plain, class weights (sample weights on the stream), a loss on one-hot
# targets, resampled batches, mixup batches, and the heads on the none model's features.
STRATEGIES = ["none", "balanced", "focal", "resample", "mixup_drw", "posthoc", "crt"]
# One batch holds the whole training split (12 images), so the order of the samples inside an
# epoch (Keras shuffles arrays its own way, the stream by its seed) only reorders one sum.
KWARGS = {
    "model": tiny_cnn,
    "epochs": 2,
    "seeds": [0],
    "batch_size": 64,
    "n_boot": 20,
    "tune": False,
    "image_size": 8,
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    root = tmp_path_factory.mktemp("images")
    return root, make_folder(root)


def test_streamed_compare_equals_the_array_compare(folder: tuple[Path, np.ndarray]) -> None:
    root, pixels = folder
    # The reference: the same images as arrays, in the listing order, scaled as PNG values.
    x = pixels.astype("float32") / np.float32(255)
    y = np.repeat(list(COUNTS), list(COUNTS.values()))
    arrays = compare((x, y), STRATEGIES, **KWARGS)
    streamed = compare(str(root), STRATEGIES, **KWARGS)
    assert streamed.class_names == arrays.class_names == list(COUNTS)
    assert streamed.splits == arrays.splits  # the same split, made on the file list
    for a, b in zip(streamed.runs, arrays.runs, strict=True):
        assert (a["strategy"], a["best_epoch"]) == (b["strategy"], b["best_epoch"])
        assert a["predictions"] == b["predictions"], a["strategy"]
        for split in ("validation", "test"):
            assert a[split] == pytest.approx(b[split], abs=1e-9)
        for name, curve in a["history"].items():
            assert curve == pytest.approx(b["history"][name], rel=1e-4, abs=1e-6), name


def test_no_more_than_a_batch_is_read_at_once(
    folder: tuple[Path, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = folder
    sizes: list[int] = []
    original = images_module.read_rows

    def counting(path: str, rows: np.ndarray) -> np.ndarray:
        sizes.append(len(rows))
        return original(path, rows)

    monkeypatch.setattr(images_module, "read_rows", counting)
    monkeypatch.setattr(images_module, "PREDICT_BYTES", 5 * 8 * 8 * 3 * 4)
    compare(str(root), ["none", "balanced", "resample", "posthoc"], **{**KWARGS, "batch_size": 4})
    assert sizes and max(sizes) <= 5  # batches of 4, predictions in chunks of 5 images


def test_a_corrupt_image_stops_compare_before_training_unless_skipped(tmp_path: Path) -> None:
    make_folder(tmp_path)
    bad = tmp_path / "dog" / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(CorruptImageError, match=rf"{bad}.*skip_corrupt=True"):
        compare(str(tmp_path), ["none"], **KWARGS)
    with pytest.warns(UserWarning, match=r"(?s)skipped 1 image.*broken\.png"):
        result = compare(str(tmp_path), ["none"], **{**KWARGS, "skip_corrupt": True})
    total = sum(sum(result.splits[s]["counts"]) for s in ("train", "validation", "test"))
    assert total == sum(COUNTS.values())


def test_a_changed_file_changes_the_journal_fingerprint(tmp_path: Path) -> None:
    images, output = tmp_path / "images", tmp_path / "out"
    make_folder(images)
    first = compare(str(images), ["none"], output=output, **KWARGS)
    again = compare(str(images), ["none"], output=output, **KWARGS)
    assert again.settings["runs_trained"] == 0 and first.settings["runs_trained"] == 1
    Image.new("RGB", (8, 8), (1, 2, 3)).save(images / "emu" / "000.png")
    with pytest.raises(ValueError, match="data"):
        compare(str(images), ["none"], output=output, **KWARGS)


def test_a_run_task_carries_the_file_list_not_pixels(folder: tuple[Path, np.ndarray]) -> None:
    root, _ = folder
    splits = make_splits(str(root), image_size=(64, 64))
    arrays = {"train": splits.x_train, "val": splits.x_val, "test": splits.x_test}
    task = RunTask("none", {}, 0, tiny_cnn, arrays, splits, None)  # type: ignore[arg-type]
    pixels = sum(x.shape[0] * 64 * 64 * 3 * 4 for x in arrays.values())
    assert len(pickle.dumps(task)) < 10_000 < pixels


@pytest.mark.skipif(
    BACKEND != "tensorflow", reason="executor plumbing is backend-independent; tensorflow only"
)
def test_parallel_workers_on_a_folder_give_the_sequential_runs(
    folder: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    root, _ = folder
    strategies = ["none", "balanced", "posthoc"]
    sequential = compare(str(root), strategies, **KWARGS)
    with process_pool(2) as executor:
        parallel = compare(str(root), strategies, executor=executor, output=tmp_path, **KWARGS)
    assert_same_runs(parallel.runs, sequential.runs)


def test_a_data_file_path_is_loaded(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    y = np.repeat([0, 1], [28, 12])
    np.savez(tmp_path / "data.npz", x=x, y=y)
    kwargs = {**KWARGS, "model": None}
    by_path = compare(str(tmp_path / "data.npz"), ["none"], **kwargs)
    by_arrays = compare((x, y), ["none"], **kwargs)
    assert_same_runs(by_path.runs, by_arrays.runs)
