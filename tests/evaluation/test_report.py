"""Tests for keras_imbalance.evaluation: every number against sklearn.metrics or a NumPy formula."""

from __future__ import annotations

import json

import numpy as np
import pytest
from imblearn.metrics import geometric_mean_score
from scipy.special import expit, softmax
from sklearn import metrics as skm

from keras_imbalance.evaluation import (
    PER_CLASS_KEYS,
    REPORT_KEYS,
    THRESHOLD_KEYS,
    ImbalanceReport,
    best_threshold,
    report,
)

NUM_CLASSES = 4


def _multiclass_data(seed: int = 0, n: int = 120):
    rng = np.random.default_rng(seed)
    # Imbalanced true labels (every class present), logits that favour the true class.
    y = rng.choice(NUM_CLASSES, size=n, p=[0.55, 0.25, 0.15, 0.05])
    y[:NUM_CLASSES] = np.arange(NUM_CLASSES)
    logits = rng.normal(size=(n, NUM_CLASSES)) * 1.5
    logits[np.arange(n), y] += 1.0
    weight = rng.uniform(0.2, 3.0, size=n)
    return y, logits, weight


def _reference(y, pred, weight, num_classes):
    """The expected summary numbers, straight from sklearn (and a NumPy baseline)."""
    totals = np.bincount(y, weights=weight, minlength=num_classes)
    return {
        "accuracy": skm.accuracy_score(y, pred, sample_weight=weight),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred, sample_weight=weight),
        "macro_f1": skm.f1_score(y, pred, average="macro", sample_weight=weight),
        "g_mean": geometric_mean_score(y, pred, sample_weight=weight),
        "mcc": skm.matthews_corrcoef(y, pred, sample_weight=weight),
        "majority_baseline": totals.max() / totals.sum(),
    }


def _check_hard(result: ImbalanceReport, y, pred, weight, num_classes):
    expected = _reference(y, pred, weight, num_classes)
    for name, value in expected.items():
        assert getattr(result, name) == pytest.approx(value, rel=1e-12, abs=1e-12), name
    np.testing.assert_allclose(
        result.confusion_matrix,
        skm.confusion_matrix(y, pred, labels=list(range(num_classes)), sample_weight=weight),
    )
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        y, pred, labels=list(range(num_classes)), sample_weight=weight, zero_division=0
    )
    # specificity of class c: recall of "not c", from sklearn on the binarised labels
    specificity = [
        skm.recall_score(y != c, pred != c, sample_weight=weight) for c in range(num_classes)
    ]
    np.testing.assert_allclose([r.specificity for r in result.per_class], specificity)
    np.testing.assert_allclose([r.precision for r in result.per_class], precision)
    np.testing.assert_allclose([r.recall for r in result.per_class], recall)
    np.testing.assert_allclose([r.f1 for r in result.per_class], f1)
    np.testing.assert_allclose([r.support for r in result.per_class], support)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    "form", ["sparse", "sparse_column", "one_hot", "probabilities", "logits_declared"]
)
def test_multiclass_matches_sklearn(form, weighted):
    y, logits, weight = _multiclass_data()
    weight = weight if weighted else None
    probabilities = softmax(logits, axis=1)
    pred = probabilities.argmax(axis=1)
    eye = np.eye(NUM_CLASSES, dtype=np.int64)
    kwargs = {"sample_weight": weight}
    if form == "sparse":
        result = report(y, pred, **kwargs)
    elif form == "sparse_column":
        result = report(y[:, None], pred[:, None], **kwargs)
    elif form == "one_hot":
        result = report(eye[y], eye[pred], **kwargs)
    elif form == "probabilities":
        result = report(eye[y], scores=probabilities, **kwargs)
    else:
        result = report(y, scores=logits, from_logits=True, **kwargs)
    _check_hard(result, y, pred, weight, NUM_CLASSES)
    assert result.n_samples == len(y)
    assert result.thresholds == {}
    if form in ("probabilities", "logits_declared"):
        assert result.roc_auc == pytest.approx(
            skm.roc_auc_score(
                y, probabilities, multi_class="ovr", average="macro", sample_weight=weight
            ),
            rel=1e-12,
        )
        assert result.average_precision == pytest.approx(
            skm.average_precision_score(
                eye[y], probabilities, average="macro", sample_weight=weight
            ),
            rel=1e-12,
        )
    else:
        assert result.roc_auc is None
        assert result.average_precision is None


