"""Image folders decoded once: every file resized into one ``uint8`` cache file, read by rows.

The first time :func:`~keras_imbalance.comparison.compare` needs the pixels of an image folder,
:func:`cached_splits` decodes every file of every split once, in parallel (a thread pool: PIL
releases the GIL while it decodes and resizes), a chunk of about :data:`CHUNK_BYTES` at a time,
into ``images-<height>x<width>-<key>.npy``: ``uint8`` ``(N, height, width, 3)``, ``N * height *
width * 3`` bytes (50 000 images at 128 px: 2.3 GiB). Every later pass, fold, refit and worker
reads its rows from that file (:class:`~keras_imbalance.comparison.data.images.CachedRows`: a path
and row indices, small to pickle) and scales them to float32 ``/ 255``, the numbers decoding gives.

The file goes to ``cache_dir`` when one is named, else to ``<output>/cache/``, else to a
temporary folder removed when ``compare`` returns. Its ``key`` is the sha256 of the files' full
paths, sizes, modification times and labels and of the image size (the fingerprint of
:meth:`~keras_imbalance.comparison.data.images.ImageFiles.fingerprint` over all the splits' files),
so a resumed or a second compare on the same folder reads it without decoding, and a changed,
added or removed file gives another key, hence a fresh decode. The file is written under a
temporary name and renamed when complete (:mod:`~keras_imbalance.comparison.data.pixel_rows`): a
crash leaves at most a ``*.tmp`` file, which is never read. Old caches are not deleted: remove
the folder to reclaim the space.

While it decodes, ``compare``'s ``progress`` hears ``progress(done, total, "decoding images into
the cache")`` (:data:`DECODING`) with ``done`` of ``total`` images decoded: when it starts, at
most once every :data:`REPORT_SECONDS` after that, and when the last image is decoded. A cache
that is already complete is read without a report.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

import keras_imbalance.comparison.data.images as images
from keras_imbalance._validation import short_repr
from keras_imbalance.comparison.data.images import CHANNELS, CachedRows, ImageFiles
from keras_imbalance.comparison.data.pixel_rows import read_header, write_rows
from keras_imbalance.comparison.data.splits import Splits

__all__ = [
    "CHUNK_BYTES",
    "DECODING",
    "REPORT_SECONDS",
    "cache_path",
    "cached_splits",
    "check_cache_dir",
    "decode_reporter",
    "decoded_chunks",
    "ensure_cache",
    "image_cache",
]

#: Pixels decoded (and written) at once: bounds the memory the decoding takes.
CHUNK_BYTES = 16 * 2**20
#: The progress label while the cache is written (no run's label starts so).
DECODING = "decoding images into the cache"
#: At most one progress report per this many seconds while decoding (the last one always comes).
REPORT_SECONDS = 1.0

ProgressCallback = Callable[[int, int, str], None]


def check_cache_dir(cache_dir: Any) -> Path | None:
    """``cache_dir`` as a folder that exists (created if missing), or ``None``.

    Raises:
        TypeError: ``cache_dir`` is not a path.
        ValueError: it names a file, or a folder that cannot be written.

    Example:
        >>> check_cache_dir(None) is None
        True
    """
    if cache_dir is None:
        return None
    if not isinstance(cache_dir, str | os.PathLike) or not str(cache_dir):
        raise TypeError(
            f"cache_dir={short_repr(cache_dir)} must be the path of a folder for the decoded "
            f"images, e.g. cache_dir='image-cache', or None"
        )
    folder = Path(cache_dir)
    if folder.exists() and not folder.is_dir():
        raise ValueError(
            f"cache_dir={str(cache_dir)!r} is a file, not a directory; name a folder for the "
            f"decoded images"
        )
    folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(
            f"cache_dir={str(cache_dir)!r} is not writable; name a folder you can write to"
        )
    return folder


def _all_files(splits: Splits) -> tuple[ImageFiles, np.ndarray, list[np.ndarray]]:
    """Every distinct file of the splits by full path, sorted, with its label, and where each
    split's files are in that list."""
    parts = [(splits.x_train, splits.y_train), (splits.x_val, splits.y_val)]
    parts.append((splits.x_test, splits.y_test))
    full = [os.path.abspath(os.path.join(x.root, path)) for x, _ in parts for path in x.paths]
    labels = np.concatenate([np.asarray(y, dtype=np.int64) for _, y in parts])
    unique, first, inverse = np.unique(np.asarray(full), return_index=True, return_inverse=True)
    ends = np.cumsum([len(x) for x, _ in parts])
    rows = np.split(inverse.reshape(-1).astype(np.int64), ends[:-1])
    files = ImageFiles("", tuple(str(path) for path in unique), splits.x_train.image_size)
    return files, labels[first], rows


def cache_path(files: ImageFiles, labels: np.ndarray, folder: Path) -> Path:
    """``folder / images-<height>x<width>-<key>.npy``; ``key``: :meth:`ImageFiles.fingerprint`."""
    height, width = files.image_size
    return folder / f"images-{height}x{width}-{files.fingerprint(labels)[:24]}.npy"


