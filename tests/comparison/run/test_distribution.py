"""compare(distribution=...): one run over 2 virtual CPU devices (JAX layout, tf.distribute)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import keras
import pytest

from keras_imbalance.comparison.run.distribution import (
    check_distribution,
    distribution_name,
    distribution_scope,
)
from tests.conftest import BACKEND

# The device count is fixed when the backend starts, so each check runs in a fresh process.
SCRIPT = textwrap.dedent(
    """
    import json, sys
    import keras
    import numpy as np
    import keras_imbalance as ki

    backend = keras.backend.backend()
    if backend == "jax":
        devices = keras.distribution.list_devices("cpu")
        distribution = keras.distribution.DataParallel(devices=devices)
    else:
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        distribution = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])

    seen = []

    def build(shape, num_classes):
        model = keras.Sequential(
            [keras.Input(shape), keras.layers.Dense(8, activation="relu"),
             keras.layers.Dense(num_classes)]
        )
        kernel = model.weights[0]
        if backend == "jax":
            seen.append(len(kernel.value.sharding.device_set))
        else:
            seen.append(len(getattr(kernel.value, "values", [kernel.value])))  # mirrored copies
        return model

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [60, 24, 13])
    x = (rng.normal(size=(97, 4)) + y[:, None]).astype("float32")
    # Batches of 15 on 2 devices: every batch, the folds' and the refit's last ones, is uneven.
    result = ki.compare(
        (x, y), ["none", "balanced", "posthoc"], model=build, epochs=2, seeds=[0],
        batch_size=15, tune=False, n_boot=50, distribution=distribution, cv=2, refit=True,
    )
    print(json.dumps({
        "devices_seen": sorted(set(seen)),
        "distribution": result.settings.get("distribution"),
        "strategies": [row["strategy"] for row in result.summary()],
        "folds": sorted({run["fold"] for run in result.runs if "fold" in run}),
        "refit": result.refit,
    }))
    """
)


@pytest.mark.skipif(
    BACKEND not in ("jax", "tensorflow"),
    reason="keras.distribution runs on JAX and tf.distribute on TensorFlow; PyTorch has neither",
)
def test_compare_runs_each_model_on_two_devices():
    env = dict(os.environ, KERAS_BACKEND=BACKEND)
    env["XLA_FLAGS"] = (
        env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2"
    ).strip()
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # Every model compare built (the runs and the heads' base) has variables on both devices.
    assert report["devices_seen"] == [2]
    assert report["distribution"].endswith("(2 devices)")
    assert sorted(report["strategies"]) == ["balanced", "none", "posthoc"]
    assert report["folds"] == [0, 1]  # cross-validated: fold runs of uneven sizes trained
    assert "skipped" not in report["refit"], report["refit"]
    assert report["refit"]["samples"] > 0 and report["refit"]["epochs"] >= 1


def test_none_means_one_device():
    assert check_distribution(None) is None
    assert distribution_name(None) is None
    with distribution_scope(None):
        pass


@pytest.mark.parametrize("value", ["gpu", 2, object()])
def test_other_values_are_refused(value):
    with pytest.raises(TypeError, match=r"distribution=.*keras\.distribution layout"):
        check_distribution(value)


@pytest.mark.skipif(BACKEND == "jax", reason="a keras.distribution layout is valid on JAX")
def test_keras_layout_needs_jax():
    layout = keras.distribution.DataParallel(devices=["cpu:0"])
    with pytest.raises(ValueError, match=r"supports on the JAX backend only.*KERAS_BACKEND=jax"):
        check_distribution(layout)


@pytest.mark.skipif(BACKEND != "jax", reason="the layout is accepted on JAX only")
def test_layout_and_executor_are_not_combined():
    layout = keras.distribution.DataParallel(devices=keras.distribution.list_devices("cpu"))
    assert check_distribution(layout) is layout
    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="cannot be combined"):
        check_distribution(layout, executor=pool)


@pytest.mark.skipif(BACKEND == "tensorflow", reason="a tf.distribute strategy is valid there")
def test_tf_strategy_needs_tensorflow():
    tf = pytest.importorskip("tensorflow")
    with pytest.raises(ValueError, match=r"needs the TensorFlow backend.*KERAS_BACKEND=tensorflow"):
        check_distribution(tf.distribute.OneDeviceStrategy("/cpu:0"))


@pytest.mark.skipif(BACKEND != "tensorflow", reason="the strategy is accepted on TensorFlow only")
def test_tf_strategy_is_named_with_its_devices():
    tf = pytest.importorskip("tensorflow")
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    assert check_distribution(strategy) is strategy
    assert distribution_name(strategy) == "OneDeviceStrategy (1 device)"
