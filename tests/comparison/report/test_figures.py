"""The four compare figures: what they draw equals the results, and no two labels overlap."""

from __future__ import annotations

import copy
import functools
import itertools
import math
import warnings
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text

from keras_imbalance.comparison import Comparison, compare
from keras_imbalance.comparison.report.figures import (
    FIGURE_FILES,
    LOG_SCALE_RATIO,
    plot_learning_curves,
    plot_per_class_recall,
    plot_ranking,
    plot_split_distribution,
    save_figures,
)
from tests.comparison.test_compare import mlp, tiny_data

PLOTS = (plot_ranking, plot_per_class_recall, plot_learning_curves, plot_split_distribution)


@functools.cache
def small_comparison() -> dict[str, Any]:
    """A real compare on tiny data (once per process): trained, post-hoc and head strategies."""
    result = compare(
        tiny_data(),
        ["none", "balanced", "logit_adjusted", "posthoc", "crt"],
        model=mlp,
        epochs=2,
        seeds=[0, 1],
        batch_size=32,
        n_boot=50,
        grids={"logit_adjusted": {"tau": [1.0]}, "posthoc": {"tau": [0.0, 1.0]}},
    )
    return result.to_dict()


PARAMS = {"ldam_drw": {"max_margin": 0.25, "start": 0.8}, "effective_number": {"beta": 0.9999}}


