"""The operating-point table of a binary comparison: where each strategy's detector operates.

One row per strategy (in rank order), from its chosen runs, means over the seeds: the
validation-chosen threshold (median over the seeds), the test precision, recall and F1 of the
positive class there, the threshold-free average precision and ROC AUC, and the recall at the
lowest threshold whose validation precision reaches ``min_precision``, with that threshold and
the precision it reaches on test (which may fall below ``min_precision``: test chose nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["median_threshold", "operating_lines", "operating_rows", "threshold_snippet"]


def _mean(values: Sequence[Any]) -> float | None:
    array = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    return float(np.nanmean(array)) if np.isfinite(array).any() else None


def _median(values: Sequence[Any]) -> float | None:
    array = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    return float(np.nanmedian(array)) if np.isfinite(array).any() else None


def operating_rows(
    rows: Sequence[Mapping[str, Any]], runs: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The table's rows; empty when the runs hold no thresholds (not binary, or under CV).

    Example:
        >>> run = {"strategy": "none", "chosen": True, "threshold": 0.5,
        ...        "precision": {"test": 0.8}, "per_class_recall": {"test": [0.9, 0.6]},
        ...        "test": {"f1": 0.69, "average_precision": 0.7, "roc_auc": 0.8,
        ...                 "recall_at_precision": 0.4},
        ...        "at_precision": {"threshold": 0.7, "min_precision": 0.9,
        ...                         "precision": {"test": 0.85}}}
        >>> operating_rows([{"strategy": "none"}], [run])[0]["recall_at_precision"]
        0.4
    """
    table = []
    for row in rows:
        chosen = [
            r for r in runs if r["strategy"] == row["strategy"] and r["chosen"] and "threshold" in r
        ]
        if not chosen:
            continue
        table.append(
            {
                "strategy": row["strategy"],
                "threshold": _median([r["threshold"] for r in chosen]),
                "precision": _mean([r["precision"]["test"] for r in chosen]),
                "recall": _mean([r["per_class_recall"]["test"][1] for r in chosen]),
                "f1": _mean([r["test"]["f1"] for r in chosen]),
                "average_precision": _mean([r["test"]["average_precision"] for r in chosen]),
                "roc_auc": _mean([r["test"]["roc_auc"] for r in chosen]),
                "min_precision": chosen[0]["at_precision"]["min_precision"],
                "recall_at_precision": _mean([r["test"]["recall_at_precision"] for r in chosen]),
                "precision_threshold": _median([r["at_precision"]["threshold"] for r in chosen]),
                "precision_reached": _mean(
                    [r["at_precision"]["precision"]["test"] for r in chosen]
                ),
            }
        )
    return table


def median_threshold(row: Mapping[str, Any]) -> float | None:
    """The median of a summary row's thresholds (its chosen runs'); ``None`` without them: the
    threshold of the final model and of the recipe.

    Example:
        >>> median_threshold({"threshold": [0.2, 0.4, 0.3]}), median_threshold({})
        (0.3, None)
    """
    values = [t for t in row.get("threshold") or () if t is not None]
    return float(np.median(values)) if values else None


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def operating_lines(
    rows: Sequence[Mapping[str, Any]], runs: Sequence[Mapping[str, Any]], positive: str
) -> list[str]:
    """The table in Markdown, with a sentence on how to read it; empty without thresholds."""
    table = operating_rows(rows, runs)
    if not table:
        return []
    wanted = table[0]["min_precision"]
    lines = [
        f"**Operating points** (positive class {positive!r}; test scores at the threshold chosen "
        f"on validation, means over the seeds; 'none' stays at the argmax, 0.5):",
        "",
        f"| strategy | threshold | precision | recall | F1 | AP | ROC AUC "
        f"| recall at precision ≥ {wanted:g} (threshold, test precision) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in table:
        lines.append(
            f"| {row['strategy']} | {_cell(row['threshold'])} | {_cell(row['precision'])} "
            f"| {_cell(row['recall'])} | {_cell(row['f1'])} | {_cell(row['average_precision'])} "
            f"| {_cell(row['roc_auc'])} | {_cell(row['recall_at_precision'])} "
            f"({_cell(row['precision_threshold'])}, {_cell(row['precision_reached'])}) |"
        )
    below = [r["strategy"] for r in table if (r["precision_reached"] or 0.0) < wanted]
    if below:
        lines += [
            "",
            f"On test the precision of {', '.join(below)} falls below {wanted:g} at the "
            f"threshold that reached it on validation: test chose nothing, so that is the "
            f"precision to expect.",
        ]
    return lines


_SNIPPET = """

# The decision threshold chosen on validation (the median over the seeds of its chosen runs):
# predict the positive class (1) when its probability reaches it, not the argmax.
threshold = {threshold!r}


def predict(x):
    probability = keras.ops.convert_to_numpy(keras.ops.softmax(model.predict(x, verbose=0)))
    return (probability[:, 1] >= threshold).astype(int)
"""


def threshold_snippet(threshold: float) -> str:
    """The lines a recipe ends with to apply a binary strategy's threshold.

    Example:
        >>> "threshold = 0.25" in threshold_snippet(0.25)
        True
    """
    return _SNIPPET.format(threshold=round(float(threshold), 6))
