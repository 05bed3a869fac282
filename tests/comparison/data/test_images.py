"""Image folders listed, checked, fingerprinted and decoded a batch at a time."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from keras_imbalance.comparison.data.images import (
    CorruptImageError,
    ImageFiles,
    check_image_size,
    check_images,
    corrupt_images,
    file_batches,
    image_folder_data,
    list_image_folder,
    mixup_batches,
)
from keras_imbalance.counting import count_directory
from keras_imbalance.pipelines import BalancedBatches
from keras_imbalance.pipelines.mixup import MixupBatches
from tests.conftest import needs_tensorflow

COUNTS = {"cat": 12, "dog": 5, "emu": 3}


def make_folder(root: Path, counts: dict[str, int] = COUNTS, side: int = 8) -> np.ndarray:
    """Random RGB PNGs, ``side`` x ``side``; returns their pixels in listing order (uint8)."""
    rng = np.random.default_rng(0)
    pixels = []
    for name, count in counts.items():
        (root / name).mkdir(parents=True)
        for index in range(count):
            image = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
            Image.fromarray(image).save(root / name / f"{index:03d}.png")
            pixels.append(image)
    return np.stack(pixels)


def test_listing_matches_count_directory_and_keeps_sorted_order(tmp_path: Path) -> None:
    make_folder(tmp_path)
    (tmp_path / "cat" / "sub").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "cat" / "sub" / "000.PNG")
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    (tmp_path / "loose.png").write_bytes(b"")  # in the root: not a sample, as for Keras
    root, paths, labels, names = list_image_folder(tmp_path)
    assert root == str(tmp_path)
    assert names == ["cat", "dog", "emu"]
    expected = count_directory(tmp_path).counts
    np.testing.assert_array_equal(np.bincount(labels), expected)
    assert paths[:3] == ["cat/000.png", "cat/001.png", "cat/002.png"]
    assert paths[12] == "cat/sub/000.PNG"  # a sub-folder after its parent's files
    assert labels.tolist() == sorted(labels.tolist())


@needs_tensorflow
def test_listing_order_is_keras_file_paths_order(tmp_path: Path) -> None:
    import keras

    make_folder(tmp_path)
    (tmp_path / "dog" / "deeper").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "dog" / "deeper" / "a.png")
    root, paths, labels, _ = list_image_folder(tmp_path)
    dataset = keras.utils.image_dataset_from_directory(
        tmp_path, image_size=(8, 8), shuffle=False, verbose=False
    )
    assert [os.path.join(root, p) for p in paths] == list(dataset.file_paths)
    keras_labels = np.concatenate([y for _, y in dataset.as_numpy_iterator()])
    np.testing.assert_array_equal(labels, keras_labels)


def test_decoded_pixels_are_the_saved_ones_scaled(tmp_path: Path) -> None:
    pixels = make_folder(tmp_path)
    files, labels, names = image_folder_data(tmp_path, image_size=8)
    assert files.shape == (20, 8, 8, 3) and len(files) == 20
    expected = pixels.astype("float32") / np.float32(255)
    np.testing.assert_array_equal(files[np.arange(20)], expected)  # PNG is lossless: exact
    np.testing.assert_array_equal(files[3:5], expected[3:5])
    np.testing.assert_array_equal(files[7], expected[7])
    assert files[[4, 1]].dtype == np.float32
    assert names == list(COUNTS) and np.bincount(labels).tolist() == list(COUNTS.values())


def test_resize_and_grey_images_become_rgb_at_image_size(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    Image.new("L", (10, 6), 51).save(tmp_path / "a" / "grey.png")  # one channel, 10 wide
    Image.new("RGBA", (3, 3), (255, 0, 102, 40)).save(tmp_path / "b" / "alpha.png")
    files, _, _ = image_folder_data(tmp_path, image_size=(4, 5))
    batch = files[[0, 1]]
    assert batch.shape == (2, 4, 5, 3)
    # A constant image stays constant through a bilinear resize: 51/255 = 0.2.
    np.testing.assert_allclose(batch[0], 0.2, rtol=1e-6)
    np.testing.assert_allclose(batch[1], np.broadcast_to([1.0, 0.0, 0.4], (4, 5, 3)), rtol=1e-6)


@pytest.mark.parametrize(
    ("size", "error", "match"),
    [
        (0, ValueError, "image_size"),
        ((8, 0), ValueError, "image_size"),
        ("32", TypeError, r"image_size='32' must be an int or \(height, width\)"),
        (True, TypeError, "image_size=True"),
        ((1, 2, 3), TypeError, "image_size"),
    ],
)
def test_bad_image_size_is_named(size: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        check_image_size(size)


def corrupt_folder(root: Path) -> None:
    make_folder(root)
    (root / "dog" / "empty.png").write_bytes(b"")
    (root / "emu" / "garbage.jpg").write_bytes(b"this is not a jpeg")
    good = (root / "cat" / "000.png").read_bytes()
    (root / "cat" / "truncated.png").write_bytes(good[: len(good) // 2])


def test_corrupt_and_empty_images_are_found_by_path(tmp_path: Path) -> None:
    corrupt_folder(tmp_path)
    root, paths, _, _ = list_image_folder(tmp_path)
    bad = dict(corrupt_images(root, paths))
    assert set(bad) == {"dog/empty.png", "emu/garbage.jpg", "cat/truncated.png"}
    assert bad["dog/empty.png"] == "empty file"


def test_a_corrupt_image_is_a_named_error_unless_skipped(tmp_path: Path) -> None:
    corrupt_folder(tmp_path)
    root, paths, labels, _ = list_image_folder(tmp_path)
    with pytest.raises(CorruptImageError, match=r"truncated\.png.*\(and 2 more\).*skip_corrupt"):
        check_images(root, paths, labels)
    with pytest.warns(UserWarning, match="skipped 3 image") as caught:
        kept, kept_labels = check_images(root, paths, labels, skip_corrupt=True)
    message = str(caught[0].message)
    for name in ("empty.png", "garbage.jpg", "truncated.png"):
        assert os.path.join(str(tmp_path), "") in message and name in message
    assert len(kept) == len(paths) - 3 == 20
    assert not {"dog/empty.png", "emu/garbage.jpg", "cat/truncated.png"} & set(kept)
    assert np.bincount(kept_labels).tolist() == list(COUNTS.values())
    with pytest.raises(TypeError, match="skip_corrupt='yes' must be True or False"):
        check_images(root, paths, labels, skip_corrupt="yes")  # type: ignore[arg-type]


def test_fingerprint_follows_the_file_list_not_the_pixels(tmp_path: Path) -> None:
    make_folder(tmp_path)
    files, labels, _ = image_folder_data(tmp_path)
    first = files.fingerprint(labels)
    assert files.fingerprint(labels) == first
    assert files.fingerprint(labels[::-1].copy()) != first  # the labels count
    assert ImageFiles(files.root, files.paths, (16, 16)).fingerprint(labels) != first
    target = tmp_path / "cat" / "003.png"
    info = os.stat(target)
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))  # touched
    touched = files.fingerprint(labels)
    assert touched != first
    Image.new("RGB", (9, 9)).save(target)  # rewritten
    assert files.fingerprint(labels) not in (first, touched)


def test_image_files_travel_without_pixels(tmp_path: Path) -> None:
    make_folder(tmp_path, {"a": 200, "b": 200}, side=32)
    files, _, _ = image_folder_data(tmp_path, image_size=32)
    sent = pickle.dumps(files)
    assert len(sent) < 10_000 < files[np.arange(len(files))].nbytes  # paths only, 400 images
    assert pickle.loads(sent) == files
    assert files.take([3, 0]).paths == (files.paths[3], files.paths[0])


def test_file_batches_visit_every_file_once_per_epoch_with_class_weights(tmp_path: Path) -> None:
    make_folder(tmp_path)
    files, labels, _ = image_folder_data(tmp_path, image_size=8)
    decoded = files[np.arange(len(files))]
    weights = [0.5, 2.0, 3.0]
    batches = file_batches(files, labels, batch_size=6, seed=3, class_weight=weights)
    assert len(batches) == 4  # ceil(20 / 6)
    orders = []
    for _ in range(2):
        rows = []
        for index in range(len(batches)):
            x, y, w = batches[index]
            # Find each decoded sample among the files: its row, hence its label and weight.
            found = [
                int(np.flatnonzero((decoded == sample).all(axis=(1, 2, 3)))[0]) for sample in x
            ]
            np.testing.assert_array_equal(y, labels[found])
            np.testing.assert_array_equal(w, np.asarray(weights, dtype="float32")[labels[found]])
            rows += found
        assert sorted(rows) == list(range(20))
        orders.append(rows)
        batches.on_epoch_end()
    assert orders[0] != orders[1]  # reshuffled each epoch
    one_hot = file_batches(files, labels, batch_size=20, seed=0, num_classes=3)
    x, y = one_hot[0]
    assert y.shape == (20, 3) and y.sum() == 20
    with pytest.raises(IndexError, match="batch index 1 is out of range for 1 batches"):
        one_hot[1]


def test_balanced_and_mixup_batches_over_files_equal_those_over_arrays(tmp_path: Path) -> None:
    make_folder(tmp_path)
    files, labels, _ = image_folder_data(tmp_path, image_size=8)
    decoded = files[np.arange(len(files))]
    on_files = BalancedBatches(files, labels, batch_size=7, seed=1)
    on_arrays = BalancedBatches(decoded, labels, batch_size=7, seed=1)
    for index in range(len(on_arrays)):
        for a, b in zip(on_files[index], on_arrays[index], strict=True):
            np.testing.assert_array_equal(a, b)
    kwargs = {"batch_size": 6, "alpha": 0.4, "class_weight": [1.0, 2.0, 4.0], "seed": 2}
    mixed_files = mixup_batches(files, labels, **kwargs)
    mixed_arrays = MixupBatches(decoded, labels, **kwargs)
    for _ in range(2):
        for index in range(len(mixed_arrays)):
            for a, b in zip(mixed_files[index], mixed_arrays[index], strict=True):
                np.testing.assert_array_equal(a, b)
        mixed_files.on_epoch_end()
        mixed_arrays.on_epoch_end()


def test_a_folder_without_images_is_named(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("text")
    with pytest.raises(ValueError, match="has 1 class folders but no images"):
        list_image_folder(tmp_path)
