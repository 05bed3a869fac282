"""What a count of labels is: :class:`ClassCounts`, and the forms of counts the library accepts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from keras_imbalance._validation import check_option, short_repr
from keras_imbalance.labels import (
    LABEL_MODES,
    MAX_CLASSES,
    ClassesLike,
    LabelMode,
    check_max_classes,
    decode_labels,
    normalize_classes,
)

if TYPE_CHECKING:
    from typing import Unpack

    from keras_imbalance.labels.decode import DecodeOptions


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
        _refuse_duplicate_classes(self.classes)
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
        classes: ClassesLike = None,
        label_mode: LabelMode = "int",
        n_samples: int | None = None,
        max_classes: int = MAX_CLASSES,
    ) -> ClassCounts:
        """Build counts from a ``{label: count}`` dict or a list of counts in class order.

        Dict keys that are ints (or strings of them, as JSON gives) are class indices: they keep
        their index, and an index with no key counts 0 (``{1: 10, 2: 20}`` is classes 0, 1, 2
        with counts 0, 10, 20, as labels ``[1, 2, ...]`` are). Other keys are class names, sorted
        as Keras sorts ``class_names``. ``classes`` (an int ``C`` or a list of labels) fixes the
        classes and their order; a key not among them is refused, and a class without a key
        counts 0.
        """
        if isinstance(counts, ClassCounts):
            return counts
        found: tuple[Any, ...]
        if isinstance(counts, Mapping):
            found, values = _mapping_counts(counts, classes, max_classes)
        else:
            values = np.asarray(counts)
            declared = normalize_classes(classes)
            if declared is None:
                declared = tuple(range(values.size)) if values.ndim == 1 else ()
            found = declared
        return cls(values, found, label_mode, -1 if n_samples is None else int(n_samples))

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
        """Rebuild counts from :meth:`to_dict`'s output."""
        if not isinstance(data, Mapping):
            raise TypeError(
                f"counts data must be a dict like ClassCounts.to_dict() gives, got "
                f"{short_repr(data)}"
            )
        missing = {"classes", "counts"} - set(data)
        if missing:
            raise ValueError(
                f"counts data lacks the keys {sorted(missing)}; it needs classes and counts"
            )
        classes, n_samples = data["classes"], data.get("n_samples", -1)
        if not isinstance(classes, list | tuple):
            raise TypeError(f"counts data has classes={short_repr(classes)}; give a list")
        if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer):
            raise TypeError(f"counts data has n_samples={short_repr(n_samples)}; give an int")
        return cls(
            np.asarray(data["counts"]),
            tuple(classes),
            data.get("label_mode", "int"),
            int(n_samples),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str | bytes) -> ClassCounts:
        """Rebuild counts from :meth:`to_json`'s text.

        Example:
            >>> ClassCounts.from_json('{"classes": [0, 1], "counts": [3, 1]}').as_dict()
            {0: 3, 1: 1}
        """
        if not isinstance(text, str | bytes | bytearray):
            raise TypeError(
                f"text must be the JSON string ClassCounts.to_json() gives, got "
                f"{short_repr(text)}; for a dict use ClassCounts.from_dict"
            )
        try:
            data = json.loads(text)
        except UnicodeDecodeError as error:
            raise ValueError(
                f"text={short_repr(text)} is not UTF-8 text ({error.reason}); give the JSON "
                f"string ClassCounts.to_json() gives"
            ) from error
        except json.JSONDecodeError as error:
            raise ValueError(
                f"text={short_repr(text)} is not valid JSON (line {error.lineno}, column "
                f"{error.colno}: {error.msg}); give the string ClassCounts.to_json() gives"
            ) from error
        return cls.from_dict(data)

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


def _refuse_duplicate_classes(classes: tuple[Any, ...]) -> None:
    """Two equal classes, or two that print alike, would merge in as_dict and the names."""
    seen: dict[str, Any] = {}
    for label in classes:
        key = str(label)
        if key in seen:
            same = "twice" if seen[key] == label else f"twice (as {seen[key]!r} and {label!r})"
            raise ValueError(
                f"classes={short_repr(list(classes))} names the class {label!r} {same}; give "
                f"each class once, with one count per class"
            )
        seen[key] = label


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
        values = as_counts(prior_or_counts, name=name).counts.astype(np.float64)
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


def counts_from_labels(y: Any, **options: Unpack[DecodeOptions]) -> ClassCounts:
    """Count in-memory labels (array, list, pandas, eager tensor) through :func:`decode_labels`,
    which takes the keyword options (``label_mode``, ``classes``, ``name``, ``max_classes``).

    Example:
        >>> counts_from_labels(["b", "a", "b"], name="tags").as_dict()
        {'a': 1, 'b': 2}
    """
    decoded = decode_labels(y, **options)
    counts = decoded.counts()
    n_samples = decoded.n_samples if decoded.label_mode == "multi_label" else int(counts.sum())
    return ClassCounts(counts, decoded.classes, decoded.label_mode, n_samples)


def _mapping_counts(
    counts: Mapping[Any, Any], classes: Any, max_classes: int
) -> tuple[tuple[Any, ...], np.ndarray]:
    """Classes and counts of a ``{label: count}`` dict, keeping integer keys as class indices."""
    keys = list(counts)
    if not keys:
        raise ValueError("counts={} is empty; give at least one {class: count} entry")
    declared = normalize_classes(classes)
    if declared is not None:
        lookup = {str(c): i for i, c in enumerate(declared)}
        values = np.zeros(len(declared), dtype=object)
        for key in keys:
            position = lookup.get(str(key).strip())
            if position is None:
                raise ValueError(
                    f"counts has the key {key!r}, which is not in classes="
                    f"{short_repr(list(declared))}; add it to classes or drop that count"
                )
            values[position] += counts[key]
        return declared, np.asarray(values.tolist())
    as_ints = _int_keys(keys)
    if as_ints is None:
        order = sorted(range(len(keys)), key=lambda i: str(keys[i]))
        return tuple(keys[i] for i in order), np.asarray([counts[keys[i]] for i in order])
    if min(as_ints) < 0:
        raise ValueError(
            f"counts has the negative class index key {min(as_ints)}; integer keys are class "
            f"indices 0..C-1. For labels like -1/1 key the counts by name (strings) or pass "
            f"classes=[-1, 1]"
        )
    if len(set(as_ints)) != len(as_ints):
        raise ValueError(
            f"counts gives a class twice (keys {short_repr(keys)}); give each class once"
        )
    size = max(as_ints) + 1
    check_max_classes(size, max_classes, "counts")
    values = np.zeros(size, dtype=object)
    for key, index in zip(keys, as_ints, strict=True):
        values[index] = counts[key]
    return tuple(range(size)), np.asarray(values.tolist())
