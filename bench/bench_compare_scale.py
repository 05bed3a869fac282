"""compare at size: resume overhead and parallel speed-up (issue "compare at real size").

* **Resume overhead.** A finished compare is run again on the same ``--output``: every run comes
  from the journal. Its wall time, minus the time to import Keras in the same process, must stay
  under 5 seconds. Both are measured in fresh subprocesses.
* **Parallel speed-up.** The same compare with ``--workers 2`` against ``--workers 1`` (the
  sequential path), in one run of this script, on the same machine. Target: at least 1.3x.
* **Memory** (``--memory``). A folder of N PNGs at 128x128 (default 50 000, 10 classes
  long-tailed, ratio 100; ``--quick``: 2 000) is generated under /tmp (kept for reruns), and
  ``compare`` streams it in a child process (1 epoch, strategies none and balanced, one seed, a
  small CNN, image_size 128). The peak RSS of the child is
  ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` read by a fresh launcher process after the
  child ends. The same is measured for the array path (today's ``load_arrays`` at 128x128, then
  ``compare`` on the arrays) and for the streamed path, both on a smaller folder (default 3 000;
  ``--quick``: 600), and for a process that only imports Keras and builds the CNN (the floor).
  Target: under 2 GiB for 50 000 images.
* **Memory through the CLI** (``--cli-memory``). ``keras-imbalance compare FOLDER --strategies
  none,balanced --epochs 1 --image-size 64`` (plus ``--cli-flags``, default ``--seeds 0 --cv none
  --no-tune --n-boot 20``) in a child process, on generated folders of 1 500 and 15 000 PNGs at
  64 px (``--cli-images``); the peak RSS of the child as above. Target: it grows by at most
  300 MB from the smallest folder to the largest.

    python bench/bench_compare_scale.py [--dataset digits-lt] [--epochs 30] [--quick]
    python bench/bench_compare_scale.py --memory [--quick] [--images 50000] [--small 3000]
    python bench/bench_compare_scale.py --cli-memory [--cli-images 1500,15000] [--cli-size 64]
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


# The child of the memory measurement: argv = [mode, folder, image_size]; mode is "stream",
# "arrays" (load_arrays, then compare on the arrays) or "floor" (import Keras, build the model).
MEMORY_CHILD = """
import sys, time, warnings
mode, folder, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
import keras

