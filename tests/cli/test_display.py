"""The terminal table: fits 80 columns, shows everything when wide, plain text off a terminal."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from keras_imbalance.cli.display import fitting_columns, plain_table, plural, render
from keras_imbalance.comparison import Comparison
from tests.comparison.report.test_figures import synthetic

BOX = re.compile("[\u2500-\u257f]")  # box drawing


def comparison(**kwargs: object) -> Comparison:
    return Comparison.from_dict(synthetic(n_classes=10, **kwargs))  # type: ignore[arg-type]


def table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if BOX.search(line)]


def test_plural() -> None:
    assert [plural(n, "epoch") for n in (0, 1, 2)] == ["0 epochs", "1 epoch", "2 epochs"]


def test_eighty_columns_keep_rank_strategy_metric_interval_and_tail() -> None:
    result = comparison()
    console = Console(width=80, record=True, force_terminal=True)
    render(result, console)
    text = console.export_text()
    lines = table_lines(text)
    assert lines and max(len(line) for line in lines) <= 80
    header = next(line for line in lines if "rank" in line)
    assert "strategy" in header and "test bal. acc [95%]" in header and "tail recall" in header
    assert "…" not in "\n".join(lines)  # nothing cut
    for row in result.rows:
        interval = row["test"]["interval"]
        cells = f"{row['test']['mean']['balanced_accuracy']:.3f} [{interval['low']:.3f}, "
        assert any(row["strategy"] in line and cells in line for line in lines)
    kept, dropped = fitting_columns(result, 80)
    assert kept[:2] == ["rank", "strategy"] and "test" in kept and "tail" in kept
    assert dropped
    note = next(line for line in text.splitlines() if line.startswith("(dropped"))
    assert "80 columns" in note and "chosen knobs" in note


def test_wide_terminal_shows_every_column_without_note() -> None:
    result = comparison()
    console = Console(width=220, record=True, force_terminal=True)
    render(result, console)
    text = console.export_text()
    assert "(dropped" not in text
    header = next(line for line in table_lines(text) if "rank" in line)
    for name in ("chosen", "val bal. acc", "test Δ vs none", "tail recall"):
        assert name in header
    assert fitting_columns(result, 220)[1] == []


def test_not_a_terminal_prints_plain_text() -> None:
    result = comparison(epochs=1)
    buffer = io.StringIO()
    render(result, Console(file=buffer, width=80, force_terminal=False))
    text = buffer.getvalue()
    assert "\x1b[" not in text and not BOX.search(text)
    table = plain_table(result)
    assert "2 seeds, 1 epoch" in table and "1 epochs" not in table
    assert table in text
    for name in ("rank", "chosen", "val bal. acc", "test Δ vs none", "tail recall"):
        assert name in text
    assert result.verdict in text and result.recipe().rstrip() in text


@pytest.mark.parametrize("width", [80, 100, 120, 160])
def test_table_never_exceeds_the_terminal(width: int) -> None:
    console = Console(width=width, record=True, force_terminal=True)
    render(comparison(), console)
    assert max(len(line) for line in table_lines(console.export_text())) <= width


def test_indistinguishable_mark_survives_dropping_the_difference() -> None:
    result = comparison()
    console = Console(width=80, record=True, force_terminal=True)
    render(result, console)
    lines = table_lines(console.export_text())
    for row in result.rows:
        line = next(
            line
            for line in lines
            if f" {row['strategy']} " in line or f" {row['strategy']} ✓" in line
        )
        assert ("≈none" in line) == bool(row["indistinguishable_from_none"])
