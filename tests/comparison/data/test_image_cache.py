"""Image folders decoded once into a uint8 cache: same numbers, reused, invalidated, atomic."""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.data import image_cache, images
from keras_imbalance.comparison.data.image_cache import (
    cached_splits,
    check_cache_dir,
    decoded_chunks,
    ensure_cache,
)
from keras_imbalance.comparison.data.images import ImageFiles
from keras_imbalance.comparison.data.pixel_rows import read_rows, write_rows
from keras_imbalance.comparison.data.splits import join_inputs, make_splits

COUNTS = {"ant": 14, "bee": 10}
SIZE = (6, 5)  # (height, width): every 8x8 file is resized


def make_folder(root: Path) -> Path:
    """Random 8x8 PNGs (RGB, grey and RGBA: each path through ``convert("RGB")``)."""
    rng = np.random.default_rng(1)
    for name, count in COUNTS.items():
        (root / name).mkdir(parents=True)
        for index in range(count):
            image = Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
            mode = ("RGB", "L", "RGBA")[index % 3]
            image.convert(mode).save(root / name / f"{index:02d}.png")
    return root


def reference(path: str, size: tuple[int, int] = SIZE) -> np.ndarray:
    """PIL written out here: RGB, bilinear resize, float32 / 255."""
    with Image.open(path) as image:
        rgb = image.convert("RGB").resize((size[1], size[0]), Image.Resampling.BILINEAR)
    return np.asarray(rgb, dtype=np.float32) / np.float32(255)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path / "images")


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths decoded, in call order (a spy on :func:`images.decode_image`)."""
    seen: list[str] = []
    decode = images.decode_image

    def spy(path: str, image_size: tuple[int, int]) -> np.ndarray:
        seen.append(path)
        return decode(path, image_size)

    monkeypatch.setattr(images, "decode_image", spy)
    return seen


def all_pixels(files: ImageFiles) -> np.ndarray:
    return files[np.arange(len(files))]


def test_cache_gives_the_numbers_decoding_gives(folder: Path, tmp_path: Path) -> None:
    splits = make_splits(str(folder), image_size=SIZE)
    cached = cached_splits(splits, tmp_path / "cache")
    for name in ("x_train", "x_val", "x_test"):
        plain, fast = getattr(splits, name), getattr(cached, name)
        assert plain.cache is None and fast.cache is not None
        expected = np.stack([reference(os.path.join(plain.root, p)) for p in plain.paths])
        for got in (all_pixels(fast), fast[:], all_pixels(plain)):
            assert got.dtype == np.float32
            np.testing.assert_array_equal(got, expected)
        rows = np.array([2, 0, 2, len(fast) - 1])
        np.testing.assert_array_equal(fast[rows], expected[rows])
        np.testing.assert_array_equal(fast[1], expected[1])
        np.testing.assert_array_equal(fast[-1], expected[-1])
        np.testing.assert_array_equal(fast.take(rows)[:], expected[rows])


def test_each_file_is_decoded_once_and_then_read(
    folder: Path, tmp_path: Path, decodes: list[str]
) -> None:
    splits = make_splits(str(folder), image_size=SIZE)
    cached = cached_splits(splits, tmp_path / "cache")
    total = sum(COUNTS.values())
    assert sorted(decodes) == sorted({os.path.join(str(folder), p) for p in _paths(splits)})
    assert len(decodes) == total
    for _ in range(3):  # passes read the cache
        all_pixels(cached.x_train)
    again = cached_splits(make_splits(str(folder), image_size=SIZE, seed=5), tmp_path / "cache")
    all_pixels(again.x_val)
    assert len(decodes) == total  # another split of the same files: no decode
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 1


def _paths(splits: object) -> list[str]:
    return [p for name in ("x_train", "x_val", "x_test") for p in getattr(splits, name).paths]


def test_compare_decodes_once_and_a_resume_not_at_all(
    folder: Path, tmp_path: Path, decodes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(image_cache, "REPORT_SECONDS", 0.0)  # a report after every image
    heard: list[tuple[int, int, str]] = []
    options = {
        "strategies": ["none", "balanced"],
        "epochs": 2,
        "seeds": [0],
        "n_boot": 10,
        "image_size": SIZE,
        "batch_size": 8,
        "cv": None,
        "refit": True,
        "output": tmp_path / "out",
        "progress": lambda *call: heard.append(call),
    }
    total = sum(COUNTS.values())
    first = compare(str(folder), **options)
    assert len(decodes) == total  # 2 strategies, 2 epochs, refit: one decode
    assert len(list((tmp_path / "out" / "cache").glob("images-6x5-*.npy"))) == 1
    # The decoding reports first: from 0, one report per image here, up to every image.
    decoding = [call for call in heard if call[2] == image_cache.DECODING]
    assert heard[: len(decoding)] == decoding
    assert decoding == [(done, total, image_cache.DECODING) for done in range(total + 1)]
    heard.clear()
    second = compare(str(folder), **options)
    assert len(decodes) == total
    assert second.summary() == first.summary()
    assert heard and not [call for call in heard if call[2] == image_cache.DECODING]


def test_the_decoding_reports_at_most_once_a_second(folder: Path, tmp_path: Path) -> None:
    files, labels, _ = image_cache._all_files(make_splits(str(folder), image_size=SIZE))
    heard: list[tuple[int, int, str]] = []
    started = time.monotonic()
    ensure_cache(files, labels, tmp_path, workers=2, progress=lambda *call: heard.append(call))
    elapsed = time.monotonic() - started
    n = len(files)
    assert heard[0] == (0, n, "decoding images into the cache") and heard[-1] == (n, n, heard[0][2])
    done = [call[0] for call in heard]
    assert done == sorted(set(done))
    assert len(heard) <= 2 + int(elapsed)  # between the first and the last: one a second
    ticks = iter(range(100))  # one second per image: a report after each

    def clock() -> float:
        return float(next(ticks))

    every: list[int] = []
    seen = image_cache.decode_reporter(lambda done, *_: every.append(done), 5, clock=clock)
    for count in range(6):
        seen(count)
    assert every == [0, 1, 2, 3, 4, 5]
    none_heard = image_cache.decode_reporter(None, 5)
    none_heard(5)  # no callback: nothing to call


def test_compare_keeps_a_named_cache_dir_or_removes_its_temporary_one(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = {"epochs": 1, "seeds": [0], "n_boot": 10, "image_size": SIZE, "refit": False}
    named = tmp_path / "named" / "cache"
    compare(str(folder), ["none"], cache_dir=named, cv=None, **options)
    assert len(list(named.glob("images-6x5-*.npy"))) == 1
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    made: list[Path] = []
    cached = image_cache.cached_splits

    def seen(splits: object, where: Path, workers: int | None = None, **kw: object) -> object:
        made.append(where)
        return cached(splits, where, workers, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(image_cache, "cached_splits", seen)
    compare(str(folder), ["none"], cv=None, **options)
    assert made and made[0].parent == tmp_path / "tmp" and not made[0].exists()


def test_a_changed_file_is_decoded_again(folder: Path, tmp_path: Path, decodes: list[str]) -> None:
    first = cached_splits(make_splits(str(folder), image_size=SIZE), tmp_path / "cache")
    target = os.path.join(first.x_train.root, first.x_train.paths[0])
    Image.new("RGB", (8, 8), (255, 0, 9)).save(target)
    os.utime(target, ns=(10**18, 10**18))
    second = cached_splits(make_splits(str(folder), image_size=SIZE), tmp_path / "cache")
    assert len(decodes) == 2 * sum(COUNTS.values())
    assert second.x_train.cache.path != first.x_train.cache.path
    np.testing.assert_array_equal(second.x_train[0], reference(target))
    assert second.x_train[0][0, 0].tolist() == [1.0, 0.0, np.float32(9) / np.float32(255)]


def test_a_leftover_or_short_file_is_never_trusted(
    folder: Path, tmp_path: Path, decodes: list[str]
) -> None:
    splits = make_splits(str(folder), image_size=SIZE)
    cache = tmp_path / "cache"
    files, labels, _ = image_cache._all_files(splits)
    path = image_cache.cache_path(files, labels, cache)
    cache.mkdir()
    (cache / (path.name + ".x1y2.tmp")).write_bytes(b"half written")  # a crashed writer's
    np.save(path, np.zeros((3, *SIZE, 3), dtype=np.uint8))  # the wrong shape under the name
    ensure_cache(files, labels, cache)
    assert len(decodes) == len(files)
    np.testing.assert_array_equal(np.load(path)[0], np.round(reference(files.paths[0]) * 255))


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    def chunks() -> object:
        yield np.ones((2, 1, 1, 3), dtype=np.uint8)
        raise RuntimeError("decoder died")

    with pytest.raises(RuntimeError, match="decoder died"):
        write_rows(str(tmp_path / "rows.npy"), (4, 1, 1, 3), chunks())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="2 rows were written for a file of 4"):
        write_rows(str(tmp_path / "rows.npy"), (4, 1, 1, 3), [np.ones((2, 1, 1, 3), "uint8")])
    assert list(tmp_path.iterdir()) == []


def test_parallel_decode_gives_the_bytes_of_sequential(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, _, _ = image_cache._all_files(make_splits(str(folder), image_size=SIZE))
    monkeypatch.setattr(image_cache, "CHUNK_BYTES", 5 * SIZE[0] * SIZE[1] * 3)  # 5 per chunk
    one = list(decoded_chunks(files, workers=1))
    four = list(decoded_chunks(files, workers=4))
    assert [len(chunk) for chunk in four] == [5] * 4 + [4]
    assert np.concatenate(one).tobytes() == np.concatenate(four).tobytes()
    expected = np.stack([np.round(reference(p) * 255) for p in files.paths]).astype(np.uint8)
    np.testing.assert_array_equal(np.concatenate(four), expected)


def test_cached_files_pickle_small_and_read_the_same(folder: Path, tmp_path: Path) -> None:
    cached = cached_splits(make_splits(str(folder), image_size=SIZE), tmp_path / "cache")
    rows = cached.x_train.cache
    assert len(pickle.dumps(rows)) < len(rows.path) + 8 * len(rows.rows) + 400
    restored = pickle.loads(pickle.dumps(cached.x_train))
    np.testing.assert_array_equal(all_pixels(restored), all_pixels(cached.x_train))


def test_joined_and_taken_files_keep_reading_the_cache(folder: Path, tmp_path: Path) -> None:
    splits = make_splits(str(folder), image_size=SIZE)
    cached = cached_splits(splits, tmp_path / "cache")
    joined = join_inputs(cached.x_train, cached.x_val)
    assert joined.cache is not None
    np.testing.assert_array_equal(
        joined[:], np.concatenate([all_pixels(splits.x_train), all_pixels(splits.x_val)])
    )
    rows = np.array([3, 1])
    np.testing.assert_array_equal(
        joined.take(rows)[:], join_inputs(splits.x_train, splits.x_val)[rows]
    )


def test_an_unreachable_cache_falls_back_to_decoding(folder: Path, tmp_path: Path) -> None:
    splits = make_splits(str(folder), image_size=SIZE)
    cached = cached_splits(splits, tmp_path / "cache")
    os.remove(cached.x_test.cache.path)
    np.testing.assert_array_equal(all_pixels(cached.x_test), all_pixels(splits.x_test))


def test_read_rows_reads_runs_and_scattered_rows(tmp_path: Path) -> None:
    data = np.random.default_rng(0).integers(0, 256, (9, 2, 3, 3), dtype=np.uint8)
    np.save(tmp_path / "rows.npy", data)
    for rows in ([0, 1, 2, 3], [8, 2, 3, 4, 0, 0], [], [5]):
        got = read_rows(str(tmp_path / "rows.npy"), np.array(rows, dtype=np.int64))
        np.testing.assert_array_equal(got, data[np.array(rows, dtype=np.int64)])
    with pytest.raises(IndexError, match="out of range"):
        read_rows(str(tmp_path / "rows.npy"), np.array([9]))


@pytest.mark.parametrize("bad", [123, b"bytes", ""])
def test_cache_dir_must_be_a_path(bad: object) -> None:
    with pytest.raises(TypeError, match=r"^cache_dir=.* must be the path of a folder"):
        check_cache_dir(bad)


def test_cache_dir_must_be_a_folder(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match=r"cache_dir='.*file' is a file, not a directory"):
        compare(str(folder), ["none"], epochs=1, seeds=[0], cache_dir=tmp_path / "file")
    with pytest.raises(TypeError, match=r"cache_dir=3"):
        compare(str(folder), ["none"], epochs=1, seeds=[0], cache_dir=3)  # type: ignore[arg-type]
    assert check_cache_dir(tmp_path / "new" / "dir") == tmp_path / "new" / "dir"
    assert (tmp_path / "new" / "dir").is_dir()


def test_cache_dir_with_arrays_is_an_error(tmp_path: Path) -> None:
    x = np.zeros((40, 3), dtype="float32")
    y = np.arange(40) % 2
    with pytest.raises(ValueError, match=r"cache_dir=.* not an image folder.*drop it"):
        compare((x, y), ["none"], epochs=1, seeds=[0], cache_dir=tmp_path)


def test_a_truncated_cache_is_decoded_again(
    folder: Path, tmp_path: Path, decodes: list[str]
) -> None:
    splits = make_splits(str(folder), image_size=SIZE)
    cached = cached_splits(splits, tmp_path / "cache")
    path = cached.x_train.cache.path
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path) - 1)
    again = cached_splits(splits, tmp_path / "cache")
    assert len(decodes) == 2 * sum(COUNTS.values())
    np.testing.assert_array_equal(all_pixels(again.x_test), all_pixels(splits.x_test))
