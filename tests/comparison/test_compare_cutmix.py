"""compare with CutMix: it trains on image batches (arrays, a folder alike, a stream), refuses
other data before training."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

import keras_imbalance.comparison.data.streams as streams_module
import keras_imbalance.pipelines.mixup as mixup_module
from keras_imbalance.comparison import compare
from tests.comparison.data.test_augment import images, small_net
from tests.comparison.data.test_images import COUNTS, make_folder
from tests.comparison.test_folders import tiny_cnn

KWARGS: dict[str, Any] = {"epochs": 1, "seeds": [0], "batch_size": 16, "n_boot": 10}


def test_cutmix_trains_on_cut_image_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    boxes: list[tuple[int, ...]] = []
    cut_batch = mixup_module.cut_batch

    def spy(x: np.ndarray, *args: Any, **kwargs: Any) -> tuple[np.ndarray, ...]:
        boxes.append(x.shape)
        return cut_batch(x, *args, **kwargs)

    monkeypatch.setattr(mixup_module, "cut_batch", spy)
    result = compare(
        images(0),
        ["none", "cutmix", "cutmix_drw"],
        validation_data=images(2, sizes=(6, 6, 6)),
        model=small_net,
        grids={"cutmix": {"alpha": [0.2, 1.0]}},
        **KWARGS,
    )
    runs = {(run["strategy"], tuple(run["params"].items())) for run in result.runs}
    assert ("cutmix", (("alpha", 0.2),)) in runs and ("cutmix", (("alpha", 1.0),)) in runs
    assert any(name == "cutmix_drw" for name, _ in runs)
    assert all(np.isfinite(run["validation"]["balanced_accuracy"]) for run in result.runs)
    # Three runs of ceil(44 / 16) = 3 batches each (Keras may peek at one more).
    assert len(boxes) >= 9 and all(shape[1:] == (8, 8, 1) for shape in boxes)


def test_cutmix_on_a_folder_equals_cutmix_on_its_arrays(tmp_path: Path) -> None:
    pixels = make_folder(tmp_path)
    x = pixels.astype("float32") / np.float32(255)
    y = np.repeat(list(COUNTS), list(COUNTS.values()))
    kwargs = {**KWARGS, "model": tiny_cnn, "tune": False, "image_size": 8}
    kwargs |= {"batch_size": 64, "refit": False}
    arrays = compare((x, y), ["cutmix_drw"], **kwargs)
    streamed = compare(str(tmp_path), ["cutmix_drw"], **kwargs)
    for a, b in zip(streamed.runs, arrays.runs, strict=True):
        assert a["predictions"] == b["predictions"], a["strategy"]
        for name, curve in a["history"].items():
            assert curve == pytest.approx(b["history"][name], rel=1e-4, abs=1e-6), name


@pytest.mark.parametrize("strategy", ["cutmix", "cutmix_drw"])
def test_cutmix_refuses_data_that_are_not_images_before_training(strategy: str) -> None:
    x = np.random.default_rng(0).normal(size=(40, 5)).astype("float32")
    y = np.repeat([0, 1], [30, 10])
    with pytest.raises(ValueError, match=rf"'{strategy}', which needs images:.*\(5,\).*'mixup'"):
        compare((x, y), ["none", strategy], **KWARGS)


class ImageBatches(keras.utils.PyDataset):  # type: ignore[misc]
    """Arrays in fixed batches of 16, in order: a user's stream."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        super().__init__()
        self.x, self.y = x, y

    def __len__(self) -> int:
        return -(-len(self.x) // 16)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rows = slice(index * 16, (index + 1) * 16)
        return self.x[rows], self.y[rows]


def test_cutmix_on_a_stream_cuts_its_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    shapes: list[tuple[int, ...]] = []
    cut_batch = streams_module.cut_batch

    def spy(x: np.ndarray, *args: Any, **kwargs: Any) -> tuple[np.ndarray, ...]:
        shapes.append(x.shape)
        return cut_batch(x, *args, **kwargs)

    monkeypatch.setattr(streams_module, "cut_batch", spy)
    sizes = (6, 6, 6)
    result = compare(
        (ImageBatches(*images(0)), ImageBatches(*images(1, sizes=sizes))),
        ["cutmix_drw"],
        validation_data=ImageBatches(*images(2, sizes=sizes)),
        model=small_net,
        tune=False,
        refit=False,
        **KWARGS,
    )
    assert [run["strategy"] for run in result.runs] == ["cutmix_drw"]
    assert shapes and all(shape[1:] == (8, 8, 1) for shape in shapes)
    x = np.zeros((40, 5), dtype="float32")
    y = np.repeat([0, 1], [30, 10])
    with pytest.raises(ValueError, match=r"'cutmix_drw', which needs images"):
        compare(
            (ImageBatches(x, y), ImageBatches(x, y)),
            ["cutmix_drw"],
            validation_data=ImageBatches(x, y),
            **KWARGS,
        )
