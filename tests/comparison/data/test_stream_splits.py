"""compare carves the missing validation and test splits out of a tf.data stream, as for arrays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.data.splits import SPLITS, make_splits
from keras_imbalance.comparison.data.streams import Stream
from keras_imbalance.comparison.session import splits_fingerprint
from tests.comparison.test_compare import mlp
from tests.conftest import needs_tensorflow

pytestmark = needs_tensorflow

N, BATCH = 90, 8
ID_SCALE = 128.0  # ids / 128 are exact in float32, and small enough to feed a model


def labelled(n: int = N, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``x[:, 0] * 128`` is each element's id (its index); 3 classes, 54/22/14 of 90."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], [54, 22, 14])[rng.permutation(n)] if n == N else rng.choice(3, n)
    ids = np.arange(n, dtype="float32") / ID_SCALE
    x = np.column_stack([ids, rng.normal(size=(n, 2)) + y[:, None]]).astype("float32")
    return x, y


def dataset(x: np.ndarray, y: np.ndarray, batch: int = BATCH) -> Any:
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)


def ids_of(x: Any) -> np.ndarray:
    """The ids of a split's samples, in the order its stream (or array) gives them."""
    if isinstance(x, Stream):
        x = np.concatenate([batch for batch, _ in x.batches()])
    return np.rint(np.asarray(x)[:, 0] * ID_SCALE).astype(np.int64)


def one_hot(y: np.ndarray) -> np.ndarray:
    return np.eye(3, dtype="float32")[y]


X, Y = labelled()
ENCODINGS = {"int": lambda y: y, "one_hot": one_hot, "string": np.array(["a", "b", "c"]).take}
HELD_OUT = labelled(40, seed=1)


@pytest.mark.parametrize("labels", list(ENCODINGS))
@pytest.mark.parametrize("given", ["nothing", "test", "validation"])
@pytest.mark.parametrize("seed", [0, 3])
def test_carved_splits_are_the_stratified_splits_of_the_same_labels_as_arrays(
    labels: str, given: str, seed: int
) -> None:
    encode = ENCODINGS[labels]
    y, held_out = encode(Y), (HELD_OUT[0], encode(HELD_OUT[1]))
    extra: dict[str, Any] = {}
    streamed: dict[str, Any] = {}
    if given != "nothing":
        extra[f"{given}_data"] = held_out
        streamed[f"{given}_data"] = dataset(*held_out)
    options = {"validation_size": 0.2, "test_size": 0.25, "seed": seed}
    arrays = make_splits((X, y), **extra, **options)
    streams = make_splits(dataset(X, y), **streamed, **options)
    for split in SPLITS:
        np.testing.assert_array_equal(streams.counts(split), arrays.counts(split))
    # The same elements, in the source's order; the labels each stream yields are its labels.
    pairs = zip(
        (streams.x_train, streams.x_val, streams.x_test),
        (arrays.x_train, arrays.x_val, arrays.x_test),
        strict=True,
    )
    for mine, theirs in pairs:
        np.testing.assert_array_equal(ids_of(mine), ids_of(theirs))
        np.testing.assert_array_equal(np.concatenate([b for _, b in mine.batches()]), mine.labels)
    words = {
        s: text.replace("the data", "the stream").replace("training data", "training stream")
        for s, text in arrays.sources.items()
    }
    # Training is what the carving left (the arrays' words say "given" once their test is carved).
    assert streams.sources == {**words, "train": "the rest"}


