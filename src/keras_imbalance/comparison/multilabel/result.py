"""The result of a multi-label comparison: :class:`MultiLabelComparison`.

It holds data (the summary rows, the per-label table, the verdict, the settings and every run);
rendering is separate: :meth:`~MultiLabelComparison.to_markdown`, and
:meth:`~MultiLabelComparison.save` writes ``results.json``, ``report.md`` and, when matplotlib is
installed, ``precision_recall.png`` (:mod:`~keras_imbalance.comparison.multilabel.figures`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from keras_imbalance.comparison.record import SelectionScheme

__all__ = ["MultiLabelComparison"]

SUMMARY_METRICS = ("macro_average_precision", "micro_average_precision", "macro_f1")
LABEL_COLUMNS = ("average_precision", "f1", "precision", "recall", "threshold")


def _public(run: dict[str, Any]) -> dict[str, Any]:
    """A run without its score arrays (their keys start with ``_``)."""
    return {k: v for k, v in run.items() if not k.startswith("_")}


def _interval_text(diff: Any) -> str:
    if not diff:
        return ""
    return f"{diff['mean']:+.3f} [{diff['low']:+.3f}, {diff['high']:+.3f}]"


@dataclass
class MultiLabelComparison(SelectionScheme):
    """What ``compare(..., label_mode="multi_label")`` returns.

    Attributes:
        rows: one row per remedy (its chosen knobs), ranked on validation: the mean validation
            and test metrics over the seeds and the difference from ``none`` with its interval.
            With cross-validation (:attr:`cross_validated`), "validation" is the out-of-fold
            scores of all the training data (:attr:`chosen_on`, :attr:`validation_name`).
        labels: per remedy and label, the test average precision, F1, precision and recall at
            the thresholds chosen on validation (means over the seeds), and the mean threshold.
        best: the remedy declared best, or ``None`` (see :attr:`verdict`).
        verdict: the sentence that says which remedy, if any, beat ``none`` beyond the noise.
        notes: what the reader must know (labels left at threshold 0.5, few positives, ...).
        settings: every option the comparison ran with.
        runs: every run: remedy, knobs, seed, epoch kept, thresholds, validation and test metrics.
        label_names: the labels' names, in column order.
    """

    rows: list[dict[str, Any]]
    labels: list[dict[str, Any]]
    best: str | None
    verdict: str
    notes: list[str]
    settings: dict[str, Any]
    runs: list[dict[str, Any]] = field(repr=False)
    label_names: list[str]
    curves: dict[str, Any] = field(default_factory=dict, repr=False)
    # With refit=True: what the final model is (remedy, knobs, epochs, thresholds, test metrics)
    # and the model (:mod:`~keras_imbalance.comparison.multilabel.refit`).
    refit: dict[str, Any] | None = None
    model: Any = field(default=None, repr=False)

    @property
    def metric(self) -> str:
        return str(self.settings["metric"])

    def summary(self) -> list[dict[str, Any]]:
        """Flat rows: remedy, knobs, rank, validation and test metrics, test difference.

        ``curves`` (the test labels and each remedy's first-seed test scores, for the figures)
        are not part of it.
        """
        flat = []
        for row in self.rows:
            entry: dict[str, Any] = {
                "strategy": row["strategy"],
                "params": row["params"],
                "rank": row["rank"],
            }
            entry.update({f"validation_{k}": v for k, v in row["validation"].items()})
            entry.update({f"test_{k}": v for k, v in row["test"].items()})
            entry["test_vs_none"] = row.get("test_vs_none")
            flat.append(entry)
        return flat

    def to_dict(self) -> dict[str, Any]:
        """Everything but the score arrays, as JSON-ready values."""
        return {
            "label_mode": "multi_label",
            "best": self.best,
            "verdict": self.verdict,
            "notes": list(self.notes),
            "summary": self.rows,
            "labels": self.labels,
            "label_names": self.label_names,
            "settings": self.settings,
            "runs": [_public(run) for run in self.runs],
            "refit": self.refit,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as strict JSON: an undefined value (NaN, such as the average
        precision of a label without a positive) is ``null``."""
        return json.dumps(_finite(self.to_dict()), indent=indent, default=_json_default)

    def to_markdown(self) -> str:
        """The report: the verdict, the summary table, the per-label table and the notes."""
        lines = ["# Multi-label comparison", "", self.verdict, ""]
        if self.cross_validated:
            lines += [
                f"Ranked by out-of-fold {self.metric} ({self.chosen_on} of all the training "
                f"data); knobs, epochs and thresholds chosen on it; each remedy's choice then "
                f"trained on all the training data and scored once on test.",
                "",
            ]
        val = "oof" if self.cross_validated else "val"
        lines += [
            f"| rank | strategy | knobs | {val} "
            + f" | {val} ".join(_short(m) for m in SUMMARY_METRICS)
            + " | test "
            + " | test ".join(_short(m) for m in SUMMARY_METRICS)
            + f" | test {_short(self.metric)} vs none |",
            "|" + "---|" * (4 + 2 * len(SUMMARY_METRICS)),
        ]
        for row in self.rows:
            knobs = ", ".join(f"{k}={v}" for k, v in row["params"].items())
            cells = [str(row["rank"]), row["strategy"], knobs]
            cells += [f"{row['validation'][m]:.3f}" for m in SUMMARY_METRICS]
            cells += [f"{row['test'][m]:.3f}" for m in SUMMARY_METRICS]
            cells.append(_interval_text(row.get("test_vs_none")))
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", f"## Per label (test, thresholds chosen on {self.chosen_on})", ""]
        lines.append(
            "| strategy | label | train positives | test positives | AP | F1 | precision "
            "| recall | threshold |"
        )
        lines.append("|" + "---|" * 9)
        for entry in self.labels:
            cells = [
                entry["strategy"],
                entry["label"],
                str(entry["train_positives"]),
                str(entry["test_positives"]),
            ]
            cells += [f"{entry[c]:.3f}" for c in LABEL_COLUMNS]
            lines.append("| " + " | ".join(cells) + " |")
        if self.refit is not None:
            lines += ["", "## Final model", "", _refit_text(self.refit)]
        if self.notes:
            lines += ["", "## Notes", "", *[f"- {note}" for note in self.notes]]
        return "\n".join(lines) + "\n"

    def save(self, folder: str | Path, *, plots: bool = True) -> list[Path]:
        """Write ``results.json``, ``report.md`` and (with ``plots`` and matplotlib)
        ``precision_recall.png``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = [folder / "results.json", folder / "report.md"]
        written[0].write_text(self.to_json())
        written[1].write_text(self.to_markdown())
        if not plots:
            return written
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return written
        from keras_imbalance.comparison.multilabel.figures import precision_recall_figure

        if self.curves:
            path = folder / "precision_recall.png"
            precision_recall_figure(self.curves, self.label_names, path)
            written.append(path)
        return written


def _refit_text(refit: dict[str, Any]) -> str:
    knobs = ", ".join(f"{k}={v}" for k, v in refit["params"].items())
    test = refit["test"]
    scores = (
        ", ".join(f"{_short(m)} {test[m]:.3f}" for m in SUMMARY_METRICS) if test else "diverged"
    )
    saved = f"; saved as {refit['model']}" if refit.get("model") else ""
    return (
        f"{refit['strategy']}{f' ({knobs})' if knobs else ''} trained on all "
        f"{refit['samples']} training samples for {refit['epochs']} epoch(s), seed "
        f"{refit['seed']}; test at the chosen thresholds: {scores}{saved}."
    )


def _short(metric: str) -> str:
    return {
        "macro_average_precision": "macro AP",
        "micro_average_precision": "micro AP",
        "macro_f1": "macro F1",
    }.get(metric, metric)


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float, nested anywhere, replaced by ``None``."""
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
