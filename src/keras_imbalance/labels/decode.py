"""The one place labels are decoded.

Every module that reads labels calls this one. Two entry points:

* :func:`decode_labels` turns NumPy-like labels (class indices, strings, one-hot or multi-hot
  matrices, of any rank) into :class:`Labels`: integer class indices, or a boolean multi-hot
  matrix, plus the list of classes.
* :func:`class_indices` and :func:`one_hot` do the same for tensors inside a loss or metric,
  with ``keras.ops`` only, so they run on every backend.

Label modes, as Keras names them:

* ``"int"``: class indices ``0..C-1`` (or strings), shape ``(N,)``, ``(N, 1)``, or any rank for
  sequences ``(N, T)`` and segmentation masks ``(N, H, W)``. A trailing axis of size 1 is dropped.
* ``"categorical"``: one-hot rows on the last axis, ``(N, C)``, ``(N, T, C)``, ``(N, H, W, C)``.
* ``"multi_label"``: multi-hot rows ``(N, L)``; any number of labels per row, including none.

Auto-detection (``label_mode=None``) never guesses between readings that are both valid for a
shape: a 1-D array (or a trailing axis of size 1) is ``"int"``; 0/1 values whose rows all sum to 1
are ``"categorical"``; other 0/1 matrices of rank 2 are ``"multi_label"``, unless they are one-hot
rows but for one row, or but for all-zero rows (one-hot data with a defect), which ask for
``label_mode``; a matrix of zeros only (no label at all) asks for ``label_mode`` too (with
``label_mode="multi_label"`` it counts as rows without labels); integral values other
than 0/1 at rank >= 2 are ``"int"`` (sequences or masks). A rank >= 3 array of 0/1 values that
is not one-hot is ambiguous, and the error asks for ``label_mode``. Binary *sequences* ``(N, T)``
of 0/1 look like multi-hot rows: pass ``label_mode="int"`` for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, NoReturn, TypedDict

import numpy as np

from keras_imbalance._validation import check_option, short_repr

LabelMode = Literal["int", "categorical", "multi_label"]


LABEL_MODES: tuple[str, ...] = ("int", "categorical", "multi_label")


ClassesLike = int | Sequence[Any] | np.ndarray | None


MAX_CLASSES = 100_000
"""The default ``max_classes``: more integer classes than this is taken for a corrupt label."""


def check_max_classes(num_classes: int, max_classes: Any, name: str) -> None:
    """Refuse ``num_classes`` above ``max_classes``: one stray label of 10**9 would otherwise
    allocate a billion counts."""
    limit = max_classes_limit(max_classes)
    if num_classes > limit:
        raise ValueError(
            f"{name} contains the class index {num_classes - 1}, which makes {num_classes} "
            f"classes, more than max_classes={limit}; fix that label, or pass a larger "
            f"max_classes if you really have that many classes"
        )


def max_classes_limit(max_classes: Any) -> int:
    """``max_classes`` as an int, or the error that names it; for readers that check the
    limit before they read any label."""
    if (
        isinstance(max_classes, bool)
        or not isinstance(max_classes, int | np.integer)
        or max_classes < 1
    ):
        raise ValueError(
            f"max_classes={short_repr(max_classes)} must be a positive int (default {MAX_CLASSES})"
        )
    return int(max_classes)


@dataclass(frozen=True)
class Labels:
    """Decoded labels.

    Attributes:
        label_mode: ``"int"``, ``"categorical"`` or ``"multi_label"``.
        indices: for ``"int"`` and ``"categorical"``, the ``int64`` class index of every element,
            shaped like the labels without their class axis; ``None`` for ``"multi_label"``.
        multi_hot: for ``"multi_label"``, a boolean ``(..., L)`` matrix; ``None`` otherwise.
        classes: the class labels, in index order (ints, or the original strings).
    """

    label_mode: LabelMode
    indices: np.ndarray | None
    multi_hot: np.ndarray | None
    classes: tuple[Any, ...]

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def class_names(self) -> list[str]:
        return [str(c) for c in self.classes]

    @property
    def n_samples(self) -> int:
        """Number of samples: the length of the first axis."""
        array = self.indices if self.indices is not None else self.multi_hot
        return 0 if array is None else int(array.shape[0])

    def counts(self) -> np.ndarray:
        """Elements per class (int64): labelled ones for int/one-hot, positives for multi-hot."""
        if self.multi_hot is not None:
            flat = self.multi_hot.reshape(-1, self.multi_hot.shape[-1])
            return np.count_nonzero(flat, axis=0).astype(np.int64)
        if self.indices is None:  # pragma: no cover - impossible by construction
            raise RuntimeError("Labels holds neither indices nor multi_hot")
        return np.bincount(self.indices.ravel(), minlength=self.num_classes).astype(np.int64)


def normalize_classes(classes: ClassesLike) -> tuple[Any, ...] | None:
    if classes is None:
        return None
    if isinstance(classes, bool):
        raise TypeError(f"classes must be an int or a list of labels, got {classes!r}")
    if isinstance(classes, int | np.integer):
        if classes < 1:
            raise ValueError(f"classes={classes!r} must be at least 1 (the number of classes)")
        return tuple(range(int(classes)))
    if isinstance(classes, str) or not isinstance(classes, Sequence | np.ndarray):
        raise TypeError(
            f"classes must be an int (the number of classes) or a list of labels, "
            f"got {short_repr(classes)}"
        )
    items = tuple(c.item() if isinstance(c, np.generic) else c for c in classes)
    if not items:
        raise ValueError("classes=[] is empty; give at least one class or leave classes=None")
    if len(set(items)) != len(items):
        raise ValueError(f"classes={short_repr(list(items))} has duplicates; list each class once")
    return items


def _as_array(y: Any, name: str) -> np.ndarray:
    if hasattr(y, "numpy") and not isinstance(y, np.ndarray):
        y = y.numpy()  # eager tensors
    elif type(y).__module__.startswith("pandas"):
        y = y.to_numpy()
    try:
        array = np.asarray(y)
    except ValueError as error:  # ragged nested lists on NumPy >= 1.24
        raise ValueError(
            f"{name} is ragged (rows of different lengths); give a rectangular array of labels"
        ) from error
    if (
        array.dtype == object
        and array.size
        and any(isinstance(item, list | tuple | np.ndarray) for item in array.ravel()[:1000])
    ):
        raise ValueError(
            f"{name} is ragged (rows of different lengths); give a rectangular array of labels"
        )
    if array.dtype.kind in "US" and not isinstance(y, np.ndarray):
        # np.asarray([0, "cat"]) silently turns the 0 into "0": refuse lists mixing the two.
        items = np.asarray(y, dtype=object).ravel()
        if any(isinstance(item, int | float | np.number) for item in items):
            raise TypeError(
                f"{name} mixes types ({short_repr(items[:5].tolist())}); "
                f"give all labels as integers or all as strings"
            )
    if array.ndim == 0:
        raise ValueError(f"{name} is a scalar {short_repr(y)}; give one label per sample")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); give at least one label")
    return array


def _is_text(array: np.ndarray) -> bool:
    if array.dtype.kind in "USa":
        return True
    if array.dtype == object:
        return all(isinstance(item, str | bytes) for item in array.ravel()[:1000])
    return False


_INT64_MAX = np.iinfo(np.int64).max

# 2**53: the first float whose neighbours are no longer whole numbers one apart, far above any
# class index, and below the int64 limit, where a cast silently wraps to a negative number.
_FLOAT_INT_LIMIT = 2.0**53


def _refuse_too_large(value: Any, name: str) -> NoReturn:
    number = value.item() if isinstance(value, np.generic) else value
    raise ValueError(
        f"{name} contains the value {number!r}, which is too large to be a class index "
        f"(labels are class indices 0..C-1, one-hot or multi-hot rows); fix that label"
    )


def _integral(array: np.ndarray, name: str) -> np.ndarray:
    """Return an int64 copy of numeric labels, refusing NaN, inf and non-integral values."""
    if array.dtype.kind == "b":
        return array.astype(np.int64)
    if array.dtype.kind in "iu":
        if array.dtype.kind == "u" and array.size and array.max() > _INT64_MAX:
            _refuse_too_large(array[array > _INT64_MAX].ravel()[0], name)
        return array.astype(np.int64, copy=False)
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            bad = array[~np.isfinite(array)].ravel()[0]
            raise ValueError(f"{name} contains {float(bad)!r}; labels must be finite class indices")
        huge = np.abs(array) >= _FLOAT_INT_LIMIT
        if huge.any():
            _refuse_too_large(array[huge].ravel()[0], name)
        if not np.equal(np.mod(array, 1), 0).all():
            bad = array[np.mod(array, 1) != 0].ravel()[0]
            raise ValueError(
                f"{name} contains the non-integral value {float(bad)!r}; labels must be class "
                f"indices "
                f"(0..C-1), one-hot or multi-hot rows. Probabilities are not labels: use argmax"
            )
        return array.astype(np.int64)
    if array.dtype == object:
        try:
            numeric = array.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"{name} mixes types ({short_repr(array.ravel()[:5].tolist())}); "
                f"give all labels as integers or all as strings"
            ) from error
        return _integral(numeric, name)
    raise TypeError(f"{name} has dtype {array.dtype}; give integer, string or 0/1 labels")


def _decode_text(array: np.ndarray, classes: tuple[Any, ...] | None, name: str) -> Labels:
    flat = np.asarray(
        [c.decode() if isinstance(c, bytes) else c for c in array.ravel()], dtype=object
    )
    if classes is None:
        uniques, inverse = np.unique(flat.astype(str), return_inverse=True)
        return Labels(
            "int", inverse.reshape(array.shape).astype(np.int64), None, tuple(uniques.tolist())
        )
    lookup = {str(c): i for i, c in enumerate(classes)}
    uniques, inverse = np.unique(flat.astype(str), return_inverse=True)
    missing = [u for u in uniques.tolist() if u not in lookup]
    if missing:
        raise ValueError(
            f"{name} has labels {short_repr(missing)} that are not in classes="
            f"{short_repr(list(classes))}; add them to classes or fix the labels"
        )
    table = np.asarray([lookup[u] for u in uniques.tolist()], dtype=np.int64)
    return Labels("int", table[inverse].reshape(array.shape), None, classes)


def _decode_int(
    values: np.ndarray, classes: tuple[Any, ...] | None, name: str, max_classes: int = MAX_CLASSES
) -> Labels:
    low = int(values.min())
    high = int(values.max())
    # Negative labels are fine when classes lists them (e.g. classes=[-1, 1]): they map below.
    if low < 0 and (classes is None or classes == tuple(range(len(classes)))):
        raise ValueError(
            f"{name} contains the negative class index {low}; class indices run 0..C-1. "
            f"For labels like -1/1 pass classes=[-1, 1]"
            if classes is None
            else f"{name} contains the value {low}, "
            f"which is not in classes={short_repr(list(classes))}"
        )
    if classes is None:
        check_max_classes(high + 1, max_classes, name)
        return Labels("int", values, None, tuple(range(high + 1)))
    if classes == tuple(range(len(classes))):
        if high >= len(classes):
            raise ValueError(
                f"{name} contains the class index {high}, but classes declares {len(classes)} "
                f"classes (0..{len(classes) - 1}); raise classes or fix the labels"
            )
        return Labels("int", values, None, classes)
    if not all(isinstance(c, int | np.integer) for c in classes):
        raise TypeError(
            f"{name} holds integer labels but classes={short_repr(list(classes))} holds other "
            f"types; give classes as integers"
        )
    order = np.asarray(classes, dtype=np.int64)
    sorter = np.argsort(order)
    position = np.searchsorted(order, values, sorter=sorter)
    position = np.clip(position, 0, len(order) - 1)
    mapped = sorter[position]
    unknown = order[mapped] != values
    if unknown.any():
        raise ValueError(
            f"{name} contains the label {int(values[unknown].ravel()[0])}, which is not in "
            f"classes={short_repr(list(classes))}; add it to classes or fix the labels"
        )
    return Labels("int", mapped.astype(np.int64), None, classes)


def _binary(values: np.ndarray) -> bool:
    return bool(((values == 0) | (values == 1)).all())


def _rows_sum_to_one(values: np.ndarray) -> np.ndarray:
    return values.sum(axis=-1) == 1


def _one_hot_with_bad_rows(values: np.ndarray, one: np.ndarray) -> bool:
    """One-hot rows but for a single bad row, or but for all-zero rows: one-hot data with a
    defect as likely as multi-label data, so the reading is not guessed."""
    bad = ~one
    return int(bad.sum()) == 1 or not values[bad].any()


def all_zero_message(name: str, shape: Any) -> str:
    """The error for a 0/1 label matrix without a single 1, which auto-detection refuses."""
    return (
        f"{name} is all zeros (shape {tuple(shape)}): no row holds a label, so every class "
        f"would count 0. One-hot rows hold exactly one 1; fix the labels, or pass "
        f"label_mode='multi_label' if no sample really has any of the labels"
    )


def check_width(
    classes: tuple[Any, ...] | None, width: int, name: str, mode: str
) -> tuple[Any, ...]:
    if classes is None:
        return tuple(range(width))
    if len(classes) != width:
        raise ValueError(
            f"{name} has {width} columns ({mode} labels) but classes has {len(classes)} entries; "
            f"give one class per column"
        )
    return classes


class DecodeOptions(TypedDict, total=False):
    """The options of :func:`decode_labels`, for functions that pass them through unchanged."""

    label_mode: LabelMode | None
    classes: ClassesLike
    name: str
    max_classes: int


def decode_labels(
    y: Any,
    *,
    label_mode: LabelMode | None = None,
    classes: ClassesLike = None,
    name: str = "y",
    max_classes: int = MAX_CLASSES,
) -> Labels:
    """Decode labels of any shape into class indices or a multi-hot matrix.

    Args:
        y: labels: a list, NumPy array, pandas Series or eager tensor.
        label_mode: ``"int"``, ``"categorical"``, ``"multi_label"``, or ``None`` to detect it.
        classes: the classes, when some may be absent: an int ``C`` (classes ``0..C-1``) or a
            list of labels; integer labels then map to their position in the list.
        name: the argument name used in error messages.
        max_classes: the most integer classes ``C`` that labels without ``classes`` may make
            (default 100 000); a larger class index is refused as a corrupt label.

    Returns:
        A :class:`Labels`.

    Example:
        >>> decode_labels(["cat", "dog", "cat"]).indices
        array([0, 1, 0])
        >>> decode_labels([[0, 1], [1, 0]]).label_mode
        'categorical'
        >>> decode_labels([[1, 1, 0], [0, 0, 0]]).counts()
        array([1, 1, 0])
    """
    if label_mode is not None:
        check_option("label_mode", label_mode, LABEL_MODES)
    max_classes_limit(max_classes)
    declared = normalize_classes(classes)
    array = _as_array(y, name)

    if _is_text(array):
        if label_mode not in (None, "int"):
            raise ValueError(
                f"{name} holds strings, which can only be label_mode='int', not {label_mode!r}"
            )
        if array.ndim >= 2 and array.shape[-1] == 1:
            array = array[..., 0]
        return _decode_text(array, declared, name)

    values = _integral(array, name)
    trailing_one = values.ndim >= 2 and values.shape[-1] == 1

    if label_mode is None:
        if values.ndim == 1 or trailing_one:
            label_mode = "int"
        elif _binary(values):
            one = _rows_sum_to_one(values)
            if one.all():
                label_mode = "categorical"
            elif values.ndim == 2 and one.any() and _one_hot_with_bad_rows(values, one):
                row = int(np.flatnonzero(~one)[0])
                raise ValueError(
                    f"{name} looks one-hot ({int(one.sum())} of {one.size} rows hold exactly one "
                    f"1) but row {row} sums to {int(values[row].sum())}; pass "
                    f"label_mode='categorical' if it should be one-hot (and fix that row), or "
                    f"label_mode='multi_label' if rows may hold several labels or none"
                )
            elif values.ndim == 2 and not values.any():
                raise ValueError(all_zero_message(name, values.shape))
            elif values.ndim == 2:
                label_mode = "multi_label"
            else:
                raise ValueError(
                    f"{name} has shape {values.shape} with 0/1 values that are not one-hot; it "
                    f"could be integer masks or multi-hot rows. Pass label_mode='int' or "
                    f"label_mode='multi_label'"
                )
        else:
            label_mode = "int"

    if label_mode == "int":
        if trailing_one:
            values = values[..., 0]
        return _decode_int(values, declared, name, max_classes)

    if values.ndim < 2:
        raise ValueError(
            f"{name} has shape {values.shape}, but label_mode={label_mode!r} needs one row per "
            f"sample with one column per class; use label_mode='int' for class indices"
        )
    if not _binary(values):
        bad = values[(values != 0) & (values != 1)].ravel()[0]
        raise ValueError(
            f"{name} contains {int(bad)}, but {label_mode} labels hold only 0 and 1; "
            f"use label_mode='int' for class indices"
        )
    width = values.shape[-1]
    if label_mode == "categorical":
        sums = values.sum(axis=-1)
        wrong = sums != 1
        if wrong.any():
            where = tuple(int(i) for i in np.argwhere(wrong)[0])
            raise ValueError(
                f"{name} row {where[0] if len(where) == 1 else where} sums to {int(sums[where])}, "
                f"but one-hot rows sum to exactly 1; use label_mode='multi_label' for rows with "
                f"several (or no) positive labels"
            )
        found = check_width(declared, width, name, "one-hot")
        return Labels("categorical", values.argmax(axis=-1).astype(np.int64), None, found)
    found = check_width(declared, width, name, "multi-hot")
    return Labels("multi_label", None, values.astype(bool), found)
