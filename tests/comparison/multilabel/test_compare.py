"""compare(label_mode="multi_label"): iterative-stratified splits, thresholds and every choice on
validation, test scored once; refusals by name; the files it writes. Tiny data, 1-2 epochs."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.multilabel.data import multilabel_splits
from keras_imbalance.comparison.multilabel.metrics import best_f1_thresholds, multilabel_scores
from keras_imbalance.comparison.multilabel.result import MultiLabelComparison
from keras_imbalance.comparison.multilabel.splits import iterative_stratification

metrics = pytest.importorskip("sklearn.metrics")


def tiny_multilabel(seed: int = 0, n: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """3 labels (about 50%, 25%, 12% positive) that the 4 inputs reveal, with noise."""
    rng = np.random.default_rng(seed)
    y = (rng.random((n, 3)) < [0.5, 0.25, 0.12]).astype(np.int64)
    y[:4] = 1  # every label has positives in every split
    x = (rng.normal(size=(n, 4)) + np.c_[2.0 * y, np.zeros(n)]).astype("float32")
    return x, y


def mlp(input_shape: tuple[int, ...], num_labels: int) -> keras.Model:
    inputs = keras.Input(input_shape)
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(num_labels)(hidden))


TINY = {"epochs": 2, "seeds": [0, 1], "model": mlp, "n_boot": 50, "refit": False, "cv": None}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> MultiLabelComparison:
    folder = tmp_path_factory.mktemp("multilabel")
    found = compare(
        tiny_multilabel(),
        ["none", "balanced", "focal", "asymmetric"],
        label_mode="multi_label",
        output=folder,
        class_names=["a", "b", "c"],
        **TINY,
    )
    assert isinstance(found, MultiLabelComparison)
    found.settings["folder"] = str(folder)
    return found


def test_every_remedy_and_seed_runs_and_is_ranked(result: MultiLabelComparison) -> None:
    names = ["asymmetric", "balanced", "focal", "none"]
    assert sorted(row["strategy"] for row in result.rows) == names
    assert [row["rank"] for row in result.rows] == [1, 2, 3, 4]
    # asymmetric tunes gamma_neg over [2, 4]: the better mean on validation is chosen
    assert len(result.runs) == (3 + 2) * 2
    asymmetric = [r for r in result.runs if r["strategy"] == "asymmetric"]
    means = {
        g: np.mean(
            [
                r["validation"]["macro_average_precision"]
                for r in asymmetric
                if r["params"]["gamma_neg"] == g
            ]
        )
        for g in (2.0, 4.0)
    }
    chosen = {r["params"]["gamma_neg"] for r in asymmetric if r["chosen"]}
    assert chosen == {max(means, key=lambda g: (means[g], -g))}
    assert result.settings["selection"]["scheme"] == "holdout"
    assert "Chosen on the holdout split (cv=None)." in result.notes
    means = [round(row["validation"]["macro_average_precision"], 3) for row in result.rows]
    assert means == sorted(means, reverse=True)


def test_run_metrics_are_scikit_learn_s_at_its_validation_thresholds(
    result: MultiLabelComparison,
) -> None:
    _, y = tiny_multilabel()
    parts = iterative_stratification(y, [0.6, 0.2, 0.2], seed=0)
    y_val, y_test = y[np.sort(parts[1])], y[np.sort(parts[2])]
    for run in result.runs:
        thresholds, _ = best_f1_thresholds(y_val, run["_validation_scores"])
        assert run["thresholds"] == thresholds.tolist()
        scores = run["_test_scores"]
        assert run["test"]["micro_average_precision"] == pytest.approx(
            metrics.average_precision_score(y_test, scores, average="micro"), abs=1e-12
        )
        assert run["test"]["macro_f1"] == pytest.approx(
            metrics.f1_score(y_test, scores >= thresholds, average="macro", zero_division=0),
            abs=1e-12,
        )


def test_results_json_and_report_are_written(result: MultiLabelComparison) -> None:
    from pathlib import Path

    folder = Path(result.settings["folder"])
    saved = json.loads((folder / "results.json").read_text())
    assert saved["label_mode"] == "multi_label"
    assert saved["label_names"] == ["a", "b", "c"]
    assert [row["strategy"] for row in saved["summary"]] == [r["strategy"] for r in result.rows]
    assert len(saved["labels"]) == 4 * 3 and "_test_scores" not in saved["runs"][0]
    assert result.verdict in (folder / "report.md").read_text()
    pytest.importorskip("matplotlib")
    assert (folder / "precision_recall.png").stat().st_size > 0


def test_splits_are_the_iterative_stratification_of_the_labels() -> None:
    x, y = tiny_multilabel()
    data = multilabel_splits((x, y), None, shares=(0.2, 0.2), seed=3)
    parts = [np.sort(p) for p in iterative_stratification(y, [0.6, 0.2, 0.2], seed=3)]
    for split_x, part in zip((data.x_train, data.x_val, data.x_test), parts, strict=True):
        np.testing.assert_array_equal(split_x, x[part])
    given = multilabel_splits((x, y), (x[:5], y[:5]), shares=(0.25, 0.2), seed=1)
    parts = [np.sort(p) for p in iterative_stratification(y, [0.75, 0.25], seed=1)]
    np.testing.assert_array_equal(given.y_val, y[parts[1]])
    np.testing.assert_array_equal(given.x_test, x[:5])


def test_the_test_split_chooses_nothing() -> None:
    """Two runs whose test labels differ choose the same thresholds, knobs and best remedy."""
    x, y = tiny_multilabel(1)
    train, x_test = (x[:60], y[:60]), x[60:]
    y_test = y[60:]
    flipped = 1 - y_test
    options = {**TINY, "seeds": [0], "grids": {"focal": {"gamma": [0.0, 2.0]}}}
    first, second = (
        compare((train, (x_test, labels)), ["none", "focal"], label_mode="multi_label", **options)
        for labels in (y_test, flipped)
    )
    assert [r["thresholds"] for r in first.runs] == [r["thresholds"] for r in second.runs]
    assert [r["chosen"] for r in first.runs] == [r["chosen"] for r in second.runs]
    assert [r["strategy"] for r in first.rows] == [r["strategy"] for r in second.rows]
    assert [r["validation"] for r in first.runs] == [r["validation"] for r in second.runs]
    assert first.runs[0]["test"] != second.runs[0]["test"]
    assert first.best == second.best


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("halving", True),
        ("augment", "flip"),
        ("tail_classes", 1),
        ("validation_data", "given"),
    ],
)
def test_unsupported_options_are_refused_by_name(option: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"{option}.*not supported with label_mode='multi_label'"):
        compare(tiny_multilabel(), label_mode="multi_label", **{option: value}, **TINY)


def test_an_executor_needs_a_builder_that_can_travel() -> None:
    from concurrent.futures import ThreadPoolExecutor

    nested = {**TINY, "model": lambda shape, labels: mlp(shape, labels)}
    with ThreadPoolExecutor(1) as pool, pytest.raises(TypeError, match="top level of an"):
        compare(tiny_multilabel(), label_mode="multi_label", executor=pool, **nested)


@pytest.mark.parametrize("strategy", ["weight_balancing", "logit_adjusted", "posthoc"])
def test_single_label_strategies_are_refused(strategy: str) -> None:
    with pytest.raises(ValueError, match=rf"{strategy}.*not supported with label_mode"):
        compare(tiny_multilabel(), ["none", strategy], label_mode="multi_label", **TINY)


def test_bad_labels_and_data_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    x, y = tiny_multilabel()
    with pytest.raises(ValueError, match="multi-hot labels of shape"):
        compare((x, y.argmax(axis=1)), label_mode="multi_label", **TINY)
    with pytest.raises(ValueError, match="values other than 0 and 1"):
        compare((x, 2 * y), label_mode="multi_label", **TINY)
    y[:, 2] = 0
    with pytest.raises(ValueError, match="label 2 has no positive sample in the training"):
        compare((x, y), label_mode="multi_label", **TINY)
    with pytest.raises(ValueError, match=r"image folder.*not supported"):
        compare(str(tmp_path), label_mode="multi_label", **TINY)
    with pytest.raises(ValueError, match="label_mode='multi'"):
        compare((x, y), label_mode="multi", **TINY)
    with pytest.raises(ValueError, match="metric='balanced_recall'"):
        compare((x, y), label_mode="multi_label", metric="balanced_recall", **TINY)


def test_metric_macro_f1_chooses_and_the_validation_metrics_are_the_runs() -> None:
    x, y = tiny_multilabel(2)
    found = compare(
        (x, y), ["none", "balanced"], label_mode="multi_label", metric="macro_f1", **TINY
    )
    assert found.settings["metric"] == "macro_f1"
    for row in found.rows:
        chosen = [r for r in found.runs if r["strategy"] == row["strategy"] and r["chosen"]]
        assert row["validation"]["macro_f1"] == pytest.approx(
            np.mean([r["validation"]["macro_f1"] for r in chosen])
        )
    run = found.runs[0]
    data = multilabel_splits((x, y), None, shares=(0.2, 0.2), seed=0)
    again = multilabel_scores(data.y_val, run["_validation_scores"], np.asarray(run["thresholds"]))
    assert again == run["validation"]


def test_notes_name_labels_without_validation_positives_and_with_few() -> None:
    from keras_imbalance.comparison.multilabel.compare import _notes
    from keras_imbalance.comparison.multilabel.training import MultiLabelData

    x = np.zeros((30, 1))
    y_val = np.zeros((30, 2), dtype=int)
    y_val[:3, 0] = 1  # label "a": 3 positives; label "b": none
    y_test = np.ones((30, 2), dtype=int)
    data = MultiLabelData(x, y_test, x, y_val, x, y_test)
    notes = _notes(data, ["a", "b"], {"cv": None, "refit": False})
    assert notes == [
        "Label 'b' has no positive in the validation split: its threshold stays at 0.5.",
        "Labels with fewer than 10 positives in the validation split (a): their F1 and average "
        "precision move in coarse steps.",
    ]
