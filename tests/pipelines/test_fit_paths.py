"""Real ``model.fit`` runs on every input path: the logged loss is the hand-computed weighted mean.

The optimizer is SGD with learning rate 0 and one batch holds all samples, so the loss Keras logs
for the epoch is ``sum_i(w_i * l_i) / n`` (``sum_over_batch_size``) with ``l_i`` computed here
from ``model.predict``.
"""

from __future__ import annotations

import itertools
import math

import keras
import numpy as np
import pytest

from keras_imbalance.pipelines import (
    BalancedBatches,
    WeightedPyDataset,
    weighted_generator,
    with_sample_weights,
)
from keras_imbalance.weighting import sample_weights
from tests.conftest import BACKEND, has_module, needs_tensorflow

CLASS_WEIGHT = {0: 1.0, 1: 5.0, 2: 0.5}
N = 24


def compiled(model: keras.Model, loss) -> keras.Model:
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss=loss, jit_compile=False)
    return model


def classifier(features: int = 4, classes: int = 3, activation: str = "softmax") -> keras.Model:
    inputs = keras.Input((features,))
    outputs = keras.layers.Dense(classes, activation=activation)(inputs)
    return compiled(keras.Model(inputs, outputs), "sparse_categorical_crossentropy")


def sparse_ce(probabilities: np.ndarray, y: np.ndarray) -> np.ndarray:
    picked = np.take_along_axis(probabilities, y[..., None].astype(int), axis=-1)[..., 0]
    return -np.log(picked.astype(np.float64))