def test_logits_inside_unit_interval_need_from_logits():
    y, logits, _ = _multiclass_data()
    small = logits / (2 * np.abs(logits).max()) + 0.5  # all in [0, 1]
    as_probabilities = report(y, scores=small)
    as_logits = report(y, scores=small, from_logits=True)
    # Argmax is the same, the ranking metrics differ: softmax changes the one-vs-rest order.
    assert as_probabilities.accuracy == as_logits.accuracy
    expected = skm.roc_auc_score(y, softmax(small, axis=1), multi_class="ovr")
    assert as_logits.roc_auc == pytest.approx(expected, rel=1e-12)
    eye = np.eye(NUM_CLASSES)
    assert as_probabilities.roc_auc == pytest.approx(
        skm.roc_auc_score(eye[y], small, average="macro"), rel=1e-12
    )


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("form", ["vector", "column", "two_columns", "logits", "two_logits"])
def test_binary_detector_matches_sklearn(form, weighted):
    rng = np.random.default_rng(1)
    n = 200
    y = (rng.random(n) < 0.15).astype(np.int64)
    logit = rng.normal(size=n) + 1.5 * y
    p = expit(logit)
    weight = rng.uniform(0.5, 2.0, size=n) if weighted else None
    scores = {
        "vector": p,
        "column": p[:, None],
        "two_columns": np.stack([1 - p, p], axis=1),
        "logits": logit,
        "two_logits": np.stack([np.zeros(n), logit], axis=1),  # softmax gives sigmoid(logit)
    }[form]
    logits = form in ("logits", "two_logits")
    result = report(
        y,
        scores=scores,
        class_names=["not-dog", "dog"],
        sample_weight=weight,
        from_logits=logits,
    )
    pred = (p >= 0.5).astype(np.int64)
    _check_hard(result, y, pred, weight, 2)
    assert result.class_names == ["not-dog", "dog"]
    assert result.average_precision == pytest.approx(
        skm.average_precision_score(y, p, sample_weight=weight), rel=1e-9
    )
    assert result.roc_auc == pytest.approx(skm.roc_auc_score(y, p, sample_weight=weight), rel=1e-9)

    assert set(result.thresholds) == {"default", "best_f1"}
    default = result.thresholds["default"]
    assert default.threshold == 0.5
    assert default.accuracy == pytest.approx(result.accuracy, rel=1e-12)
    assert default.f1 == pytest.approx(skm.f1_score(y, pred, sample_weight=weight), rel=1e-12)
    best = result.thresholds["best_f1"]
    expected = best_threshold(y, p, metric="f1", sample_weight=weight)
    assert best.threshold == pytest.approx(expected.threshold, rel=1e-9)
    best_pred = (p >= best.threshold).astype(np.int64)
    assert best.f1 == pytest.approx(skm.f1_score(y, best_pred, sample_weight=weight), rel=1e-9)
    assert best.recall == pytest.approx(
        skm.recall_score(y, best_pred, sample_weight=weight), rel=1e-9
    )
    assert best.mcc == pytest.approx(
        skm.matthews_corrcoef(y, best_pred, sample_weight=weight), rel=1e-9
    )
    assert best.f1 >= default.f1


def test_string_labels_match_sklearn():
    y = np.array(["cat"] * 6 + ["dog"] * 3 + ["emu"] * 1)
    pred = np.array(["cat"] * 5 + ["dog"] * 4 + ["cat"])
    result = report(y, pred)
    assert result.class_names == ["cat", "dog", "emu"]
    assert result.accuracy == pytest.approx(skm.accuracy_score(y, pred))
    assert result.macro_f1 == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert result.mcc == pytest.approx(skm.matthews_corrcoef(y, pred))
    assert any("'emu' has recall 0" in text for text in result.warnings)


def test_dog_detector_trap():
    """The seed's 90/10 trap: always "not-dog" scores 90%, exactly the majority baseline."""
    y = np.array([0] * 90 + [1] * 10)
    result = report(y, np.zeros(100, dtype=int), class_names=["not-dog", "dog"])
    assert result.accuracy == 0.9
    assert result.majority_baseline == 0.9
    assert result.majority_class == "not-dog"
    assert result.balanced_accuracy == 0.5
    assert result.g_mean == 0.0
    assert result.mcc == 0.0
    assert len(result.warnings) == 2
    assert "majority baseline 0.900" in result.warnings[0]
    assert "within 5 points" in result.warnings[0]
    assert "'dog' has recall 0" in result.warnings[1]
    assert "'not-dog'" not in result.warnings[1]


