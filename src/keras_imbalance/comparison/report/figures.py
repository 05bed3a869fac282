"""The four figures of a comparison, as pure functions of a :class:`Comparison` (or its dict).

- :func:`plot_ranking`: the ranking metric per strategy on test, sorted by the validation rank,
  with 95% intervals, a line at ``none``, the chosen strategy and those that cannot be told apart
  from ``none`` marked.
- :func:`plot_per_class_recall`: strategy-by-class heatmap of test recall, tail classes marked.
- :func:`plot_learning_curves`: the validation metric per epoch, one line per strategy, the
  seeds' spread as a band; a run that stopped early ends where it stopped.
- :func:`plot_split_distribution`: train / validation / test counts per class, side by side,
  on a log scale when the imbalance ratio exceeds 20.

Each function returns a ``matplotlib.figure.Figure`` sized for its content (needs the ``plot``
extra: ``pip install "keras-imbalance[plot]"``).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from keras_imbalance.comparison.record import ComparisonRecord as Comparison
from keras_imbalance.comparison.report.formatting import format_params
from keras_imbalance.evaluation.confusion_scores import DEFINITIONS
from keras_imbalance.remedies import REMEDIES
from keras_imbalance.remedies.registry import ordered_params

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The files :func:`save_figures` writes, and the function that draws each.
FIGURE_FILES: tuple[str, ...] = (
    "ranking.png",
    "per_class_recall.png",
    "learning_curves.png",
    "class_distribution.png",
)

#: The imbalance ratio above which :func:`plot_split_distribution` uses a log scale.
LOG_SCALE_RATIO = 20.0

_NAMES = {key: definition.words for key, definition in DEFINITIONS.items()}
_SPLIT_COLORS = {"train": "#4c72b0", "validation": "#dd8452", "test": "#55a868"}
_CHOSEN, _SEPARATE, _NOISE, _NONE = "#1a7f37", "#0b5cad", "#8c8c8c", "#444444"


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - matplotlib is installed in the test env
        raise ImportError(
            "the comparison figures need matplotlib; install it with "
            'pip install "keras-imbalance[plot]"'
        ) from error
    return plt


def _as_comparison(comparison: Comparison | dict[str, Any]) -> Comparison:
    if isinstance(comparison, Comparison):
        return comparison
    if isinstance(comparison, dict):
        return Comparison.from_dict(comparison)
    raise TypeError(
        f"comparison must be a Comparison or its to_dict() output, got {type(comparison).__name__}"
    )


def metric_name(metric: str) -> str:
    """The words for a metric key: ``"balanced_accuracy"`` -> ``"balanced accuracy"``."""
    return _NAMES.get(metric, metric.replace("_", " "))


def _label(row: dict[str, Any]) -> str:
    params = format_params(ordered_params(row["strategy"], row["params"]), significant=6)
    return f"{row['rank']}. {row['strategy']}" + (f" ({params})" if params else "")


def _finite(value: Any) -> float:
    return float(value) if value is not None and math.isfinite(float(value)) else math.nan


def _test_interval(row: dict[str, Any], metric: str) -> tuple[float, float, float, str]:
    """``(mean, low, high, kind)`` of a row's test score; ``kind`` names the interval."""
    test = row["test"]
    mean = _finite(test["mean"][metric])
    interval = test.get("interval")
    if interval is not None and metric == interval.get("metric", metric):
        return mean, _finite(interval["low"]), _finite(interval["high"]), "95% bootstrap"
    std = test.get("std") or {}
    spread = _finite(std.get(metric))
    if math.isfinite(spread):
        return mean, mean - spread, mean + spread, "± 1 std over seeds"
    return mean, mean, mean, "no interval"


