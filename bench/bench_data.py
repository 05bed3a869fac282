"""Benchmark: training throughput with our input pipelines against the unweighted and peer ones.

1. tf.data (TensorFlow backend): steps/s of ``fit`` on a small Dense model fed by
   ``with_sample_weights(ds, class_weight)``, against the same pipeline unweighted
   (target >= 0.95x) and against Keras's own ``fit(ds, class_weight=...)`` on it (target: no
   slower, >= 1.0x within noise). Context: the same pipeline with constant weights of 1 (the cost
   of any weighted train step in Keras), and both pipelines iterated alone, with no model.
2. PyDataset: steps/s of ``fit`` fed by ``BalancedBatches`` against a plain ``PyDataset`` that
   slices the same arrays (target >= 0.9x), and against imbalanced-learn's
   ``imblearn.keras.BalancedBatchGenerator`` (a Keras 3 ``PyDataset``; its default sampler is
   ``RandomUnderSampler``, drawn once at construction, so ours runs ``sampling="undersample"``
   for that comparison and redraws every epoch).
3. Batch generation alone (no model): one full balanced epoch, ours (redraw + every batch)
   against imblearn's (construction, which draws, + every batch).

Runs interleave ours and the peers; the table shows medians. Run::

    .venv/bin/python bench/bench_data.py          # full sizes
    .venv/bin/python bench/bench_data.py --quick  # a smoke run

Results go to bench/results/data.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import keras
import numpy as np
from _models import small_model

RESULTS = Path(__file__).parent / "results" / "data.json"
BATCH = 256


class SlicedArrays(keras.utils.PyDataset):
    """The plain PyDataset a user writes: consecutive slices of shuffled arrays."""

    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.order = np.random.default_rng(0).permutation(len(y))

    def __len__(self) -> int:
        return math.ceil(len(self.y) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        return self.x[rows], self.y[rows]


def steps_per_second(fit: Callable[[], int]) -> float:
    start = time.perf_counter()
    steps = fit()
    return steps / (time.perf_counter() - start)


def interleave(runs: dict[str, Callable[[], float]], repeats: int) -> dict[str, float]:
    values: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            values[name].append(run())
    return {name: statistics.median(v) for name, v in values.items()}


def throughput_row(benchmark: str, ours: float, peer: float, target: float) -> dict[str, Any]:
    """A result row of two rates (steps or batches per second); ratio = ours / peer."""
    return {
        "benchmark": benchmark,
        "ours_steps_s": ours,
        "peer_steps_s": peer,
        "ratio": ours / peer,
        "target": target,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few steps and repeats")
    args = parser.parse_args()

    import tensorflow as tf
    from imblearn.keras import BalancedBatchGenerator

    from keras_imbalance.pipelines import BalancedBatches, with_sample_weights
    from keras_imbalance.weighting import class_weights

    repeats = 3 if args.quick else 5
    steps = 40 if args.quick else 300
    rng = np.random.default_rng(0)
    n, features, classes = 60_000, 32, 10
    p = 1.0 / np.arange(1, classes + 1) ** 1.5
    y = rng.choice(classes, size=n, p=p / p.sum())
    x = rng.normal(size=(n, features)).astype(np.float32) + y[:, None] * 0.1
    weights = class_weights(y)
    as_dict = dict(weights)
    rows: list[dict[str, Any]] = []

    # 1. tf.data
    plain = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(4096, seed=0).batch(BATCH)
    ones = plain.map(lambda a, b: (a, b, tf.ones_like(b, tf.float32)))
    pipelines = {
        "unweighted": plain.repeat().prefetch(tf.data.AUTOTUNE),
        "ones": ones.repeat().prefetch(tf.data.AUTOTUNE),
        "with_sample_weights": with_sample_weights(plain, weights)
        .repeat()
        .prefetch(tf.data.AUTOTUNE),
    }
    models = {
        name: small_model(features, classes) for name in ("unweighted", "ours", "keras", "ones")
    }

    def tf_run(model: keras.Model, data: Any, **kwargs: Any) -> Callable[[], float]:
        def fit() -> int:
            model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0, **kwargs)
            return steps

        return lambda: steps_per_second(fit)

    runs = {
        "unweighted": tf_run(models["unweighted"], pipelines["unweighted"]),
        "ours": tf_run(models["ours"], pipelines["with_sample_weights"]),
        "keras_class_weight": tf_run(
            models["keras"], pipelines["unweighted"], class_weight=as_dict
        ),
        # context: constant weights of 1, the cost of any weighted train step
        "ones": tf_run(models["ones"], pipelines["ones"]),
    }
    for run in runs.values():  # warm up: trace and compile each train function
        run()
    rates = interleave(runs, repeats)
    rows.append(
        throughput_row(
            "tf.data fit: with_sample_weights vs unweighted",
            rates["ours"],
            rates["unweighted"],
            0.95,
        )
    )
    rows.append(
        throughput_row(
            "tf.data fit (context): with_sample_weights vs constant weights of 1",
            rates["ours"],
            rates["ones"],
            0.95,
        )
    )
    rows.append(
        throughput_row(
            "tf.data fit: with_sample_weights vs Keras class_weight",
            rates["ours"],
            rates["keras_class_weight"],
            1.0,
        )
    )

    # 1b. The pipeline alone, no model: what the map itself costs per batch.
    def batches_per_second(data: Any, count: int) -> Callable[[], float]:
        iterator = iter(data)
        next(iterator)

        def run() -> float:
            start = time.perf_counter()
            for _ in range(count):
                next(iterator)
            return count / (time.perf_counter() - start)

        return run

    count = 200 if args.quick else 2000
    alone = interleave(
        {
            "ours": batches_per_second(pipelines["with_sample_weights"], count),
            "ones": batches_per_second(pipelines["ones"], count),
        },
        repeats,
    )
    rows.append(
        throughput_row(
            "tf.data pipeline alone (no model): with_sample_weights vs constant 1s",
            alone["ours"],
            alone["ones"],
            0.95,
        )
    )

    # 2. PyDataset fit throughput
    def py_run(model: keras.Model, data: Any) -> Callable[[], float]:
        # Whole epochs (ours redraws at each boundary), about `steps` steps per fit call.
        epochs = max(1, math.ceil(steps / len(data)))

        def fit() -> int:
            model.fit(data, epochs=epochs, verbose=0)
            return epochs * len(data)

        return lambda: steps_per_second(fit)

    small = slice(0, 20_000 if args.quick else n)
    xs, ys = x[small], y[small]
    py_models = {
        name: small_model(features, classes) for name in ("plain", "ours", "ours_u", "imb")
    }
    datasets = {
        "plain": SlicedArrays(xs, ys, BATCH),
        "ours": BalancedBatches(xs, ys, batch_size=BATCH, seed=0),
        "ours_u": BalancedBatches(xs, ys, batch_size=BATCH, sampling="undersample", seed=0),
        "imb": BalancedBatchGenerator(xs, ys, batch_size=BATCH, random_state=0),
    }
    py_runs = {name: py_run(py_models[name], datasets[name]) for name in datasets}
    for run in py_runs.values():
        run()
    py_rates = interleave(py_runs, repeats)
    rows.append(
        {
            **throughput_row(
                "PyDataset fit: BalancedBatches(oversample) vs plain PyDataset",
                py_rates["ours"],
                py_rates["plain"],
                0.9,
            ),
            "batches_per_epoch": {"ours": len(datasets["ours"]), "plain": len(datasets["plain"])},
        }
    )
    rows.append(
        {
            **throughput_row(
                "PyDataset fit: BalancedBatches(undersample) vs imblearn BalancedBatchGenerator",
                py_rates["ours_u"],
                py_rates["imb"],
                1.0,
            ),
            "batches_per_epoch": {
                "ours": len(datasets["ours_u"]),
                "imblearn": len(datasets["imb"]),
            },
        }
    )

    # 3. batch generation alone: one balanced epoch
    def ours_epoch() -> float:
        batches = datasets["ours_u"]
        start = time.perf_counter()
        batches.on_epoch_end()
        for i in range(len(batches)):
            batches[i]
        return time.perf_counter() - start

    def imblearn_epoch() -> float:
        start = time.perf_counter()
        batches = BalancedBatchGenerator(xs, ys, batch_size=BATCH)
        for i in range(len(batches)):
            batches[i]
        return time.perf_counter() - start

    generation = interleave({"ours": ours_epoch, "imblearn": imblearn_epoch}, repeats * 3)
    rows.append(
        {
            "benchmark": "one balanced epoch of batches, no model: BalancedBatches(undersample) "
            "redraw+batches vs BalancedBatchGenerator construction+batches",
            "ours_s": generation["ours"],
            "peer_s": generation["imblearn"],
            "ratio": generation["imblearn"] / generation["ours"],
            "target": 1.0,
        }
    )

    print(f"{'benchmark':<100} {'ours':>10} {'peer':>10} {'ratio':>7} target")
    for row in rows:
        row["met"] = row["ratio"] >= row["target"]
        if "ours_steps_s" in row:
            ours, peer = f"{row['ours_steps_s']:.0f} st/s", f"{row['peer_steps_s']:.0f} st/s"
        else:
            ours, peer = f"{row['ours_s'] * 1e3:.1f} ms", f"{row['peer_s'] * 1e3:.1f} ms"
        print(
            f"{row['benchmark']:<100} {ours:>10} {peer:>10} {row['ratio']:6.2f}x "
            f">={row['target']}x {'met' if row['met'] else 'MISSED'}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "quick": args.quick,
                "steps": steps,
                "batch_size": BATCH,
                "machine": platform.platform(),
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
