"""Benchmark: ``fit`` on ``with_sample_weights(ds)`` against the same pipeline unweighted, with
the cost floors that separate the weighting map from Keras's weighted train step.

A small Dense model (32 -> 64 -> 10), batch 256, steps/s of ``fit`` over 300 steps, every
pipeline the same shuffled ``tf.data`` stream (TensorFlow backend):

* ``unweighted``: ``(x, y)``, the peer (target: ours >= 0.95x).
* ``ours``: ``with_sample_weights(ds, class_weights(y))``, the weights gathered in a batch map.
* ``precomputed``: ``(x, y, w)`` sliced from arrays with the same weights, no map at all: the
  cost of Keras's weighted train step alone, the floor of any weighted pipeline.
* ``ones``: ``(x, y, 1)`` from a map that builds constant weights.
* ``class_weight``: the unweighted pipeline with Keras's ``fit(..., class_weight=...)``.

Every run is repeated ``--repeats`` times, interleaved; the table shows the median and the best
(highest) steps/s of each, and the ratios of both; and the process CPU time per step (all
threads, the tf.data map's included), whose ratio (peer / ours, as for rates) other jobs on a
shared CPU disturb less than wall time. Run::

    .venv/bin/python bench/bench_weighted_fit.py
    .venv/bin/python bench/bench_weighted_fit.py --quick

Results (every repeat) go to bench/results/weighted_fit.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np
from _models import small_model

RESULTS = Path(__file__).parent / "results" / "weighted_fit.json"
BATCH = 256


def pipelines(x: np.ndarray, y: np.ndarray) -> tuple[dict[str, Any], dict[int, float]]:
    import tensorflow as tf

    from keras_imbalance.pipelines import with_sample_weights
    from keras_imbalance.weighting import class_weights, sample_weights

    weights = class_weights(y)
    plain = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(4096, seed=0).batch(BATCH)
    w = sample_weights(y, weights).astype(np.float32)
    sliced = tf.data.Dataset.from_tensor_slices((x, y, w)).shuffle(4096, seed=0).batch(BATCH)
    ones = plain.map(lambda a, b: (a, b, tf.ones_like(b, tf.float32)))
    data = {
        "unweighted": plain,
        "ours": with_sample_weights(plain, weights),
        "precomputed": sliced,
        "ones": ones,
        "class_weight": plain,
    }
    return {k: v.repeat().prefetch(tf.data.AUTOTUNE) for k, v in data.items()}, dict(weights)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few steps and repeats")
    parser.add_argument("--repeats", type=int, default=9, help="interleaved repeats (default 9)")
    args = parser.parse_args()
    repeats, steps = (3, 40) if args.quick else (max(1, args.repeats), 300)
    rng = np.random.default_rng(0)
    n, features, classes = 60_000, 32, 10
    p = 1.0 / np.arange(1, classes + 1) ** 1.5
    y = rng.choice(classes, size=n, p=p / p.sum())
    x = rng.normal(size=(n, features)).astype(np.float32) + y[:, None] * 0.1
    data, as_dict = pipelines(x, y)
    models = {name: small_model(features, classes) for name in data}

    cpu_ms: dict[str, list[float]] = {name: [] for name in data}

    def rate(name: str) -> float:
        extra = {"class_weight": as_dict} if name == "class_weight" else {}
        start, cpu_start = time.perf_counter(), time.process_time()
        models[name].fit(data[name], epochs=1, steps_per_epoch=steps, verbose=0, **extra)
        cpu_ms[name].append((time.process_time() - cpu_start) / steps * 1e3)
        return steps / (time.perf_counter() - start)

    for name in data:  # trace and compile each train function
        rate(name)
        cpu_ms[name].clear()
    rates: dict[str, list[float]] = {name: [] for name in data}
    for _ in range(repeats):
        for name in data:
            rates[name].append(rate(name))
    median = {k: statistics.median(v) for k, v in rates.items()}
    best = {k: max(v) for k, v in rates.items()}
    cpu = {k: statistics.median(v) for k, v in cpu_ms.items()}
    rows = []
    for name, peer in [
        ("ours", "unweighted"),
        ("precomputed", "unweighted"),
        ("ones", "unweighted"),
        ("ours", "precomputed"),
        ("ours", "class_weight"),
    ]:
        row = {
            "ours": name,
            "peer": peer,
            "median_ratio": median[name] / median[peer],
            "best_ratio": best[name] / best[peer],
            "cpu_ratio": cpu[peer] / cpu[name],
        }
        rows.append(row)
        print(
            f"{name:>12} vs {peer:<12} median {median[name]:6.0f} / {median[peer]:6.0f} steps/s "
            f"= {row['median_ratio']:.2f}x   best {best[name]:6.0f} / {best[peer]:6.0f} = "
            f"{row['best_ratio']:.2f}x   CPU per step {cpu[name]:.2f} / {cpu[peer]:.2f} ms = "
            f"{row['cpu_ratio']:.2f}x",
            flush=True,
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "quick": args.quick,
                "steps": steps,
                "batch_size": BATCH,
                "repeats": repeats,
                "machine": platform.platform(),
                "load_average": os.getloadavg(),
                "rates": rates,
                "cpu_ms_per_step": cpu_ms,
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
