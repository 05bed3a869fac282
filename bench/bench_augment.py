"""CPU probe: does ``compare(augment=...)`` lift ``none`` and ``logit_adjusted``?

Protocol (a probe, not the issue's 5 orders x 2 seeds benchmark):
* Fashion-MNIST from its IDX files, ``--per-class`` training images per class (default 1000),
  long-tailed to ``--ratio`` (default 100: 1000 down to 10 images, about 2 500 in all) in the
  class order drawn by ``--order``; ``--test-per-class`` balanced test images per class.
* ``compare`` with a holdout validation split (20%, stratified; ``cv=None``, since ``"auto"``
  would cross-validate this little tail), ``none`` and ``logit_adjusted`` (tau = 1, no tuning),
  the default CNN, cosine rate, best validation epoch, no refit; once per training seed without
  and with ``augment=("flip", "translate", "crop")`` (or ``--augment``), the two interleaved
  seed by seed.
* Reported: test balanced accuracy per strategy, seed and arm, and the mean gain of the
  augmented arm with the seed-to-seed spread of the unaugmented arm beside it.

    python bench/bench_augment.py [--epochs 10] [--seeds 0,1] [--order 8] [--augment flip]
        [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.data.augment import check_augment
from keras_imbalance.datasets import (
    FASHION_MNIST_CLASSES,
    ImbalancedDataset,
    load_fashion_mnist,
    make_long_tailed,
)

RESULTS = Path(__file__).resolve().parent / "results"
AUGMENT = ("flip", "translate", "crop")
STRATEGIES = ["none", "logit_adjusted"]


def per_class(x: np.ndarray, y: np.ndarray, count: int, seed: int) -> tuple:
    """The first ``count`` images of each class after a seeded shuffle."""
    order = np.random.default_rng(seed).permutation(len(y))
    keep = np.sort(np.concatenate([order[y[order] == c][:count] for c in range(10)]))
    return x[keep], y[keep]


def probe_data(args: argparse.Namespace) -> ImbalancedDataset:
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(args.data_path)
    x_train, y_train = per_class(x_train, y_train, args.per_class, seed=0)
    x_test, y_test = per_class(x_test, y_test, args.test_per_class, seed=1)
    class_order = np.random.default_rng(args.order).permutation(10).tolist()
    x_lt, y_lt = make_long_tailed(
        x_train, y_train, args.ratio, class_order=class_order, seed=args.order
    )

    def scaled(x: np.ndarray) -> np.ndarray:
        return (x[..., None] / 255.0).astype("float32")

    return ImbalancedDataset(scaled(x_lt), y_lt, scaled(x_test), y_test, FASHION_MNIST_CLASSES)


def one_arm(data: ImbalancedDataset, seed: int, augment: tuple, epochs: int) -> dict:
    started = time.perf_counter()
    result = compare(
        data,
        STRATEGIES,
        epochs=epochs,
        seeds=[seed],
        tune=False,
        cv=None,
        refit=False,
        n_boot=50,
        augment=augment,
    )
    tests = {row["strategy"]: row["test"]["mean"]["balanced_accuracy"] for row in result.summary()}
    return {"tests": tests, "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--order", type=int, default=8, help="seed of the class order")
    parser.add_argument("--ratio", type=float, default=100.0)
    parser.add_argument("--per-class", type=int, default=1000)
    parser.add_argument("--test-per-class", type=int, default=300)
    parser.add_argument("--data-path", default=None)
    parser.add_argument("--augment", default=",".join(AUGMENT), help="the augmented arm's ops")
    parser.add_argument("--quick", action="store_true", help="1 epoch, 1 seed, 200 per class")
    parser.add_argument("--json", default=str(RESULTS / "augment.json"), help="report file")
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.seeds, args.per_class, args.test_per_class = 1, "0", 200, 50
    augmented = check_augment(args.augment, "--augment")
    data = probe_data(args)
    print(f"training images: {len(data.y_train)}, counts {np.bincount(data.y_train).tolist()}")
    rows = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        for augment in ((), augmented):  # interleaved: the two arms see the same machine load
            arm = one_arm(data, seed, augment, args.epochs)
            rows.append({"seed": seed, "augment": list(augment), **arm})
            print(json.dumps(rows[-1]))
    report = {"protocol": vars(args), "rows": rows, "summary": summary(rows)}
    print(json.dumps(report["summary"], indent=2))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2))


def summary(rows: list[dict]) -> dict:
    """Per strategy: the mean test score of each arm, the gain, and the spread over seeds."""
    out = {}
    for strategy in STRATEGIES:
        plain = [r["tests"][strategy] for r in rows if not r["augment"]]
        aug = [r["tests"][strategy] for r in rows if r["augment"]]
        out[strategy] = {
            "plain": float(np.mean(plain)),
            "augmented": float(np.mean(aug)),
            "gain": float(np.mean(aug) - np.mean(plain)),
            "seed_spread_plain": float(np.ptp(plain)) if len(plain) > 1 else None,
        }
    return out


if __name__ == "__main__":
    main()
