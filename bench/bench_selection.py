"""Selection benchmark: how often the verdict declares ``best``, with no remedy helping or one.

The simulation of ``tests/comparison/test_verdict_simulation.py`` at full size, no training: each
comparison is what ``compare`` leaves on digits-LT (``none`` and 10 remedies, each tuning 5 knob
values on validation, 3 seeds; a long-tailed validation split of 99 samples, 2 of the rarest
class; a balanced test split of 360), every run's predictions drawn from a per-class confusion
model, and the real ``summarize`` gives the verdict. Two rules are counted on the same rows:

* **new**: the top strategy on validation is the one candidate; it is best only when its paired
  test interval vs ``none`` lies above 0 (one pre-declared comparison);
* **old**: it is best when its *validation* interval vs ``none`` lies above 0, on the split that
  chose its knobs and its rank (the winner's curse).

Worlds: the null (every remedy equals ``none``), independent or agreeing with ``none`` on 80% of
the samples' random numbers (trained models err together), and one remedy with a true gain in
balanced accuracy (0.01 to 0.03, the size the quality benchmark sees). Per world: the rate of
``best`` by each rule (false bests under the null, power under a gain: the helpful remedy
named), the ratio new / old, and the median half-width of the candidate's test interval.

    python bench/bench_selection.py                  # 2000 null and 1000 gain comparisons each
    python bench/bench_selection.py --quick          # a smoke run
    python bench/bench_selection.py --n-boot 1000    # the verdict's default bootstrap

Results go to bench/results/selection.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the simulation lives with its test

from tests.comparison.test_verdict_simulation import Declared, World, simulate  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "selection.json"
KNOBS = 5
WORLDS = [
    ("null, independent", World(knobs=KNOBS), True),
    ("null, agree 0.8", World(agree=0.8, knobs=KNOBS), True),
    ("gain +0.01, agree 0.8", World(gain=0.01, agree=0.8, knobs=KNOBS), False),
    ("gain +0.02, agree 0.8", World(gain=0.02, agree=0.8, knobs=KNOBS), False),
    ("gain +0.03, agree 0.8", World(gain=0.03, agree=0.8, knobs=KNOBS), False),
    ("gain +0.03, independent", World(gain=0.03, knobs=KNOBS), False),
]


def row(name: str, world: World, null: bool, declared: Declared, seconds: float) -> dict[str, Any]:
    """One world's figures: under the null any best is false; under a gain, power counts only
    the helpful remedy named best."""
    new, old = ("new", "old") if null else ("new_right", "old_right")
    return {
        "world": name,
        "setting": vars(world),
        "null": null,
        "sims": declared.sims,
        "new": declared.rate(new),
        "old": declared.rate(old),
        "ratio": declared.rate(new) / declared.rate(old) if getattr(declared, old) else None,
        "wrong_named_new": declared.rate("new") - declared.rate("new_right"),
        "test_half_width": declared.half_width,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 comparisons a world")
    parser.add_argument("--null-sims", type=int, default=2000)
    parser.add_argument("--gain-sims", type=int, default=1000)
    parser.add_argument("--n-boot", type=int, default=200)
    args = parser.parse_args()
    rows = []
    print(f"{'world':<26} {'sims':>5} {'new rule':>9} {'old rule':>9} {'new/old':>8} {'test ±':>7}")
    for seed, (name, world, null) in enumerate(WORLDS):
        sims = 100 if args.quick else args.null_sims if null else args.gain_sims
        start = time.perf_counter()
        declared = simulate(sims, world, seed=100 + seed, n_boot=args.n_boot)
        rows.append(row(name, world, null, declared, time.perf_counter() - start))
        last = rows[-1]
        ratio = "-" if last["ratio"] is None else f"{last['ratio']:.2f}"
        print(
            f"{name:<26} {sims:>5} {last['new']:>9.3f} {last['old']:>9.3f} {ratio:>8} "
            f"{last['test_half_width']:>7.3f}",
            flush=True,
        )
    print("null rows: the rate of a false best; gain rows: the power (the helpful remedy named).")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "quick": args.quick,
                "n_boot": args.n_boot,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
