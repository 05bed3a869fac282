"""Weight balancing (Alshammari et al. 2022): its class-balanced weights, MaxNorm on the class
vectors, a second stage that moves the classifier alone, and a tiny compare end to end."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.report.recipe import recipe
from keras_imbalance.comparison.run.classifier_stage import frozen_but_classifier, max_norm_columns
from keras_imbalance.comparison.run.training import Recipe, fit_run
from keras_imbalance.remedies import Context, get_remedy
from keras_imbalance.remedies.weight_balancing import STAGE_EPOCHS, balanced_weights
from tests.comparison.test_compare import mlp, tiny_data


def test_class_balanced_weights_follow_cui_et_al() -> None:
    counts = (500, 120, 30, 4)
    beta = 0.9999
    raw = (1 - beta) / (1 - beta ** np.array(counts, dtype="float64"))
    expected = raw * len(counts) / raw.sum()
    np.testing.assert_allclose(balanced_weights(counts), expected, rtol=1e-6)


def test_max_norm_on_class_vectors_matches_numpy() -> None:
    kernel = np.array([[3.0, 0.1, -6.0], [4.0, 0.2, 8.0]], dtype="float32")  # norms 5, .22, 10
    constraint = keras.constraints.MaxNorm(max_value=2.0, axis=0)
    got = keras.ops.convert_to_numpy(constraint(keras.ops.convert_to_tensor(kernel)))
    expected = max_norm_columns(kernel, 2.0)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    np.testing.assert_allclose(
        np.linalg.norm(expected, axis=0), [2.0, np.hypot(0.1, 0.2), 2.0], rtol=1e-5
    )


def test_the_stage_caps_the_class_vectors_and_puts_everything_back() -> None:
    network = mlp((4,), 3)
    classifier = network.layers[-1]
    kernel = np.full((8, 3), 2.0, dtype="float32")  # every class vector has norm 2 * sqrt(8)
    classifier.set_weights([kernel, np.zeros(3, "float32")])
    with frozen_but_classifier(network, 1.5):
        assert [layer.trainable for layer in network.layers[1:]] == [False, True]
        network.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
        network.train_on_batch(np.zeros((2, 4), "float32"), np.zeros((2, 3), "float32"))
    np.testing.assert_allclose(
        classifier.get_weights()[0], max_norm_columns(kernel, 1.5), rtol=1e-6
    )
    assert all(layer.trainable for layer in network.layers)
    assert classifier.kernel.constraint is None


class Snapshot(keras.callbacks.Callback):
    """The weights at the end of stage 1 (stage 2 runs without the run's callbacks)."""

    def on_train_end(self, logs: object = None) -> None:
        self.weights = [np.array(w) for w in self.model.get_weights()]


def _fit_weight_balancing(recipe_: Recipe) -> tuple[Any, list[np.ndarray], list[np.ndarray]]:
    """``(output, weights after stage 1, weights after stage 2)`` of one tiny run."""
    x, y = tiny_data(n_major=40, n_minor=10)
    params = {"weight_decay": 0.05, "max_norm": 0.5}
    context = Context.of(np.bincount(y), recipe_.epochs)
    setup = get_remedy("weight_balancing").setup(params, context)
    snapshot = Snapshot()
    setup.callbacks.append(snapshot)
    network = mlp((4,), 3)
    output = fit_run(
        network,
        setup,
        recipe=recipe_,
        seed=0,
        x_train=x,
        y_train=y,
        x_val=x[:20],
        y_val=y[:20],
        x_test=x[:5],
        num_classes=3,
    )
    return output, snapshot.weights, network.get_weights()


def test_stage_two_moves_the_classifier_alone() -> None:
    recipe_ = Recipe(epochs=2, batch_size=16, learning_rate=0.05, keep="last")
    output, stage_one, after = _fit_weight_balancing(recipe_)
    for before, now in zip(stage_one[:2], after[:2], strict=True):  # the hidden Dense
        np.testing.assert_array_equal(now, before)
    assert not np.array_equal(after[2], stage_one[2])  # the classifier trained
    assert np.linalg.norm(after[2], axis=0).max() <= 0.5 + 1e-5
    assert output.best_epoch == 2 and output.val_logits.shape == (20, 3)


def test_a_segment_resumed_at_a_later_epoch_still_trains_stage_two() -> None:
    # Successive halving resumes a survivor with initial_epoch; the stage has its own epochs.
    assert STAGE_EPOCHS <= 13  # the stage would start past its end at the segment's epoch
    resumed = Recipe(
        epochs=14, batch_size=16, learning_rate=0.05, keep="last", fit_kwargs={"initial_epoch": 13}
    )
    _, stage_one, after = _fit_weight_balancing(resumed)
    np.testing.assert_array_equal(after[0], stage_one[0])  # the hidden layer frozen
    assert not np.array_equal(after[2], stage_one[2])  # the classifier trained
    assert np.linalg.norm(after[2], axis=0).max() <= 0.5 + 1e-5


def test_params_name_the_decay_and_the_norm_and_the_recipe_has_the_stage() -> None:
    remedy = get_remedy("weight_balancing")
    assert remedy.default_grid() == {"weight_decay": [0.05, 0.3], "max_norm": [1.0, 2.0]}
    text = recipe(
        "weight_balancing",
        {"weight_decay": 0.3, "max_norm": 2.0},
        counts=[30, 10],
        epochs=3,
        batch_size=8,
        learning_rate=0.01,
        schedule="constant",
    )
    assert text.count("keras.optimizers.Adam(0.01, weight_decay=0.3)") == 2  # both stages
    assert "keras.constraints.MaxNorm(max_value=2.0, axis=0)" in text
    assert 'ki.class_weights(counts, "effective_number", beta=0.9999)' in text
    assert f"epochs={STAGE_EPOCHS}" in text
    with pytest.raises(ValueError, match="max_norm"):
        remedy.check_params({"max_norm": 0})


def test_a_tiny_compare_end_to_end() -> None:
    result = compare(
        tiny_data(n_major=40, n_minor=10),
        ["none", "weight_balancing"],
        model=mlp,
        epochs=2,
        seeds=[0],
        n_boot=20,
        grids={"weight_balancing": {"weight_decay": [0.05], "max_norm": [1.0, 2.0]}},
    )
    saved = result.to_dict()
    rows = {row["strategy"]: row for row in saved["summary"]}
    assert rows["weight_balancing"]["params"]["weight_decay"] == 0.05
    assert rows["weight_balancing"]["params"]["max_norm"] in (1.0, 2.0)
    tried = [r["params"] for r in saved["runs"] if r["strategy"] == "weight_balancing"]
    assert tried == [
        {"weight_decay": 0.05, "max_norm": 1.0},
        {"weight_decay": 0.05, "max_norm": 2.0},
    ]