def decode_reporter(
    progress: ProgressCallback | None,
    total: int,
    *,
    every: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[int], None]:
    """``seen(done)``, told after each decoded image: calls ``progress(done, total, DECODING)``
    the first time, then when ``every`` seconds (default :data:`REPORT_SECONDS`) have passed
    since the last call, and always for ``done == total``; nothing without ``progress``.

    Example:
        >>> ticks = iter([0.0, 0.4, 1.2, 1.3])
        >>> seen = decode_reporter(lambda *call: print(call), 4, clock=lambda: next(ticks))
        >>> for done in range(1, 5):
        ...     seen(done)
        (1, 4, 'decoding images into the cache')
        (3, 4, 'decoding images into the cache')
        (4, 4, 'decoding images into the cache')
    """
    last: list[float] = []
    every = REPORT_SECONDS if every is None else every

    def seen(done: int) -> None:
        if progress is None:
            return
        now = clock()
        if done >= total or not last or now - last[-1] >= every:
            last[:] = [now]
            progress(done, total, DECODING)

    return seen


def decoded_chunks(
    files: ImageFiles, workers: int | None = None, seen: Callable[[int], None] | None = None
) -> Iterator[np.ndarray]:
    """The files decoded in order, ``uint8`` chunks of about :data:`CHUNK_BYTES`, each decoded by
    a pool of ``workers`` threads (default: the CPU count, at most 8); ``seen(done)`` hears the
    count of files decoded after each one (:func:`decode_reporter`)."""
    height, width = files.image_size
    per_chunk = max(1, CHUNK_BYTES // (height * width * CHANNELS))
    threads = workers or min(8, os.cpu_count() or 1)
    done = 0
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for start in range(0, len(files), per_chunk):
            paths = files.paths[start : start + per_chunk]
            chunk = np.empty((len(paths), height, width, CHANNELS), dtype="uint8")

            def fill(row: int, paths: Sequence[str] = paths, chunk: np.ndarray = chunk) -> None:
                chunk[row] = images.decode_image(
                    os.path.join(files.root, paths[row]), files.image_size
                )

            for _ in pool.map(fill, range(len(paths))):
                done += 1
                if seen is not None:
                    seen(done)
            yield chunk


def _complete(path: Path, shape: tuple[int, ...]) -> bool:
    """Whether ``path`` is a finished cache of ``shape``: ``uint8``, every byte there."""
    try:
        with open(path, "rb") as handle:
            found, dtype = read_header(handle)
            size = handle.tell() + int(np.prod(shape))
        return found == shape and dtype == np.uint8 and path.stat().st_size == size
    except (OSError, ValueError):
        return False


def ensure_cache(
    files: ImageFiles,
    labels: np.ndarray,
    folder: Path,
    workers: int | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> Path:
    """The cache of ``files`` in ``folder``: reused when complete, else decoded and written,
    with ``progress`` told how far the decoding is (:func:`decode_reporter`)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = cache_path(files, labels, folder)
    if not _complete(path, files.shape):
        seen = decode_reporter(progress, len(files))
        seen(0)
        write_rows(str(path), files.shape, decoded_chunks(files, workers, seen))
    return path


def cached_splits(
    splits: Splits,
    folder: Path,
    workers: int | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> Splits:
    """The splits with every split's files reading the one cache of their folder in ``folder``;
    ``progress`` hears the decoding (:func:`ensure_cache`).

    Example:
        >>> import pathlib, tempfile
        >>> from PIL import Image
        >>> from keras_imbalance.comparison.data.splits import make_splits
        >>> top = pathlib.Path(tempfile.mkdtemp())
        >>> for i in range(20):
        ...     (top / f"c{i % 2}").mkdir(exist_ok=True)
        ...     Image.new("RGB", (8, 8), (10 * i, 0, 0)).save(top / f"c{i % 2}" / f"{i}.png")
        >>> splits = make_splits(str(top), image_size=4)
        >>> cached = cached_splits(splits, pathlib.Path(tempfile.mkdtemp()))
        >>> bool((cached.x_test[:] == splits.x_test[:]).all()), cached.x_test.cache is not None
        (True, True)
    """
    files, labels, rows = _all_files(splits)
    path = str(ensure_cache(files, labels, folder, workers, progress=progress))
    x_train, x_val, x_test = (
        replace(x, cache=CachedRows(path, part))
        for x, part in zip((splits.x_train, splits.x_val, splits.x_test), rows, strict=True)
    )
    return replace(splits, x_train=x_train, x_val=x_val, x_test=x_test)


@contextmanager
def image_cache(
    cache_dir: str | Path | None,
    output: Path | None,
    progress: ProgressCallback | None = None,
) -> Iterator[Callable[[Splits], Splits]]:
    """A function that gives image-folder splits their cache (:func:`cached_splits`) in
    ``cache_dir``, else ``<output>/cache``, else a temporary folder removed on exit; ``progress``
    hears the decoding.

    Other splits pass unchanged; with a ``cache_dir`` they are an error, since it would be
    ignored.
    """
    temporary: list[Path] = []

    def attach(splits: Splits) -> Splits:
        parts = (splits.x_train, splits.x_val, splits.x_test)
        if not all(isinstance(x, ImageFiles) for x in parts):
            if cache_dir is not None:
                raise ValueError(
                    f"cache_dir={str(cache_dir)!r} was given but the data is not an image "
                    f"folder, so nothing would be cached; drop it"
                )
            return splits
        folder = None if cache_dir is None else Path(cache_dir)
        if folder is None and output is not None:
            folder = output / "cache"
            folder.mkdir(parents=True, exist_ok=True)
        if folder is None:
            folder = Path(tempfile.mkdtemp(prefix="keras_imbalance_images_"))
            temporary.append(folder)
        return cached_splits(splits, folder, progress=progress)

    try:
        yield attach
    finally:
        for folder in temporary:
            shutil.rmtree(folder, ignore_errors=True)