def test_baseline_margin_controls_the_warning():
    y = np.array([0] * 90 + [1] * 10)
    pred = y.copy()
    pred[90:93] = 0  # accuracy 0.97, 7 points above the 0.9 baseline, dog recall 0.7
    assert report(y, pred).warnings == []
    pred[90:98] = 0  # accuracy 0.92: within 5 points
    assert len(report(y, pred).warnings) == 1
    assert report(y, pred, baseline_margin=0.01).warnings == []
    worse = np.ones(100, dtype=int)  # accuracy 0.1, far below the baseline
    assert "below the majority baseline" in report(y, worse).warnings[0]


def test_baseline_is_weighted():
    y = np.array([0] * 6 + [1] * 4)
    weight = np.where(y == 1, 3.0, 1.0)  # class 1 weighs 12 against 6
    result = report(y, np.ones(10, dtype=int), sample_weight=weight)
    assert result.majority_class == "1"
    assert result.majority_baseline == pytest.approx(12 / 18)
    assert result.accuracy == pytest.approx(
        skm.accuracy_score(y, np.ones(10), sample_weight=weight)
    )
    assert result.total_weight == 18.0


def test_absent_class_follows_sklearn_defaults():
    y = np.array([0, 0, 1, 1, 1])
    pred = np.array([0, 2, 1, 1, 0])  # class 2 predicted once, never true
    result = report(y, pred, class_names=["a", "b", "c"])
    assert result.per_class[2].support == 0
    assert result.g_mean == geometric_mean_score(y, pred) == 0.0  # c counts, with recall 0
    assert np.isnan(result.per_class[2].recall)
    assert result.per_class[2].precision == 0.0
    assert result.balanced_accuracy == pytest.approx(np.mean([1 / 2, 2 / 3]))
    # macro-F1 over the labels in y_true or y_pred (sklearn's default): c counts with F1 0
    assert result.macro_f1 == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert result.macro_f1 == pytest.approx(np.mean([0.5, 0.8, 0.0]))
    data = result.to_dict()
    assert data["per_class"][2]["recall"] is None
    assert not any("'c'" in text for text in result.warnings)


def test_to_dict_schema_and_json_round_trip():
    y, logits, weight = _multiclass_data()
    yb = (y == 3).astype(int)
    for result in (
        report(y, scores=logits, class_names=["a", "b", "c", "d"], from_logits=True),
        report(yb, scores=logits[:, 3], sample_weight=weight, from_logits=True),
    ):
        data = result.to_dict()
        assert list(data) == [
            "schema", "n_samples", "total_weight", "class_names", "accuracy",
            "majority_baseline", "majority_class", "balanced_accuracy", "macro_f1", "g_mean",
            "mcc", "average_precision", "roc_auc", "per_class", "confusion_matrix",
            "thresholds", "warnings",
        ]  # fmt: skip
        assert tuple(data) == REPORT_KEYS
        assert data["schema"] == "keras_imbalance.report/2"
        for row in data["per_class"]:
            assert tuple(row) == PER_CLASS_KEYS
            assert PER_CLASS_KEYS == (
                "class",
                "precision",
                "recall",
                "f1",
                "specificity",
                "support",
            )
        assert json.loads(result.to_json()) == data
        assert data["accuracy"] == result.accuracy
        assert np.array_equal(np.asarray(data["confusion_matrix"]), result.confusion_matrix)
    assert data["thresholds"].keys() == {"default", "best_f1"}
    for entry in data["thresholds"].values():
        assert tuple(entry) == THRESHOLD_KEYS
    assert data["thresholds"]["default"]["chosen_on"] == "fixed"
    assert data["thresholds"]["best_f1"]["chosen_on"] == "in-sample"
    first = report(y, scores=logits, from_logits=True).to_dict()
    assert first["thresholds"] == {}
    assert all(isinstance(v, int) for row in first["confusion_matrix"] for v in row)


