"""One metric set: the keras.ops path equals the NumPy path, and both equal scikit-learn and
imbalanced-learn, on random confusion matrices (zero rows and columns included)."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest
from imblearn.metrics import geometric_mean_score
from sklearn import metrics as sk

import keras_imbalance.metrics as km
from keras_imbalance import report
from keras_imbalance.comparison.scoring.scores import METRICS, metric_from_confusion
from keras_imbalance.evaluation import confusion_scores as cs


def _matrices() -> list[np.ndarray]:
    rng = np.random.default_rng(16)
    found = [np.array([[3, 1], [0, 2]]), np.array([[5, 0], [0, 0]]), np.array([[0, 4], [0, 0]])]
    while len(found) < 30:
        size = int(rng.integers(2, 6))
        matrix = rng.integers(0, 6, size=(size, size)) * (rng.random((size, size)) < 0.7)
        if matrix.sum() > 0:
            found.append(matrix)
    return found


MATRICES = _matrices()


def _labels(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(y_true, y_pred)`` whose confusion matrix is ``matrix``."""
    size = matrix.shape[0]
    true = np.repeat(np.repeat(np.arange(size), size), matrix.ravel())
    pred = np.repeat(np.tile(np.arange(size), size), matrix.ravel())
    return true, pred


def _sklearn(matrix: np.ndarray) -> dict[str, object]:
    true, pred = _labels(matrix)
    labels = list(range(matrix.shape[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # classes only predicted, one class only: sklearn warns
        return {
            "accuracy": sk.accuracy_score(true, pred),
            "balanced_accuracy": sk.balanced_accuracy_score(true, pred),
            "macro_f1": sk.f1_score(true, pred, average="macro", zero_division=0),
            "g_mean": geometric_mean_score(true, pred),
            "mcc": sk.matthews_corrcoef(true, pred),
            "per_class_recall": sk.recall_score(
                true, pred, labels=labels, average=None, zero_division=0
            ),
            "per_class_precision": sk.precision_score(
                true, pred, labels=labels, average=None, zero_division=0
            ),
        }


_KERAS = {
    "balanced_accuracy": km.balanced_accuracy_from_confusion,
    "macro_f1": km.macro_f1_from_confusion,
    "g_mean": km.geometric_mean_from_confusion,
    "mcc": km.matthews_correlation_from_confusion,
    "per_class_recall": km.per_class_recall_from_confusion,
    "per_class_precision": km.per_class_precision_from_confusion,
}


@pytest.mark.parametrize("index", range(len(MATRICES)))
def test_numpy_keras_and_sklearn_agree(index: int) -> None:
    matrix = MATRICES[index]
    reference = _sklearn(matrix)
    for key, expected in reference.items():
        numpy_value = cs.DEFINITIONS[key].compute(matrix)
        np.testing.assert_allclose(numpy_value, expected, rtol=1e-12, atol=1e-12, err_msg=key)
        if key in _KERAS:
            tensor = _KERAS[key](keras.ops.convert_to_tensor(matrix.astype("float32")))
            keras_value = keras.ops.convert_to_numpy(tensor)
            np.testing.assert_allclose(keras_value, numpy_value, rtol=1e-5, atol=1e-6, err_msg=key)
        if key in ("accuracy", "balanced_accuracy", "macro_f1", "g_mean", "mcc"):
            scored = metric_from_confusion(matrix, key)
            np.testing.assert_allclose(scored, expected, rtol=1e-12, atol=1e-12, err_msg=key)


def test_the_bootstrap_path_scores_a_stack_like_each_matrix() -> None:
    stack = np.stack([m for m in MATRICES if m.shape == (3, 3)])
    assert len(stack) >= 3
    for key in ("balanced_accuracy", "macro_f1", "g_mean", "mcc", "accuracy"):
        each = [float(cs.DEFINITIONS[key].compute(m)) for m in stack]
        np.testing.assert_allclose(cs.DEFINITIONS[key].compute(stack), each, rtol=1e-12)


# report names its classes from y_true, so only matrices whose every class has a true sample.
@pytest.mark.parametrize(
    "index",
    [i for i in range(0, len(MATRICES), 3) if not (MATRICES[i].sum(axis=1) == 0).any()],
)
def test_report_scores_through_the_same_set(index: int) -> None:
    matrix = MATRICES[index]
    true, pred = _labels(matrix)
    reference = _sklearn(matrix)
    r = report(true, pred)
    for key in ("accuracy", "balanced_accuracy", "macro_f1", "g_mean", "mcc"):
        assert getattr(r, key) == pytest.approx(reference[key], abs=1e-12), key
    recall = [c.recall for c in r.per_class]
    np.testing.assert_allclose(recall, reference["per_class_recall"], atol=1e-12)


def test_the_keras_classes_take_their_names_from_the_table() -> None:
    classes = {
        "balanced_accuracy": km.BalancedAccuracy,
        "macro_f1": km.MacroF1,
        "g_mean": km.GeometricMean,
        "mcc": km.MatthewsCorrelation,
        "per_class_recall": km.PerClassRecall,
        "per_class_precision": km.PerClassPrecision,
    }
    for key, cls in classes.items():
        assert cls(num_classes=3).name == cs.DEFINITIONS[key].keras_name
    assert km.GeometricMean(num_classes=2).name == "geometric_mean"  # the 0.1 names stay
    assert set(METRICS) <= set(cs.DEFINITIONS)  # every metric compare ranks by is in the table


def test_weighted_report_counts_a_zero_weight_label_as_sklearn_does() -> None:
    true = np.array([0, 0, 1, 1, 2])
    pred = np.array([0, 1, 1, 2, 2])
    weight = np.array([1.0, 2.0, 1.0, 1.0, 0.0])
    r = report(true, pred, sample_weight=weight)
    expected = sk.f1_score(true, pred, average="macro", sample_weight=weight, zero_division=0)
    assert r.macro_f1 == pytest.approx(expected, abs=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # class 2 has weight 0 in y_true: imblearn warns
        gmean = geometric_mean_score(true, pred, sample_weight=weight)
    assert r.g_mean == pytest.approx(gmean, abs=1e-12)
    assert r.mcc == pytest.approx(sk.matthews_corrcoef(true, pred, sample_weight=weight), abs=1e-12)
