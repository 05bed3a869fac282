"""Count a class-folder tree (one sub-folder per class) without opening a single file.

The rules are those of ``keras.utils.image_dataset_from_directory(labels="inferred")``, so the
counts match the dataset Keras would build on the same folder:

* the classes are the sorted sub-folders of the root whose names do not start with ``"."``
  (or the sub-folders named in ``classes``, in that order); a symbolic link to a folder is a class
  folder too, as ``os.path.isdir`` follows it;
* files directly in the root, and files in other folders, are ignored;
* a file counts for the class folder it lies under, at any depth; its name must end with one of
  the allowed extensions, compared in lower case;
* inside a class folder, hidden files and folders count like any other (Keras walks them too:
  a macOS ``._photo.jpg`` file is an image to Keras, and a sample here);
* symbolic links to folders inside a class folder are followed only with ``follow_links=True``.

One difference: Keras's ``os.walk(followlinks=True)`` loops over a symlink cycle until the path
is too long, counting files many times; here a folder that is its own ancestor is skipped, so a
cycle ends at once and every file under it counts once.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from keras_imbalance._validation import positional_deprecated, short_repr
from keras_imbalance.counting.class_counts import ClassCounts

#: The extensions of ``keras.utils.image_dataset_from_directory`` (Keras's ``ALLOWLIST_FORMATS``).
IMAGE_EXTENSIONS: tuple[str, ...] = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


#: The extension of ``keras.utils.text_dataset_from_directory``.
TEXT_EXTENSIONS: tuple[str, ...] = (".txt",)


#: The extensions of ``keras.utils.audio_dataset_from_directory``.
AUDIO_EXTENSIONS: tuple[str, ...] = (".wav",)


EXTENSION_PRESETS: dict[str, tuple[str, ...]] = {
    "image": IMAGE_EXTENSIONS,
    "text": TEXT_EXTENSIONS,
    "audio": AUDIO_EXTENSIONS,
}


ExtensionsLike = Literal["image", "text", "audio"] | str | Sequence[str] | None


# A scan shows a progress bar once it has run this long (seconds).
PROGRESS_DELAY = 0.5


def _check_extensions(extensions: ExtensionsLike) -> tuple[str, ...]:
    if extensions is None:
        return IMAGE_EXTENSIONS
    if isinstance(extensions, str):
        if extensions in EXTENSION_PRESETS:
            return EXTENSION_PRESETS[extensions]
        if not extensions.startswith("."):
            presets = ", ".join(repr(p) for p in EXTENSION_PRESETS)
            raise ValueError(
                f"extensions={extensions!r} is neither a preset nor an extension; use one of "
                f"{presets}, or extensions like '.jpg' or ['.jpg', '.png']"
            )
        extensions = [extensions]
    if not isinstance(extensions, Sequence) or not extensions:
        raise ValueError(
            f"extensions={short_repr(extensions)} must be a non-empty list like ['.jpg', '.png'], "
            f"or one of {', '.join(repr(p) for p in EXTENSION_PRESETS)}"
        )
    checked = []
    for extension in extensions:
        if not isinstance(extension, str) or not extension.strip("."):
            raise ValueError(
                f"extensions contains {extension!r}; give extensions as strings like '.jpg'"
            )
        extension = extension.lower()
        checked.append(extension if extension.startswith(".") else "." + extension)
    return tuple(checked)


@positional_deprecated(1)
def class_folders(
    path: str | os.PathLike[str], *, classes: Sequence[str] | None = None
) -> tuple[str, list[str]]:
    """The root as a string and its class folders, as Keras's ``index_directory`` finds them."""
    root = os.fspath(path)
    if not os.path.exists(root):
        raise ValueError(
            f"path={root!r} does not exist; give a folder with one sub-folder per class"
        )
    if not os.path.isdir(root):
        raise ValueError(
            f"path={root!r} is a file, not a folder; give a folder with one sub-folder per class "
            f"(or a .npy/.csv label file to count_labels)"
        )
    with os.scandir(root) as entries:
        found = sorted(e.name for e in entries if not e.name.startswith(".") and e.is_dir())
    if not found:
        raise ValueError(
            f"path={root!r} has no class sub-folders (it is empty or holds only files); "
            f"put the files of each class in their own sub-folder: {root}/<class>/<file>"
        )
    if classes is None:
        return root, found
    if isinstance(classes, str) or not isinstance(classes, Sequence):
        raise TypeError(
            f"classes={short_repr(classes)} must be a list of sub-folder names of {root!r}"
        )
    names = [os.fspath(c) for c in classes]
    unknown = [c for c in names if c not in found]
    if unknown:
        raise ValueError(
            f"classes={short_repr(names)} names {short_repr(unknown)}, which are not sub-folders "
            f"of {root!r}; the sub-folders are {short_repr(found)}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"classes={short_repr(names)} has duplicates; list each class once")
    return root, names


class _Progress:
    """A tqdm bar (to stderr) that appears only once a scan has run for ``PROGRESS_DELAY`` s."""

    def __init__(self, progress: bool | None, total_classes: int) -> None:
        self.enabled = progress is not False
        self.start = time.monotonic()
        self.bar: Any = None
        self.total_classes = total_classes
        self.tqdm: Any = None
        if self.enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                if progress:
                    raise ImportError(
                        "progress=True needs tqdm; install it with `pip install tqdm`, or pass "
                        "progress=None to show a bar only when tqdm is installed"
                    ) from None
                self.enabled = False
            else:
                self.tqdm = tqdm
        if self.enabled and progress:
            self._open()

    def _open(self) -> None:
        self.bar = self.tqdm(
            desc="Counting files", unit=" files", file=sys.stderr, dynamic_ncols=True
        )

    def update(self, files: int, class_name: str) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.start < PROGRESS_DELAY:
                return
            self._open()
        self.bar.set_postfix_str(class_name, refresh=False)
        self.bar.update(files)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _scan_class(
    folder: str,
    extensions: tuple[str, ...],
    follow_links: bool,
    progress: _Progress,
    name: str,
) -> int:
    """Count the matching files under one class folder, iteratively (no recursion limit)."""
    total = 0
    # With links followed, every real folder (device, inode) is scanned once per class: a cycle
    # terminates, and a folder two links lead to is not counted twice (one real file, one count).
    stack: list[tuple[str, frozenset[tuple[int, int]]]] = [(folder, frozenset())]
    visited: set[tuple[int, int]] = set()
    if follow_links:
        info = os.stat(folder)
        visited.add((info.st_dev, info.st_ino))
    while stack:
        current, ancestors = stack.pop()
        found = 0
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if not is_dir:
                        if entry.name.lower().endswith(extensions):
                            found += 1
                        continue
                    if not entry.is_symlink() and not follow_links:
                        stack.append((entry.path, ancestors))
                    elif follow_links:
                        try:
                            info = entry.stat()
                        except OSError:
                            continue
                        key = (info.st_dev, info.st_ino)
                        if key not in visited:
                            visited.add(key)
                            stack.append((entry.path, ancestors))
        except OSError:
            # os.walk, which Keras uses, skips folders it cannot read; so do we.
            continue
        total += found
        progress.update(found, name)
    return total


def count_directory(
    path: str | os.PathLike[str],
    *,
    extensions: ExtensionsLike = None,
    follow_links: bool = False,
    classes: Sequence[str] | None = None,
    progress: bool | None = None,
) -> ClassCounts:
    """Count the files of each class in a class-folder tree, without opening any file.

    The layout is the one ``keras.utils.image_dataset_from_directory`` reads (``flower_photos``)::

        path/daisy/1.jpg
        path/daisy/2.jpg
        path/roses/3.jpg

    and the counts are the labels that function would give (the module docstring lists the rules).

    Args:
        path: the root folder.
        extensions: the file extensions that count: ``"image"`` (the default, Keras's
            ``.bmp .gif .jpeg .jpg .png``), ``"text"`` (``.txt``, for
            ``text_dataset_from_directory``), ``"audio"`` (``.wav``), or a list like
            ``[".jpg", ".webp"]``. Compared in lower case.
        follow_links: follow symbolic links to folders inside the class folders, as Keras's
            ``follow_links``. Symlink cycles end (each folder is walked once per path).
        classes: the class sub-folders to count, in this order (Keras's ``class_names``);
            ``None`` counts every non-hidden sub-folder, sorted.
        progress: ``None`` shows a tqdm bar on stderr when the scan takes over half a second
            and tqdm is installed; ``True`` always (needs tqdm); ``False`` never.

    Returns:
        A :class:`~keras_imbalance.ClassCounts` whose classes are the folder names.

    Example:
        >>> import pathlib, tempfile
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> for name in ["roses/a.jpg", "roses/b.png", "daisy/c.jpg", "daisy/notes.txt"]:
        ...     (root / name).parent.mkdir(exist_ok=True)
        ...     (root / name).touch()
        >>> count_directory(root).as_dict()
        {'daisy': 1, 'roses': 2}
    """
    checked = _check_extensions(extensions)
    if not isinstance(follow_links, bool):
        raise TypeError(f"follow_links={short_repr(follow_links)} must be True or False")
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress={short_repr(progress)} must be None, True or False")
    root, names = class_folders(path, classes=classes)
    bar = _Progress(progress, len(names))
    try:
        counts = np.asarray(
            [
                _scan_class(os.path.join(root, name), checked, follow_links, bar, name)
                for name in names
            ],
            dtype=np.int64,
        )
    finally:
        bar.close()
    if counts.sum() == 0:
        raise ValueError(
            f"path={root!r} has {len(names)} class folders but no files with the extensions "
            f"{', '.join(checked)}; pass extensions=[...] (or 'text') to count other files"
        )
    return ClassCounts(counts, tuple(names), "int")
