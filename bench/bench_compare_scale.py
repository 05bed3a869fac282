"""compare at size: resume overhead and parallel speed-up (issue "compare at real size").

* **Resume overhead.** A finished compare is run again on the same ``--output``: every run comes
  from the journal. Its wall time, minus the time to import Keras in the same process, must stay
  under 5 seconds. Both are measured in fresh subprocesses.
* **Parallel speed-up.** The same compare with ``--workers 2`` against ``--workers 1`` (the
  sequential path), in one run of this script, on the same machine. Target: at least 1.3x.
* **Memory** (a folder of 50 000 PNGs streamed from disk) needs the streamed data path, which is
  not built yet: reported as not measured.

    python bench/bench_compare_scale.py [--dataset digits-lt] [--epochs 30] [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", default="digits-lt")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--strategies", default=None)
    parser.add_argument("--skip-parallel", action="store_true")
    parser.add_argument("--quick", action="store_true", help="3 epochs, one seed, 3 strategies")
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.seeds, args.strategies = 3, "0", "none,balanced,posthoc"
    cli = [sys.executable, "-m", "keras_imbalance", "compare", "--dataset", args.dataset]
    cli += ["--epochs", str(args.epochs), "--seeds", args.seeds, "--no-plots"]
    if args.strategies:
        cli += ["--strategies", args.strategies]
    report: dict = {"dataset": args.dataset, "epochs": args.epochs, "seeds": args.seeds}
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "sequential")
        report["sequential_seconds"] = timed([*cli, "--output", out])
        # In one fresh process: import Keras, then resume; the second interval is the overhead.
        probe = (
            "import sys, time, json; t0 = time.perf_counter(); import keras; "
            "t1 = time.perf_counter(); from keras_imbalance.cli import main; "
            "code = main(sys.argv[1:]); t2 = time.perf_counter(); "
            "print(json.dumps([t1 - t0, t2 - t1, code]))"
        )
        samples = []
        for _ in range(3):
            done = subprocess.run(
                [sys.executable, "-c", probe, *cli[3:], "--output", out],
                check=True,
                capture_output=True,
                text=True,
            )
            samples.append(json.loads(done.stdout.strip().splitlines()[-1]))
        samples.sort(key=lambda sample: sample[1])
        report["keras_import_seconds"], report["resume_overhead_seconds"] = samples[1][:2]
        report["resume_seconds"] = sum(samples[1][:2])
        print(
            f"resume a finished compare: {report['resume_seconds']:.2f} s, of which importing "
            f"Keras {report['keras_import_seconds']:.2f} s: overhead "
            f"{report['resume_overhead_seconds']:.2f} s (target < 5 s)"
        )
        if not args.skip_parallel:
            report["workers_2_seconds"] = timed(
                [*cli, "--output", str(Path(folder) / "w2"), "--workers", "2"]
            )
            report["speedup"] = report["sequential_seconds"] / report["workers_2_seconds"]
            print(
                f"--workers 1: {report['sequential_seconds']:.1f} s, --workers 2: "
                f"{report['workers_2_seconds']:.1f} s, speed-up {report['speedup']:.2f}x "
                f"(target >= 1.3x)"
            )
    report["memory"] = "not measured: compare does not stream image folders yet"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compare_scale.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
