"""Rendering helpers for reports: JSON numbers, Markdown and plain-text tables."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np

PER_CLASS_HEADER = ("class", "precision", "recall", "F1", "specificity", "support")


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


def html_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], caption: str | None = None
) -> list[str]:
    """An HTML table, every cell escaped; numbers (all but the first column) right-aligned."""

    def cells(tag: str, values: Sequence[str]) -> str:
        numeric = f'<{tag} class="num">'
        return "".join(
            (f"<{tag}>" if i == 0 else numeric) + html.escape(str(v)) + f"</{tag}>"
            for i, v in enumerate(values)
        )

    lines = ["<table>"]
    if caption:
        lines.append(f"<caption>{html.escape(caption)}</caption>")
    lines.append(f"<thead><tr>{cells('th', header)}</tr></thead><tbody>")
    lines += [f"<tr>{cells('td', row)}</tr>" for row in rows]
    lines.append("</tbody></table>")
    return lines


HTML_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1f2328}"
    "table{border-collapse:collapse;margin:.6rem 0}"
    "th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}"
    ".num{text-align:right;font-variant-numeric:tabular-nums}"
    "caption{text-align:left;font-weight:600;padding:.3rem 0}"
    ".warning{border-left:5px solid #cf222e;background:#fff5f5;padding:.4rem .8rem}"
)


def html_page(title: str, body: Sequence[str]) -> str:
    """A self-contained HTML page (inline style, nothing fetched)."""
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f"<title>{html.escape(title)}</title><style>{HTML_STYLE}</style></head><body>",
                f"<h1>{html.escape(title)}</h1>",
                *body,
                "</body></html>",
            ]
        )
        + "\n"
    )


def html_warnings(warnings: Sequence[str]) -> list[str]:
    return [f'<p class="warning">Warning: {html.escape(text)}</p>' for text in warnings]
