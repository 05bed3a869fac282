"""CPU probe: do the representation remedies (issue 18) lift a small long tail?

Protocol (a probe, not the issue's 5 orders x 2 seeds benchmark, which needs a GPU):
* The data of ``bench_augment.py``: Fashion-MNIST from its IDX files, ``--per-class`` training
  images per class long-tailed to ``--ratio`` in the class order drawn by ``--order``, and
  ``--test-per-class`` balanced test images per class.
* One ``compare`` over every ``--seeds`` with a holdout validation split (20%, stratified;
  ``cv=None``), ``--strategies`` at their default knobs (``tune=False``, so every strategy trains
  once per seed), the default CNN, cosine rate, best validation epoch, no refit.
* The ceiling: ``none`` trained the same way on the balanced ``--per-class`` images per class.
* Reported per strategy: validation and test balanced accuracy (mean over the seeds), the test
  difference from ``none`` with its 95% interval, and the share of the ``none``-to-ceiling gap
  closed on test; and the verdict's choice (``result.best``, chosen on validation).

    python bench/bench_representation.py [--epochs 20] [--seeds 0,1] [--order 8] [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from bench_augment import per_class, probe_data

from keras_imbalance.comparison import compare
from keras_imbalance.datasets import FASHION_MNIST_CLASSES, ImbalancedDataset, load_fashion_mnist

RESULTS = Path(__file__).resolve().parent / "results"
STRATEGIES = "none,logit_adjusted,weight_balancing,cutmix_drw,sam,imbsam"


def ceiling_data(args: argparse.Namespace) -> ImbalancedDataset:
    """The balanced ``--per-class`` training images and the same test images as the probe."""
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(args.data_path)
    x_train, y_train = per_class(x_train, y_train, args.per_class, seed=0)
    x_test, y_test = per_class(x_test, y_test, args.test_per_class, seed=1)

    def scaled(x: np.ndarray) -> np.ndarray:
        return (x[..., None] / 255.0).astype("float32")

    x, x_test = scaled(x_train), scaled(x_test)
    return ImbalancedDataset(x, y_train, x_test, y_test, FASHION_MNIST_CLASSES)


def run(data: ImbalancedDataset, strategies: list[str], args: argparse.Namespace):
    seeds = [int(s) for s in args.seeds.split(",")]
    return compare(
        data, strategies, epochs=args.epochs, seeds=seeds, tune=False, cv=None, refit=False
    )


def table(result, ceiling: float) -> dict:
    """Per strategy: validation, test, test minus none with its interval, and the gap closed."""
    rows = {r["strategy"]: r for r in result.summary()}
    none = rows["none"]["test"]["mean"]["balanced_accuracy"]
    out = {}
    for name, row in rows.items():
        test = row["test"]["mean"]["balanced_accuracy"]
        diff = row["vs_none"]["test"] or {}
        out[name] = {
            "validation": row["validation"]["mean"]["balanced_accuracy"],
            "test": test,
            "test_vs_none": [diff.get("mean"), diff.get("low"), diff.get("high")],
            "gap_closed": (test - none) / (ceiling - none) if ceiling > none else float("nan"),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--order", type=int, default=8, help="seed of the class order")
    parser.add_argument("--ratio", type=float, default=100.0)
    parser.add_argument("--per-class", type=int, default=800)
    parser.add_argument("--test-per-class", type=int, default=300)
    parser.add_argument("--strategies", default=STRATEGIES)
    parser.add_argument("--data-path", default=None)
    parser.add_argument(
        "--quick", action="store_true", help="1 epoch, 1 seed, 200 per class, ratio 20"
    )
    parser.add_argument("--json", default=str(RESULTS / "representation.json"))
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.seeds, args.per_class, args.test_per_class = 1, "0", 200, 30
        args.ratio = 20.0
    strategies = args.strategies.split(",")
    started = time.perf_counter()
    ceiling_result = run(ceiling_data(args), ["none"], args)
    ceiling = ceiling_result.summary()[0]["test"]["mean"]["balanced_accuracy"]
    data = probe_data(args)
    print(
        f"ceiling {ceiling:.3f}; training images {len(data.y_train)}, "
        f"counts {np.bincount(data.y_train).tolist()}"
    )
    result = run(data, strategies, args)
    report = {
        "protocol": vars(args),
        "ceiling": ceiling,
        "chosen_on_validation": result.best or "none",
        "strategies": table(result, ceiling),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, indent=2))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
