"""Benchmark the losses: forward + backward time per batch against Keras's own loss, in one run.

1. A batch of 1024 x C logits, at C = 10 and C = 1000: each weighted, cost-sensitive and
   logit-adjusted loss against ``keras.losses.CategoricalCrossentropy(from_logits=True)``
   (``WeightedBinaryCrossentropy`` against ``keras.losses.BinaryCrossentropy``). Target: at most
   1.3x the Keras time.
2. The seed's cost-matrix loss (``w_categorical_crossentropy``: a Python double loop of C**2
   ``keras.ops`` calls) at C = 100 against ``CostSensitiveCategoricalCrossentropy``
   (one gather). Target: at least 50x faster. Its trace/compile time is reported too, and the
   floor: Keras's plain ``CategoricalCrossentropy`` on the same softmax, which no cost-matrix
   loss can beat (``--seed-only`` runs this part alone).

Each step is a compiled train-step-like function returning the loss and its gradient with respect
to the logits: ``tf.function`` + ``GradientTape`` on TensorFlow, ``jax.jit(jax.value_and_grad)``
on JAX (picked by ``KERAS_BACKEND``, default tensorflow; PyTorch runs eagerly, so its numbers
say less). Ours and the peer run interleaved; the table shows medians. Run::

    KERAS_BACKEND=tensorflow .venv/bin/python bench/bench_losses.py
    KERAS_BACKEND=jax .venv/bin/python bench/bench_losses.py --quick

Results go to bench/results/losses.json (losses_<backend>.json when not TensorFlow).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from itertools import product
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
from _timing import add_torch_threads_option, apply_torch_threads
from keras import ops

from keras_imbalance import losses

BACKEND = keras.backend.backend()
RESULTS = (
    Path(__file__).parent
    / "results"
    / ("losses.json" if BACKEND == "tensorflow" else f"losses_{BACKEND}.json")
)
BATCH = 1024


def compile_step(loss: Callable[[Any, Any], Any], y: np.ndarray) -> Callable[[Any], Any]:
    """A compiled function ``logits -> (loss, d loss / d logits)``, run to completion on each call.

    The labels are an input of the compiled step, as in a train step (not a captured constant the
    graph optimiser could fold).
    """
    if BACKEND == "tensorflow":
        import tensorflow as tf

        labels = tf.constant(y)

        @tf.function
        def step(logits: Any, labels: Any) -> Any:
            with tf.GradientTape() as tape:
                tape.watch(logits)
                value = loss(labels, logits)
            return value, tape.gradient(value, logits)

        def run(logits: Any) -> Any:
            value, grad = step(logits, labels)
            return float(value), grad.numpy()

        return run
    if BACKEND == "jax":
        import jax

        labels = jax.numpy.asarray(y)
        step = jax.jit(jax.value_and_grad(lambda logits, labels: loss(labels, logits)))

        def run_jax(logits: Any) -> Any:
            value, grad = step(logits, labels)
            grad.block_until_ready()
            return float(value), grad

        return run_jax
    import torch

    labels = torch.as_tensor(y)

    def run_torch(logits: Any) -> Any:
        logits = logits.detach().requires_grad_(True)
        value = loss(labels, logits)
        (grad,) = torch.autograd.grad(value, logits)
        return float(value), grad

    return run_torch


def as_backend(x: np.ndarray) -> Any:
    return ops.convert_to_tensor(x)


def time_per_call(run: Callable[[Any], Any], x: Any, iterations: int) -> float:
    start = time.perf_counter()
    for _ in range(iterations):
        run(x)
    return (time.perf_counter() - start) / iterations


def compare(
    steps: dict[str, Callable[[Any], Any]],
    x: Any,
    repeats: int,
    iterations: int | dict[str, int],
) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds per call of each step, interleaved ``repeats`` times after warm-up: medians, minima.

    The CPU is shared, so the minimum is shown beside the median as the less disturbed figure.
    """
    for run in steps.values():
        run(x)
        run(x)
    counts = iterations if isinstance(iterations, dict) else dict.fromkeys(steps, iterations)
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, run in steps.items():
            times[name].append(time_per_call(run, x, counts[name]))
    medians = {name: statistics.median(values) for name, values in times.items()}
    return medians, {name: min(values) for name, values in times.items()}


