"""Benchmark: class weights to per-sample weights, ours against Keras's and scikit-learn's.

1. 1 M labels (10 and 1000 classes) to per-sample weights: ``sample_weights(y, class_weight)``
   against Keras 3's own NumPy-path conversion,
   ``keras.src.trainers.data_adapters.data_adapter_utils.class_weight_to_sample_weights``
   (what ``fit(x, y, class_weight=...)`` runs). Target: >= 30x.
2. Count and weigh 10 M integer labels of 1000 classes: ``class_weights(y)`` against
   ``sklearn.utils.class_weight.compute_class_weight("balanced", classes=np.unique(y), y=y)``
   (the seeds' one-liner, ``np.unique`` included). Target: >= 30x. ``np.bincount`` is a floor.

Ours and the peer run interleaved; the table shows medians. Run::

    .venv/bin/python bench/bench_sample_weights.py          # full sizes
    .venv/bin/python bench/bench_sample_weights.py --quick  # a smoke run

Results go to bench/results/sample_weights.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
from _timing import compare

RESULTS = Path(__file__).parent / "results" / "sample_weights.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    args = parser.parse_args()

    from keras.src.trainers.data_adapters.data_adapter_utils import class_weight_to_sample_weights
    from sklearn.utils.class_weight import compute_class_weight

    from keras_imbalance.weighting import class_weights, sample_weights

    rng = np.random.default_rng(0)
    n_weights = 100_000 if args.quick else 1_000_000
    n_count = 1_000_000 if args.quick else 10_000_000
    repeats = 3 if args.quick else 7
    rows = []

    for num_classes in (10, 1000):
        # Imbalanced: class c has probability proportional to 1 / (c + 1).
        p = 1.0 / np.arange(1, num_classes + 1)
        y = rng.choice(num_classes, size=n_weights, p=p / p.sum())
        weights = class_weights(y, classes=num_classes)
        as_dict = dict(weights)
        vector = weights.to_array()

        def check(ours: np.ndarray, peer: np.ndarray) -> None:
            np.testing.assert_allclose(ours, peer, rtol=1e-6)

        rows.append(
            compare(
                f"sample weights, {n_weights:,} labels, {num_classes} classes "
                f"(peer: Keras class_weight_to_sample_weights)",
                lambda y=y, w=weights: sample_weights(y, w),
                lambda y=y, d=as_dict: class_weight_to_sample_weights(y, d),
                repeats=max(3, repeats // 2),
                target=30.0,
                check=check,
                extra={"floor": lambda y=y, w=vector: w[y]},
            )
        )

    y = rng.choice(1000, size=n_count, p=(lambda q: q / q.sum())(1.0 / np.arange(1, 1001)))

    def check_weights(ours: Any, peer: np.ndarray) -> None:
        np.testing.assert_allclose(ours.to_array(), peer, rtol=1e-12)

    rows.append(
        compare(
            f"count and weigh {n_count:,} labels, 1000 classes "
            f"(peer: sklearn compute_class_weight + np.unique)",
            lambda: class_weights(y, "balanced"),
            lambda: compute_class_weight("balanced", classes=np.unique(y), y=y),
            repeats=repeats,
            target=30.0,
            check=check_weights,
            extra={"floor": lambda: n_count / (1000 * np.bincount(y, minlength=1000))},
        )
    )

    print(f"{'benchmark':<92} {'ours':>9} {'peer':>9} {'floor':>9} {'speedup':>8} target")
    for row in rows:
        floor = f"{row['floor_s'] * 1e3:8.1f}ms" if row.get("floor_s") is not None else " " * 10
        print(
            f"{row['benchmark']:<92} {row['ours_s'] * 1e3:7.1f}ms {row['peer_s'] * 1e3:7.1f}ms "
            f"{floor} {row['speedup']:7.1f}x >={row['target']:.0f}x "
            f"{'met' if row['met'] else 'MISSED'}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "quick": args.quick,
                "machine": platform.platform(),
                "python": platform.python_version(),
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
