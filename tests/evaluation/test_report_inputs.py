"""report() refuses nonsense instead of scoring it (issue 11, section 3), and says where its
best-F1 threshold was chosen."""

from __future__ import annotations

import numpy as np
import pytest
from imblearn.metrics import geometric_mean_score
from scipy.special import expit
from sklearn import metrics as skm

from keras_imbalance.evaluation import best_threshold, report


def test_integer_truth_against_string_predictions_is_refused():
    with pytest.raises(TypeError, match=r"y_pred holds strings .* but y_true holds integer"):
        report([0, 1, 1], ["0", "1", "1"])
    with pytest.raises(TypeError, match=r"y_pred holds integer class indices .* y_true holds str"):
        report(["cat", "dog"], [0, 1])


def test_predicted_label_outside_the_known_classes_is_refused():
    with pytest.raises(
        ValueError,
        match=r"y_pred holds class 9, outside the known classes 0\.\.2 "
        r"\(from y_true\); pass classes=10",
    ):
        report([0, 1, 2, 2], [0, 1, 9, 2])
    with pytest.raises(ValueError, match=r"'fox'.* not in classes"):
        report(["cat", "dog"], ["cat", "fox"])


def test_explicit_classes_are_honoured():
    y = np.array([0, 1, 2, 2])
    pred = np.array([0, 1, 9, 2])
    result = report(y, pred, classes=10)
    assert result.num_classes == 10
    assert result.confusion_matrix.shape == (10, 10)
    assert result.confusion_matrix[2, 9] == 1
    # sklearn's defaults on the same labels
    assert result.macro_f1 == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert result.balanced_accuracy == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert result.g_mean == pytest.approx(geometric_mean_score(y, pred))
    named = report(["b", "a"], ["b", "c"], classes=["a", "b", "c"])
    assert named.class_names == ["a", "b", "c"]
    assert named.confusion_matrix.tolist() == [[0, 0, 1], [0, 1, 0], [0, 0, 0]]


def test_class_names_widen_the_classes_and_scores_too():
    assert report([0, 1], [0, 3], class_names=["a", "b", "c", "d"]).num_classes == 4
    probabilities = np.full((2, 4), 0.25)
    assert report([0, 1], scores=probabilities).num_classes == 4


def test_scores_are_never_guessed_to_be_logits():
    y = np.array([0, 1, 1, 0])
    logits = np.array([-2.0, 3.0, 0.5, -0.1])
    with pytest.raises(
        ValueError,
        match=r"outside \[0, 1\], but from_logits=False; pass "
        r"from_logits=True",
    ):
        report(y, scores=logits)
    result = report(y, scores=logits, from_logits=True)
    assert result.roc_auc == pytest.approx(skm.roc_auc_score(y, expit(logits)))
    with pytest.raises(TypeError, match=r"from_logits must be True .* or False"):
        report(y, scores=logits, from_logits=None)  # type: ignore[arg-type]


