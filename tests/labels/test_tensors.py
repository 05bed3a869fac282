"""Labels as tensors: the range check on each path, the NaN it leaves where it cannot raise."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from keras_imbalance.labels.tensors import (
    check_class_range,
    check_ignore_class,
    checked_class_indices,
    class_indices,
    one_hot,
    poison,
)
from tests.labels.compiled_paths import PATHS, compile_on, named_error, raises_on

PRED = np.zeros((4, 3), dtype="float32")


def _numpy(x: Any) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.mark.parametrize(
    ("labels", "bad"), [([0, 1, 3, 2], 3), ([0, -2, 1, 2], -2), ([0, 9, -1, 2], -1)]
)
def test_the_eager_error_names_the_argument_and_the_first_bad_side(
    labels: list[int], bad: int
) -> None:
    """The lowest index is named when it is negative, else the highest (``_range_message``)."""
    way_out = "pass ignore_class" if bad < 0 else f"give the model {bad + 1} outputs"
    with pytest.raises(
        ValueError, match=rf"^targets contains the class index {bad}, but y_pred has 3 .*{way_out}"
    ):
        class_indices(np.array(labels), PRED, name="targets")


def test_ignore_class_elements_pass_the_check_and_come_back_unchanged() -> None:
    index, flag = checked_class_indices(np.array([0, -1, 2, -1]), PRED, ignore_class=-1)
    assert flag is None
    np.testing.assert_array_equal(_numpy(index), [0, -1, 2, -1])
    with pytest.raises(ValueError, match="class index -1"):
        checked_class_indices(np.array([0, -1]), PRED[:2], ignore_class=255)


def test_one_hot_labels_need_no_check() -> None:
    index, flag = checked_class_indices(np.eye(3, dtype="float32")[[2, 0, 1, 1]], PRED)
    assert flag is None
    np.testing.assert_array_equal(_numpy(index), [2, 0, 1, 1])


@pytest.mark.parametrize("path", PATHS)
def test_check_class_range_flags_what_it_cannot_raise(path: str) -> None:
    """The flag is the NaN switch: 0 for good labels, NaN for bad ones, on every path."""

    def flagged(labels: Any) -> Any:
        _, out_of_range = check_class_range(keras.ops.cast(labels, "int32"), 3)
        return poison(keras.ops.zeros((2,)), out_of_range)

    run = compile_on(path, flagged)
    np.testing.assert_array_equal(run(np.array([0, 2, 1])), [0.0, 0.0])
    if raises_on(path):
        error, match = named_error(path, 3, 3)
        with pytest.raises(error, match=match):
            run(np.array([0, 3, 1]))
    else:
        assert np.isnan(run(np.array([0, 3, 1]))).all()
        assert np.isnan(run(np.array([-4, 1, 1]))).all()


@pytest.mark.parametrize("path", PATHS)
def test_one_hot_alone_is_nan_where_it_cannot_raise(path: str) -> None:
    run = compile_on(path, lambda y, p: one_hot(y, p))
    np.testing.assert_array_equal(run(np.array([2, 0, 1, 1]), PRED), np.eye(3)[[2, 0, 1, 1]])
    if raises_on(path):
        error, match = named_error(path, 7, 3)
        with pytest.raises(error, match=match):
            run(np.array([2, 0, 7, 1]), PRED)
    else:
        assert np.isnan(run(np.array([2, 0, 7, 1]), PRED)).all()


def test_poison_keeps_values_without_a_flag_and_keeps_the_dtype() -> None:
    values = keras.ops.convert_to_tensor(np.array([1.5, -2.0], dtype="float16"))
    assert poison(values, None) is values
    kept = poison(values, keras.ops.convert_to_tensor(False))
    np.testing.assert_array_equal(_numpy(kept), [1.5, -2.0])
    assert keras.backend.standardize_dtype(kept.dtype) == "float16"
    assert np.isnan(_numpy(poison(values, keras.ops.convert_to_tensor(True)))).all()


def test_check_ignore_class() -> None:
    assert check_ignore_class(None) is None
    assert check_ignore_class(np.int32(255)) == 255
    for bad in (1.0, False, "0", [1]):
        with pytest.raises(
            TypeError, match=rf"ignore_class must be an int label.*{type(bad).__name__}"
        ):
            check_ignore_class(bad)