def plot_ranking(comparison: Comparison | dict[str, Any]) -> Figure:
    """The ranking metric on test per strategy, in validation-rank order, with 95% intervals.

    Points are test means; bars their 95% bootstrap interval (over seeds and test samples). The
    dashed line is ``none``'s test score. Green: the chosen strategy; blue: its paired test
    difference from ``none`` excludes 0; grey: it cannot be told apart from ``none``. The rank
    comes from validation (a cross marks the validation mean), so the order need not follow the test
    points: the test split is scored once and never used to choose.

    Example:
        >>> from keras_imbalance.comparison.report.figures import plot_ranking  # doctest: +SKIP
        >>> plot_ranking(result).savefig("ranking.png")  # doctest: +SKIP
    """
    plt = _pyplot()
    result = _as_comparison(comparison)
    metric = result.metric
    rows = sorted(result.rows, key=lambda r: r["rank"])
    height = 1.4 + 0.42 * len(rows)
    figure, axis = plt.subplots(figsize=(8.0, height), layout="constrained")
    kinds = set()
    for i, row in enumerate(rows):
        mean, low, high, kind = _test_interval(row, metric)
        kinds.add(kind)
        if row["strategy"] == result.best:
            color, marker, size = _CHOSEN, "*", 15
        elif row["strategy"] == "none":
            color, marker, size = _NONE, "D", 7
        elif row.get("indistinguishable_from_none") is False:
            color, marker, size = _SEPARATE, "o", 8
        else:
            color, marker, size = _NOISE, "o", 8
        if math.isfinite(mean):
            axis.errorbar(
                [mean],
                [i],
                xerr=[[max(mean - low, 0.0)], [max(high - mean, 0.0)]],
                fmt=marker,
                color=color,
                markersize=size,
                capsize=4,
                elinewidth=2,
                zorder=3,
            )
        validation = _finite(row["validation"]["mean"][metric])
        if math.isfinite(validation):
            axis.plot([validation], [i], "x", color="#222222", markersize=6, zorder=4)
    if "none" in result.strategies:
        none_mean = _finite(result.row("none")["test"]["mean"][metric])
        if math.isfinite(none_mean):
            axis.axvline(none_mean, color=_NONE, linestyle="--", linewidth=1, zorder=1)
    axis.set_yticks(range(len(rows)), [_label(r) for r in rows])
    axis.invert_yaxis()
    kind = kinds.pop() if len(kinds) == 1 else "interval"
    axis.set_xlabel(f"test {metric_name(metric)} (mean, {kind} interval)")
    figure.suptitle(
        f"Strategies ranked by validation {metric_name(metric)} (1 = best)",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    axis.grid(axis="x", alpha=0.3)
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=_CHOSEN, marker="*", markersize=12, linestyle="", label="chosen"),
        Line2D([], [], color=_SEPARATE, marker="o", linestyle="", label="differs from none"),
        Line2D([], [], color=_NOISE, marker="o", linestyle="", label="≈ none (Δ holds 0)"),
        Line2D([], [], color=_NONE, marker="D", linestyle="--", label="none (plain CE)"),
        Line2D([], [], color="#222222", marker="x", linestyle="", label="validation mean"),
    ]
    if result.best is None:
        handles = handles[1:]
    figure.legend(
        handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8.5, frameon=False
    )
    return figure


