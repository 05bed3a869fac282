"""Padded batches under a distribution: the same loss and gradient step as the batch unpadded."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_imbalance.comparison.run.even_batches as even
from keras_imbalance.comparison.run.even_batches import batch_shards, even_batches, pad_batch


@pytest.mark.parametrize(("n", "shards"), [(1, 2), (7, 2), (15, 4), (8, 8), (5, 3)])
def test_a_padded_batch_keeps_the_weighted_mean(n: int, shards: int) -> None:
    rng = np.random.default_rng(n)
    x, y, w = rng.normal(size=(n, 3)), rng.integers(0, 2, n), rng.uniform(0.5, 2.0, n)
    px, py, pw = pad_batch((x, y, w), shards)
    assert len(px) % shards == 0 and len(px) - n < shards
    assert len(px) == len(py) == len(pw)
    np.testing.assert_array_equal(px[:n], x)
    np.testing.assert_array_equal(py[:n], y)
    assert (pw[n:] == 0).all()
    # Keras' "sum_over_batch_size": sum(w * loss) / rows, here for any per-sample loss.
    loss = rng.uniform(size=n)
    padded_loss = np.concatenate([loss, loss[np.arange(len(px) - n) % n]])
    np.testing.assert_allclose((pw * padded_loss).sum() / len(px), (w * loss).sum() / n, 1e-6)


def test_a_batch_that_divides_is_left_alone_with_unit_weights() -> None:
    x, y, w = pad_batch((np.zeros((4, 2)), np.arange(4)), 2)
    assert x.shape == (4, 2) and y.tolist() == [0, 1, 2, 3] and w.tolist() == [1.0] * 4


@pytest.mark.parametrize("shards", [0, -1, 1.5, True])
def test_a_bad_device_count_is_refused(shards: object) -> None:
    with pytest.raises(ValueError, match=r"shards=.*whole number of devices"):
        pad_batch((np.zeros((3, 1)), np.zeros(3)), shards)  # type: ignore[arg-type]


def test_a_batch_of_other_parts_is_refused() -> None:
    with pytest.raises(ValueError, match=r"has 1 parts.*\(x, y\) or"):
        pad_batch((np.zeros((3, 1)),), 2)


def test_one_padded_step_equals_the_unpadded_step() -> None:
    """Keras' own loss and optimizer: the padded batch moves the weights as the real one does."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 3)).astype("float32")
    y = rng.integers(0, 3, 7)
    w = rng.uniform(0.5, 2.0, 7).astype("float32")

    def stepped(*batch: np.ndarray) -> list[np.ndarray]:
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
        model.compile(
            optimizer=keras.optimizers.SGD(0.5),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        model.train_on_batch(*batch)
        return model.get_weights()

    for got, want in zip(stepped(*pad_batch((x, y, w), 4)), stepped(x, y, w), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


class _Counting(keras.utils.PyDataset):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.ends = 0

    def __len__(self) -> int:
        return 2

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        size = 4 if index == 0 else 3
        return np.full((size, 1), float(index)), np.zeros(size, dtype="int64")

    def on_epoch_end(self) -> None:
        self.ends += 1


def test_even_batches_pads_every_batch_under_a_distribution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = _Counting()
    assert batch_shards() == 1  # no distribution in the tests' process
    assert even_batches(source) is source
    monkeypatch.setattr(even, "batch_shards", lambda: 2)
    padded = even_batches(source)
    assert len(padded) == 2
    assert [len(padded[i][0]) for i in range(2)] == [4, 4]
    assert padded[1][2].tolist() == pytest.approx([4 / 3] * 3 + [0.0])
    padded.on_epoch_end()
    assert source.ends == 1
    arrays = np.zeros((3, 1))
    assert even_batches(arrays) is arrays  # not a PyDataset: Keras batches it


def test_a_tf_data_pipeline_is_padded_by_the_same_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    tf = pytest.importorskip("tensorflow")
    x = np.arange(14.0, dtype="float32").reshape(7, 2)
    y = np.array([0, 1, 1, 0, 2, 1, 0])
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(5)  # batches of 5 and 2
    assert even_batches(dataset) is dataset
    monkeypatch.setattr(even, "batch_shards", lambda: 4)
    got = list(even_batches(dataset).as_numpy_iterator())
    want = [pad_batch((x[:5], y[:5]), 4), pad_batch((x[5:], y[5:]), 4)]
    assert len(got) == len(want) == 2
    for batch, expected in zip(got, want, strict=True):
        for part, reference in zip(batch, expected, strict=True):
            np.testing.assert_allclose(part, reference, rtol=1e-6)
