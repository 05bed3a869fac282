"""sample_weights: every label shape against a reference written with explicit indexing."""

from __future__ import annotations

import itertools

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_imbalance.weighting import ClassWeights, class_weights, sample_weights

WEIGHTS = [0.5, 2.0, 4.0, 8.0]


def reference_int(y: np.ndarray, weights: list[float]) -> np.ndarray:
    """Weight of every element of integer labels, one element at a time."""
    out = np.empty(y.shape, dtype=np.float64)
    for where in np.ndindex(*y.shape):
        out[where] = weights[int(y[where])]
    return out


def reference_one_hot(y: np.ndarray, weights: list[float]) -> np.ndarray:
    out = np.empty(y.shape[:-1], dtype=np.float64)
    for where in np.ndindex(*y.shape[:-1]):
        (hot,) = [c for c in range(y.shape[-1]) if y[where][c] == 1]
        out[where] = weights[hot]
    return out


def reference_multi_hot(
    y: np.ndarray, weights: list[float], reduce: str, negative: float = 1.0
) -> np.ndarray:
    out = []
    for row in y:
        present = [weights[c] for c in range(len(row)) if row[c]]
        if not present:
            out.append(negative)
        elif reduce == "max":
            out.append(max(present))
        elif reduce == "sum":
            out.append(sum(present))
        else:
            out.append(sum(present) / len(present))
    return np.asarray(out)


def one_hot(indices: np.ndarray, num_classes: int) -> np.ndarray:
    return (indices[..., None] == np.arange(num_classes)).astype(np.float32)


@pytest.fixture
def labels(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 4, size=40)


@pytest.mark.parametrize(
    ("shape", "label_mode"),
    [
        ((40,), None),
        ((40, 1), None),
        ((10, 6), "int"),  # sequences of class indices
        ((6, 5, 4), "int"),  # segmentation masks
    ],
)
def test_integer_labels_get_their_class_weight(rng, shape, label_mode):
    y = rng.integers(0, 4, size=shape)
    got = sample_weights(y, WEIGHTS, label_mode=label_mode)
    expected_shape = shape[:-1] if shape[-1] == 1 and len(shape) == 2 else shape
    assert got.shape == expected_shape
    np.testing.assert_array_equal(got, reference_int(y.reshape(expected_shape), WEIGHTS))


def test_sequences_with_values_above_one_need_no_label_mode(rng):
    y = rng.integers(0, 4, size=(8, 7))
    y[0, 0] = 3  # not 0/1, so decode_labels reads sequences of class indices
    np.testing.assert_array_equal(sample_weights(y, WEIGHTS), reference_int(y, WEIGHTS))


@pytest.mark.parametrize("shape", [(30,), (6, 5), (4, 3, 5)])
def test_one_hot_labels_get_the_weight_of_their_hot_class(rng, shape):
    y = one_hot(rng.integers(0, 4, size=shape), 4)
    got = sample_weights(y, {0: 0.5, 1: 2.0, 2: 4.0, 3: 8.0}, label_mode="categorical")
    assert got.shape == shape
    np.testing.assert_array_equal(got, reference_one_hot(y, WEIGHTS))


def test_one_hot_rows_are_detected(rng):
    y = one_hot(rng.integers(0, 4, size=20), 4)
    np.testing.assert_array_equal(sample_weights(y, WEIGHTS), reference_one_hot(y, WEIGHTS))


def test_string_labels_use_class_names():
    y = np.array(["roses", "daisy", "tulips", "daisy"])
    by_name = {"daisy": 1.0, "roses": 3.0, "tulips": 5.0}
    np.testing.assert_array_equal(sample_weights(y, by_name), [3.0, 1.0, 5.0, 1.0])
    fitted = class_weights(y)  # ClassWeights keyed by index, with the names
    got = sample_weights(y, fitted)
    np.testing.assert_allclose(got, [fitted[i] for i in (1, 0, 2, 0)])


@pytest.mark.parametrize("reduce", ["max", "mean", "sum"])
def test_multi_hot_rows_reduce_their_positive_labels(rng, reduce):
    y = (rng.random((50, 4)) < 0.35).astype(np.int64)
    y[0] = 0  # an all-negative row
    y[1] = 1
    got = sample_weights(y, WEIGHTS, multi_label_reduce=reduce)
    np.testing.assert_allclose(got, reference_multi_hot(y, WEIGHTS, reduce), rtol=1e-12)
    assert got[0] == 1.0


