"""data.py: tf.data counting, weighting and resampling; balanced and weighted PyDatasets."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from keras_imbalance.counting import counts_from_labels
from keras_imbalance.pipelines import (
    BalancedBatches,
    WeightedPyDataset,
    count_dataset,
    is_batched,
    resample,
    weighted_generator,
    with_sample_weights,
)
from keras_imbalance.weighting import sample_weights
from tests.conftest import has_module, needs_tensorflow

WEIGHTS = [0.5, 2.0, 4.0, 8.0]

if has_module("tensorflow"):
    import tensorflow as tf


def label_cases(rng: np.random.Generator) -> dict[str, tuple[np.ndarray, str | None]]:
    """Labels of every shape, with the label_mode they need (None: detected)."""
    multi_hot = (rng.random((24, 4)) < 0.4).astype(np.float32)
    multi_hot[0] = 0
    return {
        "sparse": (rng.integers(0, 4, 24), None),
        "sparse_column": (rng.integers(0, 4, (24, 1)), None),
        "one_hot": (np.eye(4, dtype=np.float32)[rng.integers(0, 4, 24)], "categorical"),
        "sequence": (rng.integers(0, 4, (24, 5)), "int"),
        "one_hot_sequence": (
            np.eye(4, dtype=np.float32)[rng.integers(0, 4, (24, 5))],
            "categorical",
        ),
        "mask": (rng.integers(0, 4, (24, 3, 3)), "int"),
        "multi_hot": (multi_hot, "multi_label"),
        "strings": (np.array(["b", "a", "c", "a", "d", "a"] * 4), None),
    }


CASES = list(label_cases(np.random.default_rng(0)))


def dataset_of(y: np.ndarray, batch: int | None, weights: np.ndarray | None = None):
    x = np.arange(len(y), dtype=np.float32)[:, None]
    parts = (x, y) if weights is None else (x, y, weights)
    ds = tf.data.Dataset.from_tensor_slices(parts)
    return ds if batch is None else ds.batch(batch)


def stacked(dataset, position: int) -> np.ndarray:
    parts = [element[position].numpy() for element in dataset]
    return np.concatenate(parts) if is_batched(dataset) else np.stack(parts)


# --- count_dataset --------------------------------------------------------------------------


@needs_tensorflow
@pytest.mark.parametrize("batch", [None, 5])
@pytest.mark.parametrize("case", CASES)
def test_count_dataset_equals_count_labels(rng, case, batch):
    y, _ = label_cases(rng)[case]
    mode = "int" if case in ("sequence", "mask") else None
    got = count_dataset(dataset_of(y, batch), label_mode=mode)
    assert got == counts_from_labels(y, label_mode=mode)


@needs_tensorflow
def test_count_dataset_detects_modes_like_decode_labels(rng):
    cases = label_cases(rng)
    for case, expected in [("one_hot", "categorical"), ("multi_hot", "multi_label")]:
        for batch in (None, 7):
            assert count_dataset(dataset_of(cases[case][0], batch)).label_mode == expected
    counted = count_dataset(dataset_of(cases["sparse"][0], None), classes=6)
    np.testing.assert_array_equal(counted.counts, np.bincount(cases["sparse"][0], minlength=6))


@needs_tensorflow
def test_count_dataset_reads_the_label_of_weighted_elements(rng):
    y = rng.integers(0, 3, 30)
    ds = dataset_of(y, 4, weights=np.ones(30, np.float32))
    np.testing.assert_array_equal(count_dataset(ds).counts, np.bincount(y))


@needs_tensorflow
def test_count_dataset_handles_unknown_shapes_from_generators():
    def pairs():
        for length in (3, 5, 2):
            yield np.zeros((length, 1), np.float32), np.arange(length) % 3

    spec = (tf.TensorSpec((None, 1), tf.float32), tf.TensorSpec((None,), tf.int64))
    ds = tf.data.Dataset.from_generator(pairs, output_signature=spec)
    expected = np.bincount(np.concatenate([np.arange(n) % 3 for n in (3, 5, 2)]))
    np.testing.assert_array_equal(count_dataset(ds).counts, expected)


@needs_tensorflow
@pytest.mark.parametrize(
    ("labels", "kwargs", "match"),
    [
        (np.array([0.0, 0.5, 1.0]), {}, "non-integral value 0.5"),
        (np.array([0.0, np.nan]), {}, "nan"),
        (np.array([0, -1, 1]), {}, "negative class index -1"),
        (np.array([0, 1, 5]), {"classes": 3}, "class index 5"),
        (np.array([[0, 2], [1, 0]]), {"label_mode": "categorical"}, "only 0 and 1"),
        (np.array([[1, 1], [1, 0]]), {"label_mode": "categorical"}, "sums to 2"),
        (np.array([[1, 0], [0, 1]]), {"classes": 3}, "2 columns"),
        (np.array([0, 1]), {"label_mode": "categorical"}, "static last axis"),
        (np.array([0, 1]), {"label_mode": "onehot"}, "label_mode"),
    ],
)
def test_count_dataset_errors_match_decode_labels(labels, kwargs, match):
    with pytest.raises(ValueError, match=match):
        count_dataset(dataset_of(labels, None), **kwargs)


@needs_tensorflow
def test_count_dataset_asks_for_label_mode_when_ambiguous(rng):
    masks = rng.integers(0, 2, (6, 3, 3))
    with pytest.raises(ValueError, match="label_mode='int' or label_mode='multi_label'"):
        count_dataset(dataset_of(masks, 2))
    assert count_dataset(dataset_of(masks, 2), label_mode="int") == counts_from_labels(
        masks, label_mode="int"
    )


@needs_tensorflow
def test_count_dataset_refuses_what_it_cannot_count():
    ds = dataset_of(np.array([0, 1]), None)
    with pytest.raises(ValueError, match="infinite"):
        count_dataset(ds.repeat())
    with pytest.raises(ValueError, match=r"\(x, y\)"):
        count_dataset(ds.map(lambda x, y: y))
    with pytest.raises(TypeError, match=r"tf\.data\.Dataset"):
        count_dataset([0, 1])
    with pytest.raises(ValueError, match="empty"):
        count_dataset(ds.take(0))


@needs_tensorflow
def test_is_batched_reads_the_pipeline():
    ds = dataset_of(np.arange(6), None)
    assert not is_batched(ds.map(lambda x, y: (x, y)).shuffle(3))
    assert is_batched(ds.batch(2).map(lambda x, y: (x, y)).prefetch(1))
    assert is_batched(ds.padded_batch(2))
    assert not is_batched(ds.batch(2).unbatch())


# --- with_sample_weights ----------------------------------------------------------------------


@needs_tensorflow
@pytest.mark.parametrize("batch", [None, 5])
@pytest.mark.parametrize("case", CASES)
def test_with_sample_weights_equals_sample_weights(rng, case, batch):
    y, mode = label_cases(rng)[case]
    weights = {"a": 1.0, "b": 2.0, "c": 4.0, "d": 8.0} if case == "strings" else WEIGHTS
    ds = dataset_of(y, batch)
    if batch is None and mode is None and y.ndim == 1 and case != "strings":
        mode = None  # scalar labels are always class indices
    weighted = with_sample_weights(ds, weights, label_mode=mode)
    assert weighted.element_spec[:2] == ds.element_spec
    expected = sample_weights(y, weights, label_mode=mode).astype(np.float32)
    np.testing.assert_array_equal(stacked(weighted, 2).reshape(expected.shape), expected)
    np.testing.assert_array_equal(stacked(weighted, 0), stacked(ds, 0))
    np.testing.assert_array_equal(stacked(weighted, 1), stacked(ds, 1))


@needs_tensorflow
@pytest.mark.parametrize("reduce", ["max", "mean", "sum"])
def test_with_sample_weights_multi_hot_reduce(rng, reduce):
    y, _ = label_cases(rng)["multi_hot"]
    weighted = with_sample_weights(
        dataset_of(y, 8),
        WEIGHTS,
        label_mode="multi_label",
        multi_label_reduce=reduce,
        negative_weight=0.25,
    )
    expected = sample_weights(y, WEIGHTS, multi_label_reduce=reduce, negative_weight=0.25)
    np.testing.assert_allclose(stacked(weighted, 2), expected, rtol=1e-6)


@needs_tensorflow
def test_with_sample_weights_multiplies_existing_weights(rng):
    y = rng.integers(0, 4, (12, 3))
    existing = np.linspace(0.5, 2.0, 12).astype(np.float32)
    weighted = with_sample_weights(dataset_of(y, 4, weights=existing), WEIGHTS, label_mode="int")
    expected = sample_weights(y, WEIGHTS, label_mode="int", combine=existing)
    np.testing.assert_allclose(stacked(weighted, 2), expected, rtol=1e-6)


@needs_tensorflow
def test_with_sample_weights_needs_label_mode_when_the_spec_is_ambiguous(rng):
    ds = dataset_of(np.eye(4, dtype=np.float32)[rng.integers(0, 4, 8)], 4)
    with pytest.raises(ValueError, match="pass label_mode='categorical', 'multi_label' or 'int'"):
        with_sample_weights(ds, WEIGHTS)
    with pytest.raises(ValueError, match=r"one row per|static last axis"):
        with_sample_weights(dataset_of(np.arange(4) % 2, 2), WEIGHTS, label_mode="categorical")


@needs_tensorflow
@pytest.mark.parametrize(
    ("y", "mode", "match"),
    [
        (np.array([0, 1, 7]), None, "outside 0..3"),
        (np.array([[1.0, 1.0, 0.0, 0.0]]), "categorical", "not one-hot"),
        (np.array([[2.0, 0.0, 0.0, 0.0]]), "multi_label", "other than 0/1"),
    ],
)
def test_with_sample_weights_fails_loudly_on_bad_labels(y, mode, match):
    weighted = with_sample_weights(dataset_of(y, 3), WEIGHTS, label_mode=mode)
    with pytest.raises(tf.errors.InvalidArgumentError, match=match):
        list(weighted)


@needs_tensorflow
def test_with_sample_weights_checks_class_weight_up_front():
    ds = dataset_of(np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="key 'a'"):
        with_sample_weights(ds, {"a": 1.0, "b": 2.0})
    with pytest.raises(ValueError, match="name the classes"):
        with_sample_weights(dataset_of(np.array(["a", "b"]), 2), [1.0, 2.0])


# --- resample ---------------------------------------------------------------------------------


def within_binomial_bound(observed: np.ndarray, target: np.ndarray) -> bool:
    n = observed.sum()
    share = observed / n
    bound = 3 * np.sqrt(target * (1 - target) / n)
    return bool(np.all(np.abs(share - target) <= bound))


@needs_tensorflow
@pytest.mark.parametrize(
    ("target", "shares"),
    [
        ("uniform", [0.25, 0.25, 0.25, 0.25]),
        ({0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4}, [0.1, 0.2, 0.3, 0.4]),
    ],
)
def test_resample_reaches_the_target_distribution(target, shares):
    y = np.repeat(np.arange(4), [400, 100, 30, 10])
    ds = dataset_of(y, None).shuffle(540, seed=1)
    balanced, epoch_size = resample(ds, target, seed=3)
    draws = np.concatenate([b[1].numpy() for b in balanced.take(3000).batch(1000)])
    observed = np.bincount(draws, minlength=4)
    assert within_binomial_bound(observed, np.asarray(shares))
    # oversample: the fewest draws that cover the largest class
    assert epoch_size == math.ceil(
        max(n / p for n, p in zip([400, 100, 30, 10], shares, strict=True))
    )


@needs_tensorflow
def test_resample_epoch_sizes_and_fresh_draws():
    y = np.repeat([0, 1, 2], [50, 20, 5])
    ds = dataset_of(y, None)
    over = resample(ds, seed=0)
    under = resample(ds, sampling="undersample", seed=0)
    assert (over.epoch_size, under.epoch_size) == (3 * 50, 3 * 5)
    assert over.steps_per_epoch(32) == math.ceil(150 / 32)
    iterator = iter(over.dataset)
    first = [int(next(iterator)[0].numpy()[0]) for _ in range(150)]
    second = [int(next(iterator)[0].numpy()[0]) for _ in range(150)]
    assert first != second
    # the elements keep their own labels: x holds the row number
    for x, label in over.dataset.take(60):
        assert y[int(x.numpy()[0])] == int(label.numpy())


@needs_tensorflow
def test_resample_one_hot_and_string_labels():
    onehot = np.eye(2, dtype=np.float32)[np.repeat([0, 1], [40, 8])]
    balanced, size = resample(dataset_of(onehot, None), seed=1)
    labels = np.concatenate([b[1].numpy() for b in balanced.take(2000).batch(500)])
    assert within_binomial_bound(labels.sum(axis=0), np.array([0.5, 0.5]))
    names = np.array(["cat"] * 30 + ["dog"] * 6)
    balanced, size = resample(dataset_of(names, None), {"cat": 1, "dog": 3}, seed=1)
    drawn = np.concatenate([b[1].numpy() for b in balanced.take(2000).batch(500)])
    observed = np.array([(drawn == b"cat").sum(), (drawn == b"dog").sum()])
    assert within_binomial_bound(observed, np.array([0.25, 0.75]))
    assert size == math.ceil(max(30 / 0.25, 6 / 0.75))


@needs_tensorflow
def test_resample_refuses_batched_and_bad_targets():
    ds = dataset_of(np.repeat([0, 1], [5, 2]), None)
    with pytest.raises(ValueError, match=r"before \.batch\(\)"):
        resample(ds.batch(2))
    with pytest.raises(ValueError, match="target"):
        resample(ds, "balanced")
    with pytest.raises(ValueError, match="share of 0"):
        resample(ds, {0: 0, 1: 0})
    with pytest.raises(ValueError, match="no elements"):
        resample(ds, {0: 1, 1: 1, 2: 1}, counts={0: 5, 1: 2, 2: 0})
    with pytest.raises(ValueError, match="sampling='smote' is not supported"):
        resample(ds, sampling="smote")


# --- BalancedBatches ----------------------------------------------------------------------------


def labels_in(batches: BalancedBatches) -> np.ndarray:
    return np.concatenate([batches[i][1] for i in range(len(batches))])


@pytest.mark.parametrize("sampling", ["oversample", "undersample"])
def test_balanced_batches_balance_every_epoch(sampling):
    y = np.repeat([0, 1, 2], [23, 7, 3])
    batches = BalancedBatches(np.arange(33.0)[:, None], y, batch_size=4, sampling=sampling, seed=0)
    per_class = 23 if sampling == "oversample" else 3
    for _ in range(3):
        np.testing.assert_array_equal(np.bincount(labels_in(batches)), [per_class] * 3)
        assert len(batches) == math.ceil(3 * per_class / 4)
        assert len(batches[len(batches) - 1][1]) == 3 * per_class - 4 * (len(batches) - 1)
        batches.on_epoch_end()


def test_balanced_batches_draw_afresh_and_keep_rows_aligned():
    y = np.repeat([0, 1], [20, 4])
    x = np.arange(24 * 2 * 3 * 2, dtype=np.float32).reshape(24, 2, 3, 2)  # rank 4 inputs
    batches = BalancedBatches(x, y, batch_size=5, seed=1)
    seen = []
    for _ in range(2):
        rows = []
        for i in range(len(batches)):
            xb, yb = batches[i]
            index = (xb[:, 0, 0, 0] // 12).astype(int)
            np.testing.assert_array_equal(yb, y[index])
            rows.append(index)
        seen.append(np.concatenate(rows))
        batches.on_epoch_end()
    assert not np.array_equal(seen[0], seen[1])
    # oversampling repeats whole permutations: every minority row appears 20 // 4 = 5 times
    minority = seen[0][y[seen[0]] == 1]
    np.testing.assert_array_equal(np.bincount(minority, minlength=24)[20:], [5] * 4)
    majority = seen[0][y[seen[0]] == 0]
    np.testing.assert_array_equal(np.sort(majority), np.arange(20))


def test_balanced_batches_undersample_takes_distinct_rows():
    y = np.repeat([0, 1], [30, 6])
    batches = BalancedBatches({"a": np.arange(36.0)}, y, batch_size=8, sampling="undersample")
    rows = np.concatenate([batches[i][0]["a"] for i in range(len(batches))]).astype(int)
    assert np.unique(rows).size == rows.size == 12


def test_balanced_batches_add_class_weights_and_one_hot():
    y = np.eye(2)[np.repeat([0, 1], [6, 2])]
    batches = BalancedBatches(np.zeros((8, 1)), y, batch_size=4, class_weight=[1.0, 3.0], seed=0)
    for i in range(len(batches)):
        _, yb, wb = batches[i]
        np.testing.assert_array_equal(wb, np.where(yb[:, 1] == 1, 3.0, 1.0))


def test_balanced_batches_bad_input():
    with pytest.raises(ValueError, match="one class per sample"):
        BalancedBatches(np.zeros((3, 1)), np.array([[1, 1], [1, 1], [1, 0]]))
    with pytest.raises(ValueError, match="2 labels but x has 3"):
        BalancedBatches(np.zeros((3, 1)), np.array([0, 1]))
    with pytest.raises(ValueError, match="sampling"):
        BalancedBatches(np.zeros((2, 1)), np.array([0, 1]), sampling="smote")
    with pytest.raises(IndexError):
        BalancedBatches(np.zeros((2, 1)), np.array([0, 1]))[5]


def test_balanced_batches_pass_pydataset_options():
    batches = BalancedBatches(np.zeros((4, 1)), np.array([0, 1, 1, 1]), workers=2, max_queue_size=3)
    assert (batches.workers, batches.max_queue_size) == (2, 3)


# --- WeightedPyDataset and weighted_generator -------------------------------------------------


class Pairs(keras.utils.PyDataset):
    def __init__(self, x, y, w=None, batch_size=4, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.w, self.batch_size = x, y, w, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.y) / self.batch_size)

    def __getitem__(self, i):
        part = slice(i * self.batch_size, (i + 1) * self.batch_size)
        if self.w is None:
            return self.x[part], self.y[part]
        return self.x[part], self.y[part], self.w[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_weighted_pydataset_adds_weights_per_batch(rng):
    y = rng.integers(0, 4, (10, 3))
    inner = Pairs(np.zeros((10, 1)), y, workers=2)
    weighted = WeightedPyDataset(inner, WEIGHTS, label_mode="int")
    assert len(weighted) == 3 and weighted.workers == 2
    got = np.concatenate([weighted[i][2] for i in range(3)])
    np.testing.assert_array_equal(got, sample_weights(y, WEIGHTS, label_mode="int"))
    weighted.on_epoch_end()
    assert inner.epochs_ended == 1


def test_weighted_pydataset_multiplies_existing_weights(rng):
    y = rng.integers(0, 4, 8)
    existing = np.arange(1.0, 9.0)
    weighted = WeightedPyDataset(Pairs(np.zeros((8, 1)), y, existing), dict(enumerate(WEIGHTS)))
    got = np.concatenate([weighted[i][2] for i in range(len(weighted))])
    np.testing.assert_array_equal(got, np.asarray(WEIGHTS)[y] * existing)


def test_weighted_generator_wraps_batches(rng):
    y = (rng.random((9, 4)) < 0.5).astype(int)
    batches = ((np.zeros((3, 1)), y[i : i + 3]) for i in range(0, 9, 3))
    got = list(weighted_generator(batches, WEIGHTS, label_mode="multi_label"))
    np.testing.assert_array_equal(np.concatenate([w for *_, w in got]), sample_weights(y, WEIGHTS))
    with pytest.raises(ValueError, match=r"\(x, y\)"):
        list(weighted_generator([np.zeros(3)], WEIGHTS))
    with pytest.raises(TypeError, match="PyDataset"):
        WeightedPyDataset(iter([]), WEIGHTS)
