"""Plots of class distributions, confusion matrices, PR curves, comparisons and training curves.

Every function returns a ``matplotlib.figure.Figure`` built with the object API (no ``pyplot``
global state, so it works headless and in threads): show it in a notebook by leaving it as the
cell's value, or save it with ``fig.savefig("plot.png")``. Needs the ``plot`` extra:
``pip install "keras-imbalance[plot]"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

import numpy as np

from keras_imbalance._plot_axes import annotate_cells, band, category_ticks, new_figure
from keras_imbalance._plot_inputs import (
    comparison_records,
    counts_and_names,
    error_bars,
    record_metrics,
    training_metrics,
    training_runs,
)
from keras_imbalance._validation import check_option, positional_deprecated
from keras_imbalance.labels import decode_labels

__all__ = [
    "DEFAULT_COMPARISON_METRICS",
    "ERROR_BARS",
    "NORMALIZE_OPTIONS",
    "ErrorBar",
    "Normalize",
    "comparison_records",
    "normalize_confusion_matrix",
    "plot_class_distribution",
    "plot_comparison",
    "plot_confusion_matrix",
    "plot_precision_recall",
    "plot_training_curves",
]

Normalize = Literal["true", "pred", "all"]
NORMALIZE_OPTIONS: tuple[str | None, ...] = (*get_args(Normalize), None)
ErrorBar = Literal["std", "sem", "minmax"]
ERROR_BARS: tuple[str | None, ...] = (*get_args(ErrorBar), None)

DEFAULT_COMPARISON_METRICS: tuple[str, ...] = ("balanced_accuracy", "macro_f1")


# --- Class distribution --------------------------------------------------------------------------


def plot_class_distribution(
    counts: Any,
    *,
    log: bool = False,
    class_names: Sequence[Any] | None = None,
    sort: bool = False,
    title: str | None = None,
) -> Any:
    """Bar chart of samples per class, each bar annotated with its share.

    Args:
        counts: a :class:`~keras_imbalance.counting.ClassCounts`, a ``{class: count}`` dict, or
            labels (anything :func:`~keras_imbalance.labels.decode_labels` reads).
        log: log-scaled count axis, for long tails.
        class_names: names to show instead of the class labels.
        sort: sort the bars from the largest class to the smallest.
        title: the title; default names the imbalance ratio ``max / min``.

    Returns:
        A ``Figure`` with one axes; bar ``i`` has height ``counts[i]``.

    Example:
        >>> fig = plot_class_distribution({"not-dog": 45000, "dog": 5000})
        >>> [float(bar.get_height()) for bar in fig.axes[0].patches]
        [45000.0, 5000.0]
    """
    values, names = counts_and_names(counts, class_names)
    if sort:
        order = np.argsort(-values, kind="stable")
        values = values[order]
        names = [names[i] for i in order]
    figure = new_figure((max(4.0, 0.6 * len(values) + 2), 3.5))
    axes = figure.add_subplot()
    positions = np.arange(len(values))
    bars = axes.bar(positions, values, color="C0")
    total = max(int(values.sum()), 1)
    axes.bar_label(bars, labels=[f"{v / total:.1%}" for v in values], fontsize=8)
    category_ticks(axes, positions, names, rotate_above=6)
    axes.set_ylabel("samples")
    if log:
        axes.set_yscale("log")
    if title is None:
        low = int(values.min())
        ratio = f"{values.max() / low:.3g}" if low > 0 else "inf"
        title = f"Class distribution (imbalance ratio {ratio})"
    axes.set_title(title)
    axes.margins(y=0.12)
    return figure


# --- Confusion matrix ----------------------------------------------------------------------------


@positional_deprecated(1)
def normalize_confusion_matrix(matrix: Any, *, normalize: Normalize | None = "true") -> np.ndarray:
    """Normalise a confusion matrix as ``sklearn.metrics.confusion_matrix(normalize=...)`` does:
    over true rows (``"true"``: each row holds the recalls' split), predicted columns
    (``"pred"``) or the whole matrix (``"all"``); empty rows or columns stay 0.

    Example:
        >>> normalize_confusion_matrix([[3, 1], [0, 0]], normalize="true").tolist()
        [[0.75, 0.25], [0.0, 0.0]]
    """
    check_option("normalize", normalize, NORMALIZE_OPTIONS)
    cm = np.asarray(matrix, dtype=np.float64)
    if normalize is None:
        return cm
    with np.errstate(divide="ignore", invalid="ignore"):
        if normalize == "true":
            cm = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            cm = cm / cm.sum(axis=0, keepdims=True)
        else:
            cm = cm / cm.sum()
    return np.nan_to_num(cm)


def plot_confusion_matrix(
    report_or_y_true: Any,
    y_pred: Any = None,
    *,
    normalize: Normalize | None = "true",
    class_names: Sequence[Any] | None = None,
    sample_weight: Any = None,
    cmap: str = "Blues",
) -> Any:
    """Heat map of the confusion matrix (rows: true class, columns: predicted class).

    Args:
        report_or_y_true: an :class:`~keras_imbalance.evaluation.ImbalanceReport`, or the true
            labels (then give ``y_pred``).
        y_pred: predicted labels, when the first argument holds the true labels.
        normalize: ``"true"`` (rows sum to 1: the diagonal shows the recalls), ``"pred"``,
            ``"all"``, or ``None`` for counts.
        class_names: class names (labels only; a report carries its own).
        sample_weight: optional sample weights (labels only).
        cmap: a matplotlib colormap name.

    Returns:
        A ``Figure`` with the matrix axes and its colour bar.

    Example:
        >>> fig = plot_confusion_matrix([0, 0, 0, 1], [0, 0, 1, 1], normalize=None)
        >>> fig.axes[0].images[0].get_array().tolist()
        [[2.0, 1.0], [0.0, 1.0]]
    """
    check_option("normalize", normalize, NORMALIZE_OPTIONS)
    if hasattr(report_or_y_true, "confusion_matrix") and hasattr(report_or_y_true, "class_names"):
        if y_pred is not None:
            raise TypeError("give either a report or y_true and y_pred, not a report and y_pred")
        result = report_or_y_true
    else:
        if y_pred is None:
            raise TypeError(
                "plot_confusion_matrix needs y_pred when its first argument holds labels; or pass "
                "a report from keras_imbalance.evaluation.report"
            )
        from keras_imbalance.evaluation import report

        result = report(
            report_or_y_true, y_pred, class_names=class_names, sample_weight=sample_weight
        )
    names = list(result.class_names)
    raw = np.asarray(result.confusion_matrix, dtype=np.float64)
    shown = normalize_confusion_matrix(raw, normalize=normalize)
    size = max(3.5, 0.55 * len(names) + 2.5)
    figure = new_figure((size + 1, size))
    axes = figure.add_subplot()
    vmax = 1.0 if normalize is not None else max(float(shown.max()), 1.0)
    image = axes.imshow(shown, cmap=cmap, vmin=0.0, vmax=vmax)
    figure.colorbar(image, ax=axes, shrink=0.8)
    ticks = np.arange(len(names))
    category_ticks(axes, ticks, names, rotate_above=4)
    axes.set_yticks(ticks, names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    integral = normalize is None and bool(np.all(raw == np.round(raw)))
    annotate_cells(axes, shown, integral=integral, dark_above=0.6 * vmax)
    axes.set_title(
        "Confusion matrix" + ("" if normalize is None else f" (normalised over {normalize})")
    )
    return figure


# --- Precision-recall curves ---------------------------------------------------------------------


def plot_precision_recall(
    y_true: Any,
    scores: Any,
    *,
    class_names: Sequence[Any] | None = None,
    sample_weight: Any = None,
    from_logits: bool | None = None,
) -> Any:
    """Precision-recall curves (``sklearn.metrics.precision_recall_curve``), AP in the legend.

    A binary detector (``(N,)``/``(N, 1)`` scores, or two columns) gets the curve of the
    positive class (index 1) and a dashed line at its prevalence, the precision of a random
    ranking. Multi-class scores ``(N, C)`` get one one-vs-rest curve per class present in
    ``y_true``. Logits are handled as in :func:`~keras_imbalance.evaluation.report`.

    Returns:
        A ``Figure`` with one axes: binary, 2 lines (curve, prevalence); multi-class, one line
        per class present.

    Example:
        >>> fig = plot_precision_recall([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> [line.get_label() for line in fig.axes[0].lines]
        ['1 (AP 0.833)', 'prevalence 0.500']
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    from keras_imbalance.evaluation import flat_weight, score_matrix

    true = decode_labels(y_true, name="y_true")
    if true.indices is None:
        raise ValueError("y_true holds multi-hot rows; give class indices or one-hot rows")
    target = true.indices.ravel()
    weight = flat_weight(sample_weight, true.indices.shape)
    probabilities = score_matrix(scores, from_logits=from_logits)
    if probabilities.shape[0] != target.size:
        raise ValueError(
            f"scores has {probabilities.shape[0]} rows but y_true has {target.size} labels; "
            f"give one row of scores per label"
        )
    width = 2 if probabilities.ndim == 1 else probabilities.shape[1]
    if len(true.classes) > width:
        raise ValueError(
            f"y_true has {len(true.classes)} classes but scores has {width} columns; give one "
            f"score column per class"
        )
    names = [str(c) for c in range(width)] if class_names is None else [str(c) for c in class_names]
    if len(names) != width:
        raise ValueError(
            f"class_names has {len(names)} names but scores has {width} classes; give one name "
            f"per class"
        )
    figure = new_figure((5.0, 4.0))
    axes = figure.add_subplot()
    if width == 2:
        positive = probabilities if probabilities.ndim == 1 else probabilities[:, 1]
        curves = [(1, positive)]
    else:
        present = np.unique(target)
        curves = [(int(c), probabilities[:, c]) for c in present]
    for c, column in curves:
        hits = (target == c).astype(np.int64)
        precision, recall, _ = precision_recall_curve(hits, column, sample_weight=weight)
        ap = average_precision_score(hits, column, sample_weight=weight)
        axes.plot(
            recall,
            precision,
            drawstyle="steps-post",
            label=f"{names[c]} (AP {ap:.3f})",
            color=f"C{c % 10}",
        )
    if width == 2:
        hits = target == 1
        prevalence = float(hits.mean() if weight is None else weight[hits].sum() / weight.sum())
        axes.plot(
            [0, 1],
            [prevalence, prevalence],
            linestyle="--",
            color="grey",
            label=f"prevalence {prevalence:.3f}",
        )
    axes.set_xlabel("recall")
    axes.set_ylabel("precision")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.set_title("Precision-recall")
    axes.legend(fontsize=8, loc="lower left")
    return figure


# --- Strategy comparison -------------------------------------------------------------------------


@positional_deprecated(1)
def plot_comparison(
    comparison_data: Any,
    *,
    metrics: Sequence[str] | None = DEFAULT_COMPARISON_METRICS,
    error: ErrorBar | None = "std",
    title: str | None = None,
) -> Any:
    """Grouped bars: one group per metric, one bar per strategy (its mean over seeds), with
    error bars over seeds.

    Args:
        comparison_data: records ``[{"strategy": str, "seed": int, "metrics": {name: value}}]``
            or the other forms of :func:`comparison_records`.
        metrics: the metric names to show; ``None`` shows every metric all records have.
        error: ``"std"`` (sample standard deviation, ``ddof=1``), ``"sem"`` (``std / sqrt(n)``),
            ``"minmax"`` (range over seeds) or ``None``. A single seed gets no error bar.
        title: the title.

    Returns:
        A ``Figure`` with one axes holding ``len(strategies) * len(metrics)`` bars; bar heights
        are the means, strategies in order of first appearance.

    Example:
        >>> records = [
        ...     {"strategy": "none", "seed": 0, "metrics": {"balanced_accuracy": 0.5}},
        ...     {"strategy": "none", "seed": 1, "metrics": {"balanced_accuracy": 0.6}},
        ...     {"strategy": "balanced", "seed": 0, "metrics": {"balanced_accuracy": 0.8}},
        ... ]
        >>> fig = plot_comparison(records, metrics=["balanced_accuracy"])
        >>> [round(float(bar.get_height()), 4) for bar in fig.axes[0].patches]
        [0.55, 0.8]
    """
    check_option("error", error, ERROR_BARS)
    records = comparison_records(comparison_data)
    strategies = list(dict.fromkeys(r["strategy"] for r in records))
    metrics = record_metrics(records, metrics)

    bars = len(metrics) * max(len(strategies), 2)
    figure = new_figure((min(12.0, max(5.0, 0.25 * bars + 3.0)), 4.0))
    axes = figure.add_subplot()
    width = 0.8 / len(strategies)
    groups = np.arange(len(metrics))
    for s, strategy in enumerate(strategies):
        values = np.asarray(
            [
                [float(r["metrics"][m]) for m in metrics]
                for r in records
                if r["strategy"] == strategy
            ]
        )
        means = values.mean(axis=0)
        yerr = error_bars(values, error)
        axes.bar(
            groups - 0.4 + width * (s + 0.5),
            means,
            width,
            yerr=yerr,
            capsize=3,
            label=f"{strategy} (n={len(values)})",
            color=f"C{s % 10}",
        )
    axes.set_xticks(groups, metrics)
    axes.set_ylabel("score")
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes.set_title(title or "Strategy comparison (mean over seeds)")
    return figure


# --- Training curves -----------------------------------------------------------------------------


@positional_deprecated(1)
def plot_training_curves(
    histories: Mapping[str, Any], *, metrics: Sequence[str] | None = None
) -> Any:
    """Training curves per strategy: one axes per metric, training solid, validation dashed.

    Args:
        histories: ``{strategy: history}``, where ``history`` is a keras ``History``, its
            ``.history`` dict, or a list of them (one per seed). Over several seeds the line is
            the mean per epoch (over the epochs every seed reached) and a band shows min-max.
        metrics: metric names without the ``val_`` prefix; default every metric of the first
            history, in its order.

    Returns:
        A ``Figure`` with one axes per metric; each holds, per strategy, a training line and,
        where recorded, a validation line.

    Example:
        >>> fig = plot_training_curves({"none": {"loss": [1.0, 0.5], "val_loss": [1.2, 0.9]}})
        >>> [line.get_ydata().tolist() for line in fig.axes[0].lines]
        [[1.0, 0.5], [1.2, 0.9]]
    """
    runs = training_runs(histories)
    metrics = training_metrics(runs, metrics)

    columns = min(len(metrics), 3)
    rows = -(-len(metrics) // columns)
    figure = new_figure((4.2 * columns, 3.2 * rows))
    grid = figure.subplots(rows, columns, squeeze=False)
    for k, metric in enumerate(metrics):
        axes = grid[k // columns][k % columns]
        for s, (strategy, items) in enumerate(runs.items()):
            for key, style, suffix in ((metric, "-", ""), (f"val_{metric}", "--", " (val)")):
                curves = [h[key] for h in items if h.get(key)]
                if not curves:
                    continue
                epochs = min(len(c) for c in curves)
                stacked = np.asarray([c[:epochs] for c in curves])
                x = np.arange(1, epochs + 1)
                axes.plot(
                    x,
                    stacked.mean(axis=0),
                    linestyle=style,
                    color=f"C{s % 10}",
                    label=f"{strategy}{suffix}",
                )
                if len(curves) > 1:
                    band(axes, x, stacked, f"C{s % 10}")
        axes.set_title(metric)
        axes.set_xlabel("epoch")
        axes.legend(fontsize=7)
    for k in range(len(metrics), rows * columns):
        figure.delaxes(grid[k // columns][k % columns])
    return figure
