"""Figure and axes helpers shared by :mod:`keras_imbalance.plotting`.

matplotlib is imported here, and only when a figure is made, so that importing
:mod:`keras_imbalance.plotting` does not load it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_PLOT_HINT = 'pip install "keras-imbalance[plot]"'


def new_figure(figsize: tuple[float, float]) -> Any:
    """A constrained-layout ``Figure`` built with the object API (no ``pyplot`` global state)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as error:  # pragma: no cover - matplotlib is installed in the test env
        raise ImportError(f"plotting needs matplotlib; install it with {_PLOT_HINT}") from error
    return Figure(figsize=figsize, layout="constrained")


def category_ticks(
    axes: Any, positions: np.ndarray, names: Sequence[str], *, rotate_above: int
) -> None:
    """Name the x ticks; more than ``rotate_above`` names are slanted so they do not overlap."""
    slanted = len(names) > rotate_above
    axes.set_xticks(
        positions, list(names), rotation=45 if slanted else 0, ha="right" if slanted else "center"
    )


def annotate_cells(axes: Any, values: np.ndarray, *, integral: bool, dark_above: float) -> None:
    """Write each cell's value on a heat map, white on cells darker than ``dark_above``."""
    for (row, column), value in np.ndenumerate(values):
        axes.text(
            column,
            row,
            f"{int(value)}" if integral else f"{value:.2f}",
            ha="center",
            va="center",
            fontsize=8,
            color="white" if value > dark_above else "black",
        )


def band(axes: Any, x: np.ndarray, stacked: np.ndarray, color: str) -> None:
    """Shade the min-max range of the rows of ``stacked`` (one row per seed)."""
    axes.fill_between(
        x, stacked.min(axis=0), stacked.max(axis=0), color=color, alpha=0.15, linewidth=0
    )
