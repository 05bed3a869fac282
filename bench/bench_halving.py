"""Successive halving: the epochs it saves, and whether the choices and the verdict change.

Protocol (issue "Real size at real speed", item 3): the default ``compare`` on digits-LT
(:func:`keras_imbalance.datasets.load_digits_lt`, ratio 10; the default strategies and grids;
``cv="auto"``, which cross-validates this small data) once without halving and once with
``halving=True`` (eta 2), interleaved per repeat, each with its own journal. The epochs are
counted from the journals (every trained strategy's fold runs and final runs; the decoupled
heads, which cost seconds, apart); the wall times are reported too, but on a shared machine only
their ratio within one repeat means anything. The refit is off (it trains the chosen strategy
once more in both arms and does not change the verdict).

    python bench/bench_halving.py [--epochs 30] [--seeds 0,1,2] [--repeats 1] [--json PATH]

Target: at least 2x fewer epochs, the same chosen strategy and verdict.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from keras_imbalance.comparison import DEFAULT_STRATEGIES, compare
from keras_imbalance.comparison.strategies import check_strategies
from keras_imbalance.datasets import load_digits_lt


def journal_epochs(folder: Path, kinds: dict[str, str]) -> dict[str, int]:
    """The epochs the trained strategies' runs of a journal trained: the runs on the folds (or
    the holdout), halving's segments included, and the final runs on all the training data."""
    counts = {"runs": 0, "final": 0}
    lines = (folder / "runs.jsonl").read_text().splitlines()[1:]
    for line in lines:
        record = json.loads(line)
        key = record["key"]
        if kinds.get(key["strategy"]) != "trained":
            continue
        if "final_epochs" in key:
            counts["final"] += int(key["final_epochs"])
        elif "segment_epochs" in record:
            counts["runs"] += int(record["segment_epochs"])
        else:
            counts["runs"] += len(record["history"]["loss"])
    counts["total"] = counts["runs"] + counts["final"]
    return counts


def one_arm(halving: bool, epochs: int, seeds: list[int], folder: Path) -> dict[str, Any]:
    """One compare, timed, with its choices, verdict and epochs."""
    kinds = {r.name: r.kind for r in check_strategies(DEFAULT_STRATEGIES)}
    started = time.perf_counter()
    result = compare(
        load_digits_lt(ratio=10),
        epochs=epochs,
        seeds=seeds,
        output=folder,
        refit=False,
        halving=halving,
    )
    seconds = time.perf_counter() - started
    chosen = {
        run["strategy"]: run["params"]
        for run in result.runs
        if run.get("chosen") and "fold" not in run
    }
    return {
        "halving": halving,
        "seconds": round(seconds, 1),
        "best": result.best,
        "verdict": result.verdict,
        "selection": result.settings["selection"]["scheme"],
        "chosen": chosen,
        "ranking": [row["strategy"] for row in result.summary()],
        "epochs": journal_epochs(folder, kinds),
        "halving_report": result.settings.get("halving"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--json", default="bench_halving.json")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    arms = []
    with tempfile.TemporaryDirectory() as root:
        for repeat in range(args.repeats):
            order = (False, True) if repeat % 2 == 0 else (True, False)
            for halving in order:
                folder = Path(root) / f"r{repeat}-{'halved' if halving else 'full'}"
                arm = one_arm(halving, args.epochs, seeds, folder)
                arms.append({"repeat": repeat, **arm})
                print(json.dumps({k: v for k, v in arm.items() if k != "halving_report"}))
    full = [a for a in arms if not a["halving"]]
    halved = [a for a in arms if a["halving"]]
    pairs = list(zip(full, halved, strict=True))
    summary = {
        "epochs": args.epochs,
        "seeds": seeds,
        "epochs_ratio": full[0]["epochs"]["total"] / halved[0]["epochs"]["total"],
        "time_ratios": [f["seconds"] / h["seconds"] for f, h in pairs],
        "same_best": all(f["best"] == h["best"] for f, h in pairs),
        "same_verdict": all(f["verdict"] == h["verdict"] for f, h in pairs),
        "same_chosen": all(f["chosen"] == h["chosen"] for f, h in pairs),
        "arms": arms,
    }
    Path(args.json).write_text(json.dumps(summary, indent=1, default=str))
    print(json.dumps({k: v for k, v in summary.items() if k != "arms"}, indent=1))


if __name__ == "__main__":
    main()
