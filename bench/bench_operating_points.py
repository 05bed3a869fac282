"""How far moving the threshold alone goes, against the re-weighting remedies, on a detector.

Protocol (issue "Detectors and multi-label data", "Done when"): the seeds' detector on real
Fashion-MNIST (Debian's ``dataset-fashion-mnist``, or ``--data-path``): "Shirt" against the other
nine classes, 10% positives. A stratified subsample of the training set (``--train-size``,
default 12 000, for a CPU) is split 80/20 into training and validation; the test set is the
whole official test set (10 000 images, 1 000 shirts). ``compare`` trains the default CNN once
per strategy, knob value and seed (``cv=None``: the holdout), chooses the knobs, the epoch and
every threshold on validation, and scores the chosen runs on test.

Strategies: ``none`` (plain cross-entropy at the argmax), ``threshold`` (the same models, the
threshold moved on validation), and the re-weighting remedies ``balanced``, ``focal``,
``logit_adjusted``, each also at its own validation-chosen threshold. The selection metric is the
positive class's F1 (``--metric``).

The script prints the operating-point table and the share of the best re-weighting remedy's test
gain over ``none`` that the threshold alone reaches,
``(m(threshold) - m(none)) / (m(best remedy) - m(none))``, and what each remedy adds over the
threshold, for F1 and for recall at precision >= ``--min-precision``. (Recall at a precision
moves every strategy's threshold, ``none``'s too, so there the threshold adds nothing over
``none`` by construction, and the remedies' gains over it are what re-weighting adds.)

    python bench/bench_operating_points.py [--train-size 12000] [--epochs 8] [--seeds 0,1]
        [--metric f1] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.report.operating_table import operating_rows
from keras_imbalance.datasets import load_fashion_mnist, make_detector

REMEDIES = ("balanced", "focal", "logit_adjusted")


def stratified_subset(y: np.ndarray, size: int, seed: int) -> np.ndarray:
    """``size`` indices of ``y`` that keep each class's share (sorted)."""
    rng = np.random.default_rng(seed)
    picked = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        take = round(size * len(members) / len(y))
        picked.append(rng.choice(members, size=take, replace=False))
    return np.sort(np.concatenate(picked))


def detector_data(path: str | None, train_size: int, seed: int) -> tuple[Any, Any]:
    """``((x_train, y_train), (x_test, y_test))`` of the shirt detector, pixels in [0, 1]."""
    (x, y), (x_test, y_test) = load_fashion_mnist(path)
    y, y_test = make_detector(y, 6), make_detector(y_test, 6)  # 6 = "Shirt"
    keep = stratified_subset(y, min(train_size, len(y)), seed)

    def pixels(images: np.ndarray) -> np.ndarray:
        return (images.astype("float32") / 255.0)[..., None]

    return (pixels(x[keep]), y[keep]), (pixels(x_test), y_test)


def gains(table: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
    """Test gains on ``key``: the threshold's over none, each remedy's over none and over the
    threshold, and the share of the best remedy's gain over none that the threshold reaches."""
    base, moved = table["none"][key], table["threshold"][key]
    best = max(REMEDIES, key=lambda name: table[name][key])
    gain = table[best][key] - base
    return {
        "threshold_over_none": moved - base,
        "over_none": {name: table[name][key] - base for name in REMEDIES},
        "over_threshold": {name: table[name][key] - moved for name in REMEDIES},
        "best_remedy": best,
        "share": (moved - base) / gain if gain > 0 else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-path", default=None)
    parser.add_argument("--train-size", type=int, default=12_000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--metric", default="f1")
    parser.add_argument("--min-precision", type=float, default=0.7)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    data = detector_data(args.data_path, args.train_size, seed=0)
    started = time.perf_counter()
    result = compare(
        data,
        ["none", "threshold", *REMEDIES],
        epochs=args.epochs,
        seeds=seeds,
        metric=args.metric,
        cv=None,
        refit=False,
        n_boot=args.n_boot,
        batch_size=64,
        class_names=["other", "Shirt"],
        min_precision=args.min_precision,
    )
    seconds = time.perf_counter() - started
    rows = operating_rows(result.rows, result.runs)
    table = {row["strategy"]: row for row in rows}
    print(result.to_markdown())
    shares = {key: gains(table, key) for key in ("f1", "recall_at_precision")}
    for key, share in shares.items():
        ratio = "n/a" if share["share"] is None else f"{share['share']:.2f}"
        over = ", ".join(f"{k} {v:+.4f}" for k, v in share["over_threshold"].items())
        print(
            f"{key}: threshold over none {share['threshold_over_none']:+.4f}; best remedy "
            f"{share['best_remedy']}; share of its gain reached by the threshold alone {ratio}; "
            f"remedies over the threshold: {over}"
        )
    print(f"{seconds:.0f} s")
    if args.json:
        payload = {
            "settings": vars(args),
            "seconds": seconds,
            "operating_points": rows,
            "shares": shares,
            "verdict": result.verdict,
        }
        with open(args.json, "w") as handle:
            json.dump(payload, handle, indent=2)


if __name__ == "__main__":
    main()
