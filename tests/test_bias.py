"""Output-bias helpers: untrained models predict the priors; post-hoc logit adjustment."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_imbalance.bias import adjust_logits, initial_bias, set_output_bias
from keras_imbalance.counting import ClassCounts


def zero_kernel_model(units: int, activation: str | None, name: str = "out") -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(7, activation="relu"),
            keras.layers.Dense(units, activation=activation, kernel_initializer="zeros", name=name),
        ]
    )


MULTI_LABEL = ClassCounts(np.array([10, 3, 45]), ("a", "b", "c"), "multi_label", 50)


@pytest.mark.parametrize(
    ("counts", "units", "activation", "expected"),
    [
        # softmax: the class priors.
        ([633, 898, 641, 699, 799], 5, "softmax", np.array([633, 898, 641, 699, 799]) / 3670),
        # one sigmoid unit for binary counts: the rate of class 1 (the seed's 45000 / 5000).
        ([45000, 5000], 1, "sigmoid", np.array([0.1])),
        # multi-label: each label's prevalence out of n_samples rows.
        (MULTI_LABEL, 3, "sigmoid", np.array([10, 3, 45]) / 50),
        # one-vs-rest sigmoids over three single-label classes.
        ([6, 3, 1], 3, "sigmoid", np.array([6, 3, 1]) / 10),
    ],
    ids=["softmax", "binary-sigmoid", "multi-label", "one-vs-rest"],
)
def test_untrained_model_predicts_the_priors(counts, units, activation, expected) -> None:
    model = zero_kernel_model(units, activation)
    bias = set_output_bias(model, counts)
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    predictions = model.predict(x, verbose=0)
    np.testing.assert_allclose(predictions, np.broadcast_to(expected, (4, units)), rtol=1e-6)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model.get_layer("out").bias), bias, rtol=1e-6
    )


def test_initial_bias_formulas() -> None:
    np.testing.assert_allclose(initial_bias([45000, 5000]), [np.log(5000 / 45000)])
    np.testing.assert_allclose(initial_bias([1, 3], activation="softmax"), np.log([0.25, 0.75]))
    np.testing.assert_allclose(
        initial_bias(MULTI_LABEL), np.log(np.array([10, 3, 45]) / [40, 47, 5])
    )
    np.testing.assert_allclose(initial_bias([6, 3, 1]), np.log(np.array([6, 3, 1]) / [4, 7, 9]))


def test_logits_layer_needs_activation_and_then_predicts_priors_after_softmax() -> None:
    model = zero_kernel_model(3, None)
    with pytest.raises(ValueError, match="has activation 'linear'; pass activation='sigmoid'"):
        set_output_bias(model, [6, 3, 1])
    set_output_bias(model, [6, 3, 1], activation="softmax")
    logits = model.predict(np.ones((1, 5), dtype="float32"), verbose=0)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(keras.ops.softmax(logits))[0], [0.6, 0.3, 0.1], rtol=1e-6
    )


def test_finds_the_last_dense_layer_of_a_nested_model_or_the_named_one() -> None:
    inner = zero_kernel_model(2, "softmax", name="inner_out")
    outer = keras.Sequential([keras.Input((5,)), inner])
    set_output_bias(outer, [1, 3])
    np.testing.assert_allclose(
        outer.predict(np.ones((1, 5)), verbose=0)[0], [0.25, 0.75], rtol=1e-6
    )
    with pytest.raises(ValueError, match="has 7 units but the counts give 2"):
        set_output_bias(inner, [1, 3], activation="softmax", layer=inner.layers[0])


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: set_output_bias(zero_kernel_model(2, "softmax"), [1, 2, 3]),
            "has 2 units but the counts give 3 softmax bias values",
        ),
        (
            lambda: set_output_bias(zero_kernel_model(2, "sigmoid"), [1, 3]),
            r"counts give 1 sigmoid bias values; use a layer with 1 units \(a single",
        ),
        (
            lambda: set_output_bias(zero_kernel_model(2, "softmax"), [1, 3], activation="sigmoid"),
            "activation='sigmoid' but layer 'out' applies 'softmax'",
        ),
        (
            lambda: set_output_bias(
                keras.Sequential(
                    [keras.Input((2,)), keras.layers.Dense(2, use_bias=False, activation="softmax")]
                ),
                [1, 3],
            ),
            "has use_bias=False",
        ),
        (
            lambda: set_output_bias(
                keras.Sequential([keras.Input((2,)), keras.layers.ReLU()]), [1, 3]
            ),
            "has no Dense layer",
        ),
        (
            lambda: initial_bias([3, 0, 2], activation="softmax"),
            r"class 1 \(index 1\) has no samples",
        ),
        (lambda: initial_bias([3, 0]), "class 1 has no positive samples"),
        (
            lambda: initial_bias(ClassCounts(np.array([5, 2]), ("a", "b"), "multi_label", 5)),
            "class 'a' has no negative samples",
        ),
        (lambda: initial_bias(MULTI_LABEL, activation="softmax"), "counts are multi-label"),
        (lambda: initial_bias([1, 2], activation="tanh"), "activation='tanh' is not supported"),
    ],
)
def test_errors_name_the_problem(make, match) -> None:
    with pytest.raises(ValueError, match=match):
        make()


PRIOR = np.array([0.7, 0.2, 0.1])


def test_adjust_logits_numpy_and_tensor_agree_with_the_formula() -> None:
    logits = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    expected = logits - 0.5 * np.log(PRIOR)
    numpy_result = adjust_logits(logits, PRIOR, tau=0.5)
    assert isinstance(numpy_result, np.ndarray) and numpy_result.dtype == np.float32
    np.testing.assert_allclose(numpy_result, expected, rtol=1e-6)
    tensor_result = adjust_logits(keras.ops.convert_to_tensor(logits), PRIOR, tau=0.5)
    assert not isinstance(tensor_result, np.ndarray)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(tensor_result), expected, rtol=1e-6)
    # Counts give the same argmax and softmax as the prior they normalise to.
    from_counts = adjust_logits(logits, [700, 200, 100], tau=0.5)
    np.testing.assert_allclose(from_counts, expected, rtol=1e-6)


def test_adjusting_a_prior_matching_model_makes_every_class_equally_likely() -> None:
    """A model whose logits are the log-prior predicts the prior; adjusted at tau=1, uniform."""
    logits = np.tile(np.log(PRIOR), (2, 1))
    adjusted = adjust_logits(logits, PRIOR)
    np.testing.assert_allclose(adjusted, np.zeros_like(logits), atol=1e-12)


def test_adjust_logits_errors() -> None:
    with pytest.raises(ValueError, match=r"tau=-1\.0 is negative"):
        adjust_logits(np.zeros((1, 3)), PRIOR, tau=-1.0)
    with pytest.raises(
        ValueError, match="logits have 2 classes on their last axis but prior has 3"
    ):
        adjust_logits(np.zeros((1, 2)), PRIOR)
    with pytest.raises(ValueError, match=r"prior for class 1 is 0\.0"):
        adjust_logits(np.zeros((1, 3)), [0.5, 0.0, 0.5])


def test_positional_options_are_deprecated_but_still_work() -> None:
    with pytest.deprecated_call(match=r"passing activation to initial_bias\(\) by position"):
        old = initial_bias([1, 3], "softmax")
    np.testing.assert_array_equal(old, initial_bias([1, 3], activation="softmax"))
    logits = np.array([[0.5, 0.1, -0.2]])
    with pytest.deprecated_call(match=r"passing tau to adjust_logits\(\) by position"):
        old = adjust_logits(logits, PRIOR, 0.5)
    np.testing.assert_array_equal(old, adjust_logits(logits, PRIOR, tau=0.5))