def test_renderings():
    y = np.array([0] * 90 + [1] * 10)
    scores = np.r_[np.linspace(0.0, 0.6, 90), np.linspace(0.3, 0.9, 10)]
    result = report(y, scores=scores, class_names=["not-dog", "dog"])
    recall = result.per_class[1].recall
    markdown = result.to_markdown()
    assert "| class | precision | recall | F1 | specificity | support |" in markdown
    assert f"| dog | {result.per_class[1].precision:.4f} | {recall:.4f} |" in markdown
    assert "| not-dog |" in markdown and "| 90 |" in markdown
    assert f"| balanced accuracy | {result.balanced_accuracy:.4f} |" in markdown
    assert "best_f1 (in-sample: chosen on these data, optimistic)" in markdown

    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(result.to_rich())
    text = console.export_text()
    for needle in ("balanced accuracy", "not-dog", f"{recall:.4f}", "in-sample", "ROC-AUC"):
        assert needle in text

    plain = str(result)
    assert f"{result.macro_f1:.4f}" in plain and "Per class:" in plain and "in-sample" in plain
    trap = report(y, np.zeros(100, dtype=int), class_names=["not-dog", "dog"])
    assert str(trap).startswith("WARNING: Accuracy 0.900")
    assert "> **Warning:** Class 'dog' has recall 0" in trap.to_markdown()
    assert "ImbalanceReport(n_samples=100" in repr(trap)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"y_true": [0, 1]}, ValueError, "needs predictions"),
        ({"y_true": [0, 1], "y_pred": [0, 1, 1]}, ValueError, "one prediction per label"),
        ({"y_true": [0, 1, 2], "scores": [[0.5, 0.5]] * 3}, ValueError, "scores has 2 columns"),
        ({"y_true": [0, 1], "scores": [0.2, 0.9, 0.4]}, ValueError, "3 rows"),
        ({"y_true": [0, 1], "scores": [0.2, np.nan]}, ValueError, "must be finite"),
        ({"y_true": [0, 1], "scores": [-2.0, 3.0], "from_logits": False}, ValueError,
         "from_logits=True"),
        ({"y_true": [0, 1, 2], "y_pred": [0, 1, 2], "class_names": ["a"]}, ValueError,
         "class_names has 1 names"),
        ({"y_true": [[1, 1, 0], [0, 1, 1]], "y_pred": [0, 1]}, ValueError, "multi-hot"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "sample_weight": [1.0]}, ValueError,
         "one weight per sample"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "sample_weight": [1.0, -1.0]}, ValueError, ">= 0"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "baseline_margin": 2}, ValueError, "baseline_margin"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "label_mode": "multi_label"}, ValueError,
         "needs one row per sample"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "label_mode": "sparse"}, ValueError,
         "label_mode='sparse' is not supported"),
    ],
)  # fmt: skip
def test_report_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        report(**kwargs)


# --- best_threshold ------------------------------------------------------------------------------


def _brute_force(y, scores, metric, weight, min_recall):
    """Scan every unique score with sklearn; return all (threshold, value) pairs allowed."""
    functions = {
        "f1": lambda p: skm.f1_score(y, p, sample_weight=weight, zero_division=0),
        "precision": lambda p: skm.precision_score(y, p, sample_weight=weight, zero_division=0),
        "recall": lambda p: skm.recall_score(y, p, sample_weight=weight),
        "balanced_accuracy": lambda p: skm.balanced_accuracy_score(y, p, sample_weight=weight),
        "mcc": lambda p: skm.matthews_corrcoef(y, p, sample_weight=weight),
    }
    pairs = []
    for t in np.unique(scores):
        pred = (scores >= t).astype(int)
        if min_recall is not None and skm.recall_score(y, pred, sample_weight=weight) < min_recall:
            continue
        pairs.append((float(t), float(functions[metric](pred))))
    return pairs


@pytest.mark.parametrize("min_recall", [None, 0.8])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("metric", ["f1", "precision", "recall", "balanced_accuracy", "mcc"])
def test_best_threshold_matches_brute_force(metric, weighted, min_recall):
    rng = np.random.default_rng(7)
    n = 150
    y = (rng.random(n) < 0.2).astype(int)
    scores = np.round(np.clip(0.3 * rng.normal(size=n) + 0.35 + 0.25 * y, 0, 1), 2)  # with ties
    weight = rng.uniform(0.3, 2.0, size=n) if weighted else None
    result = best_threshold(y, scores, metric=metric, min_recall=min_recall, sample_weight=weight)
    pairs = _brute_force(y, scores, metric, weight, min_recall)
    best_value = max(value for _, value in pairs)
    assert result.value == pytest.approx(best_value, rel=1e-9, abs=1e-12)
    winners = [t for t, value in pairs if value >= best_value - 1e-9]
    assert result.threshold == max(winners)  # ties go to the highest threshold
    pred = (scores >= result.threshold).astype(int)
    assert result.recall == pytest.approx(skm.recall_score(y, pred, sample_weight=weight))
    assert result.precision == pytest.approx(skm.precision_score(y, pred, sample_weight=weight))
    if min_recall is not None:
        assert result.recall >= min_recall
    threshold, value = result
    assert (threshold, value) == (result.threshold, result.value)