def plot_per_class_recall(comparison: Comparison | dict[str, Any]) -> Figure:
    """Test recall per strategy (rows, in rank order) and class (columns), as a heatmap.

    Tail classes (the rarest in training) are starred on the axis and boxed. Each cell holds its
    value when the grid is small enough to read (up to 25 classes).
    """
    plt = _pyplot()
    result = _as_comparison(comparison)
    rows = sorted(result.rows, key=lambda r: r["rank"])
    names = [str(n) for n in result.class_names]
    tail = set(result.tail_classes)
    values = np.array(
        [[_finite(v) for v in row["per_class_recall"]["test"]] for row in rows], dtype=float
    )
    n_classes = len(names)
    longest = max((len(n) for n in names), default=1)
    rotate = n_classes * max(longest, 4) > 60
    width = min(max(5.5, 2.8 + 0.62 * n_classes), 18.0)
    height = 1.8 + 0.38 * len(rows) + (0.07 * min(longest, 30) if rotate else 0.0)
    figure, axis = plt.subplots(figsize=(width, height), layout="constrained")
    image = axis.imshow(values, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    labels = [f"★ {n}" if c in tail else n for c, n in enumerate(names)]
    axis.set_xticks(
        range(n_classes),
        labels,
        rotation=90 if rotate else 0,
    )
    for c, tick in enumerate(axis.get_xticklabels()):
        if c in tail:
            tick.set_color("#b3261e")
            tick.set_fontweight("bold")
    axis.set_yticks(range(len(rows)), [f"{r['rank']}. {r['strategy']}" for r in rows])
    for c in sorted(tail):
        axis.add_patch(
            plt.Rectangle(
                (c - 0.5, -0.5), 1, len(rows), fill=False, edgecolor="#b3261e", linewidth=2
            )
        )
    if n_classes <= 25:
        fontsize = 8 if n_classes <= 12 else 6.5
        for i in range(len(rows)):
            for c in range(n_classes):
                value = values[i, c]
                text = "n/a" if not math.isfinite(value) else f"{value:.2f}"
                dark = not math.isfinite(value) or value < 0.6
                axis.text(
                    c,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=fontsize,
                    color="white" if dark else "black",
                )
    axis.set_xlabel("class (★ = tail class, boxed)")
    figure.suptitle("Test recall per class", x=0.01, ha="left", fontsize=11)
    figure.colorbar(image, ax=axis, label="test recall", shrink=0.9)
    return figure


def _curves(result: Comparison) -> dict[str, list[list[float]]]:
    key = f"val_{result.metric}"
    curves: dict[str, list[list[float]]] = {}
    for run in result.runs:
        history = run.get("history") or {}
        if run.get("chosen") and history.get(key):
            curves.setdefault(run["strategy"], []).append([_finite(v) for v in history[key]])
    return curves


def _draw_curves(
    axis: Any, curves: dict[str, list[list[float]]], order: list[str], colors: dict[str, Any]
) -> None:
    longest = max((len(c) for s in order for c in curves[s]), default=1)
    for strategy in order:
        runs = curves[strategy]
        color, style = colors[strategy]
        common = min(len(c) for c in runs)
        stacked = np.array([c[:common] for c in runs])
        epochs = np.arange(1, common + 1)
        with warnings.catch_warnings():  # an epoch no run scored (weight_balancing's) is a gap
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, low, high = (f(stacked, axis=0) for f in (np.nanmean, np.nanmin, np.nanmax))
        axis.plot(
            epochs,
            mean,
            style,
            color=color,
            linewidth=2,
            label=f"{strategy} ({len(runs)} seed{'s' if len(runs) != 1 else ''})",
            marker="o" if common == 1 else None,
        )
        if len(runs) > 1:
            axis.fill_between(
                epochs,
                low,
                high,
                color=color,
                alpha=0.10,
                linewidth=0,
            )
        for curve in runs:
            if len(curve) > common:
                axis.plot(
                    np.arange(common, len(curve) + 1),
                    curve[common - 1 :],
                    ":",
                    color=color,
                    linewidth=1,
                )
        end = max(len(c) for c in runs)
        if end < longest:
            last = np.nanmean([c[end - 1] for c in runs if len(c) == end])
            axis.plot([end], [last], "o", color=color, markersize=6, markeredgecolor="black")
    axis.set_xlim(0.8, longest + 0.2)
    ticks = np.unique(np.linspace(1, longest, min(longest, 10)).round().astype(int))
    axis.set_xticks(ticks)
    axis.grid(alpha=0.3)


def plot_learning_curves(comparison: Comparison | dict[str, Any]) -> Figure:
    """The validation metric per epoch: one line per strategy (mean over seeds), the seeds'
    range as a band.

    Runs are never padded nor extrapolated: the mean and band cover the epochs every seed
    reached; a seed that ran longer continues as a thin dotted line of the same colour, and a
    black-edged dot marks where a strategy's curve ends before the others. Re-trained heads
    (``crt``, ``crt_la``) train for their own epochs on ``none``'s frozen features, so they get a
    panel of their own; post-hoc adjustments have no curve and are listed below the plot.
    """
    plt = _pyplot()
    result = _as_comparison(comparison)
    curves = _curves(result)
    order = [r["strategy"] for r in sorted(result.rows, key=lambda r: r["rank"])]
    order = [s for s in order if s in curves] + [s for s in curves if s not in order]
    palette = plt.get_cmap("tab10").colors
    styles = ["-", "-.", ":"]
    colors = {
        s: (palette[i % 10], "--" if s == "none" else styles[(i // 10) % len(styles)])
        for i, s in enumerate(order)
    }
    # A head remedy's curves are on none's features; a remedy of your own is drawn as trained.
    heads = [s for s in order if s in REMEDIES and REMEDIES[s].kind == "head"]
    trained = [s for s in order if s not in heads]
    panels = [(trained, "epoch")] if trained else []
    if heads:
        panels.append((heads, "head epoch (on none's frozen features)"))
    if not panels:
        panels = [([], "epoch")]
    widths = [3.0 if names is trained else 1.6 for names, _ in panels]
    figure, axes = plt.subplots(
        1,
        len(panels),
        figsize=(9.5 + 1.5 * (len(panels) - 1), 5.0),
        layout="constrained",
        sharey=True,
        squeeze=False,
        width_ratios=widths,
    )
    metric = metric_name(result.metric)
    for axis, (names, xlabel) in zip(axes[0], panels, strict=True):
        _draw_curves(axis, curves, names, colors)
        axis.set_xlabel(xlabel)
    axes[0][0].set_ylabel(f"validation {metric}")
    figure.suptitle(
        f"Validation {metric} per epoch (line: mean over seeds; band: seeds' range)",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    if order:
        figure.legend(loc="outside right upper", fontsize=8.5, frameon=False)
    else:
        axes[0][0].text(
            0.5,
            0.5,
            "no per-epoch history in these results",
            ha="center",
            va="center",
            transform=axes[0][0].transAxes,
        )
    missing = [s for s in result.strategies if s not in curves]
    if missing:
        figure.supxlabel(
            "no curve of their own (applied after training): " + ", ".join(missing),
            x=0.01,
            ha="left",
            fontsize=8.5,
            color="#555555",
        )
    return figure


def plot_split_distribution(comparison: Comparison | dict[str, Any]) -> Figure:
    """Train, validation and test counts per class, side by side; log scale when the training
    imbalance ratio (largest over smallest non-zero count) exceeds :data:`LOG_SCALE_RATIO`."""
    plt = _pyplot()
    result = _as_comparison(comparison)
    names = [str(n) for n in result.class_names]
    splits = [s for s in ("train", "validation", "test") if s in result.splits]
    counts = {s: np.asarray(result.splits[s]["counts"], dtype=float) for s in splits}
    train = counts.get("train", next(iter(counts.values())))
    positive = train[train > 0]
    ratio = float(positive.max() / positive.min()) if positive.size else 1.0
    n_classes = len(names)
    longest = max((len(n) for n in names), default=1)
    rotate = n_classes * max(longest, 4) > 70
    width = min(max(6.0, 2.0 + 0.7 * n_classes), 18.0)
    figure, axis = plt.subplots(figsize=(width, 4.6), layout="constrained")
    bar = 0.8 / max(len(splits), 1)
    tail = set(result.tail_classes)
    x = np.arange(n_classes)
    for i, split in enumerate(splits):
        axis.bar(
            x + (i - (len(splits) - 1) / 2) * bar,
            counts[split],
            bar,
            label=f"{split} ({int(counts[split].sum())})",
            color=_SPLIT_COLORS[split],
        )
    labels = [f"★ {n}" if c in tail else n for c, n in enumerate(names)]
    axis.set_xticks(
        x,
        labels,
        rotation=90 if rotate else 0,
    )
    for c, tick in enumerate(axis.get_xticklabels()):
        if c in tail:
            tick.set_color("#b3261e")
    if ratio > LOG_SCALE_RATIO:
        axis.set_yscale("log")
        scale = "log scale"
    else:
        scale = "linear scale"
    axis.set_ylabel(f"samples ({scale})")
    axis.set_xlabel("class (★ = tail class)")
    figure.suptitle(
        f"Samples per class and split (training imbalance ratio {ratio:.3g})",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    axis.legend(frameon=False, fontsize=9)
    axis.grid(axis="y", alpha=0.3)
    return figure


#: ``{file name: function}`` of the four figures.
FIGURES = {
    "ranking.png": plot_ranking,
    "per_class_recall.png": plot_per_class_recall,
    "learning_curves.png": plot_learning_curves,
    "class_distribution.png": plot_split_distribution,
}


def draw_figures(comparison: Comparison | dict[str, Any]) -> dict[str, Figure]:
    """``{file name: Figure}`` of the four figures (the caller closes them)."""
    result = _as_comparison(comparison)
    return {name: draw(result) for name, draw in FIGURES.items()}


def save_figures(
    comparison: Comparison | dict[str, Any], directory: str | Path, *, dpi: int = 110
) -> list[Path]:
    """Write the four figures as PNG files in ``directory``; return their paths."""
    plt = _pyplot()
    folder = Path(directory)
    written = []
    for name, figure in draw_figures(comparison).items():
        figure.savefig(folder / name, dpi=dpi)
        plt.close(figure)
        written.append(folder / name)
    return written
