"""Tests for keras_imbalance.plotting: what is drawn equals the numbers given."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from scipy.special import softmax
from sklearn import metrics as skm

from keras_imbalance.counting import ClassCounts
from keras_imbalance.evaluation import report
from keras_imbalance.plotting import (
    normalize_confusion_matrix,
    plot_class_distribution,
    plot_comparison,
    plot_confusion_matrix,
    plot_precision_recall,
    plot_training_curves,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _save(figure: Figure, path) -> None:
    figure.savefig(path, dpi=60)
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert path.stat().st_size > 1000


@pytest.mark.parametrize("log", [False, True])
def test_class_distribution_from_counts(tmp_path, log):
    counts = ClassCounts(np.array([633, 898, 641, 699, 799]),
                         ("daisy", "dandelion", "roses", "sunflowers", "tulips"))  # fmt: skip
    figure = plot_class_distribution(counts, log=log)
    assert isinstance(figure, Figure)
    (axes,) = figure.axes
    assert [bar.get_height() for bar in axes.patches] == [633, 898, 641, 699, 799]
    assert [t.get_text() for t in axes.get_xticklabels()] == list(counts.classes)
    shares = [t.get_text() for t in axes.texts]
    assert shares == [f"{n / 3670:.1%}" for n in [633, 898, 641, 699, 799]]
    assert axes.get_yscale() == ("log" if log else "linear")
    assert f"{898 / 633:.3g}" in axes.get_title()
    _save(figure, tmp_path / "distribution.png")


def test_class_distribution_from_labels_and_dict():
    labels = np.array([0] * 9 + [1] * 3 + [2])
    figure = plot_class_distribution(labels, class_names=["a", "b", "c"], sort=True)
    assert [bar.get_height() for bar in figure.axes[0].patches] == [9, 3, 1]
    figure = plot_class_distribution({"dog": 5, "not-dog": 45}, sort=True)
    axes = figure.axes[0]
    assert [bar.get_height() for bar in axes.patches] == [45, 5]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["not-dog", "dog"]
    with pytest.raises(ValueError, match="class_names has 2 names but there are 3 classes"):
        plot_class_distribution(labels, class_names=["a", "b"])


@pytest.mark.parametrize("normalize", ["true", "pred", "all", None])
def test_confusion_matrix_from_labels(tmp_path, normalize):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=60)
    pred = np.where(rng.random(60) < 0.7, y, rng.integers(0, 3, size=60))
    figure = plot_confusion_matrix(y, pred, normalize=normalize, class_names=["a", "b", "c"])
    assert len(figure.axes) == 2  # the matrix and its colour bar
    shown = np.asarray(figure.axes[0].images[0].get_array())
    expected = skm.confusion_matrix(y, pred, normalize=normalize)
    np.testing.assert_allclose(shown, expected, rtol=1e-12)
    assert len(figure.axes[0].texts) == 9
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["a", "b", "c"]
    if normalize is None:
        assert figure.axes[0].texts[0].get_text() == str(expected[0, 0])
    _save(figure, tmp_path / f"cm_{normalize}.png")


def test_confusion_matrix_from_report_and_normalise_helper():
    y = np.array([0] * 8 + [1] * 2)
    result = report(y, np.zeros(10, dtype=int), class_names=["not-dog", "dog"])
    figure = plot_confusion_matrix(result)
    np.testing.assert_allclose(figure.axes[0].images[0].get_array(), [[1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(normalize_confusion_matrix([[0, 0], [2, 2]], normalize="true"),
                               [[0, 0], [0.5, 0.5]])  # fmt: skip
    with pytest.raises(TypeError, match="needs y_pred"):
        plot_confusion_matrix(y)
    with pytest.raises(ValueError, match="normalize='rows' is not supported"):
        plot_confusion_matrix(result, normalize="rows")


def test_precision_recall_binary(tmp_path):
    rng = np.random.default_rng(2)
    y = (rng.random(80) < 0.2).astype(int)
    scores = np.clip(rng.normal(0.3 + 0.3 * y, 0.2), 0, 1)
    figure = plot_precision_recall(y, scores, class_names=["not-dog", "dog"])
    (axes,) = figure.axes
    assert len(axes.lines) == 2
    precision, recall, _ = skm.precision_recall_curve(y, scores)
    np.testing.assert_allclose(axes.lines[0].get_xdata(), recall)
    np.testing.assert_allclose(axes.lines[0].get_ydata(), precision)
    assert f"AP {skm.average_precision_score(y, scores):.3f}" in axes.lines[0].get_label()
    np.testing.assert_allclose(axes.lines[1].get_ydata(), [y.mean(), y.mean()])
    _save(figure, tmp_path / "pr.png")


def test_precision_recall_multiclass_logits():
    rng = np.random.default_rng(3)
    y = rng.choice(3, size=90, p=[0.6, 0.3, 0.1])
    logits = rng.normal(size=(90, 3)) + 2.0 * np.eye(3)[y]
    figure = plot_precision_recall(y, logits, class_names=["a", "b", "c"])
    lines = figure.axes[0].lines
    assert len(lines) == 3
    probabilities = softmax(logits, axis=1)
    for c, line in enumerate(lines):
        precision, recall, _ = skm.precision_recall_curve(y == c, probabilities[:, c])
        np.testing.assert_allclose(line.get_ydata(), precision)
        np.testing.assert_allclose(line.get_xdata(), recall)
    with pytest.raises(ValueError, match="class_names has 2 names"):
        plot_precision_recall(y, logits, class_names=["a", "b"])
    with pytest.raises(ValueError, match="one row of scores per label"):
        plot_precision_recall(y[:10], logits)


def _records():
    rng = np.random.default_rng(4)
    records = []
    for strategy in ["none", "balanced", "focal"]:
        for seed in range(3):
            records.append(
                {"strategy": strategy, "seed": seed,
                 "metrics": {"balanced_accuracy": float(rng.random()),
                             "macro_f1": float(rng.random()), "accuracy": float(rng.random())}}
            )  # fmt: skip
    return records


@pytest.mark.parametrize("error", ["std", "sem", "minmax"])
def test_comparison_bars_are_means_with_error_bars(tmp_path, error):
    records = _records()
    metrics = ["balanced_accuracy", "macro_f1"]
    figure = plot_comparison(records, metrics=metrics, error=error)
    (axes,) = figure.axes
    assert len(axes.patches) == 3 * 2
    assert [t.get_text() for t in axes.get_xticklabels()] == metrics
    containers = [c for c in axes.containers if isinstance(c, BarContainer)]
    for strategy, container in zip(["none", "balanced", "focal"], containers, strict=True):
        values = np.array([[r["metrics"][m] for m in metrics] for r in records
                           if r["strategy"] == strategy])  # fmt: skip
        np.testing.assert_allclose([bar.get_height() for bar in container], values.mean(axis=0))
        # The vertical error-bar segments span mean - low .. mean + high.
        segments = container.errorbar.lines[2][0].get_segments()
        spans = np.array([[seg[0][1], seg[1][1]] for seg in segments])
        mean = values.mean(axis=0)
        if error == "minmax":
            low, high = values.min(axis=0), values.max(axis=0)
        else:
            spread = values.std(axis=0, ddof=1) / (np.sqrt(3) if error == "sem" else 1.0)
            low, high = mean - spread, mean + spread
        np.testing.assert_allclose(spans[:, 0], low)
        np.testing.assert_allclose(spans[:, 1], high)
    _save(figure, tmp_path / "comparison.png")


def test_comparison_input_forms_and_errors():
    by_strategy = {"none": [{"f1": 0.2}, {"f1": 0.4}], "balanced": [{"f1": 0.7}]}
    figure = plot_comparison(by_strategy, metrics=None)
    assert [bar.get_height() for bar in figure.axes[0].patches] == pytest.approx([0.3, 0.7])
    records = _records()
    assert len(plot_comparison({"records": records}, metrics=None).axes[0].patches) == 3 * 3
    with pytest.raises(ValueError, match=r"asks for \['g_mean'\]"):
        plot_comparison(records, metrics=["g_mean"])
    with pytest.raises(ValueError, match="is not a record"):
        plot_comparison([{"seed": 0}])
    with pytest.raises(ValueError, match="error='var' is not supported"):
        plot_comparison(records, error="var")


def test_training_curves(tmp_path):
    rng = np.random.default_rng(5)

    def history(epochs):
        return {"loss": rng.random(epochs).tolist(), "val_loss": rng.random(epochs).tolist(),
                "recall": rng.random(epochs).tolist()}  # fmt: skip

    class FakeHistory:  # keras.callbacks.History keeps its dict in .history
        def __init__(self, data):
            self.history = data

    seeds = [history(5), history(4), history(5)]
    single = history(6)
    figure = plot_training_curves({"balanced": seeds, "none": FakeHistory(single)})
    assert [axes.get_title() for axes in figure.axes] == ["loss", "recall"]
    loss_axes, recall_axes = figure.axes
    assert len(loss_axes.lines) == 4  # two strategies x (train, val)
    assert len(recall_axes.lines) == 2  # no val_recall recorded
    expected = np.mean([h["loss"][:4] for h in seeds], axis=0)  # shortest run: 4 epochs
    np.testing.assert_allclose(loss_axes.lines[0].get_ydata(), expected)
    np.testing.assert_allclose(loss_axes.lines[0].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(loss_axes.lines[1].get_ydata(),
                               np.mean([h["val_loss"][:4] for h in seeds], axis=0))  # fmt: skip
    np.testing.assert_allclose(loss_axes.lines[2].get_ydata(), single["loss"])
    assert loss_axes.lines[1].get_linestyle() == "--"
    _save(figure, tmp_path / "curves.png")

    only_recall = plot_training_curves({"none": single}, metrics=["recall"])
    assert len(only_recall.axes) == 1
    with pytest.raises(ValueError, match=r"has \['auc'\], which no history records"):
        plot_training_curves({"none": single}, metrics=["auc"])
    with pytest.raises(TypeError, match="keras History"):
        plot_training_curves({"none": [1, 2]})


def test_training_curves_from_a_real_keras_fit():
    import keras

    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    fitted = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    figure = plot_training_curves({"none": fitted})
    np.testing.assert_allclose(figure.axes[0].lines[0].get_ydata(), fitted.history["loss"])


def test_options_are_keyword_only_and_positional_calls_warn():
    matrix = [[3, 1], [2, 2]]
    with pytest.deprecated_call(match=r"pass normalize=\.\.\. by keyword"):
        old = normalize_confusion_matrix(matrix, "pred")
    # columns sum to 5 and 3: each cell over its predicted column
    np.testing.assert_allclose(old, [[3 / 5, 1 / 3], [2 / 5, 2 / 3]])
    np.testing.assert_array_equal(old, normalize_confusion_matrix(matrix, normalize="pred"))

    records = [
        {"strategy": "none", "seed": 0, "metrics": {"a": 0.5, "b": 0.25}},
        {"strategy": "none", "seed": 1, "metrics": {"a": 0.75, "b": 0.5}},
    ]
    with pytest.deprecated_call(match=r"pass metrics=\.\.\. by keyword"):
        figure = plot_comparison(records, ["b"])
    assert [float(bar.get_height()) for bar in figure.axes[0].patches] == [0.375]

    history = {"loss": [1.0, 0.5], "acc": [0.25, 0.5]}
    with pytest.deprecated_call(match=r"pass metrics=\.\.\. by keyword"):
        figure = plot_training_curves({"none": history}, ["acc"])
    assert [axes.get_title() for axes in figure.axes] == ["acc"]
    assert figure.axes[0].lines[0].get_ydata().tolist() == history["acc"]


def test_importing_plotting_does_not_import_matplotlib():
    import subprocess
    import sys

    code = "import sys, keras_imbalance.plotting; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_plotting_keeps_its_public_names():
    from keras_imbalance import plotting

    public = {
        "DEFAULT_COMPARISON_METRICS", "ERROR_BARS", "NORMALIZE_OPTIONS", "ErrorBar", "Normalize",
        "comparison_records", "normalize_confusion_matrix", "plot_class_distribution",
        "plot_comparison", "plot_confusion_matrix", "plot_precision_recall",
        "plot_training_curves",
    }  # fmt: skip
    assert set(plotting.__all__) == public
    assert all(hasattr(plotting, name) for name in public)
    assert plotting.NORMALIZE_OPTIONS == ("true", "pred", "all", None)
    assert plotting.ERROR_BARS == ("std", "sem", "minmax", None)
