"""Issue 11: one keyword for the sampling concept, checked seeds, labels the pipelines refuse,
and options checked when a pipeline is built."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest

from keras_imbalance.pipelines import (
    RESAMPLE_METHODS,
    SAMPLING_OPTIONS,
    BalancedBatches,
    WeightedPyDataset,
    resample,
    weighted_generator,
    with_sample_weights,
)
from tests.conftest import needs_tensorflow


def test_one_constant_names_the_sampling_options() -> None:
    assert SAMPLING_OPTIONS == ("oversample", "undersample")
    assert RESAMPLE_METHODS is SAMPLING_OPTIONS


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_balanced_batches_checks_its_seed(seed: object) -> None:
    with pytest.raises((TypeError, ValueError), match=r"seed=.*(int >= 0|negative)"):
        BalancedBatches(np.zeros((4, 1)), np.array([0, 0, 0, 1]), seed=seed)


def test_balanced_batches_names_sampling() -> None:
    with pytest.raises(ValueError, match="sampling='smote' is not supported"):
        BalancedBatches(np.zeros((4, 1)), np.array([0, 0, 0, 1]), sampling="smote")


class _Pairs(keras.utils.PyDataset):
    def __len__(self) -> int:
        return 1

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        raise AssertionError("validation must not need a batch")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"class_weight": [1.0, -2.0]}, r"class_weight|weight.*-2.0"),
        ({"class_weight": {0: 1.0, 1: float("nan")}}, r"nan"),
        ({"class_weight": "balanced"}, r"class_weight must be"),
        ({"class_weight": None}, r"class_weight=None weighs nothing"),
        ({"class_weight": [1.0, 2.0], "multi_label_reduce": "min"}, r"multi_label_reduce='min'"),
        ({"class_weight": [1.0, 2.0], "negative_weight": -1.0}, r"negative_weight=-1.0"),
        ({"class_weight": [1.0, 2.0], "label_mode": "binary"}, r"label_mode='binary'"),
    ],
)
def test_weighted_pipelines_check_their_options_when_built(
    kwargs: dict[str, object], match: str
) -> None:
    """weighted_generator checked nothing until next(); WeightedPyDataset only in __getitem__."""
    class_weight = kwargs.pop("class_weight")
    with pytest.raises((TypeError, ValueError), match=match):
        weighted_generator(iter([]), class_weight, **kwargs)  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError), match=match):
        WeightedPyDataset(_Pairs(), class_weight, **kwargs)  # type: ignore[arg-type]


def test_weighted_generator_still_weighs_lazily() -> None:
    batches = [(np.zeros((2, 1)), np.array([0, 1])), (np.zeros((1, 1)), np.array([1]))]
    weights = [w.tolist() for _, _, w in weighted_generator(batches, [1.0, 3.0])]
    assert weights == [[1.0, 3.0], [3.0]]


# --- tf.data -------------------------------------------------------------------------------------


@pytest.fixture
def tf():  # type: ignore[no-untyped-def]
    return pytest.importorskip("tensorflow")


@needs_tensorflow
def test_resample_method_is_a_deprecated_alias_of_sampling(tf) -> None:  # type: ignore[no-untyped-def]
    ds = tf.data.Dataset.from_tensor_slices(([[0.0]] * 6, [0, 0, 0, 0, 1, 2]))
    with pytest.deprecated_call(match=r"resample\(method=\.\.\.\) is deprecated.*sampling="):
        old = resample(ds, method="undersample", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        new = resample(ds, sampling="undersample", seed=0)
    assert old.epoch_size == new.epoch_size == 3  # C * n_min
    with pytest.raises(TypeError, match="both sampling= and its deprecated name method="):
        resample(ds, sampling="oversample", method="oversample")


@needs_tensorflow
@pytest.mark.parametrize("seed", [-3, 2.0, "1"])
def test_resample_checks_its_seed(tf, seed: object) -> None:  # type: ignore[no-untyped-def]
    ds = tf.data.Dataset.from_tensor_slices(([[0.0]] * 3, [0, 0, 1]))
    with pytest.raises((TypeError, ValueError), match=r"seed="):
        resample(ds, seed=seed)  # type: ignore[arg-type]


@needs_tensorflow
def test_resample_refuses_a_class_counts_does_not_declare(tf) -> None:  # type: ignore[no-untyped-def]
    """The undeclared class 2 was dropped without a word and epoch_size was wrong."""
    ds = tf.data.Dataset.from_tensor_slices(([[0.0]] * 6, [0, 0, 0, 1, 2, 2]))
    balanced, _ = resample(ds, counts={0: 3, 1: 1}, seed=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="counts does not declare"):
        list(balanced.take(50))
    fine, size = resample(ds, counts={0: 3, 1: 1, 2: 2}, seed=0)
    assert size == 9
    assert len(list(fine.take(9))) == 9


@needs_tensorflow
@pytest.mark.parametrize("label", [1.5, 2.9])
def test_with_sample_weights_refuses_non_integral_float_labels(tf, label: float) -> None:  # type: ignore[no-untyped-def]
    ds = tf.data.Dataset.from_tensor_slices(([[0.0]] * 2, [0.0, label])).batch(2)
    weighted = with_sample_weights(ds, [1.0, 2.0, 3.0], label_mode="int")
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-integral label"):
        list(weighted)
    whole = tf.data.Dataset.from_tensor_slices(([[0.0]] * 2, [0.0, 2.0])).batch(2)
    ((_, _, w),) = list(with_sample_weights(whole, [1.0, 2.0, 3.0], label_mode="int"))
    assert w.numpy().tolist() == [1.0, 3.0]


@needs_tensorflow
def test_seed_lookup_recipe_unseen_labels_are_refused(tf) -> None:  # type: ignore[no-untyped-def]
    """The seed's StaticHashTable recipe gives an unseen label the weight -1; ours refuses it."""
    strings = tf.data.Dataset.from_tensor_slices(([[0.0]] * 2, ["cat", "bird"])).batch(2)
    weighted = with_sample_weights(strings, {"cat": 1.0, "dog": 2.0})
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not name"):
        list(weighted)
    ints = tf.data.Dataset.from_tensor_slices(([[0.0]] * 2, [0, 7])).batch(2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"outside 0\.\.1"):
        list(with_sample_weights(ints, [1.0, 2.0]))


