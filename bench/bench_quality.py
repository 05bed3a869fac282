"""Quality benchmark: which remedy helps on Fashion-MNIST-LT, and how much of the gap it closes.

Protocol (issue "Evaluate honestly and compare strategies"):
* Fashion-MNIST long-tailed to imbalance ratio 100 (exponential profile), with the class order
  drawn by seeds 0, 1 and 2; the balanced 10 000-image test set.
* The same CNN (``compare.default_model``), optimiser and epochs for every strategy.
* The ceiling: the same CNN trained on the full balanced training set.
* Target: the best strategy closes at least half of the gap between plain CE on the long-tailed
  data and the ceiling, averaged over the three orders.
* Also the digits-LT numbers that ``keras-imbalance compare`` prints by default.

    python bench/bench_quality.py [--epochs 10] [--orders 0,1,2] [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from keras_imbalance.comparison import DEFAULT_STRATEGIES, compare
from keras_imbalance.datasets import (
    FASHION_MNIST_CLASSES,
    ImbalancedDataset,
    load_digits_lt,
    load_fashion_mnist,
    make_long_tailed,
)

RESULTS = Path(__file__).resolve().parent / "results"


def fashion_lt(order_seed: int, ratio: float, images: tuple) -> tuple[ImbalancedDataset, list]:
    """Fashion-MNIST-LT with the class order drawn by ``order_seed`` (head first)."""
    (x_train, y_train), (x_test, y_test) = images
    order = np.random.default_rng(order_seed).permutation(10).tolist()
    x_lt, y_lt = make_long_tailed(x_train, y_train, ratio, class_order=order, seed=order_seed)
    return ImbalancedDataset(x_lt, y_lt, x_test, y_test, FASHION_MNIST_CLASSES), order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--ratio", type=float, default=100.0)
    parser.add_argument("--orders", default="0,1,2")
    parser.add_argument("--strategies", default=",".join(DEFAULT_STRATEGIES))
    parser.add_argument("--data-path", default=None)
    parser.add_argument("--quick", action="store_true", help="2 epochs, one order, 3 strategies")
    args = parser.parse_args()
    orders = [int(s) for s in args.orders.split(",")]
    strategies = args.strategies.split(",")
    if args.quick:
        args.epochs, orders, strategies = 2, orders[:1], ["none", "balanced", "logit_adjusted"]

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(args.data_path)
    x_train = (x_train[..., None] / 255.0).astype("float32")
    x_test = (x_test[..., None] / 255.0).astype("float32")
    names = list(FASHION_MNIST_CLASSES)
    report: dict = {
        "epochs": args.epochs,
        "ratio": args.ratio,
        "orders": {},
        "strategies": strategies,
    }
    for seed in orders:
        started = time.perf_counter()
        data, order = fashion_lt(seed, args.ratio, ((x_train, y_train), (x_test, y_test)))
        full = ImbalancedDataset(x_train, y_train, x_test, y_test, FASHION_MNIST_CLASSES)
        lt = compare(data, strategies, epochs=args.epochs, seeds=[seed])
        ceiling = compare(full, ["none"], epochs=args.epochs, seeds=[seed])
        rows = {row["strategy"]: row["mean"] for row in lt.summary()}
        top = rows[lt.best]
        ceil = ceiling.summary()[0]["mean"]
        gap = ceil["balanced_accuracy"] - rows["none"]["balanced_accuracy"]
        closed = (
            (top["balanced_accuracy"] - rows["none"]["balanced_accuracy"]) / gap
            if gap > 0
            else float("nan")
        )
        report["orders"][seed] = {
            "class_order": [names[c] for c in order],
            "tail": [names[c] for c in order[-3:]],
            "train_counts": lt.train_counts,
            "strategies": rows,
            "tail_recall": {row["strategy"]: row["tail_recall"] for row in lt.summary()},
            "ceiling": ceil,
            "best": lt.best,
            "gap_closed": closed,
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(
            f"order {seed} (tail {report['orders'][seed]['tail']}): "
            f"best {lt.best}, gap closed {closed:.2f}"
        )
        print(lt.to_markdown())
        print(f"ceiling balanced accuracy {ceil['balanced_accuracy']:.3f}\n")
    closed_all = [o["gap_closed"] for o in report["orders"].values()]
    per_strategy = {
        s: {
            metric: float(np.mean([o["strategies"][s][metric] for o in report["orders"].values()]))
            for metric in ("balanced_accuracy", "macro_f1", "tail_recall")
        }
        for s in strategies
    }
    best_overall = max(per_strategy, key=lambda s: per_strategy[s]["balanced_accuracy"])
    ceiling_mean = float(
        np.mean([o["ceiling"]["balanced_accuracy"] for o in report["orders"].values()])
    )
    none_mean = per_strategy["none"]["balanced_accuracy"]
    report["mean"] = per_strategy
    report["ceiling_balanced_accuracy"] = ceiling_mean
    report["best_overall"] = best_overall
    report["gap_closed_mean_of_orders"] = float(np.mean(closed_all))
    report["gap_closed_best_overall"] = (
        per_strategy[best_overall]["balanced_accuracy"] - none_mean
    ) / (ceiling_mean - none_mean)

    print("| strategy | balanced accuracy | macro-F1 | tail recall |")
    print("|---|---:|---:|---:|")
    for s in sorted(per_strategy, key=lambda s: -per_strategy[s]["balanced_accuracy"]):
        m = per_strategy[s]
        print(
            f"| {s} | {m['balanced_accuracy']:.3f} | {m['macro_f1']:.3f} | {m['tail_recall']:.3f} |"
        )
    print(f"| ceiling (full balanced data) | {ceiling_mean:.3f} | | |")
    print(
        f"gap closed by the per-order best: {np.mean(closed_all):.2f}; by {best_overall} overall: "
        f"{report['gap_closed_best_overall']:.2f} (target >= 0.5)"
    )

    digits = compare(load_digits_lt(ratio=10), DEFAULT_STRATEGIES, seeds=[0, 1, 2])
    report["digits_lt"] = digits.to_dict()["summary"]
    print("\ndigits-LT (keras-imbalance compare defaults)\n" + digits.to_markdown())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "quality.json").write_text(json.dumps(report, indent=2, default=float))


if __name__ == "__main__":
    main()
