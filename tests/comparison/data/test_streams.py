"""compare on tf.data and PyDataset streams: every strategy trains, the splits are the user's."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.data.streams import Stream, is_stream, training_batches
from tests.comparison.test_compare import mlp
from tests.comparison.test_resume import assert_same_runs
from tests.conftest import needs_tensorflow

BATCH = 16


def split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    y[:3] = [0, 1, 2]  # every class in every split
    x = (rng.normal(size=(n, 4)) + y[:, None]).astype("float32")
    return x, y


TRAIN, VAL, TEST = split(96, 0), split(40, 1), split(40, 2)


class Batches(keras.utils.PyDataset):  # type: ignore[misc]
    """The arrays in fixed batches of 16, in order."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        super().__init__()
        self.x, self.y = x, y

    def __len__(self) -> int:
        return -(-len(self.x) // BATCH)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rows = slice(index * BATCH, (index + 1) * BATCH)
        return self.x[rows], self.y[rows]


KWARGS = {"model": mlp, "epochs": 2, "seeds": [0], "n_boot": 20, "tune": False}


def test_a_pydataset_with_the_user_splits_equals_the_arrays_for_plain_strategies() -> None:
    # Batches in the same order as the arrays are taken in when one batch holds all of them.
    big = {**KWARGS, "batch_size": 96}

    class Whole(Batches):
        def __len__(self) -> int:
            return 1

        def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
            return self.x, self.y

    strategies = ["none", "balanced", "logit_adjusted", "posthoc", "crt"]
    streamed = compare(
        Whole(*TRAIN), strategies, validation_data=Whole(*VAL), test_data=Whole(*TEST), **big
    )
    arrays = compare(TRAIN, strategies, validation_data=VAL, test_data=TEST, **big)
    assert_same_runs(streamed.runs, arrays.runs)
    assert streamed.splits == arrays.splits
    assert streamed.splits["train"]["counts"] == np.bincount(TRAIN[1]).tolist()


def test_every_strategy_trains_on_a_pydataset() -> None:
    strategies = ["none", "balanced", "focal", "ldam_drw", "mixup_drw", "tau_norm", "crt"]
    result = compare(
        (Batches(*TRAIN), Batches(*TEST)), strategies, validation_data=Batches(*VAL), **KWARGS
    )
    assert {row["strategy"] for row in result.summary()} == set(strategies)
    for run in result.runs:
        assert len(run["predictions"]["test"]) == 40
        assert not run["diverged"]


def test_mixup_batches_on_a_stream_mix_pairs_of_the_batch() -> None:
    stream = Stream(Batches(*TRAIN), "data", [0, 1, 2], "int", labels=TRAIN[1])
    batches = training_batches(
        stream, num_classes=3, seed=1, class_weight=[1.0, 2.0, 4.0], mixup_alpha=0.4
    )
    x, y, w = batches[0]
    x0, y0 = TRAIN[0][:BATCH], TRAIN[1][:BATCH]
    # The draws of batch 0 of epoch 0 (seed 1): lam ~ Beta(0.4, 0.4), then the partners.
    rng = np.random.default_rng([1, 0, 0])
    lam = rng.beta(0.4, 0.4)
    partners = rng.permutation(BATCH)
    eye = np.eye(3)
    np.testing.assert_allclose(x, lam * x0 + (1 - lam) * x0[partners], rtol=1e-6)
    np.testing.assert_allclose(y, lam * eye[y0] + (1 - lam) * eye[y0[partners]], rtol=1e-6)
    weights = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(w, lam * weights[y0] + (1 - lam) * weights[y0[partners]], rtol=1e-6)
    batches.set_class_weight({0: 1.0, 1: 1.0, 2: 1.0})
    batches.on_epoch_end()
    _, _, uniform = batches[0]
    np.testing.assert_allclose(uniform, 1.0)


def test_a_stream_is_read_in_order() -> None:
    stream = Stream(Batches(*TRAIN), "data", [0, 1, 2], "int", labels=TRAIN[1])
    batches = training_batches(stream, num_classes=3, seed=0)
    first = batches[0]
    assert batches[0] is first  # a second read of the same batch (Keras peeks at batch 0)
    np.testing.assert_array_equal(batches[1][1], TRAIN[1][16:32])
    with pytest.raises(IndexError, match="batch 3 asked out of order"):
        batches[3]


def test_streams_need_validation_and_test_data() -> None:
    with pytest.raises(ValueError, match="needs validation_data="):
        compare(Batches(*TRAIN), ["none"], test_data=Batches(*TEST), **KWARGS)
    with pytest.raises(ValueError, match="needs test_data="):
        compare(Batches(*TRAIN), ["none"], validation_data=Batches(*VAL), **KWARGS)
    with pytest.raises(
        TypeError, match=r"(?s)validation_data=.*must be a tf.data.Dataset or PyDataset"
    ):
        compare(Batches(*TRAIN), ["none"], validation_data=VAL, test_data=Batches(*TEST), **KWARGS)


def test_resample_on_a_pydataset_and_an_executor_are_refused() -> None:
    splits = {"validation_data": Batches(*VAL), "test_data": Batches(*TEST)}
    with pytest.raises(ValueError, match="strategy 'resample' needs per-sample access"):
        compare(Batches(*TRAIN), ["resample"], **splits, **KWARGS)
    from concurrent.futures import ThreadPoolExecutor

    with (
        ThreadPoolExecutor(1) as executor,
        pytest.raises(
            ValueError, match=r"executor was given with a tf\.data\.Dataset or PyDataset"
        ),
    ):
        compare(Batches(*TRAIN), ["none"], executor=executor, **splits, **KWARGS)


@needs_tensorflow
def test_tf_data_streams_train_every_strategy_and_refuse_a_shuffled_test_set() -> None:
    import tensorflow as tf

    def dataset(data: tuple[np.ndarray, np.ndarray]) -> tf.data.Dataset:
        return tf.data.Dataset.from_tensor_slices(data).batch(BATCH)

    assert is_stream(dataset(TRAIN)) and is_stream(Batches(*TRAIN)) and not is_stream(TRAIN)
    train = tf.data.Dataset.from_tensor_slices(TRAIN).shuffle(96, seed=0).batch(BATCH)
    strategies = ["none", "balanced", "resample", "mixup_drw", "posthoc"]
    result = compare(
        train, strategies, validation_data=dataset(VAL), test_data=dataset(TEST), **KWARGS
    )
    assert result.splits["validation"]["counts"] == np.bincount(VAL[1]).tolist()
    assert {row["strategy"] for row in result.summary()} == set(strategies)
    shuffled = tf.data.Dataset.from_tensor_slices(TEST).shuffle(40).batch(BATCH)
    with pytest.raises(ValueError, match="test_data is shuffled"):
        compare(train, ["none"], validation_data=dataset(VAL), test_data=shuffled, **KWARGS)


@needs_tensorflow
def test_a_stream_whose_order_changes_is_caught_when_scored() -> None:
    class Reshuffled(Batches):
        """A validation set that reorders itself between passes, undetectable from outside."""

        def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
            order = np.random.permutation(len(self.x))
            x, y = self.x[order], self.y[order]
            return x[index * BATCH : (index + 1) * BATCH], y[index * BATCH : (index + 1) * BATCH]

    with pytest.raises(ValueError, match="another order than on its first pass"):
        compare(
            Batches(*TRAIN),
            ["none"],
            validation_data=Reshuffled(*VAL),
            test_data=Batches(*TEST),
            **KWARGS,
        )
