"""The metrics (and a weighted loss) under data parallelism on two CPU devices.

Each test runs in a fresh subprocess, because the device set-up must happen before the backend
initialises its devices: two logical CPUs for TensorFlow's ``MirroredStrategy``, and
``--xla_force_host_platform_device_count=2`` for JAX's ``keras.distribution.DataParallel``. The
child trains a tiny model on two replicas, evaluates it there and on one device with the same
weights, and prints JSON; the parent checks both against scikit-learn on ``model.predict``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import (
    balanced_accuracy_score,
    f1_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
)

from tests.conftest import only_backend

NUM_CLASSES = 3
CLASS_WEIGHT = [0.5, 1.0, 4.0]

# The body shared by both backends; ``make_strategy_scope`` and ``replicas`` come from the
# backend-specific prelude.
BODY = """
import json
import numpy as np
import keras
from keras_imbalance.metrics import (
    BalancedAccuracy, GeometricMean, MacroF1, MatthewsCorrelation, PerClassPrecision,
    PerClassRecall,
)

try:
    from keras_imbalance.losses import WeightedSparseCategoricalCrossentropy
except ImportError:
    WeightedSparseCategoricalCrossentropy = None

C = {num_classes}
rng = np.random.default_rng(0)
n = 96
y = rng.choice(C, size=n, p=[0.6, 0.3, 0.1])
x = (np.eye(C)[y] @ rng.normal(size=(C, 5)) + rng.normal(size=(n, 5))).astype("float32")
weight = rng.uniform(0.2, 2.0, size=n).astype("float32")


def metrics():
    return [
        BalancedAccuracy(C), MacroF1(C), GeometricMean(C), MatthewsCorrelation(C),
        PerClassRecall(C), PerClassPrecision(C),
    ]


def loss():
    if WeightedSparseCategoricalCrossentropy is None:
        return keras.losses.SparseCategoricalCrossentropy()
    return WeightedSparseCategoricalCrossentropy(class_weight={class_weight})


def build():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(C, activation="softmax")])
    model.compile(keras.optimizers.SGD(0.1), loss(), weighted_metrics=metrics())
    return model


def plain(result):
    return {{k: np.asarray(v, dtype="float64").tolist() for k, v in result.items()}}


def counted(model):
    compiled = model.metrics[-1].metrics
    return [float(np.sum(keras.ops.convert_to_numpy(m.variables[0]))) for m in compiled]


with make_strategy_scope():
    model = build()
model.fit(x, y, epochs=2, batch_size=16, verbose=0)
out = {{"replicas": replicas(), "weighted_loss": WeightedSparseCategoricalCrossentropy is not None}}
out["y"] = y.tolist()
out["weight"] = weight.tolist()
out["predicted"] = model.predict(x, batch_size=16, verbose=0).argmax(axis=-1).tolist()
out["distributed"] = plain(model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True))
out["distributed_count"] = counted(model)
out["distributed_weighted"] = plain(
    model.evaluate(x, y, sample_weight=weight, batch_size=16, verbose=0, return_dict=True)
)
out["distributed_weighted_count"] = counted(model)
weights = model.get_weights()

unset_strategy()
single = build()
single.set_weights(weights)
out["single"] = plain(single.evaluate(x, y, batch_size=16, verbose=0, return_dict=True))
out["single_weighted"] = plain(
    single.evaluate(x, y, sample_weight=weight, batch_size=16, verbose=0, return_dict=True)
)
print("RESULT" + json.dumps(out))
"""

TENSORFLOW_PRELUDE = """
import contextlib
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


def make_strategy_scope():
    return strategy.scope()


def replicas():
    return strategy.num_replicas_in_sync


def unset_strategy():
    pass  # the single-device model is built outside strategy.scope()
"""

JAX_PRELUDE = """
import contextlib
import jax
import keras

devices = jax.devices("cpu")
keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))


def make_strategy_scope():
    return contextlib.nullcontext()


def replicas():
    return len(keras.distribution.distribution().device_mesh.devices.ravel())


def unset_strategy():
    keras.distribution.set_distribution(None)
"""


def run_child(backend: str, prelude: str, extra_env: dict[str, str]) -> dict[str, Any]:
    code = textwrap.dedent(prelude) + BODY.format(
        num_classes=NUM_CLASSES, class_weight=CLASS_WEIGHT
    )
    env = {
        **os.environ,
        "KERAS_BACKEND": backend,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "CUDA_VISIBLE_DEVICES": "",
        **extra_env,
    }
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT")]
    if completed.returncode != 0 or not lines:
        pytest.fail(
            f"child process failed (rc={completed.returncode}):\n"
            f"{completed.stdout[-3000:]}\n{completed.stderr[-5000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT") :])
    return result


def gmean(y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> float:
    recall = recall_score(y, p, average=None, sample_weight=w, zero_division=0)
    return 0.0 if np.any(recall == 0) else float(np.exp(np.mean(np.log(recall))))


def sklearn_values(y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> dict[str, Any]:
    labels = list(range(NUM_CLASSES))
    return {
        "balanced_accuracy": balanced_accuracy_score(y, p, sample_weight=w),
        "macro_f1": f1_score(y, p, average="macro", sample_weight=w, zero_division=0),
        "geometric_mean": gmean(y, p, w),
        "matthews_correlation": matthews_corrcoef(y, p, sample_weight=w),
        "per_class_recall": recall_score(
            y, p, labels=labels, average=None, sample_weight=w, zero_division=0
        ),
        "per_class_precision": precision_score(
            y, p, labels=labels, average=None, sample_weight=w, zero_division=0
        ),
    }


def check(result: dict[str, Any]) -> None:
    assert result["replicas"] == 2
    # The child falls back to a plain loss only if keras_imbalance.losses is absent.
    assert result["weighted_loss"] == (
        importlib.util.find_spec("keras_imbalance.losses") is not None
    )
    y = np.asarray(result["y"])
    predicted = np.asarray(result["predicted"])
    weight = np.asarray(result["weight"], dtype=np.float32)
    for suffix, w in (("", None), ("_weighted", weight)):
        distributed = result[f"distributed{suffix}"]
        single = result[f"single{suffix}"]
        expected = sklearn_values(y, predicted, w)
        for name, value in expected.items():
            np.testing.assert_allclose(
                distributed[name], value, rtol=1e-5, atol=2e-6, err_msg=f"{name}{suffix}"
            )
            np.testing.assert_allclose(
                distributed[name], single[name], rtol=1e-5, atol=2e-6, err_msg=f"{name}{suffix}"
            )
        # Both replicas' counts are in the summed confusion matrix, not one replica's half.
        total = len(y) if w is None else float(np.sum(w, dtype=np.float64))
        np.testing.assert_allclose(result[f"distributed{suffix}_count"], total, rtol=1e-5)
        # The loss, weighted by class when keras_imbalance.losses is there, agrees too.
        np.testing.assert_allclose(distributed["loss"], single["loss"], rtol=1e-4, atol=1e-6)


@only_backend("tensorflow")
def test_mirrored_strategy_on_two_logical_cpus() -> None:
    result = run_child("tensorflow", TENSORFLOW_PRELUDE, {})
    check(result)


@only_backend("jax")
def test_jax_data_parallel_on_two_host_devices() -> None:
    flags = os.environ.get("XLA_FLAGS", "")
    result = run_child(
        "jax", JAX_PRELUDE, {"XLA_FLAGS": f"{flags} --xla_force_host_platform_device_count=2"}
    )
    check(result)
