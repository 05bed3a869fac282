"""Issue 11: labels the losses must refuse, options they share with their functions, the
keyword-only options, ``dtype=`` and ``ignore_class``."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest

from keras_imbalance import losses
from tests.labels.compiled_paths import (
    PATHS,
    compile_mode,
    compile_on,
    named_error,
    raises_on,
)

PRED2 = np.array([[0.3, 0.7], [0.6, 0.4]], dtype="float32")
PRED3 = np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]], dtype="float32")

# Every loss that reads sparse class indices, as (id, loss(y_true, y_pred)) over 3 classes.
SPARSE_LOSSES: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("LDAMLoss", losses.LDAMLoss([5, 3, 1])),
    ("LogitAdjustedLoss", losses.LogitAdjustedLoss([5, 3, 1])),
    ("ClassBalancedLoss-focal", losses.ClassBalancedLoss([5, 3, 1], base="focal")),
    ("ClassBalancedLoss-sigmoid", losses.ClassBalancedLoss([5, 3, 1], base="sigmoid")),
    ("ClassBalancedLoss-softmax", losses.ClassBalancedLoss([5, 3, 1])),
    ("WeightedCategorical", losses.WeightedCategoricalCrossentropy([1.0, 2.0, 3.0])),
    ("WeightedSparse", losses.WeightedSparseCategoricalCrossentropy([1.0, 2.0, 3.0])),
    ("CostSensitive", losses.CostSensitiveCategoricalCrossentropy(np.ones((3, 3)))),
    (
        "CostSensitive-expected",
        losses.CostSensitiveCategoricalCrossentropy(np.ones((3, 3)), mode="expected"),
    ),
    ("ldam_loss", lambda y, p: losses.ldam_loss(y, p, [5, 3, 1])),
    ("logit_adjusted", lambda y, p: losses.logit_adjusted_crossentropy(y, p, [5, 3, 1])),
    ("class_balanced", lambda y, p: losses.class_balanced_loss(y, p, [5, 3, 1], base="focal")),
    (
        "weighted_sparse",
        lambda y, p: losses.weighted_sparse_categorical_crossentropy(y, p, [1, 1, 1]),
    ),
    (
        "cost_sensitive",
        lambda y, p: losses.cost_sensitive_categorical_crossentropy(y, p, np.ones((3, 3))),
    ),
]


@pytest.mark.parametrize("bad", [3, 5, -1, 10**7])
@pytest.mark.parametrize(("name", "loss"), SPARSE_LOSSES, ids=[n for n, _ in SPARSE_LOSSES])
def test_out_of_range_labels_raise_a_named_error(name: str, loss: Any, bad: int) -> None:
    """LDAM gave those rows exactly 0.0; the weighted ones a raw gather error."""
    with pytest.raises(ValueError, match=rf"y_true contains the class index {bad}\b.*3 classes"):
        loss(np.array([0, bad, 1]), PRED3)


@pytest.mark.parametrize(("name", "loss"), SPARSE_LOSSES, ids=[n for n, _ in SPARSE_LOSSES])
def test_one_hot_labels_of_the_wrong_width_raise(name: str, loss: Any) -> None:
    """(3, 2) one-hot labels against (3, 3) predictions were silently argmaxed."""
    with pytest.raises(ValueError, match=r"one-hot rows of width 2, but y_pred has 3 classes"):
        loss(np.eye(2, dtype="float32")[[0, 1, 1]], PRED3)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("name", "loss"), SPARSE_LOSSES, ids=[n for n, _ in SPARSE_LOSSES])
def test_out_of_range_labels_on_every_path(name: str, loss: Any, path: str) -> None:
    """A named error where one can be raised, else NaN: never a finite wrong number.

    Good labels give the eager value on the same path, so the NaN comes from the bad label.
    """
    run = compile_on(path, lambda y, p: loss(y, p))
    good = np.array([0, 2, 1], dtype="int32")
    expected = np.asarray(keras.ops.convert_to_numpy(loss(good, PRED3)), dtype=np.float64)
    assert np.all(np.isfinite(expected))
    np.testing.assert_allclose(run(good, PRED3), expected, rtol=1e-5, atol=1e-6)
    for bad in (5, -1):
        labels = np.array([0, bad, 1], dtype="int32")
        if raises_on(path):
            error, match = named_error(path, bad, 3)
            with pytest.raises(error, match=match):
                run(labels, PRED3)
        else:
            assert np.all(np.isnan(run(labels, PRED3))), f"{name} on {path}, label {bad}"


def _fit(loss: keras.losses.Loss, labels: np.ndarray, **compile_options: Any) -> float:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    model.compile("sgd", loss, **compile_options)
    history = model.fit(np.ones((4, 2), "float32"), labels, epochs=1, batch_size=4, verbose=0)
    return float(history.history["loss"][-1])


FIT_LOSSES = [
    losses.LDAMLoss([3, 2, 1]),
    losses.WeightedSparseCategoricalCrossentropy([1.0, 2.0, 3.0], from_logits=True),
    losses.CostSensitiveCategoricalCrossentropy(np.ones((3, 3)), from_logits=True),
]


@pytest.mark.parametrize("loss", FIT_LOSSES, ids=lambda loss: type(loss).__name__)
@pytest.mark.parametrize("mode", ["run_eagerly", "default", "jit_compile"])
def test_out_of_range_labels_inside_fit(mode: str, loss: keras.losses.Loss) -> None:
    """``model.fit`` with a label 5 at C=3: what each compiled step does (``check_class_range``).

    ``run_eagerly=True``: the named ``ValueError`` on every backend. The default step: a
    TensorFlow graph asserts; JAX jits (NaN); PyTorch runs eagerly (the named error).
    ``jit_compile=True``: NaN on TensorFlow (XLA) and JAX.
    """
    options, path = compile_mode(mode)
    bad = np.array([0, 1, 5, 1])
    if raises_on(path):
        error, match = named_error(path, 5, 3)
        with pytest.raises(error, match=match):
            _fit(loss, bad, **options)
    else:
        assert np.isnan(_fit(loss, bad, **options))
    assert np.isfinite(_fit(loss, np.array([0, 1, 2, 1]), **options))


# --- One check shared by functions and classes -------------------------------------------------

BAD_OPTIONS: list[tuple[str, Callable[[], Any], Callable[[], Any], str]] = [
    (
        "tau",
        lambda: losses.logit_adjusted_crossentropy([0, 1], PRED2, [3, 1], tau=-1.0),
        lambda: losses.LogitAdjustedLoss([3, 1], tau=-1.0),
        r"tau=-1.0 is negative",
    ),
    (
        "scale",
        lambda: losses.ldam_loss([0, 1], PRED2, [3, 1], scale=-2.0),
        lambda: losses.LDAMLoss([3, 1], scale=-2.0),
        r"scale=-2.0 is out of range",
    ),
    (
        "max_margin",
        lambda: losses.ldam_loss([0, 1], PRED2, [3, 1], max_margin=-0.5),
        lambda: losses.LDAMLoss([3, 1], max_margin=-0.5),
        r"max_margin=-0.5 is out of range",
    ),
    (
        "gamma",
        lambda: losses.class_balanced_loss([0, 1], PRED2, [3, 1], base="focal", gamma=-1.0),
        lambda: losses.ClassBalancedLoss([3, 1], base="focal", gamma=-1.0),
        r"gamma=-1.0 is out of range",
    ),
    (
        "beta",
        lambda: losses.class_balanced_loss([0, 1], PRED2, [3, 1], beta=1.5),
        lambda: losses.ClassBalancedLoss([3, 1], beta=1.5),
        r"beta=1.5 is out of range",
    ),
    (
        "pos_weight",
        lambda: losses.weighted_binary_crossentropy([[1.0, 0.0]], PRED2[:1], -2.0),
        lambda: losses.WeightedBinaryCrossentropy(-2.0),
        r"pos_weight=-2.0 is out of range",
    ),
    (
        "pos_weight-list",
        lambda: losses.weighted_binary_crossentropy([[1.0, 0.0]], PRED2[:1], [1.0, -2.0]),
        lambda: losses.WeightedBinaryCrossentropy([1.0, -2.0]),
        r"pos_weight for label 1 is -2.0",
    ),
    (
        "cost-negative",
        lambda: losses.cost_sensitive_categorical_crossentropy([0, 1], PRED2, [[0, -1], [1, 0]]),
        lambda: losses.CostSensitiveCategoricalCrossentropy([[0, -1], [1, 0]]),
        r"cost_matrix\[0, 1\] is -1.0; costs must be >= 0",
    ),
    (
        "cost-nan",
        lambda: losses.cost_sensitive_categorical_crossentropy(
            [0, 1], PRED2, [[0, np.nan], [1, 0]]
        ),
        lambda: losses.CostSensitiveCategoricalCrossentropy([[0, np.nan], [1, 0]]),
        r"cost_matrix\[0, 1\] is nan; costs must be finite",
    ),
    (
        "class_weight-negative",
        lambda: losses.weighted_categorical_crossentropy([0, 1], PRED2, [1.0, -3.0]),
        lambda: losses.WeightedCategoricalCrossentropy([1.0, -3.0]),
        r"class 1 is -3.0",
    ),
    (
        "class_weight-nan",
        lambda: losses.weighted_sparse_categorical_crossentropy([0, 1], PRED2, [np.nan, 1.0]),
        lambda: losses.WeightedSparseCategoricalCrossentropy([np.nan, 1.0]),
        r"class 0 is nan",
    ),
    (
        "label_smoothing",
        lambda: losses.weighted_categorical_crossentropy(
            [0, 1], PRED2, [1.0, 1.0], label_smoothing=2.0
        ),
        lambda: losses.WeightedCategoricalCrossentropy([1.0, 1.0], label_smoothing=2.0),
        r"label_smoothing=2.0 is out of range",
    ),
]


@pytest.mark.parametrize(
    ("option", "function", "cls", "match"), BAD_OPTIONS, ids=[b[0] for b in BAD_OPTIONS]
)
def test_functions_and_classes_share_one_check(
    option: str, function: Callable[[], Any], cls: Callable[[], Any], match: str
) -> None:
    """A negative cost, pos_weight, tau, gamma or scale gave a negative loss from the function."""
    with pytest.raises(ValueError, match=match):
        function()
    with pytest.raises(ValueError, match=match):
        cls()


# --- Keyword-only options, kept positional for one release -------------------------------------

POSITIONAL = [
    (losses.WeightedCategoricalCrossentropy, ([1.0, 2.0], True), {"from_logits": True}),
    (losses.WeightedSparseCategoricalCrossentropy, ([1.0, 2.0], True), {"from_logits": True}),
    (losses.WeightedBinaryCrossentropy, (2.0, True), {"from_logits": True}),
    (
        losses.CostSensitiveCategoricalCrossentropy,
        ([[0, 1], [2, 0]], "expected"),
        {"mode": "expected"},
    ),
    (losses.LogitAdjustedLoss, ([3, 1], 0.5), {"tau": 0.5}),
    (losses.LDAMLoss, ([3, 1], 0.3, 5.0), {"max_margin": 0.3, "scale": 5.0}),
    (losses.ClassBalancedLoss, ([3, 1], 0.9, "focal"), {"beta": 0.9, "base": "focal"}),
]


@pytest.mark.parametrize(
    ("cls", "args", "kwargs"), POSITIONAL, ids=lambda v: getattr(v, "__name__", "")
)
def test_positional_options_still_work_with_a_deprecation_warning(
    cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    with pytest.deprecated_call(match=r"by position is deprecated.*by keyword"):
        old = cls(*args)
    new = cls(args[0], **kwargs)
    assert old.get_config() == new.get_config()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        cls(args[0], **kwargs)  # the keyword form does not warn


def test_too_many_positional_arguments_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="positional arguments"):
        losses.LDAMLoss([3, 1], 0.5, 30.0, None, "sum", "name", "float32", "extra")


# --- dtype= and ignore_class ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float16", "float64"])
@pytest.mark.parametrize("cls_index", range(len(POSITIONAL)))
def test_losses_take_dtype_as_keras_losses_do(cls_index: int, dtype: str) -> None:
    """The result has the dtype Keras's own loss gives for the same ``dtype=`` (JAX without x64
    and PyTorch's reduction give float32 for float64, for Keras's losses too)."""
    cls, args, _ = POSITIONAL[cls_index]
    loss = cls(args[0], dtype=dtype)
    assert loss.get_config()["dtype"] == loss.dtype
    assert type(loss).from_config(loss.get_config()).dtype == loss.dtype
    if cls is losses.WeightedBinaryCrossentropy:
        y, p = np.array([[1.0, 0.0]]), np.array([[0.6, 0.3]])
        reference = keras.losses.BinaryCrossentropy(dtype=dtype)
    else:
        y, p = np.array([0, 1]), np.array([[0.6, 0.4], [0.3, 0.7]])
        reference = keras.losses.SparseCategoricalCrossentropy(dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # JAX: float64 truncated to float32
        expected = keras.backend.standardize_dtype(reference(y, p).dtype)
        assert keras.backend.standardize_dtype(loss(y, p).dtype) == expected


@pytest.mark.parametrize("ignore_class", [-1, 2])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_ignore_class_matches_keras_sparse_categorical_crossentropy(
    ignore_class: int, reduction: str
) -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(6, 3)).astype("float32")
    labels = np.array([0, ignore_class, 1, 2 if ignore_class != 2 else 0, ignore_class, 1])
    ours = losses.WeightedSparseCategoricalCrossentropy(
        [1.0, 1.0, 1.0], from_logits=True, ignore_class=ignore_class, reduction=reduction
    )
    theirs = keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=ignore_class, reduction=reduction
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(labels, logits)),
        keras.ops.convert_to_numpy(theirs(labels, logits)),
        rtol=1e-5,
        atol=1e-6,
    )


def test_ignore_class_rows_get_zero_and_leave_the_weighted_mean() -> None:
    logits = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 3.0]], dtype="float32")
    labels = np.array([0, -1, 2])
    weights = np.array([2.0, 5.0, 3.0])
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    per_row = np.array([-weights[0] * log_softmax[0, 0], 0.0, -weights[2] * log_softmax[2, 2]])
    raw = losses.weighted_sparse_categorical_crossentropy(
        labels, logits, weights, from_logits=True, ignore_class=-1
    )
    np.testing.assert_allclose(keras.ops.convert_to_numpy(raw), per_row, rtol=1e-5)
    loss = losses.WeightedSparseCategoricalCrossentropy(weights, from_logits=True, ignore_class=-1)
    np.testing.assert_allclose(float(loss(labels, logits)), per_row.sum() / 2, rtol=1e-5)
    with pytest.raises(TypeError, match="ignore_class must be an int"):
        losses.WeightedSparseCategoricalCrossentropy(weights, ignore_class=1.5)


def test_ignore_class_round_trips_through_config() -> None:
    loss = losses.WeightedSparseCategoricalCrossentropy([1.0, 2.0], ignore_class=255)
    rebuilt = type(loss).from_config(loss.get_config())
    assert rebuilt.ignore_class == 255