def synthetic(
    n_classes: int = 12,
    strategies: tuple[str, ...] = ("none", "balanced", "focal", "resample", "ldam_drw", "drw"),
    names: list[str] | None = None,
    counts: list[int] | None = None,
    epochs: int = 5,
    seed: int = 0,
) -> dict[str, Any]:
    """A results dict in schema 2 with random but consistent numbers (no training)."""
    rng = np.random.default_rng(seed)
    names = names or [f"class-{c}" for c in range(n_classes)]
    train = counts or [int(500 * 0.7**c) + 3 for c in range(n_classes)]
    tail = list(np.argsort(train)[:3])
    rows = []
    scores = rng.uniform(0.3, 0.8, len(strategies))
    order = np.argsort(-scores)
    none_score = scores[strategies.index("none")]
    for rank, i in enumerate(order, start=1):
        s = float(scores[i])
        recall = rng.uniform(0, 1, n_classes).tolist()
        diff = None
        if strategies[i] != "none":
            d = s - none_score
            diff = {"mean": d, "low": d - 0.05, "high": d + 0.05, "separable": bool(abs(d) > 0.05)}
        rows.append(
            {
                "strategy": strategies[i],
                "rank": rank,
                "params": PARAMS.get(strategies[i], {}),
                "best_epoch": [epochs, epochs],
                "diverged": False,
                "validation": {"mean": {"balanced_accuracy": s + 0.01}, "std": None},
                "test": {
                    "mean": {"balanced_accuracy": s},
                    "std": {"balanced_accuracy": 0.02},
                    "interval": {"mean": s, "low": s - 0.04, "high": s + 0.05},
                },
                "tail_recall": [recall[c] for c in tail],
                "per_class_recall": {"test": recall},
                "vs_none": {"validation": diff, "test": diff},
                "indistinguishable_from_none": None if diff is None else not diff["separable"],
            }
        )
    runs = []
    for strategy in strategies:
        for s in (0, 1):
            curve = rng.uniform(0.2, 0.8, epochs).tolist()
            runs.append(
                {
                    "strategy": strategy,
                    "seed": s,
                    "params": {},
                    "chosen": True,
                    "history": {"loss": curve, "val_balanced_accuracy": curve},
                }
            )
    best = rows[0]["strategy"] if rows[0]["strategy"] != "none" else None
    split = {
        "train": {"counts": train, "source": "the rest"},
        "validation": {"counts": [max(c // 4, 1) for c in train], "source": "0.2"},
        "test": {"counts": [max(c // 4, 1) for c in train], "source": "0.2"},
    }
    return {
        "schema_version": 2,
        "metric": "balanced_accuracy",
        "strategies": list(strategies),
        "seeds": [0, 1],
        "class_names": names,
        "tail_classes": [int(c) for c in tail],
        "splits": split,
        "settings": {
            "epochs": epochs,
            "batch_size": 32,
            "learning_rate": 0.003,
            "schedule": "cosine",
            "keep": "best",
            "head_epochs": 10,
        },
        "runs": runs,
        "summary": rows,
        "best": best,
        "verdict": "synthetic verdict",
        "notes": ["a note"],
    }


def _undrawn_tick_labels(figure: Any) -> set[int]:
    """Tick labels that matplotlib keeps but does not draw (their tick lies outside the view)."""
    hidden = set()
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            low, high = sorted(axis.get_view_interval())
            span = (high - low) * 1e-9
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - span <= tick.get_loc() <= high + span:
                    hidden |= {id(tick.label1), id(tick.label2)}
    return hidden


def text_boxes(figure: Any) -> list[tuple[str, Any]]:
    """``(text, window extent)`` of every text the figure draws."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    hidden = _undrawn_tick_labels(figure)
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in figure.findobj(Text)
        if t.get_visible() and t.get_text().strip() and id(t) not in hidden
    ]


def assert_legible(figure: Any) -> None:
    """No two visible texts overlap (1 px tolerance), and every text lies inside the figure."""
    boxes = [(s, b) for s, b in text_boxes(figure) if b.width > 0 and b.height > 0]
    assert boxes, "the figure holds no text"
    canvas = figure.bbox
    for text, box in boxes:
        assert box.x0 >= canvas.x0 - 1 and box.x1 <= canvas.x1 + 1, f"{text!r} is cut off"
        assert box.y0 >= canvas.y0 - 1 and box.y1 <= canvas.y1 + 1, f"{text!r} is cut off"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        shrunk = box_a.expanded(1, 1).padded(-1)
        assert not shrunk.overlaps(box_b.padded(-1)), f"{a!r} overlaps {b!r}"


def test_overlap_check_catches_overlap() -> None:
    figure, axis = plt.subplots()
    axis.text(0.5, 0.5, "first label")
    axis.text(0.5, 0.5, "second label")
    with pytest.raises(AssertionError, match="overlaps"):
        assert_legible(figure)
    plt.close(figure)


@pytest.mark.parametrize("plot", PLOTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "data",
    [
        "real",
        "synthetic",
        "long_names",
    ],
)
def test_figures_are_legible(plot: Any, data: str) -> None:
    if data == "real":
        results = small_comparison()
    elif data == "synthetic":
        results = synthetic()
    else:
        names = [f"a rather long class name {c}" for c in range(15)]
        results = synthetic(
            n_classes=15,
            names=names,
            strategies=tuple(
                [
                    "none",
                    "balanced",
                    "effective_number",
                    "focal",
                    "resample",
                    "logit_adjusted",
                    "drw",
                    "ldam_drw",
                    "la_drw",
                    "posthoc",
                    "tau_norm",
                    "crt",
                    "crt_la",
                ]
            ),
        )
    figure = plot(results)
    try:
        assert_legible(figure)
    finally:
        plt.close(figure)


def test_ranking_draws_test_means_intervals_and_none_line() -> None:
    results = synthetic()
    figure = plot_ranking(results)
    axis = figure.axes[0]
    rows = sorted(results["summary"], key=lambda r: r["rank"])
    labels = [t.get_text() for t in axis.get_yticklabels()]
    assert [label.split(". ")[1].split(" (")[0] for label in labels] == [
        r["strategy"] for r in rows
    ]
    assert [int(label.split(".")[0]) for label in labels] == [r["rank"] for r in rows]
    # each errorbar: the point at the test mean, the bar from low to high
    for container, row in zip(axis.containers, rows, strict=True):
        point = container.lines[0]
        assert point.get_xdata()[0] == pytest.approx(row["test"]["mean"]["balanced_accuracy"])
        segment = container.lines[2][0].get_segments()[0]
        assert segment[0][0] == pytest.approx(row["test"]["interval"]["low"])
        assert segment[1][0] == pytest.approx(row["test"]["interval"]["high"])
    none = next(r for r in rows if r["strategy"] == "none")
    vertical = [
        line
        for line in axis.get_lines()
        if len(set(line.get_xdata())) == 1 and line.get_linestyle() == "--"
    ]
    assert vertical[0].get_xdata()[0] == pytest.approx(none["test"]["mean"]["balanced_accuracy"])
    assert "95% bootstrap interval" in axis.get_xlabel() and "test" in axis.get_xlabel()
    ldam = next(label for label in labels if "ldam_drw" in label)
    assert ldam.endswith("ldam_drw (max_margin=0.25, start=0.8)")
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert ("chosen" in legend) == (results["best"] is not None)
    assert any("none" in t and "holds 0" in t for t in legend)
    plt.close(figure)


def test_ranking_marks_chosen_and_indistinguishable() -> None:
    results = synthetic()
    rows = sorted(results["summary"], key=lambda r: r["rank"])
    results["best"] = rows[0]["strategy"] if rows[0]["strategy"] != "none" else rows[1]["strategy"]
    figure = plot_ranking(results)
    axis = figure.axes[0]
    for container, row in zip(axis.containers, rows, strict=True):
        marker = container.lines[0].get_marker()
        color = matplotlib.colors.to_hex(container.lines[0].get_color())
        if row["strategy"] == results["best"]:
            assert marker == "*"
        elif row["strategy"] == "none":
            assert marker == "D"
        elif row["indistinguishable_from_none"]:
            assert color == "#8c8c8c"
        else:
            assert color == "#0b5cad"
    plt.close(figure)


def test_per_class_recall_heatmap_holds_the_recalls_and_marks_tail() -> None:
    results = synthetic(n_classes=6)
    figure = plot_per_class_recall(results)
    axis = figure.axes[0]
    rows = sorted(results["summary"], key=lambda r: r["rank"])
    expected = np.array([r["per_class_recall"]["test"] for r in rows])
    np.testing.assert_array_equal(axis.images[0].get_array(), expected)
    ticks = [t.get_text() for t in axis.get_xticklabels()]
    for c, name in enumerate(results["class_names"]):
        assert ticks[c] == (f"★ {name}" if c in results["tail_classes"] else name)
    assert axis.images[0].get_clim() == (0.0, 1.0)
    boxed = sorted(int(p.get_x() + 0.5) for p in axis.patches)
    assert boxed == sorted(results["tail_classes"])
    plt.close(figure)


def test_learning_curves_mean_band_and_unequal_lengths_not_padded() -> None:
    results = synthetic(strategies=("none", "balanced"), epochs=6)
    balanced = [r for r in results["runs"] if r["strategy"] == "balanced"]
    balanced[1]["history"]["val_balanced_accuracy"] = balanced[1]["history"][
        "val_balanced_accuracy"
    ][:3]
    figure = plot_learning_curves(results)
    axis = figure.axes[0]
    lines = {line.get_label(): line for line in axis.get_lines()}
    short = np.array(balanced[1]["history"]["val_balanced_accuracy"])
    long = np.array(balanced[0]["history"]["val_balanced_accuracy"])
    mean = lines["balanced (2 seeds)"]
    np.testing.assert_array_equal(mean.get_xdata(), [1, 2, 3])  # only epochs both seeds reached
    np.testing.assert_allclose(mean.get_ydata(), (short + long[:3]) / 2)
    # the longer seed continues alone, dotted, from epoch 3 to 6: no padding, no extrapolation
    dotted = [
        line for line in axis.get_lines() if line.get_linestyle() == ":" and len(line.get_xdata())
    ]
    assert len(dotted) == 1
    np.testing.assert_array_equal(dotted[0].get_xdata(), [3, 4, 5, 6])
    np.testing.assert_allclose(dotted[0].get_ydata(), long[2:])
    none = [
        r["history"]["val_balanced_accuracy"] for r in results["runs"] if r["strategy"] == "none"
    ]
    band = axis.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() == pytest.approx(np.max(none))
    assert band[:, 1].min() == pytest.approx(np.min(none))
    assert axis.get_ylabel() == "validation balanced accuracy"
    plt.close(figure)


def test_learning_curves_leave_unscored_epochs_as_gaps_without_warnings() -> None:
    # weight_balancing scores its last epoch only: the others are NaN in every seed.
    results = synthetic(strategies=("none", "balanced"), epochs=4)
    for run in results["runs"]:
        if run["strategy"] == "balanced":
            curve = run["history"]["val_balanced_accuracy"]
            run["history"]["val_balanced_accuracy"] = [math.nan] * 3 + curve[3:]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = plot_learning_curves(results)
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    mean = np.asarray(lines["balanced (2 seeds)"].get_ydata(), dtype=float)
    assert np.isnan(mean[:3]).all() and np.isfinite(mean[3])
    plt.close(figure)


def test_learning_curves_give_heads_their_own_panel_and_list_posthoc() -> None:
    results = small_comparison()
    figure = plot_learning_curves(results)
    assert len(figure.axes) == 2
    assert "head epoch" in figure.axes[1].get_xlabel()
    heads = {line.get_label() for line in figure.axes[1].get_lines()}
    assert "crt (2 seeds)" in heads
    assert "posthoc" in figure._supxlabel.get_text()
    plt.close(figure)


@pytest.mark.parametrize("ratio", [5.0, 100.0])
def test_split_distribution_counts_and_log_scale(ratio: float) -> None:
    counts = np.round(np.geomspace(ratio * 10, 10, 5)).astype(int).tolist()
    results = synthetic(n_classes=5, counts=counts)
    figure = plot_split_distribution(results)
    axis = figure.axes[0]
    heights = [p.get_height() for p in axis.patches]
    expected = [results["splits"][s]["counts"] for s in ("train", "validation", "test")]
    assert heights == [float(v) for v in itertools.chain(*expected)]
    real_ratio = max(counts) / min(counts)
    assert axis.get_yscale() == ("log" if real_ratio > LOG_SCALE_RATIO else "linear")
    assert ("log scale" in axis.get_ylabel()) == (real_ratio > LOG_SCALE_RATIO)
    plt.close(figure)


def test_figures_accept_a_comparison_and_refuse_other_things() -> None:
    figure = plot_ranking(Comparison.from_dict(copy.deepcopy(synthetic())))
    plt.close(figure)
    with pytest.raises(TypeError, match="comparison must be a Comparison"):
        plot_ranking([1, 2])  # type: ignore[arg-type]


def test_save_writes_the_four_figures_and_report(tmp_path: Any) -> None:
    result = Comparison.from_dict(small_comparison())
    written = result.save(tmp_path)
    names = {p.name for p in written}
    assert set(FIGURE_FILES) <= names and {"results.json", "results.md", "report.html"} <= names
    for name in FIGURE_FILES:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert save_figures(result, tmp_path) == [tmp_path / n for n in FIGURE_FILES]