@needs_tensorflow
def test_resample_refuses_a_counted_class_that_dataset_lacks(tf) -> None:  # type: ignore[no-untyped-def]
    """Class 3 counted in epoch_size (16 = 4 classes x 4) but was never drawn."""
    ds = tf.data.Dataset.from_tensor_slices(([[0.0]] * 6, [0, 0, 0, 1, 1, 2]))
    balanced, size = resample(ds, counts={0: 3, 1: 2, 2: 1, 3: 4}, seed=0)
    assert size == 16
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"counts gives class 3 a count of 4, but dataset holds no element of it",
    ):
        list(balanced.take(200))
    # The right counts draw every class, uniformly in expectation.
    fine, size = resample(ds, counts={0: 3, 1: 2, 2: 1}, seed=0)
    assert size == 9
    drawn = np.asarray([int(y) for _, y in fine.take(3000)])
    np.testing.assert_allclose(np.bincount(drawn, minlength=3) / 3000, [1 / 3] * 3, atol=0.04)


@needs_tensorflow
def test_resample_result_says_how_to_unpack_it(tf) -> None:  # type: ignore[no-untyped-def]
    """ki.resample(...).batch(32) raised a bare AttributeError on the (dataset, epoch_size) pair."""
    import copy
    import pickle

    ds = tf.data.Dataset.from_tensor_slices(([[0.0]] * 4, [0, 0, 0, 1]))
    result = resample(ds, seed=0)
    with pytest.raises(AttributeError, match=r"has no \.batch; unpack it: balanced, epoch_size"):
        result.batch(32)
    with pytest.raises(AttributeError, match="'Resampled' object has no attribute 'nothing'"):
        _ = result.nothing
    balanced, epoch_size = result
    assert epoch_size == 6 and result.steps_per_epoch(4) == 2
    assert len(list(balanced.batch(4).take(result.steps_per_epoch(4)))) == 2
    assert copy.copy(result).epoch_size == 6
    assert pickle.loads(pickle.dumps(result._replace(dataset=None))).epoch_size == 6