def binary_ce(probabilities: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = np.clip(probabilities.astype(np.float64), 1e-7, 1 - 1e-7)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(axis=-1)


def logged_loss(model: keras.Model, data, **kwargs) -> float:
    history = model.fit(data, epochs=1, verbose=0, shuffle=False, **kwargs)
    return float(history.history["loss"][0])


class OneBatch(keras.utils.PyDataset):
    def __init__(self, x, y, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y = x, y

    def __len__(self):
        return 1

    def __getitem__(self, index):
        return self.x, self.y


@pytest.fixture
def data(rng):
    x = rng.normal(size=(N, 4)).astype(np.float32)
    y = np.repeat([0, 1, 2], [14, 4, 6])
    return x, y


PATHS = ["numpy", "keras_class_weight", "pydataset", "generator", "tf_data"]


@pytest.mark.parametrize("path", PATHS)
def test_weighted_loss_on_every_input_path(data, path):
    if path == "tf_data" and not has_module("tensorflow"):
        pytest.skip("needs tensorflow installed")
    x, y = data
    model = classifier()
    losses = sparse_ce(model.predict(x, verbose=0), y)
    weights = np.asarray([CLASS_WEIGHT[c] for c in y])  # reference, one sample at a time
    expected = float(np.mean(weights * losses))

    if path == "numpy":
        got = logged_loss(
            model, x, y=y, sample_weight=sample_weights(y, CLASS_WEIGHT), batch_size=N
        )
    elif path == "keras_class_weight":  # Keras's own, for sparse labels where it is right
        got = logged_loss(model, x, y=y, class_weight=CLASS_WEIGHT, batch_size=N)
    elif path == "pydataset":
        got = logged_loss(model, WeightedPyDataset(OneBatch(x, y), CLASS_WEIGHT))
    elif path == "generator":
        batches = weighted_generator(itertools.repeat((x, y)), CLASS_WEIGHT)
        got = logged_loss(model, batches, steps_per_epoch=1)
    else:
        import tensorflow as tf

        dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(N)
        got = logged_loss(model, with_sample_weights(dataset, CLASS_WEIGHT))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    unweighted = logged_loss(model, x, y=y, batch_size=N)
    np.testing.assert_allclose(got / unweighted, expected / losses.mean(), rtol=1e-5)


class RecordedBatches(BalancedBatches):
    """Remembers the last batch it served (Keras may draw an epoch to build the model first)."""

    def __getitem__(self, index):
        self.served = super().__getitem__(index)
        return self.served


def test_balanced_batches_feed_fit(data):
    x, y = data
    model = classifier()
    batches = RecordedBatches(x, y, batch_size=64, class_weight=[1.0, 2.0, 3.0], seed=0)
    assert len(batches) == 1
    got = logged_loss(model, batches)
    xb, yb, wb = batches.served
    np.testing.assert_array_equal(np.bincount(yb), [14, 14, 14])
    np.testing.assert_array_equal(wb, np.asarray([1.0, 2.0, 3.0])[yb])
    expected = float(np.mean(wb * sparse_ce(model.predict(xb, verbose=0), yb)))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@needs_tensorflow
def test_seed_lookup_table_pipeline_gives_the_same_weights(data):
    import tensorflow as tf

    x, y = data
    weight_arr = [1.5, 0.5, 3.0]
    # The seed's pipeline: a StaticHashTable from label to weight, looked up in a map.
    key_tensor = tf.constant(list(range(len(weight_arr))), dtype=tf.int64)
    val_tensor = tf.constant(weight_arr)
    init = tf.lookup.KeyValueTensorInitializer(key_tensor, val_tensor)
    weight_table = tf.lookup.StaticHashTable(init, default_value=-1)

    def parse_function(features, label_integer):
        return features, label_integer, weight_table.lookup(label_integer)

    dataset = tf.data.Dataset.from_tensor_slices((x, y.astype(np.int64)))
    seed_weights = np.stack([w.numpy() for *_, w in dataset.map(parse_function)])
    ours = np.stack([w.numpy() for *_, w in with_sample_weights(dataset, weight_arr)])
    np.testing.assert_array_equal(ours, seed_weights)
    # and batched, the way fit consumes it
    batched = np.concatenate(
        [w.numpy() for *_, w in with_sample_weights(dataset.batch(5), weight_arr)]
    )
    np.testing.assert_array_equal(batched, seed_weights)


@pytest.mark.parametrize("source", ["numpy", "tf_data"])
def test_multi_hot_sample_weights_in_fit(rng, source):
    if source == "tf_data" and not has_module("tensorflow"):
        pytest.skip("needs tensorflow installed")
    x = rng.normal(size=(N, 4)).astype(np.float32)
    y = (rng.random((N, 3)) < 0.3).astype(np.float32)
    y[0] = 0.0
    inputs = keras.Input((4,))
    model = compiled(
        keras.Model(inputs, keras.layers.Dense(3, activation="sigmoid")(inputs)),
        "binary_crossentropy",
    )
    class_weight = [1.0, 4.0, 9.0]
    # reference: the largest weight among a row's positive labels, 1.0 for an empty row
    row_weights = np.array(
        [max([class_weight[c] for c in np.flatnonzero(r)], default=1.0) for r in y]
    )
    expected = float(np.mean(row_weights * binary_ce(model.predict(x, verbose=0), y)))
    if source == "numpy":
        got = logged_loss(
            model, x, y=y, sample_weight=sample_weights(y, class_weight), batch_size=N
        )
    else:
        import tensorflow as tf

        dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(N)
        got = logged_loss(
            model, with_sample_weights(dataset, class_weight, label_mode="multi_label")
        )
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize(
    ("labels", "source"),
    [("sparse", "numpy"), ("one_hot", "numpy"), ("sparse", "tf_data"), ("one_hot", "tf_data")],
)
def test_per_timestep_weights_in_fit(rng, labels, source):
    if source == "tf_data" and not has_module("tensorflow"):
        pytest.skip("needs tensorflow installed")
    steps, classes = 5, 3
    x = rng.normal(size=(N, steps, 4)).astype(np.float32)
    y = rng.integers(0, classes, (N, steps))
    inputs = keras.Input((steps, 4))
    outputs = keras.layers.Dense(classes, activation="softmax")(inputs)  # (N, T, C)
    loss = "sparse_categorical_crossentropy" if labels == "sparse" else "categorical_crossentropy"
    model = compiled(keras.Model(inputs, outputs), loss)
    targets = y if labels == "sparse" else np.eye(classes, dtype=np.float32)[y]
    mode = "int" if labels == "sparse" else "categorical"
    per_step = np.empty((N, steps))
    for i, t in itertools.product(range(N), range(steps)):
        per_step[i, t] = CLASS_WEIGHT[int(y[i, t])]
    expected = float(np.mean(per_step * sparse_ce(model.predict(x, verbose=0), y)))
    if source == "numpy":
        weights = sample_weights(targets, CLASS_WEIGHT, label_mode=mode)
        assert weights.shape == (N, steps)
        got = logged_loss(model, x, y=targets, sample_weight=weights, batch_size=N)
    else:
        import tensorflow as tf

        dataset = tf.data.Dataset.from_tensor_slices((x, targets)).batch(N)
        got = logged_loss(model, with_sample_weights(dataset, CLASS_WEIGHT, label_mode=mode))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize(
    "labels",
    [
        pytest.param(
            "sparse",
            marks=pytest.mark.skipif(
                BACKEND == "torch",
                reason="Keras 3.15 on torch: sparse_categorical_crossentropy on a rank-4 output "
                "fails in backward ('grad_input must be contiguous'), with or without weights",
            ),
        ),
        "one_hot",
    ],
)
def test_per_pixel_weights_in_fit(rng, labels):
    x = rng.normal(size=(6, 4, 4, 2)).astype(np.float32)
    masks = rng.integers(0, 3, (6, 4, 4))
    inputs = keras.Input((4, 4, 2))
    loss = "sparse_categorical_crossentropy" if labels == "sparse" else "categorical_crossentropy"
    model = compiled(keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs)), loss)
    targets = masks if labels == "sparse" else np.eye(3, dtype=np.float32)[masks]
    weights = sample_weights(
        targets, CLASS_WEIGHT, label_mode="int" if labels == "sparse" else None
    )
    assert weights.shape == (6, 4, 4)
    reference = np.vectorize(CLASS_WEIGHT.get)(masks).astype(np.float64)
    expected = float(np.mean(reference * sparse_ce(model.predict(x, verbose=0), masks)))
    got = logged_loss(model, x, y=targets, sample_weight=weights, batch_size=6)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_two_heads_only_the_weighted_head_changes(data):
    x, y = data
    y_b = np.arange(N) % 2
    inputs = keras.Input((4,))
    heads = {
        "a": keras.layers.Dense(3, activation="softmax", name="a")(inputs),
        "b": keras.layers.Dense(2, activation="softmax", name="b")(inputs),
    }
    model = keras.Model(inputs, heads)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.0),
        loss={"a": "sparse_categorical_crossentropy", "b": "sparse_categorical_crossentropy"},
        jit_compile=False,
    )
    labels = {"a": y, "b": y_b}
    predicted = model.predict(x, verbose=0)
    loss_a, loss_b = sparse_ce(predicted["a"], y), sparse_ce(predicted["b"], y_b)
    weights = sample_weights(labels, {"a": CLASS_WEIGHT, "b": None})
    history = model.fit(
        x, labels, sample_weight=weights, batch_size=N, epochs=1, verbose=0, shuffle=False
    ).history
    per_sample = np.asarray([CLASS_WEIGHT[c] for c in y])
    np.testing.assert_allclose(history["a_loss"][0], np.mean(per_sample * loss_a), rtol=1e-5)
    np.testing.assert_allclose(history["b_loss"][0], loss_b.mean(), rtol=1e-5)
    plain = model.fit(x, labels, batch_size=N, epochs=1, verbose=0, shuffle=False).history
    factor = np.mean(per_sample * loss_a) / loss_a.mean()
    np.testing.assert_allclose(history["a_loss"][0] / plain["a_loss"][0], factor, rtol=1e-5)
    np.testing.assert_allclose(history["b_loss"][0], plain["b_loss"][0], rtol=1e-6)


def test_normalize_mean_keeps_the_loss_scale_of_uniform_labels(data):
    # With normalize="mean" the weights average 1, so constant per-sample losses keep their value.
    x, y = data
    model = classifier()
    zero = np.zeros_like(x)  # every sample gets the same prediction, hence the same loss per class
    weights = sample_weights(y, CLASS_WEIGHT, normalize="mean")
    assert math.isclose(weights.mean(), 1.0, rel_tol=1e-12)
    losses = sparse_ce(model.predict(zero, verbose=0), y)
    got = logged_loss(model, zero, y=y, sample_weight=weights, batch_size=N)
    np.testing.assert_allclose(got, np.mean(weights * losses), rtol=1e-5)
