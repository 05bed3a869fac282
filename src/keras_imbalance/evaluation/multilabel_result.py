"""What a multi-label evaluation returns: :class:`MultiLabelReport` and :class:`LabelMetrics`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from keras_imbalance.evaluation.rendering import (
    Document,
    Rendered,
    Table,
    class_cells,
    fmt,
    json_float,
    json_number,
)
from keras_imbalance.evaluation.result import ClassMetrics

MULTILABEL_SCHEMA = "keras_imbalance.multilabel_report/1"

#: The summary scores of :class:`MultiLabelReport`, in order, with the words renderings use.
#: ``None`` values (ranking scores without ``scores=``) are left out of the tables.
SUMMARY_NAMES: dict[str, str] = {
    "subset_accuracy": "subset accuracy (exact match)",
    "hamming_loss": "Hamming loss",
    "micro_precision": "micro precision",
    "micro_recall": "micro recall",
    "micro_f1": "micro-F1",
    "macro_precision": "macro precision",
    "macro_recall": "macro recall",
    "macro_f1": "macro-F1",
    "weighted_f1": "weighted F1",
    "samples_f1": "samples F1 (per sample, averaged)",
    "samples_jaccard": "samples Jaccard",
    "average_precision_micro": "PR-AUC micro",
    "average_precision_macro": "PR-AUC macro",
    "roc_auc_macro": "ROC-AUC macro",
    "label_ranking_average_precision": "label ranking average precision",
    "coverage_error": "coverage error",
    "label_ranking_loss": "label ranking loss",
}

#: The keys of each row of ``per_label``.
PER_LABEL_KEYS: tuple[str, ...] = (
    "label",
    "precision",
    "recall",
    "f1",
    "specificity",
    "support",
    "average_precision",
    "roc_auc",
)

PER_LABEL_HEADER = (
    "label",
    "precision",
    "recall",
    "F1",
    "specificity",
    "support",
    "PR-AUC",
    "ROC-AUC",
)


@dataclass(frozen=True)
class LabelMetrics(ClassMetrics):
    """One label's scores, as a binary problem: the fields of :class:`ClassMetrics` (``nan``
    where undefined) and the ranking scores (``None`` without scores, or for ROC-AUC when the
    label is always or never present)."""

    average_precision: float | None = None
    roc_auc: float | None = None


@dataclass(frozen=True, eq=False)
class MultiLabelReport(Rendered):
    """The evaluation of a multi-label classifier: per-label rows and scikit-learn's label- and
    sample-based scores (see :func:`~keras_imbalance.evaluation.report`).

    Attributes:
        n_samples: number of samples (rows).
        total_weight: sum of the sample weights.
        label_names: the label names, in column order.
        threshold: the score threshold that made the predictions (when scores were given).
        scores: ``{name: value}`` in the order of :data:`SUMMARY_NAMES`; ranking scores are
            ``None`` without ``scores=``.
        per_label: one :class:`LabelMetrics` per label.
        warnings: plain-language warnings.
    """

    n_samples: int
    total_weight: float
    label_names: list[str]
    threshold: float | None
    scores: dict[str, float | None]
    per_label: list[LabelMetrics]
    warnings: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        scores = self.__dict__.get("scores", {})
        if name in scores:
            return scores[name]
        raise AttributeError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``schema``, ``n_samples``, ``total_weight``, ``label_names``,
        ``threshold``, every summary score (``None`` where undefined), ``per_label`` (keys
        :data:`PER_LABEL_KEYS`) and ``warnings``."""
        return {
            "schema": MULTILABEL_SCHEMA,
            "n_samples": self.n_samples,
            "total_weight": json_float(self.total_weight),
            "label_names": list(self.label_names),
            "threshold": json_float(self.threshold),
            **{name: json_float(self.scores.get(name)) for name in SUMMARY_NAMES},
            "per_label": [
                {
                    "label": row.name,
                    "precision": json_float(row.precision),
                    "recall": json_float(row.recall),
                    "f1": json_float(row.f1),
                    "specificity": json_float(row.specificity),
                    "support": json_number(row.support),
                    "average_precision": json_float(row.average_precision),
                    "roc_auc": json_float(row.roc_auc),
                }
                for row in self.per_label
            ],
            "warnings": list(self.warnings),
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def _summary_rows(self) -> list[tuple[str, str]]:
        return [
            (words, fmt(self.scores.get(name)))
            for name, words in SUMMARY_NAMES.items()
            if self.scores.get(name) is not None
        ]

    def _per_label_rows(self) -> list[tuple[str, ...]]:
        return [
            (*class_cells(row), fmt(row.average_precision), fmt(row.roc_auc))
            for row in self.per_label
        ]

    def _threshold_line(self) -> str:
        if self.threshold is None:
            return "Predictions given as labels."
        return f"A label is predicted when its score is >= {self.threshold:g}."

    def _document(self) -> Document:
        summary = Table("Summary", ("metric", "value"), self._summary_rows())
        per_label = Table("Per label", PER_LABEL_HEADER, self._per_label_rows())
        return Document(
            "Multi-label report", self.warnings, summary, [per_label], self._threshold_line()
        )

    def __repr__(self) -> str:
        return (
            f"MultiLabelReport(n_samples={self.n_samples}, labels={len(self.label_names)}, "
            f"micro_f1={self.scores['micro_f1']:.4g}, macro_f1={self.scores['macro_f1']:.4g}, "
            f"warnings={len(self.warnings)})"
        )
