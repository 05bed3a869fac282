"""The table ``keras-imbalance compare`` prints: it fits the terminal, and is plain text in a pipe.

On a terminal the table keeps, whatever the width, the rank, the strategy, the test score of the
ranking metric with its interval and the tail recall; the other columns (the knobs chosen on
validation, the validation score, the test difference from ``none``) are shown when they fit and
otherwise dropped with a note naming them. Off a terminal (a pipe, a CI log) it prints every
column as plain text: no box drawing, no colour codes.
"""

from __future__ import annotations

import io
from typing import Any

from keras_imbalance.comparison.report.formatting import format_number as _fmt
from keras_imbalance.comparison.report.formatting import format_params, plural

_HEADERS = {
    "balanced_accuracy": "bal. acc",
    "macro_f1": "macro F1",
    "g_mean": "G-mean",
    "mcc": "MCC",
    "accuracy": "accuracy",
    "tail_recall": "tail recall",
}

#: The columns that can be dropped, first dropped first.
OPTIONAL_COLUMNS: tuple[str, ...] = ("chosen", "validation", "difference")


def _columns(result: Any) -> dict[str, tuple[str, list[str]]]:
    """``{key: (header, cells)}`` of every column, rows in rank order."""
    m = result.metric
    name = _HEADERS.get(m, m)
    rows = sorted(result.summary(), key=lambda r: r["rank"])
    tail = "/".join(str(result.class_names[c]) for c in result.tail_classes)
    columns: dict[str, tuple[str, list[str]]] = {
        "rank": ("rank", []),
        "strategy": ("strategy", []),
        "chosen": ("chosen", []),
        "validation": (f"{'oof' if result.cross_validated else 'val'} {name}", []),
        "test": (f"test {name} [95%]", []),
        "difference": ("test Δ vs none [95%]", []),
        "tail": (f"tail recall {tail}", []),
    }
    for row in rows:
        test = row["test"]
        interval = test.get("interval")
        if interval is not None:
            cell = f"{_fmt(test['mean'][m])} [{_fmt(interval['low'])}, {_fmt(interval['high'])}]"
        elif test.get("std") is not None:
            cell = f"{_fmt(test['mean'][m])}±{_fmt(test['std'][m])}"
        else:
            cell = _fmt(test["mean"][m])
        diff = row["vs_none"]["test"]
        diff_cell = (
            "—"
            if diff is None
            else f"{_fmt(diff['mean'], sign=True)} [{_fmt(diff['low'], sign=True)}, "
            f"{_fmt(diff['high'], sign=True)}]"
            + (" ≈ none" if row["indistinguishable_from_none"] else "")
        )
        columns["rank"][1].append(str(row["rank"]))
        columns["strategy"][1].append(
            row["strategy"] + (" ✓" if row["strategy"] == result.best else "")
        )
        columns["chosen"][1].append(format_params(row["params"], empty="-"))
        columns["validation"][1].append(_fmt(row["validation"]["mean"][m]))
        columns["test"][1].append(cell)
        columns["difference"][1].append(diff_cell)
        columns["tail"][1].append("/".join(_fmt(r, 2) for r in row["tail_recall"]))
    return columns


def _title(result: Any) -> str:
    return (
        f"Ranked by {result.validation_name} {result.metric}"
        f"{f' ({result.chosen_on})' if result.cross_validated else ''}; test scored once; "
        f"{plural(len(result.seeds), 'seed')}, {plural(result.epochs, 'epoch')}"
    )


_LEFT = ("strategy", "chosen", "tail")


def _rich_table(result: Any, columns: dict[str, tuple[str, list[str]]], keys: list[str]) -> Any:
    from rich.table import Table

    table = Table(title=_title(result), caption=_caption(result, keys))
    for key in keys:
        table.add_column(columns[key][0], justify="left" if key in _LEFT else "right", no_wrap=True)
    for cells in zip(*(columns[key][1] for key in keys), strict=True):
        table.add_row(*cells)
    return table


def _caption(result: Any, keys: list[str]) -> str:
    if "difference" in keys:
        return "≈ none: the test interval of the difference holds 0 (cannot be told from none)"
    return "≈none after a name: it cannot be told apart from none on test"


def _mark_noise(result: Any, columns: dict[str, tuple[str, list[str]]]) -> None:
    """Without the difference column, say in the strategy cell which cannot be told from none."""
    rows = sorted(result.summary(), key=lambda r: r["rank"])
    for i, row in enumerate(rows):
        if row["indistinguishable_from_none"]:
            columns["strategy"][1][i] += " ≈none"


