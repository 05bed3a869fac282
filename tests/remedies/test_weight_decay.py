"""The shared ``weight_decay`` knob: decoupled decay checked against NumPy, grids, the user's
optimizer, the recipe, and the ``"none"`` run the head remedies are built on."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.report.recipe import recipe
from keras_imbalance.comparison.run.weight_decay import (
    make_optimizer,
    own_weight_decay,
    resolve_weight_decay,
)
from keras_imbalance.comparison.strategies import candidates, check_grids
from keras_imbalance.remedies import WEIGHT_DECAY, Context, get_remedy
from tests.comparison.test_compare import mlp, tiny_data


def linear(kernel: np.ndarray, bias: np.ndarray | None) -> keras.Model:
    inputs = keras.Input((kernel.shape[0],))
    layer = keras.layers.Dense(kernel.shape[1], use_bias=bias is not None)
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights([kernel] if bias is None else [kernel, bias])
    return model


def test_adam_decay_alone_is_w_minus_lr_times_decay_times_w() -> None:
    # x = 0 and no bias: the gradient is 0, so Adam moves nothing and only the decay acts.
    kernel = np.array([[1.5, -2.0], [0.25, 4.0], [-3.0, 0.5]], dtype="float32")
    model = linear(kernel, None)
    model.compile(optimizer=make_optimizer(0.1, "constant", 1, None, 0.3), loss="mse")
    model.train_on_batch(np.zeros((4, 3), "float32"), np.ones((4, 2), "float32"))
    lr, wd = np.float32(0.1), np.float32(0.3)
    np.testing.assert_array_equal(model.get_weights()[0], kernel - kernel * wd * lr)


def test_the_users_sgd_decays_before_its_step_against_numpy() -> None:
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(3, 2)).astype("float32")
    bias = rng.normal(size=2).astype("float32")
    x = rng.normal(size=(5, 3)).astype("float32")
    y = rng.normal(size=(5, 2)).astype("float32")
    model = linear(kernel, bias)
    sgd = keras.optimizers.SGD(momentum=0.0)
    model.compile(optimizer=make_optimizer(0.05, "constant", 1, sgd, 0.2), loss="mse")
    model.train_on_batch(x, y)
    lr, wd = 0.05, 0.2
    residual = x @ kernel + bias - y  # mse over all 10 outputs: d/dz = 2 (z - y) / 10
    grad_kernel = x.T @ (2 * residual / residual.size)
    grad_bias = (2 * residual / residual.size).sum(axis=0)
    expected_kernel = kernel - lr * wd * kernel - lr * grad_kernel
    expected_bias = bias - lr * wd * bias - lr * grad_bias  # Keras decays the biases too
    got_kernel, got_bias = model.get_weights()
    np.testing.assert_allclose(got_kernel, expected_kernel, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got_bias, expected_bias, rtol=1e-6, atol=1e-7)


def test_no_decay_keeps_adam_without_weight_decay() -> None:
    assert make_optimizer(0.01, "cosine", 10, None, 0.0).weight_decay is None
    assert make_optimizer(0.01, "cosine", 10, "adamw", 0.0).weight_decay == 0.0


def test_every_trained_remedy_takes_the_knob_and_no_head_does() -> None:
    for name in ("none", "balanced", "logit_adjusted", "la_drw", "mixup_drw", "log"):
        remedy = get_remedy(name)
        assert remedy.knob("weight_decay", "grids") is WEIGHT_DECAY
        assert "weight_decay" not in remedy.defaults()  # compare's value unless tuned
        setup = remedy.setup({"weight_decay": 0.05}, Context((30, 10), 2))
        assert setup.weight_decay == 0.05
        assert remedy.setup({}, Context((30, 10), 2)).weight_decay is None
    for name in ("posthoc", "tau_norm", "crt"):
        with pytest.raises(ValueError, match="does not take"):
            check_grids([name], {name: {"weight_decay": [0.0]}})


def test_a_grid_tunes_it_like_any_knob() -> None:
    grids = check_grids(
        ["logit_adjusted"], {"logit_adjusted": {"tau": [1.0], "weight_decay": [0, 0.05]}}
    )
    assert grids == {"logit_adjusted": {"tau": [1.0], "weight_decay": [0.0, 0.05]}}
    assert candidates("logit_adjusted", grids, tune=True) == [
        {"tau": 1.0, "weight_decay": 0.0},
        {"tau": 1.0, "weight_decay": 0.05},
    ]
    with pytest.raises(ValueError, match=r"weight_decay'\]=-1 is out of range"):
        check_grids(["none"], {"none": {"weight_decay": [-1]}})


def test_the_users_own_decay_is_never_overridden() -> None:
    own = keras.optimizers.SGD(weight_decay=0.01)
    assert own_weight_decay(own) == 0.01 and own_weight_decay("adamw") is None
    assert resolve_weight_decay(None, own) == 0.01
    assert resolve_weight_decay(None, "adamw") == pytest.approx(0.004)  # AdamW's own default
    with pytest.raises(ValueError, match=re.escape("differs from the weight_decay=0.01")):
        resolve_weight_decay(0.05, own)
    with pytest.raises(ValueError, match=re.escape("sets its own weight_decay=0.01")):
        compare(
            tiny_data(),
            ["none"],
            model=mlp,
            epochs=1,
            seeds=[0],
            grids={"none": {"weight_decay": [0.01, 0.05]}},
            compile_kwargs={"optimizer": own},
        )


def test_the_recipe_prints_the_decay_on_the_optimizer_line() -> None:
    common = {"counts": [30, 10], "epochs": 3, "batch_size": 8, "learning_rate": 0.01}
    tuned = recipe("none", {"weight_decay": 0.05}, schedule="constant", **common)
    assert "keras.optimizers.Adam(0.01, weight_decay=0.05)" in tuned
    shared = recipe("balanced", {}, schedule="constant", weight_decay=0.3, **common)
    assert "keras.optimizers.Adam(0.01, weight_decay=0.3)" in shared
    plain = recipe("balanced", {}, schedule="constant", weight_decay=0.0, **common)
    assert "keras.optimizers.Adam(0.01)" in plain and "weight_decay" not in plain
    adamw = {"class_name": "AdamW", "config": {}}
    zero = recipe("none", {}, schedule="constant", weight_decay=0.0, optimizer=adamw, **common)
    assert "weight_decay=0.0" in zero  # else AdamW's default 0.004 would apply


def test_heads_use_the_none_run_with_compares_decay() -> None:
    result = compare(
        tiny_data(),
        ["none", "posthoc"],
        model=mlp,
        epochs=2,
        seeds=[0],
        n_boot=20,
        refit=False,
        learning_rate=0.05,
        grids={"none": {"weight_decay": [0.0, 5.0]}, "posthoc": {"tau": [0.0]}},
    )
    runs = {(r["strategy"], r["params"].get("weight_decay")): r for r in result.runs}
    plain, decayed, head = runs[("none", 0.0)], runs[("none", 5.0)], runs[("posthoc", None)]
    assert head["validation"] == plain["validation"]  # tau = 0: the none model itself
    assert head["test"] == plain["test"]
    np.testing.assert_allclose(head["validation_nll"], plain["validation_nll"], rtol=1e-6)
    assert decayed["validation_nll"] != plain["validation_nll"]  # the last none run differs
    assert "weight_decay" not in result.settings  # 0 with Adam: as before the knob
    with pytest.raises(ValueError, match=re.escape("leaves out compare's weight_decay=0.0")):
        compare(
            tiny_data(),
            ["none", "posthoc"],
            model=mlp,
            epochs=1,
            seeds=[0],
            grids={"none": {"weight_decay": [0.05]}},
        )


def test_compares_value_reaches_the_runs_the_settings_and_the_recipe() -> None:
    seen: list[object] = []

    class Spy(keras.callbacks.Callback):
        def on_train_begin(self, logs: object = None) -> None:
            seen.append(self.model.optimizer.weight_decay)

    result = compare(
        tiny_data(),
        ["none"],
        model=mlp,
        epochs=1,
        seeds=[0],
        n_boot=20,
        weight_decay=0.05,
        fit_kwargs={"callbacks": [Spy()]},
    )
    assert seen == [pytest.approx(0.05)] * 2  # the run and the final model
    assert result.settings["weight_decay"] == 0.05
    assert "weight_decay=0.05" in result.recipe()
