"""Streaming imbalance metrics against scikit-learn / imbalanced-learn, on every backend."""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imblearn.metrics import geometric_mean_score
from keras import ops
from sklearn.metrics import (
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
)

from keras_imbalance.metrics import (
    BalancedAccuracy,
    GeometricMean,
    MacroF1,
    MatthewsCorrelation,
    PerClassPrecision,
    PerClassRecall,
    balanced_accuracy_from_confusion,
    confusion_matrix_update,
    geometric_mean_from_confusion,
    macro_f1_from_confusion,
    matthews_correlation_from_confusion,
    per_class_precision_from_confusion,
    per_class_recall_from_confusion,
)
from tests.conftest import BACKEND
from tests.labels.compiled_paths import (
    PATHS,
    compile_mode,
    compile_on,
    named_error,
    raises_on,
)
from tests.serialization import check_config_round_trip, check_keras_file_round_trip

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning"),
    pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true:UserWarning"),
    pytest.mark.filterwarnings("ignore:A single label was found:UserWarning"),
]

# float32 counts and float32 arithmetic on the confusion matrix.
RTOL = 1e-5
ATOL = 2e-6


# --- References: scikit-learn, imbalanced-learn and NumPy ---------------------------------------


def gmean_reference(y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> float:
    """Geometric mean of sklearn's per-class recalls over the classes present (labels=None)."""
    recall = recall_score(y, p, average=None, sample_weight=w, zero_division=0)
    if np.any(recall == 0):
        return 0.0
    return float(np.exp(np.mean(np.log(recall))))


def per_class(score: Callable[..., Any], num_classes: int) -> Callable[..., np.ndarray]:
    def reference(y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> np.ndarray:
        return score(
            y, p, labels=list(range(num_classes)), average=None, sample_weight=w, zero_division=0
        )

    return reference


SCALAR_METRICS: dict[str, tuple[type[keras.metrics.Metric], Callable[..., float]]] = {
    "balanced_accuracy": (
        BalancedAccuracy,
        lambda y, p, w: balanced_accuracy_score(y, p, sample_weight=w),
    ),
    "macro_f1": (
        MacroF1,
        lambda y, p, w: f1_score(y, p, average="macro", sample_weight=w, zero_division=0),
    ),
    "geometric_mean": (GeometricMean, gmean_reference),
    "matthews_correlation": (
        MatthewsCorrelation,
        lambda y, p, w: matthews_corrcoef(y, p, sample_weight=w),
    ),
}
ALL_METRICS = [*SCALAR_METRICS, "per_class_recall", "per_class_precision"]


def make_metric(metric: str, num_classes: int, /, **kwargs: Any) -> keras.metrics.Metric:
    if metric == "per_class_recall":
        return PerClassRecall(num_classes, **kwargs)
    if metric == "per_class_precision":
        return PerClassPrecision(num_classes, **kwargs)
    return SCALAR_METRICS[metric][0](num_classes, **kwargs)


def reference(
    name: str, num_classes: int, y: np.ndarray, p: np.ndarray, w: np.ndarray | None
) -> Any:
    if name == "per_class_recall":
        return per_class(recall_score, num_classes)(y, p, w)
    if name == "per_class_precision":
        return per_class(precision_score, num_classes)(y, p, w)
    return SCALAR_METRICS[name][1](y, p, w)


def seed_of(*parts: Any) -> int:
    """A stable seed per parameter set (``hash`` of a str changes between runs)."""
    return zlib.crc32(repr(parts).encode())


def value(tensor: Any) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(tensor), dtype=np.float64)


# --- Random data: imbalanced labels, noisy predictions ------------------------------------------


def imbalanced_labels(rng: np.random.Generator, n: int, num_classes: int) -> np.ndarray:
    prior = rng.dirichlet(np.full(num_classes, 0.7))
    return rng.choice(num_classes, size=n, p=prior)


def scores_for(rng: np.random.Generator, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Logits that favour the true class often enough to give non-trivial metrics."""
    logits = rng.normal(size=(*labels.shape, num_classes))
    logits += 1.5 * np.eye(num_classes)[labels] * (rng.random(labels.shape) < 0.6)[..., None]
    return logits.astype(np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return (shifted / shifted.sum(axis=-1, keepdims=True)).astype(np.float32)


# Batch sizes come from a small set so JAX's eager mode, which compiles each op once per shape,
# stays fast; the order of sizes (and so the split points) is random.
BATCH_SIZES = (1, 3, 8, 16)


def random_batches(rng: np.random.Generator, batches: int = 5) -> tuple[int, list[slice]]:
    """A random split into ``batches`` batches; small batches often miss whole classes."""
    sizes = rng.choice(BATCH_SIZES, size=batches).tolist()
    bounds = [0, *itertools.accumulate(sizes)]
    return bounds[-1], [slice(a, b) for a, b in itertools.pairwise(bounds)]


def stream(
    metric: keras.metrics.Metric,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sample_weight: np.ndarray | None,
    batches: list[slice],
) -> np.ndarray:
    for part in batches:
        weight = None if sample_weight is None else sample_weight[part]
        metric.update_state(y_true[part], y_pred[part], sample_weight=weight)
    return value(metric.result())


# --- Streaming equals scikit-learn on the whole data --------------------------------------------


@pytest.mark.parametrize("name", ALL_METRICS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("label_format", ["sparse", "sparse_column", "one_hot"])
@pytest.mark.parametrize("score_format", ["probabilities", "logits"])
def test_multiclass_streaming_matches_sklearn(
    name: str, weighted: bool, label_format: str, score_format: str
) -> None:
    rng = np.random.default_rng(seed_of(name, weighted, label_format, score_format))
    for _ in range(4):
        num_classes = int(rng.choice([3, 5]))
        n, batches = random_batches(rng)
        labels = imbalanced_labels(rng, n, num_classes)
        logits = scores_for(rng, labels, num_classes)
        y_pred = logits if score_format == "logits" else softmax(logits)
        y_true: np.ndarray = {
            "sparse": labels,
            "sparse_column": labels[:, None],
            "one_hot": np.eye(num_classes, dtype=np.float32)[labels],
        }[label_format]
        weight = rng.uniform(0.1, 2.0, size=n).astype(np.float32) if weighted else None
        metric = make_metric(name, num_classes, from_logits=score_format == "logits")
        got = stream(metric, y_true, y_pred, weight, batches)
        expected = reference(name, num_classes, labels, logits.argmax(axis=-1), weight)
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", ALL_METRICS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    ("from_logits", "threshold"), [(False, 0.5), (True, 0.5), (False, 0.3), (True, 0.8)]
)
@pytest.mark.parametrize("label_shape", ["(N,)", "(N,1)"])
def test_binary_sigmoid_matches_sklearn(
    name: str, weighted: bool, from_logits: bool, threshold: float, label_shape: str
) -> None:
    rng = np.random.default_rng(seed_of(name, weighted, from_logits, threshold, label_shape))
    for _ in range(4):
        n, batches = random_batches(rng)
        labels = (rng.random(n) < rng.uniform(0.05, 0.4)).astype(np.int64)
        logit = (rng.normal(size=n) + 1.2 * (2 * labels - 1)).astype(np.float32)
        probability = (1 / (1 + np.exp(-logit.astype(np.float64)))).astype(np.float32)
        y_pred = (logit if from_logits else probability)[:, None]
        predicted = (probability.astype(np.float64) > threshold).astype(np.int64)
        y_true = labels.astype(np.float32)
        y_true = y_true[:, None] if label_shape == "(N,1)" else y_true
        weight = rng.uniform(0.1, 2.0, size=n).astype(np.float32) if weighted else None
        metric = make_metric(name, 2, from_logits=from_logits, threshold=threshold)
        got = stream(metric, y_true, y_pred, weight, batches)
        np.testing.assert_allclose(
            got, reference(name, 2, labels, predicted, weight), rtol=RTOL, atol=ATOL
        )


@pytest.mark.parametrize("name", ALL_METRICS)
def test_two_column_softmax_agrees_with_one_sigmoid_column(name: str) -> None:
    """Identity: softmax over logits [0, z] is sigmoid(z), so argmax equals z > 0."""
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 40)
    z = rng.normal(size=40).astype(np.float32)
    one_column = make_metric(name, 2, from_logits=True)
    two_columns = make_metric(name, 2)
    one_column.update_state(labels, z[:, None])
    two_columns.update_state(labels, np.stack([np.zeros_like(z), z], axis=-1))
    np.testing.assert_allclose(value(one_column.result()), value(two_columns.result()))
    np.testing.assert_allclose(
        value(one_column.result()),
        reference(name, 2, labels, (z > 0).astype(int), None),
        rtol=RTOL,
        atol=ATOL,
    )


@pytest.mark.parametrize("name", ALL_METRICS)
@pytest.mark.parametrize("weight_shape", ["none", "(N,)", "(N,T)"])
def test_sequences_match_sklearn_on_flattened_steps(name: str, weight_shape: str) -> None:
    rng = np.random.default_rng(2)
    steps, num_classes = 5, 4
    n, batches = random_batches(rng, 3)
    labels = imbalanced_labels(rng, n * steps, num_classes).reshape(n, steps)
    logits = scores_for(rng, labels, num_classes)
    weight: np.ndarray | None = None
    flat_weight: np.ndarray | None = None
    if weight_shape == "(N,)":
        weight = rng.uniform(0.1, 2.0, size=n).astype(np.float32)
        flat_weight = np.repeat(weight, steps)
    elif weight_shape == "(N,T)":
        weight = rng.uniform(0.1, 2.0, size=(n, steps)).astype(np.float32)
        flat_weight = weight.ravel()
    metric = make_metric(name, num_classes)
    got = stream(metric, labels, softmax(logits), weight, batches)
    expected = reference(
        name, num_classes, labels.ravel(), logits.argmax(axis=-1).ravel(), flat_weight
    )
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


def test_gmean_reference_agrees_with_imbalanced_learn() -> None:
    """The NumPy G-mean reference above is imbalanced-learn's geometric_mean_score."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        num_classes = int(rng.integers(2, 6))
        labels = imbalanced_labels(rng, 40, num_classes)
        predicted = scores_for(rng, labels, num_classes).argmax(axis=-1)
        weight = rng.uniform(0.1, 2.0, size=40)
        for w in (None, weight):
            np.testing.assert_allclose(
                gmean_reference(labels, predicted, w),
                geometric_mean_score(labels, predicted, sample_weight=w),
                rtol=1e-12,
            )
            metric = GeometricMean(num_classes)
            metric.update_state(labels, np.eye(num_classes)[predicted], sample_weight=w)
            np.testing.assert_allclose(
                value(metric.result()),
                geometric_mean_score(labels, predicted, sample_weight=w),
                rtol=RTOL,
                atol=ATOL,
            )


def test_classes_missing_from_labels_or_predictions() -> None:
    """A class only predicted: excluded by balanced accuracy, recall 0 for G-mean (sklearn)."""
    labels = np.array([0, 0, 1, 1, 1])
    predicted = np.array([0, 2, 1, 1, 0])  # class 2 never occurs in the labels; class 3 nowhere
    scores = np.eye(4, dtype=np.float32)[predicted]
    for name in ALL_METRICS:
        metric = make_metric(name, 4)
        metric.update_state(labels, scores)
        np.testing.assert_allclose(
            value(metric.result()),
            reference(name, 4, labels, predicted, None),
            rtol=RTOL,
            atol=ATOL,
            err_msg=name,
        )


@pytest.mark.parametrize("bad", [-1, 3, 5])
def test_out_of_range_labels_raise_a_named_error(bad: int) -> None:
    """Issue 11: BalancedAccuracy gave 1.0 on labels [0, 1, 5, 5] at C=3 by dropping them."""
    scores = np.eye(3, dtype="float32")[[0, 1, 2, 2]]
    for name in ALL_METRICS:
        metric = make_metric(name, 3)
        with pytest.raises(ValueError, match=rf"y_true contains the class index {bad}\b"):
            metric.update_state(np.array([0, 1, bad, bad]), scores)


def _compiled_update_and_result(metric: keras.metrics.Metric, path: str) -> Any:
    """``(y_true, y_pred) -> result`` after one update compiled on ``path``, from a fresh state."""
    if path == "jit":
        import jax

        update = jax.jit(metric.stateless_update_state)

        def run_jax(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
            state = update([v.value for v in metric.variables], y_true, y_pred)
            return value(metric.stateless_result(state))

        return run_jax
    update = compile_on(path, lambda y, p: metric.update_state(y, p) or ops.zeros(()))

    def run(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        metric.reset_state()
        update(y_true, y_pred)
        return value(metric.result())

    return run


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", ALL_METRICS)
def test_out_of_range_labels_on_every_path(name: str, path: str) -> None:
    """A named error where one can be raised, else a NaN result: never a dropped row.

    Good labels give scikit-learn's value on the same path, so the NaN comes from the bad label.
    """
    scores = np.eye(3, dtype="float32")[[0, 1, 2, 2]]
    run = _compiled_update_and_result(make_metric(name, 3), path)
    good = np.array([0, 1, 1, 2], dtype="int32")
    np.testing.assert_allclose(
        run(good, scores), reference(name, 3, good, scores.argmax(-1), None), rtol=RTOL, atol=ATOL
    )
    for bad in (5, -1):
        labels = np.array([0, 1, bad, bad], dtype="int32")
        if raises_on(path):
            error, match = named_error(path, bad, 3)
            with pytest.raises(error, match=match):
                run(labels, scores)
        else:
            assert np.all(np.isnan(run(labels, scores))), f"{name} on {path}, label {bad}"


def test_a_bad_batch_keeps_the_result_nan_until_reset() -> None:
    """The out-of-range count is state: later good batches do not hide a bad one."""
    if "jit" not in PATHS and "xla" not in PATHS:
        pytest.skip(f"every path raises a named error on {BACKEND}")
    metric = BalancedAccuracy(3)
    scores = np.eye(3, dtype="float32")[[0, 1, 2, 2]]
    path = "jit" if "jit" in PATHS else "xla"
    if path == "jit":
        import jax

        update = jax.jit(metric.stateless_update_state)
        state = [v.value for v in metric.variables]
        state = update(state, np.array([0, 1, 7, 2]), scores)
        state = update(state, np.array([0, 1, 2, 2]), scores)
        assert np.isnan(value(metric.stateless_result(state)))
        assert value(state[1]) == 1  # one bad batch counted
        return
    step = compile_on("xla", lambda y, p: metric.update_state(y, p) or ops.zeros(()))
    step(np.array([0, 1, 7, 2]), scores)
    step(np.array([0, 1, 2, 2]), scores)
    assert np.isnan(value(metric.result()))
    assert value(metric.out_of_range_batches) == 1
    metric.reset_state()
    step(np.array([0, 1, 2, 2]), scores)
    assert value(metric.result()) == 1.0


@pytest.mark.parametrize("mode", ["run_eagerly", "default", "jit_compile"])
def test_out_of_range_labels_inside_evaluate(mode: str) -> None:
    """``model.evaluate`` with every metric and a label 5 at C=3, on each kind of step."""
    options, path = compile_mode(mode)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    model.compile(loss="mse", metrics=[make_metric(name, 3) for name in ALL_METRICS], **options)
    x = np.eye(3, dtype="float32")[[0, 1, 2, 2]]
    y = np.array([[0.0], [1.0], [5.0], [5.0]], dtype="float32")
    if raises_on(path):
        error, match = named_error(path, 5, 3)
        with pytest.raises(error, match=match):
            model.evaluate(x, y, verbose=0)
        return
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    for name in ALL_METRICS:
        assert np.all(np.isnan(results[name])), name
    good = model.evaluate(x, np.array([[0.0], [1.0], [2.0], [2.0]]), verbose=0, return_dict=True)
    assert all(np.all(np.isfinite(good[name])) for name in ALL_METRICS)


# --- ignore_class: rows with that label are skipped, as in Keras's MeanIoU(ignore_class=...) ---


@pytest.mark.parametrize("ignore_class", [-1, 0, 255])
@pytest.mark.parametrize("name", ALL_METRICS)
def test_ignore_class_equals_sklearn_without_those_rows(name: str, ignore_class: int) -> None:
    rng = np.random.default_rng(seed_of(name, ignore_class))
    labels = imbalanced_labels(rng, 40, 4)
    scores = scores_for(rng, labels, 4)
    weight = rng.uniform(0.2, 2.0, 40).astype("float32")
    skipped = rng.random(40) < 0.3
    if ignore_class != 0:
        labels = np.where(skipped, ignore_class, labels)
    kept = labels != ignore_class
    metric = make_metric(name, 4, ignore_class=ignore_class)
    metric.update_state(labels[:25], scores[:25], sample_weight=weight[:25])
    metric.update_state(labels[25:], scores[25:], sample_weight=weight[25:])
    np.testing.assert_allclose(
        value(metric.result()),
        reference(name, 4, labels[kept], scores[kept].argmax(-1), weight[kept]),
        rtol=RTOL,
        atol=ATOL,
    )


@pytest.mark.parametrize("path", PATHS)
def test_ignore_class_inside_compiled_steps(path: str) -> None:
    """The skip works in every kind of step, and a bad label beside it is still caught."""
    labels = np.array([0, -1, 1, 2, -1, 1], dtype="int32")
    scores = np.eye(3, dtype="float32")[[0, 2, 1, 1, 0, 1]]
    run = _compiled_update_and_result(MacroF1(3, ignore_class=-1), path)
    kept = labels != -1
    np.testing.assert_allclose(
        run(labels, scores),
        f1_score(labels[kept], scores[kept].argmax(-1), average="macro"),
        rtol=RTOL,
    )
    labels[1] = 3
    if raises_on(path):
        error, match = named_error(path, 3, 3)
        with pytest.raises(error, match=match):
            run(labels, scores)
    else:
        assert np.isnan(run(labels, scores))


def test_confusion_matrix_update_with_ignore_class_matches_sklearn() -> None:
    labels = np.array([2, 255, 0, 1, 255, 2])
    predicted = np.array([2, 0, 0, 2, 1, 1])
    matrix = confusion_matrix_update(
        labels, np.eye(3, dtype="float32")[predicted], 3, ignore_class=255
    )
    kept = labels != 255
    np.testing.assert_array_equal(
        value(matrix), confusion_matrix(labels[kept], predicted[kept], labels=range(3))
    )


def test_ignore_class_is_validated_at_construction() -> None:
    for bad in (1.5, True, "-1"):
        with pytest.raises(TypeError, match=rf"ignore_class must be an int label.*{bad!r}"):
            MacroF1(3, ignore_class=bad)
        with pytest.raises(TypeError, match=r"ignore_class must be an int label"):
            confusion_matrix_update([0], [[1.0, 0.0]], 2, ignore_class=bad)
    assert MacroF1(3, ignore_class=np.int64(-1)).ignore_class == -1


def test_macro_f1_equals_keras_f1score_on_one_hot_labels() -> None:
    """Identity with Keras's F1Score(average='macro') where it applies (one-hot, all present)."""
    rng = np.random.default_rng(5)
    labels = np.tile(np.arange(4), 10)
    scores = softmax(scores_for(rng, labels, 4))
    ours = MacroF1(4)
    ours.update_state(labels, scores)
    keras_f1 = keras.metrics.F1Score(average="macro", threshold=None)
    keras_f1.update_state(np.eye(4, dtype=np.float32)[labels], scores)
    np.testing.assert_allclose(value(ours.result()), value(keras_f1.result()), rtol=1e-5)


# --- The pure functions, on arbitrary confusion matrices (hypothesis) ---------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 5).flatmap(
        lambda c: st.lists(st.integers(0, 6), min_size=c * c, max_size=c * c).map(
            lambda cells: np.asarray(cells, dtype=np.int64).reshape(c, c)
        )
    )
)
def test_functions_of_confusion_match_sklearn(matrix: np.ndarray) -> None:
    if matrix.sum() == 0:
        return  # scikit-learn has no value for empty data
    c = matrix.shape[0]
    rows, cols = np.nonzero(matrix)
    y = np.repeat(rows, matrix[rows, cols])
    p = np.repeat(cols, matrix[rows, cols])
    np.testing.assert_array_equal(confusion_matrix(y, p, labels=range(c)), matrix)
    confusion = matrix.astype(np.float32)
    checks = {
        "balanced_accuracy": balanced_accuracy_from_confusion,
        "macro_f1": macro_f1_from_confusion,
        "geometric_mean": geometric_mean_from_confusion,
        "matthews_correlation": matthews_correlation_from_confusion,
        "per_class_recall": per_class_recall_from_confusion,
        "per_class_precision": per_class_precision_from_confusion,
    }
    for name, function in checks.items():
        np.testing.assert_allclose(
            value(function(confusion)),
            reference(name, c, y, p, None),
            rtol=RTOL,
            atol=ATOL,
            err_msg=name,
        )


def test_mcc_binary_formula_and_degenerate_cases() -> None:
    tp, tn, fp, fn = 7.0, 20.0, 3.0, 5.0
    expected = (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    got = matthews_correlation_from_confusion([[tn, fp], [fn, tp]])
    np.testing.assert_allclose(value(got), expected, rtol=1e-6)
    # All predictions in one class: undefined, 0 as in sklearn.
    assert value(matthews_correlation_from_confusion([[5.0, 0.0], [3.0, 0.0]])) == 0.0
    assert value(matthews_correlation_from_confusion(np.zeros((3, 3), np.float32))) == 0.0


def test_mcc_is_exactly_zero_when_one_class_is_always_predicted() -> None:
    """With float32 weighted counts the shares round off 1; the spread must still be 0."""
    rng = np.random.default_rng(12)
    for _ in range(20):
        labels = rng.integers(0, 3, 37)
        weight = rng.uniform(0.1, 2.0, 37).astype(np.float32)
        metric = MatthewsCorrelation(3)
        metric.update_state(labels, np.tile([[0.2, 0.7, 0.1]], (37, 1)), sample_weight=weight)
        assert value(metric.result()) == matthews_corrcoef(
            labels, np.ones(37), sample_weight=weight
        )
        assert value(metric.result()) == 0.0


def test_empty_confusion_gives_zero_everywhere() -> None:
    empty = np.zeros((3, 3), np.float32)
    for function in (
        balanced_accuracy_from_confusion,
        macro_f1_from_confusion,
        geometric_mean_from_confusion,
        matthews_correlation_from_confusion,
        per_class_recall_from_confusion,
        per_class_precision_from_confusion,
    ):
        result = value(function(empty))
        assert np.all(np.isfinite(result)) and np.all(result == 0), function.__name__


def test_geometric_mean_does_not_underflow_with_many_classes() -> None:
    """100 classes with recall 0.01: the product 1e-200 underflows float32, the log-mean doesn't."""
    c = 100
    confusion = np.full((c, c), 99.0 / (c - 1), dtype=np.float32)
    np.fill_diagonal(confusion, 1.0)
    np.testing.assert_allclose(value(geometric_mean_from_confusion(confusion)), 0.01, rtol=1e-4)


def test_confusion_matrix_update_matches_sklearn_confusion_matrix() -> None:
    rng = np.random.default_rng(6)
    labels = imbalanced_labels(rng, 50, 5)
    scores = scores_for(rng, labels, 5)
    weight = rng.uniform(0.1, 2.0, 50).astype(np.float32)
    got = value(confusion_matrix_update(labels, scores, 5, weight))
    expected = confusion_matrix(
        labels, scores.argmax(axis=-1), labels=range(5), sample_weight=weight
    )
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    unweighted = value(confusion_matrix_update(labels, scores, 5))
    np.testing.assert_array_equal(
        unweighted, confusion_matrix(labels, scores.argmax(axis=-1), labels=range(5))
    )


# --- State: reset, per-class selection, config --------------------------------------------------


@pytest.mark.parametrize("name", ALL_METRICS)
def test_reset_state_forgets_everything(name: str) -> None:
    rng = np.random.default_rng(7)
    first, second = rng.integers(0, 3, 20), rng.integers(0, 3, 20)
    metric = make_metric(name, 3)
    metric.update_state(first, scores_for(rng, first, 3))
    metric.reset_state()
    assert np.all(value(metric.variables[0]) == 0)
    scores = scores_for(rng, second, 3)
    metric.update_state(second, scores)
    fresh = make_metric(name, 3)
    fresh.update_state(second, scores)
    np.testing.assert_array_equal(value(metric.result()), value(fresh.result()))


@pytest.mark.parametrize("cls", [PerClassRecall, PerClassPrecision])
def test_class_id_selects_one_entry(cls: type) -> None:
    rng = np.random.default_rng(8)
    labels = rng.integers(0, 4, 40)
    scores = scores_for(rng, labels, 4)
    vector = cls(4)
    vector.update_state(labels, scores)
    assert value(vector.result()).shape == (4,)
    for class_id in range(4):
        single = cls(4, class_id=class_id)
        single.update_state(labels, scores)
        assert value(single.result()).shape == ()
        assert value(single.result()) == value(vector.result())[class_id]
    prefix = "recall" if cls is PerClassRecall else "precision"
    assert cls(4, class_id=2).name == f"{prefix}_2"
    assert cls(4, class_id=2, name="minority").name == "minority"


def test_metric_variables_are_a_summed_confusion_matrix_and_a_bad_batch_count() -> None:
    metric = BalancedAccuracy(num_classes=5)
    matrix, out_of_range = metric.variables
    assert tuple(matrix.shape) == (5, 5) and tuple(out_of_range.shape) == ()
    for variable in (matrix, out_of_range):
        assert variable.aggregation == "sum"
        assert not variable.trainable


@pytest.mark.parametrize("name", ALL_METRICS)
def test_config_round_trip(name: str) -> None:
    kwargs: dict[str, Any] = {
        "threshold": 0.3,
        "from_logits": True,
        "ignore_class": -1,
        "name": "custom",
    }
    if name.startswith("per_class"):
        kwargs["class_id"] = 1
    metric = make_metric(name, 2, **kwargs)
    rebuilt = check_config_round_trip(metric)
    config = rebuilt.get_config()
    assert config["num_classes"] == 2 and config["threshold"] == 0.3
    assert config["from_logits"] is True and config["name"] == "custom"
    assert config["ignore_class"] == -1
    assert set(config) == {
        "num_classes",
        "threshold",
        "from_logits",
        "ignore_class",
        "name",
        "dtype",
    } | ({"class_id"} if name.startswith("per_class") else set())


def test_keras_file_round_trip_in_compiled_model(tmp_path: Any) -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=(48, 4)).astype(np.float32)
    y = imbalanced_labels(rng, 48, 3)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    metrics = [make_metric(name, 3) for name in ALL_METRICS]
    metrics += [PerClassRecall(3, class_id=0), PerClassPrecision(3, class_id=2)]
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=metrics)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    loaded = check_keras_file_round_trip(model, tmp_path, x, y)
    compiled = {m.name: m for m in loaded.metrics[-1].metrics}
    assert {type(m) for m in compiled.values()} == {
        BalancedAccuracy,
        MacroF1,
        GeometricMean,
        MatthewsCorrelation,
        PerClassRecall,
        PerClassPrecision,
    }
    for original in metrics:
        assert compiled[original.name].get_config() == original.get_config()


# --- Inside a compiled model: evaluate equals sklearn on model.predict --------------------------


def _compiled_metrics(num_classes: int, **kwargs: Any) -> list[keras.metrics.Metric]:
    metrics = [make_metric(name, num_classes, **kwargs) for name in ALL_METRICS]
    return [*metrics, PerClassRecall(num_classes, class_id=1, **kwargs)]


def test_evaluate_equals_sklearn_on_predict_multiclass() -> None:
    rng = np.random.default_rng(10)
    n, num_classes = 90, 4
    y = imbalanced_labels(rng, n, num_classes)
    x = np.eye(num_classes)[y] @ rng.normal(size=(num_classes, 6)) + rng.normal(size=(n, 6))
    x = x.astype(np.float32)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(num_classes)])
    model.compile(
        keras.optimizers.Adam(0.05),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        # Keras passes sample_weight to weighted_metrics only; without weights they equal metrics.
        weighted_metrics=_compiled_metrics(num_classes),
    )
    weight = rng.uniform(0.2, 2.0, n).astype(np.float32)
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert "balanced_accuracy" in history.history and "recall_1" in history.history
    predicted = model.predict(x, batch_size=32, verbose=0).argmax(axis=-1)
    for w in (None, weight):
        result = model.evaluate(x, y, sample_weight=w, batch_size=16, verbose=0, return_dict=True)
        for name in ALL_METRICS:
            np.testing.assert_allclose(
                result[name],
                reference(name, num_classes, y, predicted, w),
                rtol=RTOL,
                atol=ATOL,
                err_msg=name,
            )
        expected_recall = recall_score(
            y, predicted, average=None, labels=range(num_classes), sample_weight=w, zero_division=0
        )
        np.testing.assert_allclose(result["recall_1"], expected_recall[1], rtol=RTOL, atol=ATOL)