def small_cnn(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    h = keras.layers.Conv2D(8, 3, strides=2, activation="relu")(inputs)
    h = keras.layers.Conv2D(16, 3, strides=2, activation="relu")(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    return keras.Model(inputs, keras.layers.Dense(num_classes, name="logits")(h))

started = time.perf_counter()
if mode == "floor":
    small_cnn((size, size, 3), 10)
else:
    from keras_imbalance.comparison import compare
    data = folder
    if mode == "arrays":
        from keras_imbalance.datasets import load_arrays
        data = load_arrays(folder, image_size=size)
    compare(data, ["none", "balanced"], model=small_cnn, epochs=1, seeds=[0], tune=False,
            n_boot=10, image_size=size, batch_size=64)
print(time.perf_counter() - started)
"""

# Runs one command and prints the peak RSS of its process tree's largest child, in KiB (Linux).
LAUNCHER = (
    "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True, "
    "text=True); sys.stderr.write(done.stderr[-3000:]); print(done.returncode, "
    "done.stdout.strip().splitlines()[-1] if done.stdout.strip() else 'nan', "
    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def long_tailed_counts(total: int, classes: int = 10, ratio: float = 100.0) -> list[int]:
    """``n_c`` proportional to ``ratio ** (-c / (C - 1))``, summing to ``total``."""
    shares = [ratio ** (-c / (classes - 1)) for c in range(classes)]
    counts = [max(4, int(total * s / sum(shares))) for s in shares]
    counts[0] += total - sum(counts)
    return counts


def image_folder(total: int, side: int = 128) -> Path:
    """A class folder of ``total`` PNGs, ``side`` x ``side``, generated once and kept in /tmp."""
    import numpy as np
    from PIL import Image

    folder = Path(tempfile.gettempdir()) / f"keras_imbalance_bench_{total}x{side}"
    if (folder / ".complete").exists():
        return folder
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, side, dtype="float32")
    for c, count in enumerate(long_tailed_counts(total)):
        (folder / f"class_{c:02d}").mkdir(parents=True, exist_ok=True)
        colour = rng.uniform(0, 255, size=3).astype("float32")
        for i in range(count):
            # Smooth images (a class colour, a ramp, a little noise): small PNGs, like photos.
            tilt = rng.uniform(0.3, 1.0)
            pixels = colour * (tilt * ramp[:, None, None] + (1 - tilt) * ramp[None, :, None])
            pixels += rng.normal(0, 4, size=(side // 8, side // 8, 3)).repeat(8, 0).repeat(8, 1)
            image = Image.fromarray(pixels.clip(0, 255).astype("uint8"))
            image.save(folder / f"class_{c:02d}" / f"{i:05d}.png")
    (folder / ".complete").touch()
    return folder


def peak_rss(mode: str, folder: Path, side: int) -> dict:
    """Peak RSS (MiB) and seconds of one memory child."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            LAUNCHER,
            sys.executable,
            "-c",
            MEMORY_CHILD,
            mode,
            str(folder),
            str(side),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    code, seconds, kib = done.stdout.split()
    if int(code) != 0:
        raise RuntimeError(f"the {mode} child failed:\n{done.stderr}")
    return {"peak_rss_mib": round(int(kib) / 1024, 1), "seconds": round(float(seconds), 1)}


def memory(args: argparse.Namespace) -> dict:
    total = 2000 if args.quick and args.images is None else (args.images or 50_000)
    small = 600 if args.quick and args.small is None else (args.small or 3000)
    side = 128
    report: dict = {"images": total, "small": small, "image_size": side, "rows": []}
    folders = {n: image_folder(n, side) for n in sorted({small, total})}
    for n, folder in folders.items():
        files = sum(1 for _ in folder.rglob("*.png"))
        print(f"folder {folder}: {files} PNGs, {long_tailed_counts(n)}")
    plan = [("floor", small), ("arrays", small), ("stream", small), ("stream", total)]
    for mode, n in plan:
        measured = peak_rss(mode, folders[n], side)
        row = {"path": mode, "images": n, **measured}
        if mode == "arrays":
            row["float32_array_mib"] = round(n * side * side * 3 * 4 / 2**20, 1)
        report["rows"].append(row)
        print(
            f"{mode:>7} {n:>7} images: peak RSS {measured['peak_rss_mib']:8.1f} MiB, "
            f"{measured['seconds']:7.1f} s"
        )
    streamed = report["rows"][-1]["peak_rss_mib"]
    report["target_mib"] = 2048
    report["streamed_under_target"] = streamed < 2048
    report["float32_arrays_of_all_images_mib"] = round(total * side * side * 3 * 4 / 2**20, 1)
    print(
        f"streamed {total} images: {streamed:.0f} MiB peak (target < 2048 MiB); loading them as "
        f"float32 arrays would take {report['float32_arrays_of_all_images_mib']:.0f} MiB"
    )
    return report


# Runs one command, then prints its exit code, its seconds and the peak RSS of the child (KiB).
CLI_LAUNCHER = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); done = subprocess.run("
    "sys.argv[1:], capture_output=True, text=True); sys.stderr.write(done.stderr[-3000:]); "
    "print(done.returncode, time.perf_counter() - t, "
    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def cli_memory(args: argparse.Namespace) -> dict:
    """Peak RSS of ``keras-imbalance compare`` on folders of each size, through the CLI."""
    sizes = sorted(int(n) for n in args.cli_images.split(","))
    side = args.cli_size
    flags = ["--strategies", "none,balanced", "--epochs", "1", "--image-size", str(side)]
    flags += args.cli_flags.split()
    report: dict = {"image_size": side, "flags": " ".join(flags), "rows": []}
    for n in sizes:
        folder = image_folder(n, side)
        with tempfile.TemporaryDirectory() as out:
            command = [sys.executable, "-m", "keras_imbalance", "compare", str(folder), *flags]
            done = subprocess.run(
                [sys.executable, "-c", CLI_LAUNCHER, *command, "--output", out],
                capture_output=True,
                text=True,
                check=True,
            )
        code, seconds, kib = done.stdout.split()
        if int(code) != 0:
            raise RuntimeError(f"the CLI failed on {n} images:\n{done.stderr}")
        row = {
            "images": n,
            "peak_rss_mib": round(int(kib) / 1024, 1),
            "seconds": round(float(seconds), 1),
        }
        report["rows"].append(row)
        print(
            f"CLI compare, {n:>6} PNGs at {side} px: peak RSS {row['peak_rss_mib']:8.1f} MiB, "
            f"{row['seconds']:7.1f} s"
        )
    growth_mb = (
        (report["rows"][-1]["peak_rss_mib"] - report["rows"][0]["peak_rss_mib"]) * 2**20 / 1e6
    )
    report["growth_mb"] = round(growth_mb, 1)
    report["target_mb"] = 300
    report["met"] = growth_mb <= 300
    print(f"growth from {sizes[0]} to {sizes[-1]} images: {growth_mb:.0f} MB (target <= 300 MB)")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memory", action="store_true", help="only the memory measurement")
    parser.add_argument("--cli-memory", action="store_true", help="peak RSS through the CLI")
    parser.add_argument("--cli-images", default="1500,15000", help="folder sizes, comma-separated")
    parser.add_argument("--cli-size", type=int, default=64, help="image side of --cli-memory")
    parser.add_argument("--cli-flags", default="--seeds 0 --cv none --no-tune --n-boot 20")
    parser.add_argument("--images", type=int, default=None, help="images of the large folder")
    parser.add_argument("--small", type=int, default=None, help="images of the small folder")
    parser.add_argument("--dataset", default="digits-lt")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--strategies", default=None)
    parser.add_argument("--skip-parallel", action="store_true")
    parser.add_argument("--quick", action="store_true", help="3 epochs, one seed, 3 strategies")
    args = parser.parse_args()
    if args.cli_memory:
        RESULTS.mkdir(exist_ok=True)
        report = cli_memory(args)
        (RESULTS / "compare_scale_cli_memory.json").write_text(json.dumps(report, indent=2))
        return
    if args.memory:
        report = memory(args)
        RESULTS.mkdir(exist_ok=True)
        name = "compare_scale_memory_quick.json" if args.quick else "compare_scale_memory.json"
        (RESULTS / name).write_text(json.dumps(report, indent=2))
        return
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
    report["memory"] = "measured separately: bench_compare_scale.py --memory"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compare_scale.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