def test_best_threshold_min_recall_one_takes_the_lowest_useful_threshold():
    y = np.array([0, 1, 0, 1, 1, 0])
    scores = np.array([0.1, 0.2, 0.3, 0.6, 0.9, 0.95])
    result = best_threshold(y, scores, metric="precision", min_recall=1.0)
    assert result.threshold == 0.2  # the lowest positive score: every positive is found
    assert result.value == pytest.approx(3 / 5)
    assert result.recall == 1.0


def test_best_threshold_accepts_two_column_scores_and_one_hot_labels():
    y = np.array([0, 1, 0, 1, 1, 0])
    p = np.array([0.1, 0.2, 0.3, 0.6, 0.9, 0.95])
    expected = best_threshold(y, p)
    assert best_threshold(np.eye(2)[y], np.stack([1 - p, p], axis=1)) == expected
    assert best_threshold(y.astype(bool), p[:, None]) == expected


@pytest.mark.parametrize(
    ("y", "scores", "kwargs", "match"),
    [
        ([0, 1, 2], [0.1, 0.2, 0.3], {}, "binary labels 0/1"),
        (["a", "b"], [0.1, 0.2], {}, "binary labels 0/1"),
        ([0, 1, 1], [0.1, 0.2], {}, "3"),
        ([0, 1], [0.1, np.inf], {}, "finite"),
        ([0, 1], [0.1, 0.2], {"min_recall": 1.5}, "min_recall"),
        ([0, 1], [0.1, 0.2], {"metric": "accuracy"}, "metric='accuracy' is not supported"),
        ([1, 1], [0.1, 0.2], {}, "no samples of class 0"),
        ([0, 0], [0.1, 0.2], {}, "no samples of class 1"),
        ([0, 1], [[0.1, 0.2, 0.7]] * 2, {}, "shape"),
    ],
)
def test_best_threshold_errors(y, scores, kwargs, match):
    with pytest.raises(ValueError, match=match):
        best_threshold(y, scores, **kwargs)


@pytest.mark.parametrize(
    ("metric", "expected"),
    [("recall", 0.5), ("balanced_accuracy", 0.5), ("f1", 0.5), ("precision", 0.9)],
)
def test_best_threshold_ties_go_to_the_highest_threshold(metric, expected):
    y = np.array([0, 1, 0, 1])
    scores = np.array([0.1, 0.5, 0.2, 0.9])
    # recall is 1 at 0.1, 0.2 and 0.5; balanced accuracy and F1 peak only at 0.5;
    # precision is 1 at 0.5 and 0.9.
    assert best_threshold(y, scores, metric=metric).threshold == expected


def test_sequences_are_evaluated_per_element():
    rng = np.random.default_rng(8)
    y = rng.integers(0, 3, size=(10, 4))
    pred = np.where(rng.random((10, 4)) < 0.6, y, rng.integers(0, 3, size=(10, 4)))
    weight = rng.uniform(0.5, 2.0, size=10)  # one weight per sequence, shared by its steps
    result = report(y, pred, sample_weight=weight, label_mode="int")
    flat_weight = np.repeat(weight, 4)
    _check_hard(result, y.ravel(), pred.ravel(), flat_weight, 3)
    assert result.n_samples == 40


def test_binary_sequences_with_label_mode_int():
    y = np.array([[0, 1, 1], [0, 0, 1]])
    pred = np.array([[0, 1, 0], [1, 0, 1]])
    result = report(y, pred, label_mode="int")
    assert result.accuracy == pytest.approx(skm.accuracy_score(y.ravel(), pred.ravel()))
    assert result.mcc == pytest.approx(skm.matthews_corrcoef(y.ravel(), pred.ravel()))
