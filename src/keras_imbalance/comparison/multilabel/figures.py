"""The per-label figure of a multi-label comparison: one precision-recall panel per label.

Each panel draws, on test, the precision-recall curve of ``none`` and of the best remedy (the
top remedy on validation when none is declared best), for the first seed, and marks the point
of the threshold chosen on validation. Needs matplotlib (``pip install matplotlib``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["precision_recall_curve", "precision_recall_figure"]


def precision_recall_curve(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(recall, precision)`` at every distinct score, from the highest threshold down.

    Example:
        >>> recall, precision = precision_recall_curve(np.array([1, 0, 1]), np.array([.9, .5, .1]))
        >>> recall.tolist(), precision.tolist()
        ([0.5, 0.5, 1.0], [1.0, 0.5, 0.6666666666666666])
    """
    order = np.argsort(-scores, kind="stable")
    hits = (np.asarray(y)[order] > 0).astype(np.float64)
    ranked = scores[order]
    last = np.r_[ranked[:-1] != ranked[1:], True]
    tp = np.cumsum(hits)[last]
    predicted = (np.arange(1, len(hits) + 1))[last]
    return tp / max(hits.sum(), 1.0), tp / predicted


def precision_recall_figure(
    curves: Mapping[str, Any], label_names: Sequence[str], path: str | Path
) -> Path:
    """Write the grid of panels to ``path``. ``curves``: ``{"y_test": (n, L), "strategies":
    {name: {"scores": (n, L), "thresholds": (L,)}}}``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y = np.asarray(curves["y_test"])
    count = len(label_names)
    columns = min(4, count)
    grid_rows = math.ceil(count / columns)
    figure, axes = plt.subplots(
        grid_rows, columns, figsize=(3.2 * columns, 3.0 * grid_rows), squeeze=False
    )
    for label, axis in enumerate(axes.ravel()):
        if label >= count:
            axis.axis("off")
            continue
        for name, run in curves["strategies"].items():
            scores = np.asarray(run["scores"])[:, label]
            recall, precision = precision_recall_curve(y[:, label], scores)
            (line,) = axis.step(recall, precision, where="pre", label=name)
            chosen = scores >= run["thresholds"][label]
            hits = float((chosen & (y[:, label] > 0)).sum())
            if chosen.any() and y[:, label].any():
                axis.plot(
                    hits / y[:, label].sum(), hits / chosen.sum(), "o", color=line.get_color()
                )
        axis.set_title(f"{label_names[label]} ({int(y[:, label].sum())} positives)", fontsize=9)
        axis.set_xlim(0, 1.02)
        axis.set_ylim(0, 1.02)
        axis.set_xlabel("recall", fontsize=8)
        axis.set_ylabel("precision", fontsize=8)
    axes.ravel()[0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return Path(path)
