"""Image folders for :func:`~keras_imbalance.comparison.compare`, streamed, never loaded whole.

A folder with one sub-folder per class (the layout of ``keras.utils.image_dataset_from_directory``)
is *listed*, not decoded: :func:`list_image_folder` walks it by Keras's rules (the class folders of
:func:`~keras_imbalance.counting.sources.directory.class_folders`, the extensions of
:data:`~keras_imbalance.counting.sources.directory.IMAGE_EXTENSIONS`, the files of each class
sorted by folder, then name, so the order is the one Keras's ``file_paths`` has with
``shuffle=False``). The stratified train/validation/test split is then made on the label vector
of that file list, and each split is an :class:`ImageFiles`: the root, the relative paths and the
image size. Its pixels exist only one batch at a time: ``files[rows]`` decodes those rows with PIL
(``convert("RGB")``, bilinear resize to ``image_size``, scaled to ``[0, 1]``, float32), which works
on every Keras backend and needs no TensorFlow. ``compare`` decodes each file only once: the
splits it trains on read their rows from a ``uint8`` cache of the whole folder
(:mod:`~keras_imbalance.comparison.data.image_cache`), which gives the same numbers.

Before any training each file is checked cheaply (:func:`check_images`: its size, and PIL's
``Image.verify()``, which reads the file's structure and checksums without decoding the pixels).
An empty or corrupt file is a :class:`CorruptImageError` naming its path, unless
``skip_corrupt=True``, which drops it with a warning that lists the skipped files.

What a folder's runs saw is fingerprinted from the file list (:meth:`ImageFiles.fingerprint`:
sha256 of the sorted (relative path, size, modification time) triples, the labels and the image
size), not from the pixels, so a journal notices a changed, added or removed file at the cost of
one ``stat`` per file.
"""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number, short_repr
from keras_imbalance.comparison.data.pixel_rows import read_rows

# Predict at most this many bytes of float32 pixels at once over image files. The network's
# activations on a chunk, not its pixels, set the peak memory: 64 MiB of 64x64 images (1 365)
# made the default CNN's first layers take 700 MiB, so the peak grew with the folder until its
# splits passed that size; 8 MiB (170 images at 64 px, 42 at 128 px) keeps it near 200 MiB.
PREDICT_BYTES = 8 * 2**20
#: Colour channels of a decoded image (RGB, Keras's default ``color_mode``).
CHANNELS = 3


