"""Rendering helpers for reports: JSON numbers, and Markdown, text, ``rich`` and HTML layouts.

A report describes itself once, as a :class:`Document` (its title, warnings, a summary table and
titled tables); :func:`render_markdown`, :func:`render_text`, :func:`render_rich` and
:func:`render_html` lay any document out the same way.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


def class_cells(row: Any) -> tuple[str, ...]:
    """The cells a per-class (or per-label) row starts with, in :data:`PER_CLASS_HEADER` order."""
    scores = (row.precision, row.recall, row.f1, row.specificity)
    return (row.name, *(fmt(score) for score in scores), fmt_number(row.support))


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


@dataclass(frozen=True)
class Table:
    """A titled table of already formatted cells."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Document:
    """A report as the renderers see it.

    Attributes:
        title: the report's title (the Markdown heading, the HTML page title).
        warnings: sentences shown first, flagged.
        summary: the summary table; its ``title`` is the HTML caption.
        tables: the other tables, in order, each under its title.
        note: an optional sentence between the warnings and the summary.
    """

    title: str
    warnings: Sequence[str]
    summary: Table
    tables: Sequence[Table]
    note: str | None = None


def render_markdown(document: Document) -> str:
    """Markdown: a heading, the warnings as quotes, the note, then the tables under headings.

    Example:
        >>> summary = Table("", ("metric", "value"), [("n", "3")])
        >>> doc = Document("Report", ["few samples"], summary, [])
        >>> print(render_markdown(doc), end="")
        ## Report
        <BLANKLINE>
        > **Warning:** few samples
        <BLANKLINE>
        | metric | value |
        | --- | ---: |
        | n | 3 |
    """
    parts = [f"## {document.title}", ""]
    parts += [f"> **Warning:** {text}" for text in document.warnings]
    if document.warnings:
        parts.append("")
    if document.note:
        parts += [document.note, ""]
    parts += markdown_table(document.summary.header, document.summary.rows)
    for table in document.tables:
        parts += ["", f"### {table.title}", ""]
        parts += markdown_table(table.header, table.rows)
    return "\n".join(parts) + "\n"


def render_text(document: Document) -> str:
    """Plain text: the warnings, the note, then aligned tables, each after ``title:``."""
    parts = [f"WARNING: {text}" for text in document.warnings]
    if document.note:
        parts.append(document.note)
    elif parts:
        parts.append("")
    parts += text_table(document.summary.header, document.summary.rows)
    for table in document.tables:
        parts += ["", f"{table.title}:"]
        parts += text_table(table.header, table.rows)
    return "\n".join(parts)


def render_rich(document: Document) -> Any:
    """A ``rich`` ``Group``: the warnings in red, the note, then one ``Table`` per table."""
    try:
        from rich.console import Group
        from rich.table import Table as RichTable
        from rich.text import Text
    except ImportError as error:  # pragma: no cover - rich is installed in the test env
        raise ImportError(
            'to_rich needs rich; install it with pip install "keras-imbalance[cli]"'
        ) from error

    def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Any:
        result = RichTable(title=title, title_justify="left")
        for i, name in enumerate(header):
            result.add_column(name, justify="left" if i == 0 else "right")
        for row in rows:
            result.add_row(*row)
        return result

    items: list[Any] = [Text(f"Warning: {text}", style="bold red") for text in document.warnings]
    if document.note:
        items.append(Text(document.note))
    items.append(table(document.title, document.summary.header, document.summary.rows))
    items += [table(t.title, t.header, t.rows) for t in document.tables]
    return Group(*items)


def render_html(document: Document) -> str:
    """A self-contained HTML page: the warnings, the note, then captioned tables."""
    body = html_warnings(document.warnings)
    if document.note:
        body.append(f"<p>{html.escape(document.note)}</p>")
    body += html_table(document.summary.header, document.summary.rows, document.summary.title)
    for table in document.tables:
        body += html_table(table.header, table.rows, table.title)
    return html_page(document.title, body)


class Rendered:
    """The renderings of a report that describes itself as a :class:`Document`.

    A report class defines ``_document()``; this gives it ``to_markdown``, ``to_rich``,
    ``to_html`` and ``str``.
    """

    def _document(self) -> Document:  # pragma: no cover - every report defines it
        raise NotImplementedError

    def to_markdown(self) -> str:
        """Markdown: the warnings, then the report's tables under headings."""
        return render_markdown(self._document())

    def to_rich(self) -> Any:
        """A ``rich`` renderable (a ``Group`` of tables); needs the ``cli`` extra."""
        return render_rich(self._document())

    def to_html(self) -> str:
        """A self-contained HTML page: the warnings and the same tables as :meth:`to_markdown`."""
        return render_html(self._document())

    def __str__(self) -> str:
        return render_text(self._document())