def test_negative_weight_sets_all_negative_rows():
    y = np.array([[0, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 1]])
    got = sample_weights(y, WEIGHTS, negative_weight=0.25, label_mode="multi_label")
    np.testing.assert_array_equal(got, reference_multi_hot(y, WEIGHTS, "max", 0.25))


def test_keras_argmax_would_misweigh_multi_hot_rows():
    # Keras's class_weight argmaxes: [0, 1, 0, 1] gets class 1's weight, [0, 0, 0, 0] class 0's.
    y = np.array([[0, 1, 0, 1], [0, 0, 0, 0]])
    got = sample_weights(y, WEIGHTS, label_mode="multi_label")
    np.testing.assert_array_equal(got, [8.0, 1.0])
    assert WEIGHTS[int(np.argmax(y[0]))] != got[0]


def test_matches_keras_conversion_where_keras_is_right(labels):
    from keras.src.trainers.data_adapters import data_adapter_utils

    as_dict = dict(enumerate(WEIGHTS))
    keras_weights = data_adapter_utils.class_weight_to_sample_weights(labels, as_dict)
    np.testing.assert_allclose(sample_weights(labels, as_dict), keras_weights)


def test_combine_multiplies_and_leaves_inputs_alone(labels):
    existing = np.linspace(0.5, 1.5, labels.size)
    before_y, before_w = labels.copy(), existing.copy()
    got = sample_weights(labels, WEIGHTS, combine=existing)
    np.testing.assert_allclose(got, reference_int(labels, WEIGHTS) * before_w, rtol=1e-12)
    np.testing.assert_array_equal(labels, before_y)
    np.testing.assert_array_equal(existing, before_w)


def test_per_sample_combine_broadcasts_over_timesteps(rng):
    y = rng.integers(0, 4, size=(5, 3))
    per_sample = np.arange(1.0, 6.0)
    got = sample_weights(y, WEIGHTS, label_mode="int", combine=per_sample)
    expected = reference_int(y, WEIGHTS)
    for i, j in itertools.product(range(5), range(3)):
        expected[i, j] *= per_sample[i]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_normalize_mean_makes_the_mean_weight_one(rng):
    y = rng.integers(0, 4, size=(12, 5))
    raw = reference_int(y, WEIGHTS)
    got = sample_weights(y, WEIGHTS, label_mode="int", normalize="mean")
    np.testing.assert_allclose(got, raw * (raw.size / raw.sum()), rtol=1e-12)
    assert got.mean() == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.int64, st.integers(2, 60), elements=st.integers(0, 4)))
def test_balanced_weights_average_one_per_sample(y):
    # Balanced class weights satisfy sum_c w_c n_c = N, so the per-sample mean is 1 and
    # normalize="mean" changes nothing.
    y = np.unique(y, return_inverse=True)[1]  # every class 0..C-1 present
    weights = class_weights(y, "balanced")
    got = sample_weights(y, weights)
    assert got.mean() == pytest.approx(1.0, rel=1e-9)
    np.testing.assert_allclose(sample_weights(y, weights, normalize="mean"), got, rtol=1e-9)


def test_multi_output_dict_weighs_each_output(rng):
    y = {"kind": rng.integers(0, 4, size=10), "tags": (rng.random((10, 3)) < 0.5).astype(int)}
    got = sample_weights(y, {"kind": WEIGHTS, "tags": None})
    assert set(got) == {"kind", "tags"}
    np.testing.assert_array_equal(got["kind"], reference_int(y["kind"], WEIGHTS))
    np.testing.assert_array_equal(got["tags"], np.ones(10))
    both = sample_weights(y, {"kind": WEIGHTS, "tags": [1.0, 2.0, 3.0]})
    np.testing.assert_array_equal(both["tags"], reference_multi_hot(y["tags"], [1, 2, 3], "max"))


