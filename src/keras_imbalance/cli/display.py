"""The tables ``keras-imbalance compare`` prints: rich on a terminal, Markdown without rich."""

from __future__ import annotations

import sys
from typing import Any

_HEADERS = {
    "balanced_accuracy": "bal. acc",
    "macro_f1": "macro F1",
    "g_mean": "G-mean",
    "mcc": "MCC",
    "accuracy": "accuracy",
    "tail_recall": "tail recall",
}


def render(result: Any) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(result.to_markdown())
        return
    m = result.metric
    one_seed = len(result.seeds) == 1
    table = Table(
        title=f"keras-imbalance compare: ranked by validation {m}; test scored once",
        caption="≈ none: the test interval holds 0 (cannot be told apart from none)",
    )
    table.add_column("rank", justify="right")
    table.add_column("strategy", no_wrap=True)
    table.add_column("chosen", no_wrap=True)
    table.add_column(f"val {_HEADERS.get(m, m)}", justify="right", no_wrap=True)
    table.add_column(f"test {_HEADERS.get(m, m)}", justify="right", no_wrap=True)
    table.add_column("test Δ vs none [95%]", justify="right", no_wrap=True)
    tail = "/".join(result.class_names[c] for c in result.tail_classes)
    table.add_column(f"tail recall {tail}", no_wrap=True)
    for row in result.summary():
        test = row["test"]
        if one_seed and test["interval"] is not None:
            low, high = test["interval"]["low"], test["interval"]["high"]
            cell = f"{test['mean'][m]:.3f} [{low:.3f}, {high:.3f}]"
        else:
            cell = f"{test['mean'][m]:.3f}±{test['std'][m]:.3f}"
        diff = row["vs_none"]["test"]
        diff_cell = (
            "—"
            if diff is None
            else (
                f"{diff['mean']:+.3f} [{diff['low']:+.3f}, {diff['high']:+.3f}]"
                + (" ≈ none" if row["indistinguishable_from_none"] else "")
            )
        )
        name = row["strategy"] + (" ✓" if row["strategy"] == result.best else "")
        knobs = ", ".join(f"{k}={v}" for k, v in row["params"].items()) or "-"
        table.add_row(
            str(row["rank"]),
            name,
            knobs,
            f"{row['validation']['mean'][m]:.3f}",
            cell,
            diff_cell,
            "/".join(f"{r:.2f}" for r in row["tail_recall"]),
        )
    # Off a terminal (a pipe, a CI log) rich would wrap at 80 columns; the table needs more.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    console.print(table)
    console.print(result.verdict, markup=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    console.print(f"\nRecipe ({result.best or 'none'}, values chosen on validation):")
    console.print(result.recipe(), markup=False, highlight=False)