def _detector(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(int)
    return y, expit(rng.normal(size=n) + 1.2 * y - 0.6)


def test_best_f1_threshold_from_validation_data():
    y_val, s_val = _detector(1)
    y, s = _detector(2)
    result = report(y, scores=s, threshold_data=(y_val, s_val))
    best = result.thresholds["best_f1"]
    expected = best_threshold(y_val, s_val, metric="f1").threshold
    assert best.threshold == pytest.approx(expected)
    assert best.chosen_on == "validation"
    pred = (s >= expected).astype(int)
    assert best.f1 == pytest.approx(skm.f1_score(y, pred))
    assert "best_f1 (chosen on validation)" in result.to_markdown()
    assert result.to_dict()["thresholds"]["best_f1"]["chosen_on"] == "validation"


def test_best_f1_in_sample_is_labelled_in_every_rendering():
    from rich.console import Console

    y, s = _detector(3)
    result = report(y, scores=s)
    assert result.thresholds["best_f1"].chosen_on == "in-sample"
    console = Console(record=True, width=200)
    console.print(result.to_rich())
    for text in (result.to_markdown(), str(result), console.export_text(), result.to_html()):
        assert "best_f1 (in-sample: chosen on these data, optimistic)" in text
    assert result.to_dict()["thresholds"]["best_f1"]["chosen_on"] == "in-sample"


@pytest.mark.parametrize(
    ("threshold_data", "kwargs", "error", "match"),
    [
        ([1, 2, 3], {}, TypeError, r"threshold_data must be a pair \(y_val, scores_val\)"),
        (([0, 1], [0.2]), {}, ValueError, "threshold_data\\[1\\] has 1 scores"),
        (([1, 1], [0.2, 0.4]), {}, ValueError, "holds a single class"),
        (([0, 1], [0.2, 0.4]), {"multi": True}, ValueError, "binary detector"),
    ],
)
def test_threshold_data_errors(threshold_data, kwargs, error, match):
    y, s = _detector(4, n=40)
    if kwargs.get("multi"):
        with pytest.raises(error, match=match):
            report([0, 1, 2], scores=np.full((3, 3), 1 / 3), threshold_data=threshold_data)
        return
    with pytest.raises(error, match=match):
        report(y, scores=s, threshold_data=threshold_data)


def test_multi_hot_truth_needs_the_label_mode():
    with pytest.raises(ValueError, match="pass label_mode='multi_label'"):
        report([[1, 1, 0], [0, 1, 1]], [[1, 0, 0], [0, 1, 0]])


def test_specificity_matches_imbalanced_learn_for_every_label_kind():
    from imblearn.metrics import specificity_score

    rng = np.random.default_rng(5)
    y = rng.integers(0, 3, 60)
    pred = np.where(rng.random(60) < 0.6, y, rng.integers(0, 3, 60))
    expected = specificity_score(y, pred, average=None, labels=[0, 1, 2])
    eye = np.eye(3, dtype=int)
    names = np.array(["a", "b", "c"])
    for truth, guess in ((y, pred), (eye[y], eye[pred]), (names[y], names[pred])):
        result = report(truth, guess)
        np.testing.assert_allclose([r.specificity for r in result.per_class], expected)
    # NumPy formula on a binary detector: TN / (TN + FP)
    yb, pb = (y == 2).astype(int), (pred == 2).astype(int)
    tn = np.sum((yb == 0) & (pb == 0))
    fp = np.sum((yb == 0) & (pb == 1))
    assert report(yb, pb).per_class[1].specificity == pytest.approx(tn / (tn + fp))
    # a class every sample belongs to has no negatives: undefined, not 0 or 1
    assert np.isnan(report([1, 1], [1, 1], classes=2).per_class[1].specificity)


def test_score_matrix_takes_from_logits_by_keyword():
    from keras_imbalance.evaluation import score_matrix

    logits = np.array([[0.0, np.log(3.0)], [np.log(3.0), 0.0]])
    with pytest.deprecated_call(match=r"pass from_logits=\.\.\. by keyword"):
        old = score_matrix(logits, True)
    # softmax of (0, log 3) is (1/4, 3/4)
    np.testing.assert_allclose(old, [[0.25, 0.75], [0.75, 0.25]])
    np.testing.assert_array_equal(old, score_matrix(logits, from_logits=True))


def test_more_class_names_than_any_label_shows_is_refused():
    """report(y, y, class_names=[4 names]) on 3 classes returned 1.0 with a phantom class."""
    y = np.array([0, 1, 2, 0, 1, 2])
    with pytest.raises(
        ValueError,
        match=r"class_names has 4 names but y_true, y_pred and scores show 3 classes "
        r"\(0\.\.2\); give one name per class, or pass classes=4",
    ):
        report(y, y, class_names=["a", "b", "c", "d"])
    # classes= declares the absent class; a prediction of it, or a score column, shows it.
    declared = report(y, y, classes=4, class_names=["a", "b", "c", "d"])
    assert declared.num_classes == 4
    np.testing.assert_array_equal(
        declared.confusion_matrix, skm.confusion_matrix(y, y, labels=[0, 1, 2, 3])
    )
    assert report(y, [0, 1, 3, 0, 1, 2], class_names=list("abcd")).num_classes == 4
    scores = np.full((6, 4), 0.25)
    assert report(y, scores=scores, class_names=list("abcd")).num_classes == 4
