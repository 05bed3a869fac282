"""What an evaluation returns: :class:`ImbalanceReport` and its parts, and the keys they hold."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from keras_imbalance.evaluation.rendering import (
    PER_CLASS_HEADER,
    THRESHOLD_HEADER,
    Document,
    Rendered,
    Table,
    class_cells,
    fmt,
    fmt_number,
    json_float,
    json_matrix,
    json_number,
)

#: The default decision threshold of a binary detector's positive-class probability.
DEFAULT_THRESHOLD = 0.5


#: The keys of :meth:`ImbalanceReport.to_dict`, in order.
REPORT_KEYS: tuple[str, ...] = (
    "schema",
    "n_samples",
    "total_weight",
    "class_names",
    "accuracy",
    "majority_baseline",
    "majority_class",
    "balanced_accuracy",
    "macro_f1",
    "g_mean",
    "mcc",
    "average_precision",
    "roc_auc",
    "per_class",
    "confusion_matrix",
    "thresholds",
    "warnings",
)


#: The keys of each row of ``per_class``.
PER_CLASS_KEYS: tuple[str, ...] = ("class", "precision", "recall", "f1", "specificity", "support")


#: The keys of each entry of ``thresholds`` (``"default"`` and ``"best_f1"``).
THRESHOLD_KEYS: tuple[str, ...] = (
    "threshold",
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "macro_f1",
    "g_mean",
    "mcc",
    "confusion_matrix",
    "chosen_on",
)

#: Where a threshold comes from: fixed (0.5), chosen on held-out data, or on the scored data.
CHOSEN_ON: tuple[str, ...] = ("fixed", "validation", "in-sample")

SCHEMA = "keras_imbalance.report/2"


# --- Data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassMetrics:
    """Precision, recall, F1, specificity and support of one class (``nan`` where undefined: no
    support, no prediction of the class, or no negative sample for specificity).

    Specificity is ``TN / (TN + FP)``: the share of the other classes' samples not predicted as
    this class (the recall of "not this class").
    """

    name: str
    precision: float
    recall: float
    f1: float
    specificity: float
    support: float


@dataclass(frozen=True)
class ThresholdMetrics:
    """A binary detector's metrics at one decision threshold (positive class = index 1).

    ``precision``, ``recall`` and ``f1`` are those of the positive class. ``chosen_on`` says
    where the threshold comes from: ``"fixed"`` (the default 0.5), ``"validation"`` (held-out
    ``threshold_data``) or ``"in-sample"`` (chosen on the data it scores: optimistic).
    """

    threshold: float
    accuracy: float
    balanced_accuracy: float
    precision: float
    recall: float
    f1: float
    macro_f1: float
    g_mean: float
    mcc: float
    confusion_matrix: np.ndarray
    chosen_on: str = "fixed"

    @property
    def label(self) -> str:
        """How renderings name where the threshold comes from."""
        return {
            "fixed": "fixed",
            "validation": "chosen on validation",
            "in-sample": "in-sample: chosen on these data, optimistic",
        }.get(self.chosen_on, self.chosen_on)

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": json_float(self.threshold),
            "accuracy": json_float(self.accuracy),
            "balanced_accuracy": json_float(self.balanced_accuracy),
            "precision": json_float(self.precision),
            "recall": json_float(self.recall),
            "f1": json_float(self.f1),
            "macro_f1": json_float(self.macro_f1),
            "g_mean": json_float(self.g_mean),
            "mcc": json_float(self.mcc),
            "confusion_matrix": json_matrix(self.confusion_matrix),
            "chosen_on": self.chosen_on,
        }


@dataclass(frozen=True)
class ThresholdResult:
    """What :func:`best_threshold` found.

    Attributes:
        threshold: the best threshold; a sample is positive when ``score >= threshold``.
        value: the metric at that threshold.
        metric: the metric maximised.
        precision: precision of the positive class at that threshold.
        recall: recall of the positive class at that threshold.
        min_recall: the recall constraint, or ``None``.
    """

    threshold: float
    value: float
    metric: str
    precision: float
    recall: float
    min_recall: float | None = None

    def __iter__(self) -> Any:
        """Unpack as ``threshold, value = best_threshold(...)``."""
        return iter((self.threshold, self.value))


@dataclass(frozen=True, eq=False)
class ImbalanceReport(Rendered):
    """The honest evaluation of a classifier: data only; render with the ``to_*`` methods.

    Attributes:
        n_samples: number of evaluated elements.
        total_weight: sum of the sample weights (``n_samples`` without weights).
        class_names: the class names, in class-index order.
        accuracy: overall (weighted) accuracy.
        majority_baseline: accuracy of always predicting ``majority_class``, the most frequent
            (largest total weight) true class.
        majority_class: name of that class.
        balanced_accuracy, macro_f1, g_mean, mcc: see the module docstring. scikit-learn's
            defaults: balanced accuracy averages the recalls of the classes present in
            ``y_true`` (``balanced_accuracy_score``); macro-F1 averages over the classes in
            ``y_true`` or ``y_pred`` (``f1_score``); G-mean is imbalanced-learn's
            ``geometric_mean_score`` over those same classes (0 if one is never found).
        average_precision, roc_auc: PR-AUC and ROC-AUC, or ``None`` without scores or when
            ``y_true`` holds a single class.
        per_class: one :class:`ClassMetrics` per class.
        confusion_matrix: ``(C, C)``; rows are true classes, columns predicted classes.
        thresholds: for binary detectors with scores, ``{"default": ..., "best_f1": ...}``
            :class:`ThresholdMetrics`; otherwise empty.
        warnings: plain-language warnings (see :func:`report`).
    """

    n_samples: int
    total_weight: float
    class_names: list[str]
    accuracy: float
    majority_baseline: float
    majority_class: str
    balanced_accuracy: float
    macro_f1: float
    g_mean: float
    mcc: float
    average_precision: float | None
    roc_auc: float | None
    per_class: list[ClassMetrics]
    confusion_matrix: np.ndarray
    thresholds: dict[str, ThresholdMetrics] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the keys :data:`REPORT_KEYS`, always all of them, in order.

        Schema (``schema`` is ``"keras_imbalance.report/2"``): numbers are plain floats, ``None``
        where undefined (``nan`` in the dataclass); ``per_class`` is a list of
        ``{"class", "precision", "recall", "f1", "specificity", "support"}``;
        ``confusion_matrix`` a list of rows (ints without sample weights); ``thresholds`` is
        ``{}`` or ``{"default": {...}, "best_f1": {...}}`` with the keys :data:`THRESHOLD_KEYS`;
        ``warnings`` a list of strings.
        """
        return {
            "schema": SCHEMA,
            "n_samples": self.n_samples,
            "total_weight": json_float(self.total_weight),
            "class_names": list(self.class_names),
            "accuracy": json_float(self.accuracy),
            "majority_baseline": json_float(self.majority_baseline),
            "majority_class": self.majority_class,
            "balanced_accuracy": json_float(self.balanced_accuracy),
            "macro_f1": json_float(self.macro_f1),
            "g_mean": json_float(self.g_mean),
            "mcc": json_float(self.mcc),
            "average_precision": json_float(self.average_precision),
            "roc_auc": json_float(self.roc_auc),
            "per_class": [
                {
                    "class": row.name,
                    "precision": json_float(row.precision),
                    "recall": json_float(row.recall),
                    "f1": json_float(row.f1),
                    "specificity": json_float(row.specificity),
                    "support": json_number(row.support),
                }
                for row in self.per_class
            ],
            "confusion_matrix": json_matrix(self.confusion_matrix),
            "thresholds": {name: item.to_dict() for name, item in self.thresholds.items()},
            "warnings": list(self.warnings),
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON; ``kwargs`` go to ``json.dumps`` (e.g. ``indent=2``)."""
        return json.dumps(self.to_dict(), **kwargs)

    # --- Rendering ---

    def _summary_rows(self) -> list[tuple[str, str]]:
        rows = [
            ("accuracy", fmt(self.accuracy)),
            (f"majority baseline ({self.majority_class})", fmt(self.majority_baseline)),
            ("balanced accuracy", fmt(self.balanced_accuracy)),
            ("macro-F1", fmt(self.macro_f1)),
            ("G-mean", fmt(self.g_mean)),
            ("MCC", fmt(self.mcc)),
        ]
        if self.average_precision is not None:
            rows.append(("PR-AUC (average precision)", fmt(self.average_precision)))
        if self.roc_auc is not None:
            rows.append(("ROC-AUC", fmt(self.roc_auc)))
        return rows

    def _per_class_rows(self) -> list[tuple[str, ...]]:
        return [class_cells(row) for row in self.per_class]

    def _threshold_rows(self) -> list[tuple[str, ...]]:
        return [
            (
                f"{name} ({item.label})",
                fmt(item.threshold),
                fmt(item.accuracy),
                fmt(item.balanced_accuracy),
                fmt(item.precision),
                fmt(item.recall),
                fmt(item.f1),
                fmt(item.mcc),
            )
            for name, item in self.thresholds.items()
        ]

    def _matrix_rows(self) -> list[tuple[str, ...]]:
        return [
            (name, *(fmt_number(v) for v in row))
            for name, row in zip(self.class_names, np.asarray(self.confusion_matrix), strict=True)
        ]

    def _document(self) -> Document:
        tables = [Table("Per class", PER_CLASS_HEADER, self._per_class_rows())]
        if self.thresholds:
            tables.append(
                Table("Thresholds (positive class)", THRESHOLD_HEADER, self._threshold_rows())
            )
        tables.append(
            Table(
                "Confusion matrix (rows: true, columns: predicted)",
                ("true \\ predicted", *self.class_names),
                self._matrix_rows(),
            )
        )
        summary = Table("Classification report", ("metric", "value"), self._summary_rows())
        return Document("Classification report", self.warnings, summary, tables)

    def __repr__(self) -> str:
        return (
            f"ImbalanceReport(n_samples={self.n_samples}, accuracy={self.accuracy:.4g}, "
            f"majority_baseline={self.majority_baseline:.4g}, "
            f"balanced_accuracy={self.balanced_accuracy:.4g}, macro_f1={self.macro_f1:.4g}, "
            f"warnings={len(self.warnings)})"
        )
