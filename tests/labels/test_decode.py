"""decode_labels: every rule of labels.py's docstring, and its errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import LabelEncoder

from keras_imbalance.labels import decode_labels


@pytest.mark.parametrize(
    "y",
    [[2, 0, 2, 1], [[2], [0], [2], [1]], [2.0, 0.0, 2.0, 1.0], np.array([2, 0, 2, 1], np.uint8)],
    ids=["list", "column", "integral-floats", "uint8"],
)
def test_class_indices_any_shape_are_int(y):
    decoded = decode_labels(y)
    assert decoded.label_mode == "int"
    np.testing.assert_array_equal(decoded.indices, [2, 0, 2, 1])
    assert decoded.classes == (0, 1, 2)
    np.testing.assert_array_equal(decoded.counts(), np.bincount([2, 0, 2, 1]))


def test_one_hot_rows_are_categorical(rng):
    indices = rng.integers(0, 4, size=50)
    decoded = decode_labels(np.eye(4)[indices])
    assert decoded.label_mode == "categorical"
    np.testing.assert_array_equal(decoded.indices, indices)
    np.testing.assert_array_equal(decoded.counts(), np.bincount(indices, minlength=4))


def test_one_hot_sequences_keep_their_time_axis(rng):
    indices = rng.integers(0, 3, size=(6, 5))
    decoded = decode_labels(np.eye(3)[indices])
    assert decoded.label_mode == "categorical"
    assert decoded.indices.shape == (6, 5)
    np.testing.assert_array_equal(decoded.counts(), np.bincount(indices.ravel(), minlength=3))


def test_multi_hot_rows_are_multi_label(rng):
    y = (rng.random((40, 5)) < 0.3).astype(int)
    y[0] = [1, 1, 0, 0, 0]  # a row that is surely not one-hot
    decoded = decode_labels(y)
    assert decoded.label_mode == "multi_label"
    assert decoded.n_samples == 40
    np.testing.assert_array_equal(decoded.counts(), y.sum(axis=0))


def test_integer_masks_are_int(rng):
    masks = rng.integers(0, 5, size=(3, 4, 4))
    masks[0, 0, 0] = 4
    decoded = decode_labels(masks)
    assert decoded.label_mode == "int"
    np.testing.assert_array_equal(decoded.counts(), np.bincount(masks.ravel(), minlength=5))


def test_binary_masks_of_rank_3_are_ambiguous():
    masks = np.zeros((2, 3, 3), int)
    masks[0, 0, :2] = 1
    with pytest.raises(ValueError, match="label_mode='int' or label_mode='multi_label'"):
        decode_labels(masks)
    assert decode_labels(masks, label_mode="int").counts().tolist() == [16, 2]


def test_binary_sequences_need_label_mode_int():
    y = [[0, 1, 1], [1, 1, 1]]
    assert decode_labels(y).label_mode == "multi_label"
    decoded = decode_labels(y, label_mode="int")
    assert decoded.counts().tolist() == [1, 5]


def test_strings_sort_like_keras_class_names():
    decoded = decode_labels(np.array([["tulips"], ["daisy"], ["roses"], ["daisy"]]))
    assert decoded.classes == ("daisy", "roses", "tulips")
    assert decoded.indices.tolist() == [2, 0, 1, 0]


def test_bytes_decode_to_strings():
    decoded = decode_labels([b"dog", b"cat", b"dog"])
    assert decoded.classes == ("cat", "dog")
    assert decoded.counts().tolist() == [1, 2]


def test_classes_int_declares_absent_classes():
    decoded = decode_labels([0, 1, 1], classes=4)
    assert decoded.classes == (0, 1, 2, 3)
    assert decoded.counts().tolist() == [1, 2, 0, 0]


def test_classes_list_of_ints_maps_to_positions():
    decoded = decode_labels([-1, 1, 1, 7], classes=[1, -1, 7])
    assert decoded.indices.tolist() == [1, 0, 0, 2]
    assert decoded.counts().tolist() == [2, 1, 1]


def test_classes_list_of_strings_keeps_its_order():
    decoded = decode_labels(["b", "a", "b"], classes=["b", "c", "a"])
    assert decoded.indices.tolist() == [0, 2, 0]
    assert decoded.counts().tolist() == [2, 0, 1]


def test_caller_array_is_not_mutated():
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    before = y.copy()
    decode_labels(y)
    decode_labels(y, label_mode="multi_label")
    np.testing.assert_array_equal(y, before)


@pytest.mark.parametrize(
    ("y", "kwargs", "error", "match"),
    [
        ([], {}, ValueError, "is empty"),
        (np.zeros((0, 3)), {}, ValueError, "is empty"),
        (3, {}, ValueError, "scalar"),
        ([0.0, np.nan, 1.0], {}, ValueError, "contains nan"),
        ([0.0, np.inf], {}, ValueError, "contains inf"),
        ([0, -2, 1], {}, ValueError, "negative class index -2"),
        ([0, 0.5, 1], {}, ValueError, "non-integral value 0.5"),
        ([[1, 0], [1, 1]], {"label_mode": "categorical"}, ValueError, "row 1 sums to 2"),
        ([[0, 2], [1, 0]], {"label_mode": "multi_label"}, ValueError, "hold only 0 and 1"),
        ([[0, 1], [1]], {}, ValueError, "ragged"),
        ([0, "cat", 1], {}, TypeError, "mixes types"),
        ([0, 1, 5], {"classes": 3}, ValueError, "class index 5"),
        ([0, 1, 5], {"classes": [0, 1, 2]}, ValueError, "class index 5"),
        ([0, 1, 5], {"classes": [1, 0, 7]}, ValueError, "label 5, which is not in classes"),
        (["a", "z"], {"classes": ["a", "b"]}, ValueError, "'z'.*not in classes"),
        ([[0, 1], [1, 0]], {"classes": 3}, ValueError, "2 columns.*3 entries"),
        ([0, 1], {"classes": ["a", "b"]}, TypeError, "give classes as integers"),
        ([0, 1], {"classes": 0}, ValueError, "at least 1"),
        ([0, 1], {"classes": [0, 0]}, ValueError, "duplicates"),
        ([0, 1], {"classes": "ab"}, TypeError, "an int .* or a list"),
        (["a", "b"], {"label_mode": "categorical"}, ValueError, "strings.*label_mode='int'"),
        ([0, 1], {"label_mode": "onehot"}, ValueError, "label_mode='onehot' is not supported"),
        ([1, 0], {"label_mode": "categorical"}, ValueError, "needs one row per sample"),
    ],
)
def test_bad_labels_raise_clear_errors(y, kwargs, error, match):
    with pytest.raises(error, match=match):
        decode_labels(y, **kwargs)


def test_error_names_the_argument():
    with pytest.raises(ValueError, match=r"^y_train contains the negative"):
        decode_labels([0, -1], name="y_train")


labels_text = st.lists(
    st.text(alphabet="abcdefXYZ019 _-", min_size=1, max_size=4), min_size=1, max_size=60
)


@settings(max_examples=60, deadline=None)
@given(labels_text)
def test_string_labels_map_like_sklearn_label_encoder(y):
    decoded = decode_labels(y)
    encoder = LabelEncoder().fit(y)
    assert list(decoded.classes) == encoder.classes_.tolist()
    np.testing.assert_array_equal(decoded.indices, encoder.transform(y))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=80))
def test_int_counts_equal_bincount(y):
    np.testing.assert_array_equal(decode_labels(y).counts(), np.bincount(y))


@pytest.mark.parametrize("num_classes", [7, 40])  # both implementations (ops.argmax below 32)
def test_first_argmax_matches_numpy_and_keeps_the_first_tie(num_classes: int) -> None:
    import keras

    from keras_imbalance.labels import first_argmax

    scores = np.random.default_rng(0).random((64, num_classes)).astype("float32")
    scores[0] = 0.0
    scores[0, [1, 2, 4]] = 0.5  # ties: the first maximum wins, as argmax
    scores[1] = np.nan  # a NaN row stays a valid class index
    got = keras.ops.convert_to_numpy(first_argmax(scores))
    np.testing.assert_array_equal(got[2:], scores[2:].argmax(axis=-1))
    assert got[0] == 1
    assert 0 <= got[1] < num_classes
    assert got.dtype == np.int32


# --- Issue 11: no silent re-reading, and a class limit the user can raise ---------------------


@pytest.mark.parametrize(
    ("y", "row", "total"),
    [
        ([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]], 2, 2),  # one bad row
        ([[1, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 0]], 1, 0),  # all-zero rows
    ],
)
def test_one_hot_with_a_defect_is_not_reread_as_multi_label(y, row, total):
    with pytest.raises(
        ValueError, match=rf"looks one-hot .* row {row} sums to {total}.*label_mode"
    ):
        decode_labels(y)
    assert (
        decode_labels(y, label_mode="multi_label").counts().tolist() == np.sum(y, axis=0).tolist()
    )
    with pytest.raises(ValueError, match=rf"row {row} sums to {total}"):
        decode_labels(y, label_mode="categorical")


def test_clear_multi_hot_rows_are_still_detected():
    y = [[1, 1, 0], [0, 1, 1], [1, 0, 0], [0, 0, 0]]
    assert decode_labels(y).label_mode == "multi_label"


@pytest.mark.parametrize("huge", [10**7, 10**9])
def test_one_huge_label_is_refused_with_a_limit_the_user_can_raise(huge):
    with pytest.raises(
        ValueError, match=rf"class index {huge}, which makes {huge + 1} classes.*max_classes=100000"
    ):
        decode_labels([0, 1, huge])
    decoded = decode_labels([0, 3], max_classes=4)
    assert decoded.num_classes == 4
    with pytest.raises(ValueError, match="max_classes=4"):
        decode_labels([0, 4], max_classes=4)
    with pytest.raises(ValueError, match="max_classes=0 must be a positive int"):
        decode_labels([0, 1], max_classes=0)


def test_decode_options_list_exactly_the_options_of_decode_labels():
    import inspect

    from keras_imbalance.labels.decode import DecodeOptions

    keyword_only = [
        p.name
        for p in inspect.signature(decode_labels).parameters.values()
        if p.kind is p.KEYWORD_ONLY
    ]
    assert list(DecodeOptions.__annotations__) == keyword_only


@pytest.mark.parametrize("limit", [0, -1, 1.0, True, "5", None])
def test_max_classes_limit_names_the_argument(limit):
    from keras_imbalance.labels.decode import max_classes_limit

    with pytest.raises(
        ValueError, match=r"max_classes=.* must be a positive int \(default 100000\)"
    ):
        max_classes_limit(limit)
    assert max_classes_limit(np.int64(7)) == 7 and type(max_classes_limit(np.int64(7))) is int


# --- The bad-input sweep of issue 16 --------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2, 3), (5, 2), (1, 4)])
def test_an_all_zero_matrix_asks_for_label_mode(shape):
    """It was read as multi-hot rows without a single label: all-zero counts, ratio inf."""
    with pytest.raises(ValueError, match=rf"y is all zeros \(shape \({shape[0]}, {shape[1]}\)\)"):
        decode_labels(np.zeros(shape, int))
    with pytest.raises(ValueError, match="label_mode='multi_label'"):
        decode_labels(np.zeros(shape, float), name="tags")
    # Declared multi-label, rows without labels are legitimate: they count 0 for every label.
    decoded = decode_labels(np.zeros(shape, int), label_mode="multi_label")
    np.testing.assert_array_equal(decoded.counts(), np.zeros(shape[1], np.int64))
    assert decoded.n_samples == shape[0]


@pytest.mark.parametrize(
    ("value", "dtype"),
    [
        (1e300, np.float64),
        (-1e300, np.float64),
        (2.0**63, np.float64),
        (2.0**53, np.float64),
        (float(np.finfo(np.float32).max), np.float32),
    ],
    ids=["1e300", "-1e300", "2**63", "2**53", "float32-max"],
)
def test_a_float_too_large_for_a_class_index_is_named(value, dtype):
    """1e300 overflowed the cast to int64 and was reported as a negative class index."""
    y = np.array([0.0, value], dtype=dtype)
    with pytest.raises(ValueError, match="too large to be a class index") as caught:
        decode_labels(y)
    assert repr(float(y[1])) in str(caught.value)
    assert "negative" not in str(caught.value)


def test_a_uint64_label_above_the_int64_range_is_named():
    y = np.array([0, 2**64 - 1], dtype=np.uint64)
    with pytest.raises(ValueError, match=f"{2**64 - 1}, which is too large"):
        decode_labels(y)
    # Below 2**53 the max_classes guard still names the label.
    with pytest.raises(ValueError, match="max_classes"):
        decode_labels(np.array([0.0, 2.0**52]))
