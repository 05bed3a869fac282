"""Load labelled arrays from disk: :func:`load_arrays` (CSV files and image folders)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from keras_imbalance._validation import check_number, short_repr
from keras_imbalance.counting import NpzArchive


def load_arrays(
    path: str | os.PathLike[str], *, label_column: str | None = None, image_size: int = 32
) -> Any:
    """Load a classification data set from an image folder, a ``.npz`` or a ``.csv`` file.

    The result is in a form :func:`~keras_imbalance.compare` takes.

    * A folder with one sub-folder per class: the images, decoded by Keras's
      ``image_dataset_from_directory`` at ``image_size`` x ``image_size`` and scaled to
      ``[0, 1]``, with the folder names as labels (needs TensorFlow). This holds every image in
      memory as float32 (``N * image_size**2 * 3 * 4`` bytes); ``compare`` takes the folder's
      path instead and streams it a batch at a time
      (:mod:`~keras_imbalance.comparison.data.images`).
    * A ``.npz`` file with arrays ``x`` and ``y``, or ``x_train``, ``y_train``, ``x_test`` and
      ``y_test``.
    * A ``.csv`` file with numeric feature columns and the label column ``label_column``.

    Returns:
        ``(x, y)``, or ``((x_train, y_train), (x_test, y_test))`` for a split ``.npz``.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "data.csv").write_text("a,b,label\\n1,2,cat\\n3,4,dog\\n")
        >>> x, y = load_arrays(folder / "data.csv", label_column="label")
        >>> x.tolist(), y.tolist()
        ([[1.0, 2.0], [3.0, 4.0]], ['cat', 'dog'])
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"path {str(path)!r} does not exist; give an image folder, a .npz or a .csv file"
        )
    if path.is_dir():
        return _load_image_folder(path, int(check_number("image_size", image_size, low=1)))
    suffix = path.suffix.lower()
    if suffix == ".npz":
        with NpzArchive(path) as archive:
            keys = set(archive.files)
            if {"x_train", "y_train", "x_test", "y_test"} <= keys:
                return (
                    (archive["x_train"], archive["y_train"]),
                    (archive["x_test"], archive["y_test"]),
                )
            if {"x", "y"} <= keys:
                return (archive["x"], archive["y"])
        raise ValueError(
            f"{path} holds the arrays {sorted(keys)}; "
            "it needs x and y (or x_train, y_train, x_test, y_test)"
        )
    if suffix == ".csv":
        return _load_csv(path, label_column)
    raise ValueError(
        f"path {str(path)!r} has the unsupported suffix {suffix!r}; give a folder, .npz or .csv"
    )


def _load_csv(path: Path, column: str | None) -> tuple[np.ndarray, np.ndarray]:
    import csv

    if not column:
        raise ValueError(f"{path} is a CSV file; name its label column with label_column=")
    try:
        with path.open(newline="") as file:
            rows = _csv_rows(csv.reader(file), path)
    except (UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"{path} is not a text CSV file ({error})") from error
    if not rows:
        raise ValueError(f"{path} has no data rows")
    if column not in rows[0]:
        raise ValueError(
            f"label_column={column!r} is not a column of {path}; its columns are {list(rows[0])}"
        )
    features = [name for name in rows[0] if name != column]
    try:
        x = np.asarray([[float(row[name]) for name in features] for row in rows], dtype="float32")
    except ValueError as error:
        raise ValueError(
            f"{path} has a non-numeric feature column ({error}); give numeric features"
        ) from error
    if not np.isfinite(x).all():
        row, col = (int(i) for i in np.argwhere(~np.isfinite(x))[0])
        raise ValueError(
            f"{path} has the feature {features[col]!r} = {float(x[row, col])!r} on data row "
            f"{row + 1}; "
            f"features must be finite numbers (fill or drop missing values)"
        )
    y = np.asarray([(row[column] or "").strip() for row in rows])
    missing = np.flatnonzero([label == "" or label.lower() in ("nan", "-nan") for label in y])
    if missing.size:
        raise ValueError(
            f"{path} has no label ({str(y[missing[0]])!r}) in column {column!r} on data row "
            f"{int(missing[0]) + 1}; give every row a label, or drop the unlabelled rows"
        )
    return x, y


def _csv_rows(reader: Any, path: Path) -> list[dict[str, str]]:
    """The data rows of a CSV as ``{column: cell}``; a row with more or fewer cells than the
    header is refused with its line number (``csv.DictReader`` fills or drops them silently)."""
    header = next(reader, None)
    if not header:
        return []
    if len(set(header)) != len(header):
        duplicate = next(name for name in header if header.count(name) > 1)
        raise ValueError(f"{path} has the column {duplicate!r} twice; give each column once")
    rows = []
    for cells in reader:
        if not cells:  # a blank line
            continue
        if len(cells) != len(header):
            raise ValueError(
                f"{path} line {reader.line_num} has {len(cells)} cells but the header has "
                f"{len(header)} columns ({short_repr(header)}); give every row one cell per "
                f"column"
            )
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _load_image_folder(path: Path, size: int) -> tuple[np.ndarray, np.ndarray]:
    import keras

    dataset = keras.utils.image_dataset_from_directory(
        path,
        image_size=(size, size),
        batch_size=256,
        shuffle=False,
        label_mode="int",
        verbose=False,
    )
    xs, ys = [], []
    try:
        for x, y in dataset.as_numpy_iterator():
            xs.append(x / 255.0)
            ys.append(y)
    except Exception as error:  # TensorFlow's decode error names no file: find it
        if "InvalidArgument" not in type(error).__name__:
            raise
        bad = _undecodable_image(dataset.file_paths)
        raise ValueError(
            f"the image {bad or '(unknown)'} in {path} cannot be decoded (empty or corrupt); "
            f"remove or replace it"
        ) from None
    names = list(dataset.class_names)
    return np.concatenate(xs).astype("float32"), np.asarray(names)[np.concatenate(ys)]


def _undecodable_image(paths: list[str]) -> str | None:
    import tensorflow as tf

    for file_path in paths:
        try:
            tf.io.decode_image(tf.io.read_file(file_path), expand_animations=False)
        except Exception:
            return str(file_path)
    return None