def seed_w_categorical_crossentropy(y_true: Any, y_pred: Any, weights: np.ndarray) -> Any:
    """The seed's loop version, written in keras.ops exactly as the seed does (C**2 terms)."""
    nb_cl = len(weights)
    final_mask = ops.zeros_like(y_pred[:, 0])
    y_pred_max = ops.max(y_pred, axis=1)
    y_pred_max = ops.reshape(y_pred_max, (ops.shape(y_pred)[0], 1))
    y_pred_max_mat = ops.cast(ops.equal(y_pred, y_pred_max), y_pred.dtype)
    for c_p, c_t in product(range(nb_cl), range(nb_cl)):
        final_mask += float(weights[c_t, c_p]) * y_pred_max_mat[:, c_p] * y_true[:, c_t]
    return keras.losses.categorical_crossentropy(y_true, y_pred) * final_mask


def loss_table(num_classes: int, repeats: int, iterations: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    logits = as_backend(rng.normal(size=(BATCH, num_classes)).astype("float32"))
    sparse = rng.integers(0, num_classes, size=BATCH).astype("int32")
    one_hot = np.eye(num_classes, dtype="float32")[sparse]
    multi_hot = rng.integers(0, 2, size=(BATCH, num_classes)).astype("float32")
    counts = np.maximum(1, (1000 * 0.99 ** np.arange(num_classes)).astype(int)).tolist()
    weights = (1.0 / np.asarray(counts, dtype=float)).tolist()
    cost = rng.uniform(0.0, 5.0, size=(num_classes, num_classes))

    keras_ce = compile_step(keras.losses.CategoricalCrossentropy(from_logits=True), one_hot)
    keras_bce = compile_step(keras.losses.BinaryCrossentropy(from_logits=True), multi_hot)
    ours: dict[str, tuple[Callable[[Any], Any], str]] = {
        "WeightedCategoricalCrossentropy": (
            compile_step(
                losses.WeightedCategoricalCrossentropy(weights, from_logits=True), one_hot
            ),
            "ce",
        ),
        "WeightedSparseCategoricalCrossentropy": (
            compile_step(
                losses.WeightedSparseCategoricalCrossentropy(weights, from_logits=True), sparse
            ),
            "ce",
        ),
        "WeightedBinaryCrossentropy": (
            compile_step(losses.WeightedBinaryCrossentropy(weights, from_logits=True), multi_hot),
            "bce",
        ),
        "CostSensitive(argmax)": (
            compile_step(
                losses.CostSensitiveCategoricalCrossentropy(cost, from_logits=True), sparse
            ),
            "ce",
        ),
        "CostSensitive(expected)": (
            compile_step(
                losses.CostSensitiveCategoricalCrossentropy(
                    cost, mode="expected", from_logits=True
                ),
                sparse,
            ),
            "ce",
        ),
        "LogitAdjustedLoss": (compile_step(losses.LogitAdjustedLoss(counts), sparse), "ce"),
        "LDAMLoss": (compile_step(losses.LDAMLoss(counts, class_weight=weights), sparse), "ce"),
        "ClassBalancedLoss(softmax)": (
            compile_step(losses.ClassBalancedLoss(counts, from_logits=True), sparse),
            "ce",
        ),
    }
    rows = []
    for name, (run, kind) in ours.items():
        peer_name = "keras CategoricalCrossentropy" if kind == "ce" else "keras BinaryCrossentropy"
        peer = keras_ce if kind == "ce" else keras_bce
        medians, minima = compare({"ours": run, "peer": peer}, logits, repeats, iterations)
        ratio = medians["ours"] / medians["peer"]
        ratio_of_minima = minima["ours"] / minima["peer"]
        rows.append(
            {
                "C": num_classes,
                "loss": name,
                "peer": peer_name,
                "ours_ms": medians["ours"] * 1e3,
                "peer_ms": medians["peer"] * 1e3,
                "ratio": ratio,
                "ours_min_ms": minima["ours"] * 1e3,
                "peer_min_ms": minima["peer"] * 1e3,
                "ratio_of_minima": ratio_of_minima,
                "target": "<= 1.3",
                "met": ratio <= 1.3,
            }
        )
        print(
            f"C={num_classes:<5d} {name:<40s} {medians['ours'] * 1e3:9.3f} ms  "
            f"{peer_name:<30s} {medians['peer'] * 1e3:9.3f} ms  ratio {ratio:5.2f} "
            f"(of minima {ratio_of_minima:5.2f})  {'ok' if ratio <= 1.3 else 'MISSED'}",
            flush=True,
        )
    return rows


def seed_comparison(num_classes: int, repeats: int, iterations: int) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    logits = as_backend(rng.normal(size=(BATCH, num_classes)).astype("float32"))
    one_hot = np.eye(num_classes, dtype="float32")[rng.integers(0, num_classes, size=BATCH)]
    cost = rng.uniform(0.0, 5.0, size=(num_classes, num_classes))
    ours_loss = losses.CostSensitiveCategoricalCrossentropy(cost)

    def ours(y: Any, z: Any) -> Any:
        return ours_loss(y, ops.softmax(z))

    def seed(y: Any, z: Any) -> Any:
        return ops.mean(seed_w_categorical_crossentropy(y, ops.softmax(z), cost))

    plain = keras.losses.CategoricalCrossentropy()

    def floor(y: Any, z: Any) -> Any:  # no cost at all: what any cost-matrix loss must pay
        return plain(y, ops.softmax(z))

    steps = {
        "ours": compile_step(ours, one_hot),
        "seed": compile_step(seed, one_hot),
        "floor": compile_step(floor, one_hot),
    }
    first_call = {}
    values = {}
    for name, run in steps.items():
        start = time.perf_counter()
        values[name] = run(logits)[0]
        first_call[name] = time.perf_counter() - start
    np.testing.assert_allclose(values["ours"], values["seed"], rtol=1e-4)
    medians, minima = compare(
        steps,
        logits,
        repeats,
        {"ours": iterations, "seed": max(1, iterations // 5), "floor": iterations},
    )
    speedup = medians["seed"] / medians["ours"]
    ceiling = medians["seed"] / medians["floor"]
    print(
        f"C={num_classes:<5d} seed loop {medians['seed'] * 1e3:9.3f} ms (first call incl. trace "
        f"{first_call['seed']:.1f} s)  CostSensitive(argmax) {medians['ours'] * 1e3:9.3f} ms "
        f"(first call {first_call['ours']:.2f} s)  speed-up {speedup:7.1f}x  "
        f"(of minima {minima['seed'] / minima['ours']:6.1f}x)  "
        f"{'ok' if speedup >= 50 else 'MISSED'} (target >= 50x)",
        flush=True,
    )
    print(
        f"C={num_classes:<5d} floor: Keras CategoricalCrossentropy on the same softmax, no cost "
        f"{medians['floor'] * 1e3:9.3f} ms: the seed loop is {ceiling:6.1f}x that (of minima "
        f"{minima['seed'] / minima['floor']:6.1f}x), the most any cost-matrix loss could reach",
        flush=True,
    )
    return {
        "C": num_classes,
        "seed_ms": medians["seed"] * 1e3,
        "ours_ms": medians["ours"] * 1e3,
        "seed_first_call_s": first_call["seed"],
        "ours_first_call_s": first_call["ours"],
        "speedup": speedup,
        "seed_min_ms": minima["seed"] * 1e3,
        "ours_min_ms": minima["ours"] * 1e3,
        "speedup_of_minima": minima["seed"] / minima["ours"],
        "floor_ms": medians["floor"] * 1e3,
        "floor_min_ms": minima["floor"] * 1e3,
        "seed_over_floor": ceiling,
        "target": ">= 50",
        "met": speedup >= 50,
        "loss_value": values["ours"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, a smaller seed C")
    parser.add_argument(
        "--no-seed", action="store_true", help="skip the seed loop (its trace takes minutes)"
    )
    parser.add_argument(
        "--seed-only", action="store_true", help="only the seed loop against ours and the floor"
    )
    add_torch_threads_option(parser)
    args = parser.parse_args()
    if BACKEND == "torch":
        apply_torch_threads(args.torch_threads)
    repeats, iterations = (3, 5) if args.quick else (9, 20)
    seed_classes = 20 if args.quick else 100
    print(
        f"backend: {BACKEND}  keras {keras.__version__}  batch {BATCH}  "
        f"{repeats} repeats x {iterations} calls, medians",
        flush=True,
    )
    rows = []
    for num_classes in () if args.seed_only else (10, 1000):
        rows.extend(loss_table(num_classes, repeats, iterations))
    seed = None if args.no_seed else seed_comparison(seed_classes, repeats, iterations)
    # A run without the seed loop keeps the last full run's file.
    results = RESULTS
    if args.no_seed or args.seed_only:
        results = RESULTS.with_stem(RESULTS.stem + ("_no_seed" if args.no_seed else "_seed_only"))
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(
        json.dumps(
            {
                "backend": BACKEND,
                "keras": keras.__version__,
                "machine": platform.platform(),
                "cpus": os.cpu_count(),
                "quick": args.quick,
                "torch_threads": args.torch_threads,
                "batch": BATCH,
                "repeats": repeats,
                "iterations": iterations,
                "losses": rows,
                "seed_loop": seed,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {results}")


if __name__ == "__main__":
    main()
