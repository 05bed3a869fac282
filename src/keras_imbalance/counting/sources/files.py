"""Count the labels behind a path: a class-folder directory, a ``.npy`` file or a CSV column."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from keras_imbalance._validation import short_repr
from keras_imbalance.counting.class_counts import ClassCounts, counts_from_labels
from keras_imbalance.counting.sources.numpy_files import NpzArchive, read_npy
from keras_imbalance.labels import MAX_CLASSES, ClassesLike, LabelMode

# --- Paths --------------------------------------------------------------------------------------


def count_path(
    source: str | os.PathLike[str],
    label_mode: LabelMode | None,
    classes: ClassesLike,
    column: str | None,
    max_classes: int = MAX_CLASSES,
) -> ClassCounts:
    path = Path(source)
    if path.is_dir():
        from keras_imbalance.counting.sources.directory import count_directory

        if column is not None:
            raise ValueError(f"column={column!r} applies to a .csv file, not to the folder {path}")
        if label_mode == "multi_label":
            raise ValueError(
                f"{path} is a class-folder tree, which holds one class per file; "
                f"label_mode='multi_label' does not apply: use label_mode=None"
            )
        if classes is not None and (
            isinstance(classes, str) or not isinstance(classes, Sequence | np.ndarray)
        ):
            raise TypeError(
                f"classes={short_repr(classes)} must be a list of sub-folder names of {path}"
            )
        counted = count_directory(
            path, classes=None if classes is None else [str(c) for c in classes]
        )
        if label_mode == "categorical":
            return ClassCounts(counted.counts, counted.classes, "categorical", counted.n_samples)
        return counted
    if not path.exists():
        raise ValueError(
            f"source={os.fspath(source)!r} does not exist; give a class-folder directory, a "
            f".npy file or a .csv file (to count string labels, pass a list: [label])"
        )
    suffix = path.suffix.lower()
    if suffix == ".npy":
        if column is not None:
            raise ValueError(f"column={column!r} applies to a .csv file, not to {path.name}")
        array = read_npy(path)
        return counts_from_labels(
            array, label_mode=label_mode, classes=classes, name=path.name, max_classes=max_classes
        )
    if suffix == ".npz":
        with NpzArchive(path) as archive:
            key = column or next((k for k in ("y", "y_train") if k in archive.files), None)
            if key is None or key not in archive.files:
                raise ValueError(
                    f"{path.name} holds the arrays {archive.files}; name the label array with "
                    f"column= (for example column={archive.files[-1]!r})"
                    if archive.files
                    else f"{path.name} holds no arrays; save labels with np.savez(path, y=y)"
                )
            array = archive[key]
        return counts_from_labels(
            array,
            label_mode=label_mode,
            classes=classes,
            name=f"array {key!r} of {path.name}",
            max_classes=max_classes,
        )
    if suffix == ".csv":
        try:
            values, column = _read_csv_column(path, column)
        except (UnicodeDecodeError, csv.Error) as error:
            raise ValueError(
                f"source={os.fspath(source)!r} is not a text CSV file ({error}); give a CSV "
                f"file of text rows, or a .npy/.npz file for binary labels"
            ) from error
        return counts_from_labels(
            values,
            label_mode=label_mode,
            classes=classes,
            name=f"column {column!r} of {path.name}",
            max_classes=max_classes,
        )
    raise ValueError(
        f"source={os.fspath(source)!r} is a {suffix or 'extensionless'} file; count_labels reads "
        f"a class-folder directory, a .npy, .npz or .csv file"
    )


def _read_csv_column(path: Path, column: str | None) -> tuple[np.ndarray, str]:
    """One column of a CSV file: ints where every cell is an integer, floats, else strings."""
    with path.open(newline="") as file:
        header = next(csv.reader(file), None)
    if not header:
        raise ValueError(f"{path} is empty; give a CSV file with a header row and a label column")
    if column is None:
        raise ValueError(
            f"{path.name} needs column= to name its label column; its columns are "
            f"{short_repr(header)} (for example column={header[-1]!r})"
        )
    elif column not in header:
        raise ValueError(
            f"column={column!r} is not a column of {path.name}; "
            f"its columns are {short_repr(header)}"
        )
    try:
        import pandas as pd
    except ImportError:
        pd = None
    if pd is not None:
        series = pd.read_csv(
            path, usecols=[column], keep_default_na=False, na_values=[""], skipinitialspace=True
        )[column]
        missing = np.flatnonzero(series.isna().to_numpy())
        if missing.size:
            raise ValueError(
                f"column {column!r} of {path.name} is empty on data row {int(missing[0]) + 1}; "
                f"give every row a label"
            )
        _refuse_nan_cells(series.astype(str).to_numpy(), column, path)
        return series.to_numpy(), column
    position = header.index(column)
    cells: list[str] = []
    with path.open(newline="") as file:
        rows = csv.reader(file)
        next(rows)
        for row_number, row in enumerate(rows, start=1):
            cell = row[position].strip() if position < len(row) else ""
            if not cell:
                raise ValueError(
                    f"column {column!r} of {path.name} is empty on data row {row_number}; "
                    f"give every row a label"
                )
            cells.append(cell)
    text = np.asarray(cells, dtype=str)
    _refuse_nan_cells(text, column, path)
    for dtype in (np.int64, np.float64):
        try:
            return text.astype(dtype), column
        except ValueError:
            continue
    return text, column


_MISSING = {"nan", "-nan", "+nan"}


def _refuse_nan_cells(cells: np.ndarray, column: str, path: Path) -> None:
    """A "NaN" cell is a missing label, not a class called "NaN" (nor a float NaN class)."""
    missing = np.flatnonzero([str(c).strip().lower() in _MISSING for c in cells])
    if missing.size:
        raise ValueError(
            f"column {column!r} of {path.name} holds {str(cells[missing[0]]).strip()!r} (a "
            f"missing value) on data row {int(missing[0]) + 1}; give every row a label, or drop "
            f"the unlabelled rows"
        )