def test_multi_output_list_and_combine(rng):
    first, second = rng.integers(0, 4, size=6), rng.integers(0, 2, size=6)
    existing = [np.full(6, 2.0), np.full(6, 3.0)]
    got = sample_weights([first, second], [WEIGHTS, None], combine=existing)
    np.testing.assert_array_equal(got[0], reference_int(first, WEIGHTS) * 2.0)
    np.testing.assert_array_equal(got[1], np.full(6, 3.0))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: sample_weights([0, 1, 4], WEIGHTS), ValueError, "class index 4.*weighs 4"),
        (lambda: sample_weights([0, 1], {"a": 1.0, "b": 2.0}), ValueError, "key 'a'"),
        (lambda: sample_weights([0, 1], {0: 1.0}), ValueError, "key 1|class 1|index 1"),
        (lambda: sample_weights([0, 1], [1.0, -2.0]), ValueError, "finite and >= 0"),
        (lambda: sample_weights([0, 1], WEIGHTS, combine=[1.0]), ValueError, "combine has shape"),
        (lambda: sample_weights([0, 1], WEIGHTS, combine=[1.0, np.nan]), ValueError, "finite"),
        (lambda: sample_weights([0, 1], WEIGHTS, multi_label_reduce="min"), ValueError, "'max'"),
        (lambda: sample_weights([0, 1], WEIGHTS, normalize="sum"), ValueError, "normalize"),
        (lambda: sample_weights([0, 1], WEIGHTS, label_mode="one_hot"), ValueError, "label_mode"),
        (lambda: sample_weights([0, 1], WEIGHTS, label_mode="categorical"), ValueError, "one row"),
        (lambda: sample_weights([[0, 1, 0, 0]], WEIGHTS[:3]), ValueError, "4 columns"),
        (lambda: sample_weights([0.5, 1.0], WEIGHTS), ValueError, "non-integral"),
        (lambda: sample_weights([0, 1], WEIGHTS, negative_weight=-1), ValueError, "negative"),
        (lambda: sample_weights([0, 1], "balanced"), TypeError, "class_weight must be"),
        (
            lambda: sample_weights({"a": [0, 1], "b": [0]}, {"a": WEIGHTS}),
            ValueError,
            "different lengths",
        ),
        (lambda: sample_weights({"a": [0, 1]}, {"b": WEIGHTS}), ValueError, "outputs \\['b'\\]"),
        (lambda: sample_weights({"a": [0, 1]}, WEIGHTS), TypeError, "output name"),
        (lambda: sample_weights([[0], [1]], [WEIGHTS]), ValueError, "1 outputs|2 outputs"),
    ],
)
def test_bad_input_raises_before_training(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_class_weight_array_is_not_aliased(labels):
    weights = np.asarray(WEIGHTS)
    got = sample_weights(labels, weights)
    got[:] = -1.0
    np.testing.assert_array_equal(weights, WEIGHTS)
    assert isinstance(ClassWeights(WEIGHTS), dict)


# --- max_classes and keyword-only options -------------------------------------------------------


def test_a_huge_class_index_key_is_refused_before_sizing_the_weights():
    with pytest.raises(ValueError, match=r"class_weight contains the class index 1000000000.*"):
        sample_weights([0, 1], {0: 1.0, 1: 2.0, 10**9: 3.0})


def test_max_classes_can_be_raised_for_class_weight_keys():
    weights = {0: 1.0, 1: 0.5, 2: 0.5, 3: 0.5, 4: 0.5, 5: 4.0}
    with pytest.raises(ValueError, match=r"makes 6 classes, more than max_classes=5"):
        sample_weights([0, 5, 5], weights, max_classes=5)
    result = sample_weights([0, 5, 5], weights, max_classes=6)
    np.testing.assert_array_equal(
        result, reference_int(np.array([0, 5, 5]), list(weights.values()))
    )


def test_weight_classes_and_reduce_multi_hot_options_are_keyword_only():
    from keras_imbalance.weighting import reduce_multi_hot, weight_classes

    with pytest.deprecated_call(match=r"pass classes=\.\.\. by keyword"):
        old = weight_classes({0: 1.0, 1: 2.0}, 3)
    assert old == weight_classes({0: 1.0, 1: 2.0}, classes=3) == (3, None)
    multi_hot = np.array([[1, 0, 1], [0, 0, 0]])
    weights = np.array([1.0, 2.0, 4.0])
    with pytest.deprecated_call(match=r"reduce=\.\.\., negative_weight=\.\.\."):
        old = reduce_multi_hot(multi_hot, weights, "mean", 0.25)
    new = reduce_multi_hot(multi_hot, weights, reduce="mean", negative_weight=0.25)
    # row 0 holds labels 0 and 2: mean (1 + 4) / 2; row 1 holds none: negative_weight
    np.testing.assert_array_equal(old, [2.5, 0.25])
    np.testing.assert_array_equal(new, [2.5, 0.25])
