"""What a multi-label evaluation returns: :class:`MultiLabelReport` and :class:`LabelMetrics`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from keras_imbalance.evaluation.rendering import (
    fmt,
    fmt_number,
    html_page,
    html_table,
    html_warnings,
    json_float,
    json_number,
    markdown_table,
    text_table,
)

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
class LabelMetrics:
    """One label's scores, as a binary problem (``nan`` where undefined; ``None`` without
    scores, or for ROC-AUC when the label is always or never present)."""

    name: str
    precision: float
    recall: float
    f1: float
    specificity: float
    support: float
    average_precision: float | None = None
    roc_auc: float | None = None


@dataclass(frozen=True, eq=False)
class MultiLabelReport:
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
            (
                row.name,
                fmt(row.precision),
                fmt(row.recall),
                fmt(row.f1),
                fmt(row.specificity),
                fmt_number(row.support),
                fmt(row.average_precision),
                fmt(row.roc_auc),
            )
            for row in self.per_label
        ]

    def _threshold_line(self) -> str:
        if self.threshold is None:
            return "Predictions given as labels."
        return f"A label is predicted when its score is >= {self.threshold:g}."

    def to_markdown(self) -> str:
        parts = ["## Multi-label report", ""]
        parts += [f"> **Warning:** {text}" for text in self.warnings]
        if self.warnings:
            parts.append("")
        parts += [self._threshold_line(), ""]
        parts += markdown_table(("metric", "value"), self._summary_rows())
        parts += ["", "### Per label", ""]
        parts += markdown_table(PER_LABEL_HEADER, self._per_label_rows())
        return "\n".join(parts) + "\n"

    def to_rich(self) -> Any:
        try:
            from rich.console import Group
            from rich.table import Table
            from rich.text import Text
        except ImportError as error:  # pragma: no cover - rich is installed in the test env
            raise ImportError(
                'to_rich needs rich; install it with pip install "keras-imbalance[cli]"'
            ) from error

        def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Any:
            result = Table(title=title, title_justify="left")
            for i, name in enumerate(header):
                result.add_column(name, justify="left" if i == 0 else "right")
            for row in rows:
                result.add_row(*row)
            return result

        items: list[Any] = [Text(f"Warning: {text}", style="bold red") for text in self.warnings]
        items.append(Text(self._threshold_line()))
        items.append(table("Multi-label report", ("metric", "value"), self._summary_rows()))
        items.append(table("Per label", PER_LABEL_HEADER, self._per_label_rows()))
        return Group(*items)

    def to_html(self) -> str:
        body = html_warnings(self.warnings)
        body.append(f"<p>{self._threshold_line()}</p>")
        body += html_table(("metric", "value"), self._summary_rows(), "Summary")
        body += html_table(PER_LABEL_HEADER, self._per_label_rows(), "Per label")
        return html_page("Multi-label report", body)

    def __str__(self) -> str:
        parts = [f"WARNING: {text}" for text in self.warnings]
        parts.append(self._threshold_line())
        parts += text_table(("metric", "value"), self._summary_rows())
        parts += ["", "Per label:"]
        parts += text_table(PER_LABEL_HEADER, self._per_label_rows())
        return "\n".join(parts)

    def __repr__(self) -> str:
        return (
            f"MultiLabelReport(n_samples={self.n_samples}, labels={len(self.label_names)}, "
            f"micro_f1={self.scores['micro_f1']:.4g}, macro_f1={self.scores['macro_f1']:.4g}, "
            f"warnings={len(self.warnings)})"
        )