def test_the_carved_splits_partition_the_dataset_and_keep_its_batch_size() -> None:
    splits = make_splits(dataset(X, Y), validation_size=0.2, test_size=0.2, seed=5)
    parts = [ids_of(x) for x in (splits.x_train, splits.x_val, splits.x_test)]
    assert sum(len(p) for p in parts) == N
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(N))
    for stream, part in zip((splits.x_train, splits.x_val, splits.x_test), parts, strict=True):
        assert isinstance(stream, Stream)
        np.testing.assert_array_equal(np.sort(stream.rows), part)
        sizes = [len(y) for _, y in stream.batches()]
        assert stream.num_batches == len(sizes) == -(-len(part) // BATCH)
        assert sizes[:-1] == [BATCH] * (len(sizes) - 1)
        assert int(stream.data.cardinality()) == len(sizes)
        np.testing.assert_array_equal(stream.labels, Y[part])


def test_a_mapped_dataset_of_x_y_w_batches_is_carved_with_its_map_applied() -> None:
    import tensorflow as tf

    # (x, y, w) batches, and a map upstream: the carved split yields (x, y) with the map applied.
    source = tf.data.Dataset.from_tensor_slices((X, Y, np.ones(N, "float32"))).batch(BATCH)
    doubled = source.map(lambda x, y, w: (x * 2.0, y, w))
    splits = make_splits(doubled, seed=0)
    plain = make_splits(dataset(X, Y), seed=0)
    for mine, theirs in ((splits.x_test, plain.x_test), (splits.x_train, plain.x_train)):
        got = np.concatenate([x for x, _ in mine.batches()])
        want = np.concatenate([x for x, _ in theirs.batches()])
        np.testing.assert_array_equal(got, 2.0 * want)


def test_a_shuffled_endless_or_unbatched_dataset_is_refused_by_name() -> None:
    import tensorflow as tf

    base = tf.data.Dataset.from_tensor_slices((X, Y))
    with pytest.raises(ValueError, match=r"data is shuffled .* drop \.shuffle\(\)"):
        make_splits(base.shuffle(N, seed=0).batch(BATCH))
    with pytest.raises(ValueError, match=r"data is endless \(repeat\(\) without a count\)"):
        make_splits(base.batch(BATCH).repeat())
    options = tf.data.Options()
    options.deterministic = False
    with pytest.raises(ValueError, match=r"options\(\).deterministic=False"):
        make_splits(base.batch(BATCH).with_options(options))
    with pytest.raises(ValueError, match=r"must yield \(x, y\) or .* batch single samples first"):
        make_splits(base)
    # A shuffled dataset with both splits given is not carved, so it may be shuffled.
    given = make_splits(
        base.shuffle(N, seed=0).batch(BATCH),
        validation_data=dataset(*HELD_OUT),
        test_data=dataset(*HELD_OUT),
    )
    assert given.sources == {"train": "given", "validation": "given", "test": "given"}


def test_too_few_samples_of_a_class_or_no_training_share_are_named_errors() -> None:
    y = Y.copy()
    y[y == 2] = 1
    y[:2] = 2  # class 2 has 2 samples: one for test leaves too few for validation
    with pytest.raises(ValueError, match=r"class 2 has 2 sample\(s\), too few .* test split"):
        make_splits(dataset(X, y))
    with pytest.raises(ValueError, match=r"validation_size=0\.5 \+ test_size=0\.5 leaves no"):
        make_splits(dataset(X, Y), validation_size=0.5, test_size=0.5)


def test_a_pydataset_is_not_carved_and_the_error_says_tf_data_can_be() -> None:
    class Batches(keras.utils.PyDataset):  # type: ignore[misc]
        def __len__(self) -> int:
            return -(-N // BATCH)

        def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
            rows = slice(index * BATCH, (index + 1) * BATCH)
            return X[rows], Y[rows]

    with pytest.raises(
        ValueError, match=r"a PyDataset needs validation_data=.* carves splits out of a tf\.data"
    ):
        make_splits(Batches())


KWARGS = {"model": mlp, "epochs": 1, "seeds": [0], "n_boot": 20, "tune": False, "batch_size": 8}


def test_compare_on_a_carved_stream_reports_the_array_splits_and_resumes(tmp_path: Path) -> None:
    strategies = ["none", "balanced", "resample"]
    first = compare(dataset(X, Y), strategies, output=tmp_path, **KWARGS)
    arrays = make_splits((X, Y), seed=0)
    for split in SPLITS:
        assert first.splits[split]["counts"] == arrays.counts(split).tolist()
    assert first.splits["test"]["source"] == "stratified 0.2 of the stream (seed 0)"
    assert {row["strategy"] for row in first.summary()} == set(strategies)
    for run in first.runs:
        assert len(run["predictions"]["test"]) == int(arrays.counts("test").sum())
    # The same call again finds its configuration (the data fingerprint) in the journal: it
    # resumes, trains nothing, and gives the same runs.
    again = compare(dataset(X, Y), strategies, output=tmp_path, **KWARGS)
    assert again.settings["runs_trained"] == 0
    assert [run["predictions"] for run in again.runs] == [run["predictions"] for run in first.runs]
    # Another carve of the same stream is other data: the journal refuses it.
    with pytest.raises(ValueError, match="another configuration"):
        compare(dataset(X, Y), strategies, output=tmp_path, validation_size=0.3, **KWARGS)


def test_the_fingerprint_is_stable_and_names_the_carved_elements() -> None:
    def fingerprint(seed: int) -> str:
        splits = make_splits(dataset(X, Y), seed=seed)
        streams = {"train": splits.x_train, "val": splits.x_val, "test": splits.x_test}
        return splits_fingerprint(streams, splits)

    assert fingerprint(0) == fingerprint(0)
    assert fingerprint(0) != fingerprint(1)
    # The same labels carved from other elements are other data.
    labels = np.array([0, 1, 2, 0])
    source = dataset(X, Y)
    first, second = (
        Stream(source, "test split", [0, 1, 2], "int", labels=labels, rows=rows)
        for rows in (np.array([0, 1, 2, 3]), np.array([0, 1, 2, 4]))
    )
    assert first.fingerprint() != second.fingerprint()