def fitting_columns(result: Any, width: int) -> tuple[list[str], list[str]]:
    """``(kept, dropped)`` column keys of the table for a terminal ``width`` columns wide."""
    from rich.console import Console

    columns = _columns(result)
    keys = list(columns)
    dropped: list[str] = []
    console = Console(width=10_000, file=_Null())  # wide: measure, don't clamp
    for key in (None, *OPTIONAL_COLUMNS):
        if key is not None:
            keys.remove(key)
            dropped.append(key)
            if key == "difference":
                _mark_noise(result, columns)
        needed = console.measure(_rich_table(result, columns, keys)).maximum
        if needed <= width:
            break
    return keys, dropped


class _Null(io.StringIO):
    """A sink for the measuring console."""


def plain_table(result: Any) -> str:
    """Every column as plain text (no box drawing, no colour codes), for pipes and logs."""
    columns = _columns(result)
    keys = list(columns)
    headers = [columns[k][0] for k in keys]
    body = list(zip(*(columns[k][1] for k in keys), strict=True))
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(headers)]

    def line(cells: Any) -> str:
        return "  ".join(
            c.ljust(w) if k in _LEFT else c.rjust(w)
            for c, w, k in zip(cells, widths, keys, strict=True)
        ).rstrip()

    lines = [_title(result), line(headers), line(["-" * w for w in widths])]
    lines += [line(r) for r in body]
    lines.append(_caption(result, keys))
    return "\n".join(lines)


_DROPPED_NAMES = {
    "chosen": "chosen knobs",
    "validation": "validation score",
    "difference": "test Δ vs none",
}


def render(result: Any, console: Any = None) -> None:
    """Print the ranked table, the verdict, the notes and the recipe.

    Args:
        result: a :class:`~keras_imbalance.comparison.Comparison`.
        console: a ``rich.console.Console`` to print to (default: one on stdout). Off a terminal
            the output is plain text.
    """
    try:
        from rich.console import Console
    except ImportError:
        print(plain_table(result))
        _tail_text(result, print)
        return
    if console is None:
        console = Console()
    if not console.is_terminal:
        console.print(plain_table(result), markup=False, highlight=False, soft_wrap=True)
        _tail_text(
            result, lambda text: console.print(text, markup=False, highlight=False, soft_wrap=True)
        )
        return
    keys, dropped = fitting_columns(result, console.width)
    columns = _columns(result)
    if "difference" in dropped:
        _mark_noise(result, columns)
    console.print(_rich_table(result, columns, keys))
    if dropped:
        names = ", ".join(_DROPPED_NAMES[k] for k in dropped)
        console.print(
            f"(dropped to fit {console.width} columns: {names}; widen the terminal or see "
            f"results.md)",
            markup=False,
            highlight=False,
        )
    # soft_wrap: the terminal wraps long lines itself, so a pasted recipe has no broken lines.
    _tail_text(
        result, lambda text: console.print(text, markup=False, highlight=False, soft_wrap=True)
    )


def _tail_text(result: Any, emit: Any) -> None:
    emit(result.verdict)
    for note in result.notes:
        emit(f"note: {note}")
    operating = operating_text(result)
    if operating:
        emit(operating)
    emit(f"\nRecipe ({result.best or 'none'}, values chosen on {result.chosen_on}):")
    emit(result.recipe())


def operating_text(result: Any) -> str:
    """The operating-point table of a binary comparison as plain text (empty otherwise)."""
    from keras_imbalance.comparison.report.operating_table import operating_lines

    names = list(getattr(result, "class_names", []))
    lines = operating_lines(result.rows, result.runs, names[1] if len(names) == 2 else "")
    return "\n" + "\n".join(lines) if lines else ""


def final_model_message(result: Any, output: Any) -> str:
    """Where the final model went and its test score, in one line (empty with ``--no-refit``).

    Example:
        >>> from types import SimpleNamespace
        >>> refit = {"strategy": "none", "params": {}, "epochs": 3, "seed": 0, "samples": 50,
        ...          "test": {"balanced_accuracy": 0.75}, "model": "model.keras"}
        >>> result = SimpleNamespace(refit=refit, metric="balanced_accuracy")
        >>> print(final_model_message(result, "out"))
        final model (none, all 50 training samples): out/model.keras; test balanced_accuracy 0.750
    """
    import os

    refit = getattr(result, "refit", None)
    if not refit:
        return ""
    if "skipped" in refit:
        return f"final model: not trained ({refit['skipped']})"
    from keras_imbalance.comparison.report.formatting import format_number

    where = os.path.join(str(output), refit["model"]) if refit.get("model") else "not saved"
    score = format_number(refit["test"][result.metric])
    return (
        f"final model ({refit['strategy']}, all {refit['samples']} training samples): "
        f"{where}; test {result.metric} {score}"
    )