def test_evaluate_equals_sklearn_on_predict_binary_logit() -> None:
    rng = np.random.default_rng(11)
    n = 80
    y = (rng.random(n) < 0.2).astype(np.int64)
    x = (y[:, None] * 1.5 + rng.normal(size=(n, 3))).astype(np.float32)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(
        keras.optimizers.Adam(0.05),
        keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=_compiled_metrics(2, from_logits=True),
    )
    model.fit(x, y[:, None].astype(np.float32), epochs=3, batch_size=16, verbose=0)
    predicted = (model.predict(x, verbose=0)[:, 0] > 0).astype(np.int64)
    result = model.evaluate(x, y.astype(np.float32), batch_size=16, verbose=0, return_dict=True)
    for name in ALL_METRICS:
        np.testing.assert_allclose(
            result[name],
            reference(name, 2, y, predicted, None),
            rtol=RTOL,
            atol=ATOL,
            err_msg=name,
        )


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [BalancedAccuracy, PerClassRecall])
def test_constructor_errors(cls: type) -> None:
    with pytest.raises(ValueError, match=r"num_classes=1 is too small"):
        cls(1)
    with pytest.raises(TypeError, match=r"num_classes must be an int.*2\.5"):
        cls(2.5)
    with pytest.raises(TypeError, match=r"num_classes must be an int.*True"):
        cls(True)
    with pytest.raises(TypeError, match=r"num_classes must be an int.*'3'"):
        cls("3")
    for bad in (0, 1, 1.5, -0.2):
        with pytest.raises(ValueError, match=rf"threshold={bad!r} is out of range"):
            cls(2, threshold=bad)
    with pytest.raises(ValueError, match=r"threshold=nan must be finite"):
        cls(2, threshold=float("nan"))
    with pytest.raises(TypeError, match=r"from_logits must be True or False.*'yes'"):
        cls(2, from_logits="yes")


