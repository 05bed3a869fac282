"""Quality benchmark: the share of the gap to the balanced ceiling the chosen remedy closes.

Protocol (issue "compare gives an answer you can trust"):
* Fashion-MNIST long-tailed to imbalance ratio 100 (exponential profile), the class order drawn
  by each order seed (0-4 by default); the balanced 10 000-image test set.
* ``compare`` with its defaults: validation carved from the long-tailed training data (20%,
  stratified), cosine learning rate, best validation epoch, every knob tuned on validation, the
  strategy chosen on validation (``result.best``, or ``none`` when no remedy beats it beyond the
  noise). The test split is scored once.
* The ceiling: the same model and training recipe on the full balanced training set (validation
  carved from it the same way). It does not depend on the class order, so it is trained once per
  training seed.
* Per order: ``none`` on test, the chosen strategy and its test score, the ceiling, and the share
  of the ``none``-to-ceiling gap closed. Target: at least 0.6 on average, and no order where the
  chosen strategy is below ``none`` beyond the noise interval.
* Selection efficiency: the chosen strategy's test gain over ``none`` divided by the best test
  gain of any strategy (target: at least 0.8), for the verdict's choice, for the top strategy on
  validation and, with cross-validation, for the top by class-balanced out-of-fold log loss.
  ``--cv`` sets compare's ``cv`` (``auto``, ``none`` or a number of folds).
* Also the wall time of the default ``compare`` on digits-LT (target: under 3 minutes).

    python bench/bench_quality.py [--epochs 10] [--orders 0,1,2,3,4] [--seeds 0,1] [--quick]

On a machine with more cores (or a GPU), ``--workers N`` trains N runs at once in a process pool,
``--output DIR`` keeps one resumable journal per order under DIR, and ``--ceiling-only`` /
``--skip-ceiling`` with ``--ceiling S`` split the work across processes; ``--json PATH`` names
the report file.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from keras_imbalance.cli.compare_checks import check_grid_flags
from keras_imbalance.comparison import DEFAULT_STRATEGIES, compare
from keras_imbalance.comparison.parallel import process_pool
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


def efficiency(result, strategy: str) -> float:
    """``strategy``'s test gain over ``none`` divided by the best test gain of any strategy
    (``nan`` when no strategy gains on test): how much of what the remedies offer the choice
    captured. Measured after the fact; the test split chose nothing."""
    tests = {r["strategy"]: r["test"]["mean"]["balanced_accuracy"] for r in result.summary()}
    none = tests["none"]
    best_gain = max(tests.values()) - none
    return (tests[strategy] - none) / best_gain if best_gain > 0 else float("nan")


def selection_report(result) -> dict:
    """The scheme that chose, the selection efficiency of the verdict's choice and of the top
    strategy on validation, and, with cross-validation, of the class-balanced log loss's top."""
    selection = result.settings.get("selection", {})
    ranked = [r["strategy"] for r in result.summary()]
    report = {
        "scheme": selection.get("scheme", "holdout"),
        "folds": selection.get("folds"),
        "efficiency_chosen": efficiency(result, result.best or "none"),
        "top_on_validation": ranked[0],
        "efficiency_top": efficiency(result, ranked[0]),
    }
    by_loss = selection.get("by_log_loss")
    if by_loss:
        top = by_loss["ranking"][0]
        report["top_by_log_loss"] = top
        report["efficiency_top_by_log_loss"] = efficiency(result, top)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--ratio", type=float, default=100.0)
    parser.add_argument("--orders", default="0,1,2,3,4")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--strategies", default=",".join(DEFAULT_STRATEGIES))
    parser.add_argument("--no-tune", action="store_true")
    parser.add_argument("--data-path", default=None)
    parser.add_argument("--skip-digits", action="store_true")
    parser.add_argument("--quick", action="store_true", help="1 epoch, one order, 3 strategies")
    parser.add_argument("--workers", type=int, default=1, help="runs trained at once")
    parser.add_argument("--output", default=None, help="folder of one journal per order")
    parser.add_argument("--json", default=str(RESULTS / "quality.json"), help="report file")
    parser.add_argument("--ceiling-only", action="store_true", help="train the ceiling alone")
    parser.add_argument("--skip-ceiling", action="store_true", help="use --ceiling instead")
    parser.add_argument("--ceiling", type=float, default=float("nan"), help="a known ceiling")
    parser.add_argument(
        "--cv",
        default="auto",
        help="compare's cv: auto (default), none (the holdout) or a number of folds",
    )
    parser.add_argument("--augment", default=None, help="flip,translate,crop (ceiling too)")
    parser.add_argument("--weight-decay", type=float, default=None, help="every run (ceiling too)")
    parser.add_argument("--grid", action="append", default=[], help="STRATEGY.KNOB=V1,V2")
    parser.add_argument("--halving", action="store_true", help="successive halving of the knobs")
    args = parser.parse_args()
    cv = None if args.cv == "none" else (args.cv if args.cv == "auto" else int(args.cv))
    orders = [int(s) for s in args.orders.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    strategies = args.strategies.split(",")
    if args.quick:
        args.epochs, orders, seeds = 1, orders[:1], seeds[:1]
        strategies = ["none", "balanced", "posthoc"]
    grids = check_grid_flags(strategies, args.grid) or None
    # The same training for the ceiling and every strategy, so the gap stays honest.
    shared = {"augment": args.augment, "weight_decay": args.weight_decay}

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(args.data_path)
    x_train = (x_train[..., None] / 255.0).astype("float32")
    x_test = (x_test[..., None] / 255.0).astype("float32")
    names = list(FASHION_MNIST_CLASSES)
    settings = {
        "epochs": args.epochs,
        "seeds": seeds,
        "tune": not args.no_tune,
        "augment": args.augment,
        "weight_decay": args.weight_decay,
        "grids": args.grid,
        "halving": args.halving,
    }
    report: dict = {**settings, "ratio": args.ratio, "strategies": strategies, "orders": {}}

    executor = process_pool(args.workers) if args.workers > 1 else None
    journal = (lambda name: None) if args.output is None else (lambda name: f"{args.output}/{name}")
    started = time.perf_counter()
    ceiling_score = args.ceiling
    if not args.skip_ceiling:
        full = ImbalancedDataset(x_train, y_train, x_test, y_test, FASHION_MNIST_CLASSES)
        ceiling = compare(
            full,
            ["none"],
            epochs=args.epochs,
            seeds=seeds,
            executor=executor,
            output=journal("ceiling"),
            refit=False,
            grids={"none": grids["none"]} if grids and "none" in grids else None,
            **shared,
        )
        ceiling_score = ceiling.row("none")["test"]["mean"]["balanced_accuracy"]
    report["ceiling"] = {
        "balanced_accuracy": ceiling_score,
        "seconds": time.perf_counter() - started,
    }
    print(f"ceiling (full balanced training set): {ceiling_score:.3f}", flush=True)
    if args.ceiling_only:
        orders = []

    for order_seed in orders:
        started = time.perf_counter()
        data, order = fashion_lt(order_seed, args.ratio, ((x_train, y_train), (x_test, y_test)))
        result = compare(
            data,
            strategies,
            epochs=args.epochs,
            seeds=seeds,
            tune=not args.no_tune,
            executor=executor,
            output=journal(f"order{order_seed}"),
            cv=cv,
            refit=False,
            grids=grids,
            halving=args.halving,
            **shared,
        )
        none = result.row("none")["test"]["mean"]["balanced_accuracy"]
        chosen = result.best or "none"
        row = result.row(chosen)
        score = row["test"]["mean"]["balanced_accuracy"]
        diff = row["vs_none"]["test"]
        gap = ceiling_score - none
        closed = (score - none) / gap if gap > 0 else float("nan")
        report["orders"][order_seed] = {
            "class_order": [names[c] for c in order],
            "tail": [names[c] for c in result.tail_classes],
            "none": none,
            "chosen": chosen,
            "chosen_params": row["params"],
            "chosen_test": score,
            "chosen_vs_none_test": diff,
            "below_none_beyond_noise": bool(diff is not None and diff["high"] < 0),
            "gap_closed": closed,
            **selection_report(result),
            "verdict": result.verdict,
            "summary": [
                {
                    "strategy": r["strategy"],
                    "params": r["params"],
                    "validation": r["validation"]["mean"]["balanced_accuracy"],
                    "test": r["test"]["mean"]["balanced_accuracy"],
                    "vs_none_test": r["vs_none"]["test"],
                }
                for r in result.summary()
            ],
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(
            f"order {order_seed} (tail {report['orders'][order_seed]['tail']}): none {none:.3f}, "
            f"chosen {chosen} {score:.3f}, gap closed {closed:.2f}",
            flush=True,
        )
        print(result.to_markdown().split("Recipe (")[0], flush=True)

    closed_all = [o["gap_closed"] for o in report["orders"].values()]
    report["gap_closed_mean"] = float(np.mean(closed_all)) if closed_all else float("nan")
    for key in ("efficiency_chosen", "efficiency_top", "efficiency_top_by_log_loss"):
        values = [o[key] for o in report["orders"].values() if key in o]
        report[f"{key}_mean"] = float(np.nanmean(values)) if values else float("nan")
    report["orders_below_none"] = sum(
        o["below_none_beyond_noise"] for o in report["orders"].values()
    )
    print(
        "| order | tail (rarest last) | none | chosen on validation | its test | gap closed "
        "| efficiency | top on validation (eff.) | top by log loss (eff.) |"
    )
    print("|---:|---|---:|---|---:|---:|---:|---|---|")
    for seed, o in report["orders"].items():
        params = ", ".join(f"{k}={v}" for k, v in o["chosen_params"].items())
        print(
            f"| {seed} | {', '.join(o['tail'])} | {o['none']:.3f} | {o['chosen']}"
            f"{f' ({params})' if params else ''} | {o['chosen_test']:.3f} | {o['gap_closed']:.2f} "
            f"| {o['efficiency_chosen']:.2f} | {o['top_on_validation']} "
            f"({o['efficiency_top']:.2f}) | {o.get('top_by_log_loss', '-')} "
            f"({o.get('efficiency_top_by_log_loss', float('nan')):.2f}) |"
        )
    print(
        f"ceiling {ceiling_score:.3f}; gap closed on average {report['gap_closed_mean']:.2f} "
        f"(target >= 0.6); orders below none beyond the noise: {report['orders_below_none']}; "
        f"selection efficiency {report['efficiency_chosen_mean']:.2f} (target >= 0.8), top on "
        f"validation {report['efficiency_top_mean']:.2f}, top by log loss "
        f"{report['efficiency_top_by_log_loss_mean']:.2f}"
    )
    if not args.skip_digits and not args.quick:
        started = time.perf_counter()
        digits = compare(load_digits_lt(ratio=10))
        report["digits_lt"] = {
            "seconds": time.perf_counter() - started,
            "best": digits.best,
            "verdict": digits.verdict,
        }
        print(f"\ndigits-LT default compare: {report['digits_lt']['seconds']:.0f} s")
    if executor is not None:
        executor.shutdown()
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2, default=float))


if __name__ == "__main__":
    main()
