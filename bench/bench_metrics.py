"""Benchmark the metrics: one ``update_state`` per batch against Keras's ``Recall``, in one run.

A batch of 1024 rows at C = 10 and C = 100, softmax scores ``(1024, C)``. Ours is
``BalancedAccuracy(C)`` (every metric here shares the same update: one confusion-matrix
scatter-add) fed sparse labels ``(1024,)`` and, separately, one-hot labels ``(1024, C)``; the
peer is ``keras.metrics.Recall()`` fed the one-hot labels and the same scores (its default
threshold 0.5 over all 1024 x C entries). Target: at most 2x Keras's Recall.

Each update runs compiled, picked by ``KERAS_BACKEND`` (default tensorflow): inside a
``tf.function`` on TensorFlow, as ``jax.jit`` of ``stateless_update_state`` on JAX (the path
``fit`` takes); PyTorch runs eagerly, so its numbers say less. The labels and scores are inputs
of the compiled function, not captured constants. Ours and the peer run interleaved; the table
shows medians of several repeats of many calls. Run::

    KERAS_BACKEND=tensorflow .venv/bin/python bench/bench_metrics.py
    KERAS_BACKEND=jax .venv/bin/python bench/bench_metrics.py --quick

Results go to bench/results/metrics.json (metrics_<backend>.json when not TensorFlow).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
from _timing import add_torch_threads_option, apply_torch_threads

from keras_imbalance.metrics import BalancedAccuracy

BACKEND = keras.backend.backend()
RESULTS = (
    Path(__file__).parent
    / "results"
    / ("metrics.json" if BACKEND == "tensorflow" else f"metrics_{BACKEND}.json")
)
BATCH = 1024
TARGET = 2.0
MODE = {"tensorflow": "tf.function", "jax": "jax.jit(stateless_update_state)", "torch": "eager"}[
    BACKEND
]


def compiled_update(metric: keras.metrics.Metric, y_true: Any, y_pred: Any) -> Callable[[int], Any]:
    """A function ``calls -> None`` that runs ``calls`` compiled updates and waits for them."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        labels, scores = tf.constant(y_true), tf.constant(y_pred)

        @tf.function
        def step(labels: Any, scores: Any) -> None:
            metric.update_state(labels, scores)

        def run_tf(calls: int) -> Any:
            for _ in range(calls):
                step(labels, scores)
            return metric.variables[0].numpy()

        return run_tf
    if BACKEND == "jax":
        import jax

        labels, scores = jax.numpy.asarray(y_true), jax.numpy.asarray(y_pred)
        update = jax.jit(metric.stateless_update_state)
        state = [v.value for v in metric.variables]

        def run_jax(calls: int) -> Any:
            nonlocal state
            for _ in range(calls):
                state = update(state, labels, scores)
            return jax.block_until_ready(state)

        return run_jax
    import torch

    labels, scores = torch.as_tensor(y_true), torch.as_tensor(y_pred)

    def run_torch(calls: int) -> Any:
        with torch.no_grad():
            for _ in range(calls):
                metric.update_state(labels, scores)
        return metric.variables[0]

    return run_torch


def seconds_per_call(run: Callable[[int], Any], calls: int) -> float:
    start = time.perf_counter()
    run(calls)
    return (time.perf_counter() - start) / calls


def bench(num_classes: int, repeats: int, calls: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    sparse = rng.integers(0, num_classes, BATCH).astype(np.int32)
    one_hot = np.eye(num_classes, dtype=np.float32)[sparse]
    logits = rng.normal(size=(BATCH, num_classes)).astype(np.float32)
    scores = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    runs = {
        "ours, sparse labels": compiled_update(BalancedAccuracy(num_classes), sparse, scores),
        "ours, one-hot labels": compiled_update(BalancedAccuracy(num_classes), one_hot, scores),
        "keras Recall": compiled_update(keras.metrics.Recall(), one_hot, scores),
    }
    for run in runs.values():
        run(3)  # trace / compile
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():  # interleaved, against a shared and noisy CPU
            times[name].append(seconds_per_call(run, calls))
    peer = statistics.median(times["keras Recall"])
    rows = []
    for name, samples in times.items():
        median = statistics.median(samples)
        rows.append(
            {
                "backend": BACKEND,
                "mode": MODE,
                "num_classes": num_classes,
                "batch": BATCH,
                "update": name,
                "median_us": median * 1e6,
                "min_us": min(samples) * 1e6,
                "ratio_to_keras_recall": median / peer,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, for a smoke run")
    add_torch_threads_option(parser)
    args = parser.parse_args()
    if BACKEND == "torch":
        apply_torch_threads(args.torch_threads)
    repeats, calls = (3, 20) if args.quick else (11, 200)

    rows = [row for c in (10, 100) for row in bench(c, repeats, calls)]
    print(f"backend={BACKEND} ({MODE}), batch={BATCH}, median of {repeats} x {calls} calls")
    print(f"{'C':>4}  {'update':<22} {'median us':>10} {'min us':>9} {'x Recall':>9}")
    for row in rows:
        print(
            f"{row['num_classes']:>4}  {row['update']:<22} {row['median_us']:>10.1f} "
            f"{row['min_us']:>9.1f} {row['ratio_to_keras_recall']:>9.2f}"
        )
    worst = max(r["ratio_to_keras_recall"] for r in rows if r["update"].startswith("ours"))
    verdict = "meets" if worst <= TARGET else "misses"
    print(f"worst ratio {worst:.2f} {verdict} the target of <= {TARGET:g}x Keras's Recall")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "backend": BACKEND,
                "mode": MODE,
                "keras": keras.__version__,
                "machine": platform.platform(),
                "cpus": os.cpu_count(),
                "quick": args.quick,
                "torch_threads": args.torch_threads,
                "repeats": repeats,
                "calls_per_repeat": calls,
                "target_ratio": TARGET,
                "worst_ratio": worst,
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