def test_class_id_errors() -> None:
    with pytest.raises(ValueError, match=r"class_id=3 is not a class index for num_classes=3"):
        PerClassRecall(3, class_id=3)
    with pytest.raises(ValueError, match=r"class_id=-1 is not a class index"):
        PerClassPrecision(3, class_id=-1)
    with pytest.raises(TypeError, match=r"class_id must be an int.*'0'"):
        PerClassRecall(3, class_id="0")


def test_update_state_shape_errors() -> None:
    metric = MacroF1(num_classes=3)
    with pytest.raises(
        ValueError, match=r"\(4,\).*\(4, 5\).*y_pred has 5 columns but num_classes=3"
    ):
        metric.update_state(np.zeros(4), np.zeros((4, 5), np.float32))
    with pytest.raises(ValueError, match=r"y_true has shape \(5,\) and y_pred has shape \(4, 3\)"):
        metric.update_state(np.zeros(5), np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match=r"one-hot y_true needs 3 columns"):
        metric.update_state(np.zeros((4, 4)), np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match=r"y_pred has 1 columns but num_classes=3.*sigmoid"):
        metric.update_state(np.zeros(4), np.zeros((4, 1), np.float32))
    with pytest.raises(ValueError, match=r"y_pred is a scalar"):
        metric.update_state(np.zeros(1), np.float32(0.5))
    with pytest.raises(ValueError, match=r"sample_weight has shape \(3,\).*labels \(4,\)"):
        metric.update_state(np.zeros(4), np.zeros((4, 3), np.float32), sample_weight=np.ones(3))
    with pytest.raises(ValueError, match=r"sample_weight has shape \(4, 2, 2\), with more axes"):
        metric.update_state(
            np.zeros(4), np.zeros((4, 3), np.float32), sample_weight=np.ones((4, 2, 2))
        )
    # Nothing was counted by the failed calls.
    assert np.all(value(metric.variables[0]) == 0)


