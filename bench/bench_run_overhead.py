"""The fixed cost of a run: the same small compare with Keras's default path and with compare's.

Protocol: digits-LT (:func:`keras_imbalance.datasets.load_digits_lt`, ratio 10), the default
model, ``none`` and ``logit_adjusted`` without tuning, ``--seeds`` seeds, ``--cv`` folds, no
refit, ``--epochs`` epochs. Each repeat runs the compare once inside
:func:`~keras_imbalance.comparison.run.run_overhead.savings_disabled` (the old path: a fresh
``tf.data`` iterator twice per epoch on TensorFlow, no compilation cache on JAX) and once
without (the new path), alternating which goes first, in the same process. The two must score
every run identically. On a shared machine only the ratio within one repeat means anything.

    KERAS_BACKEND=tensorflow python bench/bench_run_overhead.py [--epochs 30] [--cv 3]
        [--seeds 0] [--repeats 2] [--json PATH]

Target: the new path faster, every score equal.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from contextlib import nullcontext
from typing import Any

import keras

from keras_imbalance.comparison import compare
from keras_imbalance.comparison.run.run_overhead import savings_disabled
from keras_imbalance.datasets import load_digits_lt


def one_arm(old: bool, args: argparse.Namespace) -> tuple[float, list[Any]]:
    """``(seconds, every run's validation and test scores)`` of one compare."""
    data = load_digits_lt(ratio=10)
    started = time.perf_counter()
    with savings_disabled() if old else nullcontext():
        result = compare(
            data,
            ["none", "logit_adjusted"],
            epochs=args.epochs,
            seeds=args.seeds,
            cv=args.cv,
            tune=False,
            refit=False,
            n_boot=50,
        )
    seconds = time.perf_counter() - started
    scores = [
        (run["strategy"], run.get("fold"), run["validation"], run["test"]) for run in result.runs
    ]
    return seconds, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--cv", type=int, default=3)
    parser.add_argument("--seeds", type=lambda s: [int(v) for v in s.split(",")], default=[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"old": [], "new": []}
    for repeat in range(args.repeats):
        order = (True, False) if repeat % 2 == 0 else (False, True)
        scores = {}
        for old in order:
            seconds, scores[old] = one_arm(old, args)
            times["old" if old else "new"].append(round(seconds, 2))
        if repr(scores[True]) != repr(scores[False]):
            raise SystemExit(f"repeat {repeat}: the old and the new path scored differently")
    old_s, new_s = statistics.median(times["old"]), statistics.median(times["new"])
    row = {
        "benchmark": "run_overhead",
        "backend": keras.backend.backend(),
        "epochs": args.epochs,
        "cv": args.cv,
        "seeds": args.seeds,
        "old_s": old_s,
        "new_s": new_s,
        "speedup": round(old_s / new_s, 2),
        "scores_equal": True,
        "all_s": times,
    }
    print(json.dumps(row))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(row, handle, indent=2)


if __name__ == "__main__":
    main()
