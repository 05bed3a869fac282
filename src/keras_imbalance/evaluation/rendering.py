"""Rendering helpers for reports: JSON numbers, Markdown and plain-text tables."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

PER_CLASS_HEADER = ("class", "precision", "recall", "F1", "support")


THRESHOLD_HEADER = (
    "setting",
    "threshold",
    "accuracy",
    "balanced acc.",
    "precision",
    "recall",
    "F1",
    "MCC",
)


def json_float(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def json_number(value: float) -> int | float | None:
    value = float(value)
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value


def json_matrix(matrix: np.ndarray) -> list[list[int | float | None]]:
    return [[json_number(v) for v in row] for row in np.asarray(matrix)]


def fmt(value: float | None) -> str:
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    return f"{float(value):.4f}"


def fmt_number(value: float) -> str:
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.4g}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    separator = "|" + "|".join([" --- "] + [" ---: "] * (len(header) - 1)) + "|"
    return [line(header), separator, *(line(row) for row in rows)]


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = str(cells[0]).ljust(widths[0])
        rest = [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(header), *(line(row) for row in rows)]