def _pil_image() -> Any:
    """PIL's ``Image`` module, or an ImportError that says how to install it."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            'reading an image folder needs Pillow; pip install "keras-imbalance[images]"'
        ) from error
    return Image


class CorruptImageError(ValueError):
    """An image file that is empty or cannot be read, named by its path."""


def check_image_size(image_size: Any) -> tuple[int, int]:
    """``(height, width)`` from an int or a pair of ints ``>= 1``.

    Example:
        >>> check_image_size(32), check_image_size((24, 48))
        ((32, 32), (24, 48))
    """
    if isinstance(image_size, bool):
        raise TypeError(f"image_size={image_size!r} must be an int or (height, width)")
    if isinstance(image_size, int | np.integer):
        side = int(check_number("image_size", image_size, low=1, integer=True))
        return side, side
    if (
        isinstance(image_size, Sequence)
        and not isinstance(image_size, str)
        and len(image_size) == 2
    ):
        height, width = (
            int(check_number("image_size", side, low=1, integer=True)) for side in image_size
        )
        return height, width
    raise TypeError(
        f"image_size={short_repr(image_size)} must be an int or (height, width), e.g. 32 or "
        f"(224, 224)"
    )


def decode_image(path: str, image_size: tuple[int, int]) -> np.ndarray:
    """The image at ``path`` as ``uint8`` ``(height, width, 3)``: RGB, bilinear-resized by PIL.

    Example:
        >>> import pathlib, tempfile
        >>> from PIL import Image
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "red.png"
        >>> Image.new("RGB", (4, 2), (200, 0, 0)).save(path)
        >>> pixels = decode_image(str(path), (2, 2))
        >>> pixels.shape, pixels.dtype.name, pixels[0, 0].tolist()
        ((2, 2, 3), 'uint8', [200, 0, 0])
    """
    Image = _pil_image()
    height, width = image_size
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        if rgb.size != (width, height):
            rgb = rgb.resize((width, height), Image.Resampling.BILINEAR)
        return np.asarray(rgb, dtype="uint8")


@dataclass(frozen=True, eq=False)
class CachedRows:
    """Where a split's decoded pixels are: the rows ``rows`` of the ``uint8`` file ``path``
    (:mod:`~keras_imbalance.comparison.data.image_cache`). Small to pickle: a path and the
    indices."""

    path: str
    rows: np.ndarray

    def take(self, rows: Any) -> CachedRows:
        return CachedRows(self.path, self.rows[np.asarray(rows, dtype=np.int64)])


def joined_cache(first: ImageFiles, second: ImageFiles) -> CachedRows | None:
    """The cached rows of ``first`` then ``second`` when both read the same cache file."""
    if first.cache is None or second.cache is None or first.cache.path != second.cache.path:
        return None
    return CachedRows(first.cache.path, np.concatenate([first.cache.rows, second.cache.rows]))


@dataclass(frozen=True)
class ImageFiles:
    """Image files of one split: picklable and small (a file list), decoded a batch at a time.

    ``len(files)`` is the number of images and ``files.shape`` is ``(N, height, width, 3)``, the
    shape the decoded array would have; ``files[rows]`` (an int, a slice or an index array)
    decodes those rows. So a ``BalancedBatches`` or a chunked predict can index it like an array.
    With ``cache`` (the folder decoded once, :mod:`~keras_imbalance.comparison.data.image_cache`)
    the rows are read from the cache file instead, the same numbers; where that file cannot be read
    (a worker on another machine) they are decoded as without it.
    """

    root: str
    paths: tuple[str, ...]
    image_size: tuple[int, int]
    cache: CachedRows | None = field(default=None, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.paths), *self.image_size, CHANNELS)

    @property
    def chunk(self) -> int:
        """Images per decoded chunk when predicting: about :data:`PREDICT_BYTES` of pixels."""
        per_image = 4 * CHANNELS * self.image_size[0] * self.image_size[1]
        return max(1, PREDICT_BYTES // per_image)

    def take(self, rows: Any) -> ImageFiles:
        """The files at ``rows``, still undecoded."""
        index = np.asarray(rows, dtype=np.int64)
        return ImageFiles(
            self.root,
            tuple(self.paths[int(i)] for i in index),
            self.image_size,
            None if self.cache is None else self.cache.take(index),
        )

    def __getitem__(self, rows: Any) -> np.ndarray:
        if isinstance(rows, slice):
            index = np.arange(len(self.paths))[rows]
        elif np.ndim(rows) == 0:
            return self[np.array([int(rows)])][0]
        else:
            index = np.asarray(rows, dtype=np.int64)
        if self.cache is not None:
            try:
                pixels = read_rows(self.cache.path, self.cache.rows[index])
            except OSError:
                pass  # the cache is out of reach (another machine): decode as without one
            else:
                return _scaled(pixels)
        return self.load([self.paths[int(i)] for i in index])

    def load(self, paths: Sequence[str]) -> np.ndarray:
        """Decode ``paths`` (relative to the root): float32 ``(n, height, width, 3)`` in [0, 1]."""
        height, width = self.image_size
        pixels = np.empty((len(paths), height, width, CHANNELS), dtype="uint8")
        for row, path in enumerate(paths):
            pixels[row] = decode_image(os.path.join(self.root, path), self.image_size)
        return _scaled(pixels)

    def fingerprint(self, labels: np.ndarray) -> str:
        """sha256 of the sorted (relative path, size, mtime), the labels and the image size."""
        digest = hashlib.sha256()
        digest.update(f"{self.image_size}".encode())
        order = sorted(range(len(self.paths)), key=self.paths.__getitem__)
        for index in order:
            path = self.paths[index]
            info = os.stat(os.path.join(self.root, path))
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0{labels[index]}\n".encode())
        return digest.hexdigest()


def _scaled(pixels: np.ndarray) -> np.ndarray:
    """``uint8`` pixels as float32 in ``[0, 1]``: ``pixels / 255``."""
    batch = pixels.astype("float32")
    batch /= np.float32(255.0)
    return batch


def list_image_folder(
    path: str | os.PathLike[str], *, classes: Sequence[str] | None = None
) -> tuple[str, list[str], np.ndarray, list[str]]:
    """``(root, relative paths, class indices, class names)`` of a class-folder tree, unopened.

    The classes and files are those ``keras.utils.image_dataset_from_directory`` would read, in
    its ``shuffle=False`` order; the counts equal :func:`~keras_imbalance.counting.count_directory`.

    Example:
        >>> import pathlib, tempfile
        >>> top = pathlib.Path(tempfile.mkdtemp())
        >>> for cat in ("dog/2.png", "dog/1.JPG", "cat/x.gif", "cat/readme.md"):
        ...     (top / cat).parent.mkdir(exist_ok=True)
        ...     _ = (top / cat).write_bytes(b"")
        >>> _, paths, labels, names = list_image_folder(top)
        >>> paths, labels.tolist(), names
        (['cat/x.gif', 'dog/1.JPG', 'dog/2.png'], [0, 1, 1], ['cat', 'dog'])
    """
    from keras_imbalance.counting.sources.directory import IMAGE_EXTENSIONS, class_folders

    root, names = class_folders(path, classes=classes)
    paths: list[str] = []
    labels: list[int] = []
    for index, name in enumerate(names):
        folder = os.path.join(root, name)
        for current, _, files in sorted(os.walk(folder), key=lambda entry: entry[0]):
            for file_name in sorted(files):
                if file_name.lower().endswith(IMAGE_EXTENSIONS):
                    full = os.path.join(current, file_name)
                    paths.append(os.path.relpath(full, root).replace(os.sep, "/"))
                    labels.append(index)
    if not paths:
        raise ValueError(
            f"path={root!r} has {len(names)} class folders but no images "
            f"({', '.join(IMAGE_EXTENSIONS)}); put the images of each class in its sub-folder"
        )
    return root, paths, np.asarray(labels, dtype=np.int64), list(names)


def corrupt_images(root: str, paths: Sequence[str]) -> list[tuple[str, str]]:
    """``(relative path, reason)`` of every file that is empty or that PIL cannot verify.

    Example:
        >>> import pathlib, tempfile
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (root / "empty.png").write_bytes(b"")
        >>> corrupt_images(str(root), ["empty.png"])
        [('empty.png', 'empty file')]
    """
    Image = _pil_image()
    bad: list[tuple[str, str]] = []
    for path in paths:
        full = os.path.join(root, path)
        try:
            if os.path.getsize(full) == 0:
                bad.append((path, "empty file"))
                continue
            with Image.open(full) as image:
                image.verify()
        except Exception as error:  # PIL raises many types for a bad file; all mean "unreadable"
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            bad.append((path, f"{type(error).__name__}{': ' + reason if reason else ''}"))
    return bad


def check_images(
    root: str, paths: Sequence[str], labels: np.ndarray, *, skip_corrupt: bool = False
) -> tuple[list[str], np.ndarray]:
    """The files and labels left once every file is verified; a named error for a bad one.

    Raises:
        CorruptImageError: a file is empty or corrupt and ``skip_corrupt`` is ``False``.
    """
    if not isinstance(skip_corrupt, bool):
        raise TypeError(f"skip_corrupt={short_repr(skip_corrupt)} must be True or False")
    bad = corrupt_images(root, paths)
    if not bad:
        return list(paths), labels
    if not skip_corrupt:
        first, reason = bad[0]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise CorruptImageError(
            f"the image {os.path.join(root, first)} cannot be read ({reason}){more}; remove or "
            f"replace it, or pass skip_corrupt=True (--skip-corrupt) to skip it with a warning"
        )
    skipped = {path for path, _ in bad}
    listing = "\n".join(f"  {os.path.join(root, path)} ({reason})" for path, reason in bad)
    warnings.warn(
        f"skipped {len(bad)} image(s) that cannot be read:\n{listing}", UserWarning, stacklevel=3
    )
    keep = [i for i, path in enumerate(paths) if path not in skipped]
    return [paths[i] for i in keep], labels[np.asarray(keep, dtype=np.int64)]


def image_folder_data(
    path: str | os.PathLike[str], *, image_size: Any = 32, skip_corrupt: bool = False
) -> tuple[ImageFiles, np.ndarray, list[str]]:
    """The verified files of a class folder as one :class:`ImageFiles`, its labels, class names."""
    size = check_image_size(image_size)
    root, paths, labels, names = list_image_folder(path)
    kept, kept_labels = check_images(root, paths, labels, skip_corrupt=skip_corrupt)
    return ImageFiles(root, tuple(kept), size), kept_labels, names


def file_batches(
    files: ImageFiles,
    labels: np.ndarray,
    *,
    batch_size: int,
    seed: int,
    class_weight: Sequence[float] | None = None,
    num_classes: int | None = None,
) -> Any:
    """A ``keras.utils.PyDataset`` of shuffled batches ``(x, y[, sample_weight])`` of ``files``.

    Every epoch visits the files in the order ``default_rng([seed, epoch]).permutation(N)``, in
    ``ceil(N / batch_size)`` batches, each decoded when Keras asks for it. With ``class_weight``
    (one weight per class) each batch carries the sample weights ``class_weight[y]``; with
    ``num_classes``, ``y`` is one-hot.

    Example:
        >>> import pathlib, tempfile
        >>> from PIL import Image
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for i in range(3):
        ...     Image.new("RGB", (4, 4), (51 * i, 0, 0)).save(root / f"{i}.png")
        >>> files = ImageFiles(str(root), ("0.png", "1.png", "2.png"), (4, 4))
        >>> batches = file_batches(files, np.array([0, 1, 1]), batch_size=2, seed=0,
        ...                        class_weight=[1.0, 0.5])
        >>> x, y, w = batches[0]
        >>> len(batches), x.shape, bool((w == np.array([1.0, 0.5])[y]).all())
        (2, (2, 4, 4, 3), True)
    """
    import keras

    class FileBatches(keras.utils.PyDataset):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.labels = np.asarray(labels, dtype=np.int64)
            self.weights = (
                None if class_weight is None else np.asarray(class_weight, dtype="float32")
            )
            self.epoch = 0
            self.order = self.draw()

        def draw(self) -> np.ndarray:
            return np.random.default_rng([int(seed), self.epoch]).permutation(len(self.labels))

        def __len__(self) -> int:
            return math.ceil(len(self.labels) / batch_size)

        def __getitem__(self, index: int) -> tuple[np.ndarray, ...]:
            if not 0 <= index < len(self):
                raise IndexError(f"batch index {index} is out of range for {len(self)} batches")
            rows = self.order[index * batch_size : (index + 1) * batch_size]
            y = self.labels[rows]
            x = files[rows]
            targets = np.eye(num_classes, dtype="float32")[y] if num_classes is not None else y
            if self.weights is None:
                return x, targets
            return x, targets, self.weights[y]

        def on_epoch_end(self) -> None:
            self.epoch += 1
            self.order = self.draw()

    return FileBatches()


def mixup_batches(files: ImageFiles, labels: np.ndarray, **kwargs: Any) -> Any:
    """:class:`~keras_imbalance.pipelines.mixup.MixupBatches` over files, decoded per batch.

    The draws (order, ``lam``, partners) are exactly those of ``MixupBatches`` on the decoded
    array with the same seed: only where the pixels come from differs.
    """
    from keras_imbalance.pipelines.mixup import MixupBatches

    class FileMixupBatches(MixupBatches):  # type: ignore[misc]
        def __init__(self) -> None:
            # MixupBatches keeps np.asarray(x); a zero-width stand-in of the right length keeps
            # its checks and draws, and the files take its place before any batch is read.
            stand_in = np.zeros((len(files), 0, 0, 0), dtype="float32")  # an image's rank
            super().__init__(stand_in, labels, **kwargs)
            self.x = files  # type: ignore[assignment]

    return FileMixupBatches()