def test_confusion_matrix_update_checks_its_options() -> None:
    with pytest.raises(ValueError, match=r"num_classes=0 is too small"):
        confusion_matrix_update([0], [[1.0, 0.0]], 0)
    with pytest.raises(ValueError, match=r"threshold=2 is out of range"):
        confusion_matrix_update([0], [[1.0]], 2, threshold=2)


# --- Issue 11: one convention, scikit-learn's default (labels = classes in y_true or y_pred) ----


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    ("labels", "predicted"),
    [
        # class 2 is predicted but absent from y_true
        ([0, 0, 1, 1, 0, 1], [0, 2, 1, 1, 0, 2]),
        # class 2 is in y_true but never predicted
        ([0, 0, 1, 2, 2, 1], [0, 0, 1, 1, 0, 1]),
        # both at once, with a class (3) in neither
        ([0, 1, 1, 2, 0, 0], [0, 1, 3, 1, 0, 3]),
    ],
)
def test_streaming_metrics_follow_sklearn_defaults_where_conventions_differ(labels, predicted):
    """Averaging over the true classes only would give other values on all three inputs."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    scores = np.eye(4, dtype="float32")[predicted]
    f1, gmean = MacroF1(4), GeometricMean(4)
    f1.update_state(labels, scores)
    gmean.update_state(labels, scores)
    np.testing.assert_allclose(
        value(f1.result()), f1_score(labels, predicted, average="macro"), rtol=1e-6
    )
    np.testing.assert_allclose(
        value(gmean.result()), geometric_mean_score(labels, predicted), rtol=1e-6, atol=1e-7
    )
    ours = (f1_score(labels, predicted, average="macro"), geometric_mean_score(labels, predicted))
    alternatives = [np.unique(labels), np.arange(4)]  # true classes only; every declared class
    differs = [
        not np.allclose(
            ours,
            (
                f1_score(labels, predicted, average="macro", labels=other),
                geometric_mean_score(labels, predicted, labels=other),
            ),
        )
        for other in alternatives
    ]
    assert any(differs), "the case must tell sklearn's default from another convention"
