"""Count the classes of a label source: :func:`count_labels` and :class:`ClassCounts`."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from keras_imbalance._validation import check_option, short_repr
from keras_imbalance.labels import (
    LABEL_MODES,
    ClassesLike,
    LabelMode,
    _normalize_classes,
    decode_labels,
)


@dataclass(frozen=True, eq=False)
class ClassCounts:
    """How many labelled elements each class has.

    Attributes:
        counts: ``int64`` array, one count per class, in class-index order.
        classes: the class labels in index order (ints ``0..C-1``, or the original strings).
        label_mode: ``"int"``, ``"categorical"`` or ``"multi_label"``.
        n_samples: the number of labelled elements: ``counts.sum()`` for ``"int"`` and
            ``"categorical"`` labels (for sequences and masks every timestep or pixel counts), and
            the number of rows for ``"multi_label"`` (a row may hold several labels, or none).

    Example:
        >>> counts = ClassCounts.from_counts({"dog": 5000, "not-dog": 45000})
        >>> counts.imbalance_ratio
        9.0
        >>> counts.majority_baseline
        0.9
        >>> counts.as_dict()
        {'dog': 5000, 'not-dog': 45000}
    """

    counts: np.ndarray
    classes: tuple[Any, ...]
    label_mode: LabelMode = "int"
    n_samples: int = field(default=-1)

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts)
        if counts.ndim != 1 or counts.size == 0:
            raise ValueError(f"counts must be a non-empty 1-D array, got shape {counts.shape}")
        if counts.dtype.kind not in "iu" and not (
            counts.dtype.kind == "f" and np.isfinite(counts).all() and (counts % 1 == 0).all()
        ):
            raise ValueError(f"counts must be whole numbers, got {short_repr(counts.tolist())}")
        if (counts < 0).any():
            raise ValueError(f"counts must not be negative, got {short_repr(counts.tolist())}")
        counts = counts.astype(np.int64)
        counts.setflags(write=False)
        object.__setattr__(self, "counts", counts)
        if len(self.classes) != counts.size:
            raise ValueError(
                f"classes has {len(self.classes)} entries but counts has {counts.size}; "
                f"give one class per count"
            )
        object.__setattr__(self, "classes", tuple(self.classes))
        check_option("label_mode", self.label_mode, LABEL_MODES)
        if self.n_samples == -1:
            object.__setattr__(self, "n_samples", int(counts.sum()))
        if self.n_samples < 0:
            raise ValueError(f"n_samples={self.n_samples} must not be negative")

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[Any, int] | Sequence[int] | np.ndarray,
        *,
        classes: Sequence[Any] | None = None,
        label_mode: LabelMode = "int",
        n_samples: int | None = None,
    ) -> ClassCounts:
        """Build counts from a ``{label: count}`` dict or a list of counts in class order.

        Dict keys that are ints ``0..C-1`` (or strings of them, as JSON gives) become class
        indices; other keys are class names, sorted as Keras sorts ``class_names``.
        """
        if isinstance(counts, ClassCounts):
            return counts
        if isinstance(counts, Mapping):
            if classes is not None:
                raise TypeError("give either a counts dict or classes=, not both")
            keys = list(counts)
            as_ints = _int_keys(keys)
            if as_ints is not None and sorted(as_ints) == list(range(len(as_ints))):
                order = sorted(range(len(keys)), key=lambda i: as_ints[i])
                classes = tuple(range(len(keys)))
            else:
                order = sorted(range(len(keys)), key=lambda i: str(keys[i]))
                classes = tuple(keys[i] for i in order)
            values = np.asarray([counts[keys[i]] for i in order])
        else:
            values = np.asarray(counts)
            if classes is None:
                classes = tuple(range(values.size)) if values.ndim == 1 else ()
        return cls(values, tuple(classes), label_mode, -1 if n_samples is None else int(n_samples))

    @property
    def num_classes(self) -> int:
        return int(self.counts.size)

    @property
    def class_names(self) -> list[str]:
        return [str(c) for c in self.classes]

    @property
    def proportions(self) -> np.ndarray:
        """Share of each class: ``counts / counts.sum()``; multi-label: ``counts / n_samples``."""
        total = self.n_samples if self.label_mode == "multi_label" else int(self.counts.sum())
        return self.counts / max(total, 1)

    @property
    def imbalance_ratio(self) -> float:
        """Largest count over smallest count; ``inf`` when a class has no samples."""
        low = int(self.counts.min())
        return float("inf") if low == 0 else float(self.counts.max() / low)

    @property
    def majority_baseline(self) -> float:
        """Accuracy of always predicting the majority class.

        For multi-label data: the mean over labels of always predicting each label's majority
        value (what Keras's ``binary_accuracy`` would report).
        """
        if self.label_mode == "multi_label":
            prevalence = self.counts / max(self.n_samples, 1)
            return float(np.maximum(prevalence, 1 - prevalence).mean())
        return float(self.counts.max() / max(int(self.counts.sum()), 1))

    def as_dict(self) -> dict[Any, int]:
        """``{class label: count}`` in class-index order."""
        return {label: int(n) for label, n in zip(self.classes, self.counts, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` reads it back."""
        return {
            "classes": list(self.classes),
            "counts": self.counts.tolist(),
            "label_mode": self.label_mode,
            "n_samples": self.n_samples,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClassCounts:
        missing = {"classes", "counts"} - set(data)
        if missing:
            raise ValueError(
                f"counts data lacks the keys {sorted(missing)}; it needs classes and counts"
            )
        return cls(
            np.asarray(data["counts"]),
            tuple(data["classes"]),
            data.get("label_mode", "int"),
            int(data.get("n_samples", -1)),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> ClassCounts:
        return cls.from_dict(json.loads(text))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ClassCounts):
            return NotImplemented
        return (
            self.classes == other.classes
            and self.label_mode == other.label_mode
            and self.n_samples == other.n_samples
            and np.array_equal(self.counts, other.counts)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{label!r}: {int(n)}"
            for label, n in list(zip(self.classes, self.counts, strict=True))[:8]
        )
        more = f", ... ({self.num_classes} classes)" if self.num_classes > 8 else ""
        return (
            f"ClassCounts({{{shown}{more}}}, label_mode={self.label_mode!r}, "
            f"n_samples={self.n_samples}, imbalance_ratio={self.imbalance_ratio:.3g})"
        )


def _int_keys(keys: list[Any]) -> list[int] | None:
    result = []
    for key in keys:
        if isinstance(key, bool):
            return None
        if isinstance(key, int | np.integer) or (
            isinstance(key, str) and key.strip().lstrip("-").isdigit()
        ):
            result.append(int(key))
        else:
            return None
    return result


CountsLike = ClassCounts | Mapping[Any, int] | Sequence[int] | np.ndarray


def as_counts(counts: CountsLike, name: str = "counts") -> ClassCounts:
    """``counts`` as a :class:`ClassCounts`: it as is, or built from a dict or list of counts.

    The losses and the bias helpers take counts in any of these forms; this is their one check.

    Example:
        >>> as_counts([30, 10]).counts.tolist()
        [30, 10]
    """
    if isinstance(counts, ClassCounts):
        return counts
    if isinstance(counts, str | bytes) or not isinstance(counts, Mapping | Sequence | np.ndarray):
        raise TypeError(
            f"{name} must be a ClassCounts (from count_labels) or a list of counts per class, "
            f"got {short_repr(counts)}"
        )
    try:
        return ClassCounts.from_counts(counts)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from error


def as_prior(prior_or_counts: Any, name: str = "prior") -> np.ndarray:
    """The class prior (``float64``, sums to 1) from counts or from probabilities.

    Accepts a :class:`ClassCounts`, a ``{class: count}`` dict, or a list or array of counts or
    probabilities, one per class. Every class needs a finite value > 0, since the logit
    adjustments take its log.

    Example:
        >>> as_prior([30, 10]).tolist()
        [0.75, 0.25]
    """
    if isinstance(prior_or_counts, ClassCounts):
        values = prior_or_counts.counts.astype(np.float64)
    elif isinstance(prior_or_counts, Mapping):
        values = as_counts(prior_or_counts, name).counts.astype(np.float64)
    else:
        if isinstance(prior_or_counts, str | bytes) or not (
            isinstance(prior_or_counts, Sequence | np.ndarray)
            or hasattr(prior_or_counts, "__array__")
        ):
            raise TypeError(
                f"{name} must be a ClassCounts or a list of class counts or probabilities, "
                f"got {short_repr(prior_or_counts)}"
            )
        try:
            values = np.asarray(prior_or_counts, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{name}={short_repr(prior_or_counts)} must hold numbers") from error
    if values.ndim != 1 or values.size < 2:
        raise ValueError(
            f"{name} has shape {values.shape}; give one count or probability per class (at least 2)"
        )
    bad = np.flatnonzero(~np.isfinite(values) | (values <= 0))
    if bad.size:
        index = int(bad[0])
        raise ValueError(
            f"{name} for class {index} is {float(values[index])!r}; the log-prior needs every "
            f"class count or probability to be finite and > 0"
        )
    return values / values.sum()


def counts_from_labels(
    y: Any, *, label_mode: LabelMode | None = None, classes: ClassesLike = None, name: str = "y"
) -> ClassCounts:
    """Count in-memory labels (array, list, pandas, eager tensor) through :func:`decode_labels`."""
    decoded = decode_labels(y, label_mode=label_mode, classes=classes, name=name)
    counts = decoded.counts()
    n_samples = decoded.n_samples if decoded.label_mode == "multi_label" else int(counts.sum())
    return ClassCounts(counts, decoded.classes, decoded.label_mode, n_samples)


#: What :func:`count_labels` reads, for its ``TypeError``.
SOURCES: tuple[str, ...] = (
    "a NumPy array, list or eager tensor of labels (class indices, strings, one-hot or "
    "multi-hot rows)",
    "a pandas Series, Categorical or DataFrame column",
    "a tf.data.Dataset of (x, y) or (x, y, sample_weight) batches, including one from "
    "keras.utils.image_dataset_from_directory",
    "a keras.utils.PyDataset, or an iterable or generator of (x, y) batches",
    "a path: a class-folder directory, a .npy file or a .csv file (with column=)",
    "a {class: count} dict or a ClassCounts",
)


def count_labels(
    source: Any,
    *,
    label_mode: LabelMode | None = None,
    classes: ClassesLike = None,
    column: str | None = None,
) -> ClassCounts:
    """Count the classes of any label source, without decoding images or loading ``x``.

    Every source gives the counts NumPy gives on the same labels, read by
    :func:`~keras_imbalance.decode_labels`:

    * NumPy arrays, lists and eager tensors: class indices ``(N,)`` or ``(N, 1)`` (integral
      floats too), strings, one-hot ``(N, C)`` or multi-hot ``(N, L)`` rows, sequences, masks.
    * pandas: a ``Series``; a ``Categorical`` (or category ``Series``), whose categories, in their
      order, are the classes, absent ones included; a ``DataFrame`` with one column, or with
      ``column=``.
    * A ``tf.data.Dataset``: counted in-graph by :func:`keras_imbalance.data.count_dataset`.
      One made by ``keras.utils.image_dataset_from_directory`` (that still has its
      ``file_paths`` and ``class_names``) is counted from its file paths, without reading a file.
    * A ``keras.utils.PyDataset`` or any other iterable of ``(x, y)`` or ``(x, y, sample_weight)``
      batches: counted batch by batch. The label mode and classes are fixed by ``label_mode`` and
      ``classes``, or by the first batch; integer classes may grow from batch to batch, and
      string labels merge by name. The iterable must end: an endless generator never returns.
    * A path (``str`` or ``pathlib.Path``): a class-folder directory
      (:func:`~keras_imbalance.directory.count_directory`), a ``.npy`` file, or a ``.csv`` file
      (``column=`` names the label column, which a CSV always needs; numbers in it are class
      indices).
    * A ``{class: count}`` dict or a :class:`ClassCounts` (returned as is).

    Args:
        source: the labels, in any form above.
        label_mode: ``"int"``, ``"categorical"``, ``"multi_label"``, or ``None`` to detect it.
        classes: an int ``C`` or a list of classes, to declare classes that may be absent; for a
            directory, the list of class sub-folders to count.
        column: the label column of a ``DataFrame`` or ``.csv`` source.

    Example:
        >>> count_labels([0, 1, 1, 2, 2, 2]).as_dict()
        {0: 1, 1: 2, 2: 3}
        >>> count_labels(["roses", "daisy", "roses"]).as_dict()
        {'daisy': 1, 'roses': 2}
        >>> batches = ((None, [0, 1]), (None, [1, 3]))
        >>> count_labels(iter(batches)).as_dict()
        {0: 1, 1: 2, 2: 0, 3: 1}
    """
    if label_mode is not None:
        check_option("label_mode", label_mode, LABEL_MODES)
    if column is not None and not isinstance(column, str):
        raise TypeError(f"column={short_repr(column)} must be a column name (a string)")
    if isinstance(source, ClassCounts):
        return source
    if isinstance(source, str | os.PathLike):
        return _count_path(source, label_mode, classes, column)
    if _from_module(source, "pandas"):
        return _count_pandas(source, label_mode, classes, column)
    if column is not None:
        raise ValueError(
            f"column={column!r} applies to a DataFrame or a .csv file, not to "
            f"{type(source).__name__}; pass the labels themselves"
        )
    if isinstance(source, Mapping):
        if classes is not None:
            raise TypeError("give either a {class: count} dict or classes=, not both")
        counted = ClassCounts.from_counts(source, label_mode=label_mode or "int")
        return counted
    if _is_tf_dataset(source):
        files = _count_file_dataset(source, label_mode, classes)
        if files is not None:
            return files
        return _count_tf_dataset(source, label_mode, classes)
    if _has_file_attributes(source):
        files = _count_file_dataset(source, label_mode, classes)
        if files is not None:
            return files
    if (
        isinstance(source, np.ndarray | list | tuple)
        or hasattr(source, "__array__")
        or (hasattr(source, "numpy") and hasattr(source, "shape"))
    ):
        return counts_from_labels(source, label_mode=label_mode, classes=classes)
    if _is_py_dataset(source):
        return _count_batches(_py_dataset_batches(source), label_mode, classes, "PyDataset")
    if isinstance(source, Iterable) and not isinstance(source, str | bytes):
        return _count_batches(iter(source), label_mode, classes, type(source).__name__)
    listed = "\n  - ".join(SOURCES)
    raise TypeError(
        f"count_labels cannot read source={short_repr(source)} of type "
        f"{type(source).__module__}.{type(source).__qualname__}; it reads:\n  - {listed}"
    )


def _from_module(value: Any, package: str) -> bool:
    module = type(value).__module__ or ""
    return module == package or module.startswith(package + ".")


def _is_tf_dataset(value: Any) -> bool:
    return any(
        (cls.__module__ or "").startswith("tensorflow.python.data") for cls in type(value).__mro__
    )


def _is_py_dataset(value: Any) -> bool:
    return any(
        cls.__name__ in ("PyDataset", "Sequence") and (cls.__module__ or "").startswith("keras")
        for cls in type(value).__mro__
    )


def _has_file_attributes(value: Any) -> bool:
    return hasattr(value, "file_paths") and hasattr(value, "class_names")


# --- Paths --------------------------------------------------------------------------------------


def _count_path(
    source: str | os.PathLike[str],
    label_mode: LabelMode | None,
    classes: ClassesLike,
    column: str | None,
) -> ClassCounts:
    path = Path(source)
    if path.is_dir():
        from keras_imbalance.directory import count_directory

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
        try:
            array = np.load(path, allow_pickle=False, mmap_mode="r")
        except ValueError as error:
            raise ValueError(
                f"{path} holds Python objects, which are not loaded (allow_pickle=False); "
                f"save string labels as fixed-width text: np.save(path, np.asarray(y, dtype=str))"
            ) from error
        return counts_from_labels(array, label_mode=label_mode, classes=classes, name=path.name)
    if suffix == ".csv":
        values, column = _read_csv_column(path, column)
        return counts_from_labels(
            values, label_mode=label_mode, classes=classes, name=f"column {column!r} of {path.name}"
        )
    raise ValueError(
        f"source={os.fspath(source)!r} is a {suffix or 'extensionless'} file; count_labels reads "
        f"a class-folder directory, a .npy file or a .csv file"
    )


def _read_csv_column(path: Path, column: str | None) -> tuple[np.ndarray, str]:
    """One column of a CSV file: ints where every cell is an integer, floats, else strings."""
    import csv

    with path.open(newline="") as file:
        header = next(csv.reader(file), None)
    if not header:
        raise ValueError(f"{path} is empty; give a CSV file with a header row and a label column")
    if column is None:
        raise ValueError(
            f"{path.name} needs column= to name its label column; its columns are "
            f"{short_repr(header)}: count_labels({os.fspath(path)!r}, column={header[-1]!r})"
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
    for dtype in (np.int64, np.float64):
        try:
            return text.astype(dtype), column
        except ValueError:
            continue
    return text, column


# --- pandas -------------------------------------------------------------------------------------


def _count_pandas(
    source: Any, label_mode: LabelMode | None, classes: ClassesLike, column: str | None
) -> ClassCounts:
    kind = type(source).__name__
    if kind == "DataFrame":
        columns = list(source.columns)
        if column is None:
            if len(columns) != 1:
                raise ValueError(
                    f"source is a DataFrame with {len(columns)} columns {short_repr(columns)}; "
                    f"select the label column: count_labels(df[{columns[-1]!r}]) or "
                    f"column={columns[-1]!r} (for one-hot columns, pass df.to_numpy())"
                )
            column = columns[0]
        elif column not in columns:
            raise ValueError(
                f"column={column!r} is not a column of the DataFrame; its columns are "
                f"{short_repr(columns)}"
            )
        source = source[column]
        kind = type(source).__name__
        if kind == "DataFrame":
            raise ValueError(
                f"column={column!r} names several DataFrame columns; give a unique name"
            )
    elif column is not None:
        raise ValueError(f"column={column!r} applies to a DataFrame, not to a pandas {kind}")
    name = "labels" if column is None else f"column {column!r}"
    if kind == "Categorical" or (kind == "Series" and str(source.dtype) == "category"):
        categorical = source if kind == "Categorical" else source.cat
        return _count_categorical(
            np.asarray(categorical.codes), list(categorical.categories), label_mode, classes, name
        )
    if kind not in ("Series", "Index"):
        raise TypeError(
            f"count_labels reads a pandas Series, Categorical or DataFrame, not a pandas {kind}"
        )
    missing = np.flatnonzero(np.asarray(source.isna()))
    if missing.size:
        raise ValueError(
            f"{name} has a missing value (NaN/None) at position {int(missing[0])}; drop or fill "
            f"the rows without a label"
        )
    return counts_from_labels(source.to_numpy(), label_mode=label_mode, classes=classes, name=name)


def _count_categorical(
    codes: np.ndarray,
    categories: list[Any],
    label_mode: LabelMode | None,
    classes: ClassesLike,
    name: str,
) -> ClassCounts:
    if label_mode not in (None, "int"):
        raise ValueError(
            f"{name} is categorical (one class per sample), so label_mode={label_mode!r} does not "
            f"apply; use label_mode=None or 'int'"
        )
    if codes.size == 0:
        raise ValueError(f"{name} is empty; give at least one label")
    missing = np.flatnonzero(codes < 0)
    if missing.size:
        raise ValueError(
            f"{name} has a missing value (NaN) at position {int(missing[0])}; drop or fill the "
            f"rows without a label"
        )
    found = tuple(c.item() if isinstance(c, np.generic) else c for c in categories)
    counts = np.bincount(codes.astype(np.int64), minlength=len(found))
    if classes is None:
        return ClassCounts(counts, found, "int")
    declared = _normalize_classes(classes)
    if declared is None:  # pragma: no cover - classes is not None here
        raise RuntimeError("classes vanished")
    if declared == tuple(range(len(declared))) and len(declared) == len(found):
        return ClassCounts(counts, declared, "int")
    lookup = {c: i for i, c in enumerate(declared)}
    absent = [c for c, n in zip(found, counts, strict=True) if n and c not in lookup]
    if absent:
        raise ValueError(
            f"{name} has labels {short_repr(absent)} that are not in classes="
            f"{short_repr(list(declared))}; add them to classes or fix the labels"
        )
    result = np.zeros(len(declared), dtype=np.int64)
    for category, n in zip(found, counts, strict=True):
        if category in lookup:
            result[lookup[category]] += n
    return ClassCounts(result, declared, "int")


# --- Datasets -----------------------------------------------------------------------------------


def _count_tf_dataset(
    dataset: Any, label_mode: LabelMode | None, classes: ClassesLike
) -> ClassCounts:
    from keras_imbalance.data import count_dataset

    counted: ClassCounts = count_dataset(dataset, label_mode=label_mode, classes=classes)
    return counted


def _file_label_mode(dataset: Any, num_classes: int) -> LabelMode | None:
    """The label mode of a Keras directory dataset from its element spec; None if it has no y."""
    spec = getattr(dataset, "element_spec", None)
    if spec is None:  # a grain dataset: no spec to read
        return "int"
    if not isinstance(spec, tuple) or len(spec) < 2:
        return None
    shape = getattr(spec[1], "shape", None)
    dtype = getattr(spec[1], "dtype", None)
    if shape is None or dtype is None or len(shape) == 0:
        return "int" if shape is not None else None
    if getattr(dtype, "is_floating", False) and shape[-1] == num_classes and num_classes > 1:
        return "categorical"
    return "int"


def _path_classes(paths: Sequence[str], names: Sequence[str]) -> np.ndarray | None:
    """Counts per class of ``directory/<class>/.../file`` paths, or None if they are not so."""
    separator = os.sep
    # A character prefix (fast, in C) is enough: the root is cut back to a separator below.
    prefix = os.path.commonprefix(list(paths))  # noqa: RUF071
    known = {name: i for i, name in enumerate(names)}
    cut = prefix.rfind(separator)
    # The class is the path component right after the root; the deepest root whose next
    # components are all class names is the one Keras joined (it is the common prefix unless
    # every file lies in one class folder).
    while cut >= 0:
        tops = [path[cut + 1 :].split(separator, 1)[0] for path in paths]
        if all(top in known for top in set(tops)) and all(
            separator in path[cut + 1 :] for path in paths[:1000]
        ):
            index = np.fromiter((known[top] for top in tops), dtype=np.int64, count=len(tops))
            return np.bincount(index, minlength=len(names)).astype(np.int64)
        cut = prefix.rfind(separator, 0, cut)
    return None


def _zipped_labels(dataset: Any) -> Any:
    """The label dataset Keras zipped with the file paths, found through the input chain."""
    current, depth = dataset, 0
    while current is not None and depth < 32:
        parts = getattr(current, "_datasets", None)
        if isinstance(parts, tuple) and len(parts) == 2:
            dtype = getattr(getattr(parts[0], "element_spec", None), "dtype", None)
            if getattr(dtype, "name", None) == "string":
                return parts[1]
            return None
        current = getattr(current, "_input_dataset", None)
        depth += 1
    return None


def _count_file_dataset(
    dataset: Any, label_mode: LabelMode | None, classes: ClassesLike
) -> ClassCounts | None:
    """Count a ``keras.utils.image_dataset_from_directory`` dataset from its ``file_paths``.

    Returns None, to fall back on iterating the dataset, unless the dataset still carries
    ``file_paths`` and ``class_names`` and its labels were inferred from the folders.
    """
    paths = getattr(dataset, "file_paths", None)
    names = getattr(dataset, "class_names", None)
    if (
        not isinstance(paths, Sequence)
        or not paths
        or not isinstance(names, Sequence)
        or not names
        or not all(isinstance(n, str) for n in names)
        or label_mode == "multi_label"
    ):
        return None
    detected = _file_label_mode(dataset, len(names))
    if detected is None:
        return None
    mode: LabelMode = label_mode or detected
    if classes is None:
        found: tuple[Any, ...] = tuple(names)
    else:
        declared = _normalize_classes(classes) or ()
        if declared not in (tuple(names), tuple(range(len(names)))):
            raise ValueError(
                f"classes={short_repr(list(declared))} does not match the dataset's "
                f"class_names={short_repr(list(names))}; give classes=None, "
                f"classes={len(names)} or the class_names themselves"
            )
        found = declared
    if all(_looks_like_int(n) for n in names):
        # Keras names the classes str(label) when labels=[...] is given, so folders named like
        # ints cannot tell inferred labels from explicit ones: count the real label dataset.
        labels = _zipped_labels(dataset)
        if labels is None:
            return None
        counted = _count_tf_dataset(labels.batch(65536).map(lambda y: (y, y)), mode, len(names))
        return ClassCounts(counted.counts, found, mode, counted.n_samples)
    counts = _path_classes(paths, names)
    if counts is None:
        return None
    return ClassCounts(counts, found, mode, len(paths))


def _looks_like_int(name: str) -> bool:
    return name.lstrip("-").isdigit()


def _py_dataset_batches(dataset: Any) -> Iterator[Any]:
    try:
        length = dataset.num_batches if hasattr(type(dataset), "num_batches") else len(dataset)
    except (NotImplementedError, TypeError) as error:
        raise ValueError(
            f"the {type(dataset).__name__} has no length; count_labels needs a finite PyDataset "
            f"(define __len__ or num_batches)"
        ) from error
    if length is None:
        raise ValueError(
            f"the {type(dataset).__name__} is infinite (num_batches is None); count_labels needs "
            f"a finite PyDataset"
        )
    for index in range(int(length)):
        yield dataset[index]


def _batch_labels(batch: Any, position: int, what: str) -> Any:
    if isinstance(batch, tuple | list) and len(batch) in (2, 3):
        labels = batch[1]
        if labels is None:
            raise ValueError(
                f"batch {position} of the {what} has no labels (y is None); count a dataset of "
                f"(x, y) batches"
            )
        if isinstance(labels, Mapping):
            raise TypeError(
                f"batch {position} of the {what} has a dict of labels (a multi-output model); "
                f"count each output on its own"
            )
        return labels
    raise TypeError(
        f"batch {position} of the {what} is {short_repr(batch, 60)}; each batch must be a tuple "
        f"(x, y) or (x, y, sample_weight)"
    )


def _count_batches(
    batches: Iterator[Any], label_mode: LabelMode | None, classes: ClassesLike, what: str
) -> ClassCounts:
    """Sum per-batch counts; labels are never gathered, only one batch is held at a time."""
    fixed = _normalize_classes(classes)
    mode = label_mode
    total: np.ndarray | None = None
    by_name: dict[str, int] | None = None
    n_samples = 0
    for position, batch in enumerate(batches):
        labels = _batch_labels(batch, position, what)
        decoded = decode_labels(
            labels, label_mode=mode, classes=fixed, name=f"the labels of batch {position}"
        )
        counts = decoded.counts()
        n_samples += decoded.n_samples if decoded.label_mode == "multi_label" else int(counts.sum())
        if mode is None:
            mode = decoded.label_mode
        if fixed is None and mode != "int":
            fixed = decoded.classes  # one-hot and multi-hot widths stay fixed
        if fixed is not None:
            total = counts if total is None else total + counts
            continue
        is_text = isinstance(decoded.classes[0], str)
        if position and (by_name is not None) != is_text:
            raise TypeError(
                f"batch {position} of the {what} has {'string' if is_text else 'integer'} labels "
                f"but earlier batches had {'integer' if is_text else 'string'} ones; give all "
                f"labels as integers or all as strings"
            )
        if is_text:
            by_name = {} if by_name is None else by_name
            for label, n in zip(decoded.classes, counts.tolist(), strict=True):
                by_name[label] = by_name.get(label, 0) + n
        elif total is None:
            total = counts.copy()
        else:
            if counts.size > total.size:
                total = np.concatenate([total, np.zeros(counts.size - total.size, np.int64)])
            total[: counts.size] += counts
    if mode is None:
        raise ValueError(f"the {what} yielded no batches; give a non-empty source of labels")
    if by_name is not None:
        names = sorted(by_name)
        return ClassCounts(np.asarray([by_name[n] for n in names]), tuple(names), mode, n_samples)
    if total is None:  # pragma: no cover - a batch always sets one of them
        raise RuntimeError("no counts were gathered")
    found = fixed if fixed is not None else tuple(range(total.size))
    return ClassCounts(total, found, mode, n_samples)
