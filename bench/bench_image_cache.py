"""Image folders decoded once (issue "real size at real speed"): cached passes against decoding.

1. **A pass over the cache against the first decoding pass.** A folder of N PNGs at 128x128
   (default 5 000; ``--quick``: 600) is generated under the system temp folder (kept for reruns,
   never in the repository). One pass reads every image once in shuffled batches of 32, as
   ``fit`` does: decoding each file with PIL (today's per-pass path, ``ImageFiles`` without a
   cache) against reading the rows of the ``uint8`` cache (the same batches, the same float32
   numbers, checked). The one-time parallel build of the cache is timed too. Interleaved,
   ``--repeats`` times, medians. Target: the cached pass >= 20x faster.
2. **8 epochs against 1** of ``compare`` with a model that costs almost nothing (global average
   pooling and a ``Dense``), on N photo-sized JPEGs (320x240, default 3 000; ``--quick``: 300)
   resized to 128 px, no output folder (the cache is built in a temporary folder each call):
   with the cache, and with it switched off (each batch decoded, as before). Target: 8 epochs
   under 2x the time of 1 with the cache.

    python bench/bench_image_cache.py [--quick] [--images 5000] [--photos 3000] [--repeats 3]

Results go to bench/results/image_cache.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from bench_compare_scale import image_folder, long_tailed_counts

RESULTS = Path(__file__).resolve().parent / "results"


def photo_folder(total: int) -> Path:
    """``total`` JPEGs of 320x240 in 10 long-tailed classes, generated once under the temp dir."""
    from PIL import Image

    folder = Path(tempfile.gettempdir()) / f"keras_imbalance_bench_photos_{total}"
    if (folder / ".complete").exists():
        return folder
    rng = np.random.default_rng(0)
    for c, count in enumerate(long_tailed_counts(total)):
        (folder / f"class_{c:02d}").mkdir(parents=True, exist_ok=True)
        colour = rng.uniform(0, 255, size=3)
        for i in range(count):
            noise = rng.normal(0, 12, size=(30, 40, 3)).repeat(8, 0).repeat(8, 1)
            pixels = (colour + noise).clip(0, 255).astype("uint8")
            Image.fromarray(pixels).save(folder / f"class_{c:02d}" / f"{i:05d}.jpg", quality=90)
    (folder / ".complete").touch()
    return folder


def batches(count: int, batch: int = 32) -> list[np.ndarray]:
    """The shuffled batches of row indices of one pass, as ``fit`` draws them."""
    order = np.random.default_rng(0).permutation(count)
    return [order[start : start + batch] for start in range(0, count, batch)]


def one_pass(files: Any) -> float:
    """Read every image once, batch by batch, as float32; touch one value of each image (the
    pass's cost is the reading, not a checksum over every pixel)."""
    return sum(float(files[rows][:, 0, 0, 0].sum()) for rows in batches(len(files)))


def same_pixels(first: Any, second: Any, count: int = 5) -> None:
    """The first ``count`` batches of a pass are equal, pixel for pixel."""
    for rows in batches(len(first))[:count]:
        if not np.array_equal(first[rows], second[rows]):
            raise AssertionError("the cached pass read other pixels than decoding gives")


def cached_pass(total: int, repeats: int, photos: bool = False) -> dict[str, Any]:
    """Section 1: a decoding pass against a cached pass over the same files (128x128 PNGs, or
    with ``photos`` 320x240 JPEGs resized to 128 px)."""
    from keras_imbalance.comparison.data.image_cache import cached_splits
    from keras_imbalance.comparison.data.splits import make_splits

    folder = photo_folder(total) if photos else image_folder(total, 128)
    splits = make_splits(str(folder), image_size=128, validation_size=0.1, test_size=0.1)
    times: dict[str, list[float]] = {"decode": [], "cached": [], "build": []}
    with tempfile.TemporaryDirectory() as cache:
        for repeat in range(repeats):
            started = time.perf_counter()
            cached = cached_splits(splits, Path(cache) / str(repeat))  # a fresh build each time
            times["build"].append(time.perf_counter() - started)
            started = time.perf_counter()
            decoded = one_pass(splits.x_train)
            times["decode"].append(time.perf_counter() - started)
            started = time.perf_counter()
            read = one_pass(cached.x_train)
            times["cached"].append(time.perf_counter() - started)
            if read != decoded:
                raise AssertionError(f"the cached pass read other pixels: {read} != {decoded}")
            same_pixels(splits.x_train, cached.x_train)
    medians = {key: statistics.median(value) for key, value in times.items()}
    row = {
        "images": len(splits.x_train),
        "files": "JPEG 320x240" if photos else "PNG 128x128",
        "image_size": 128,
        **{f"{key}_s": round(value, 3) for key, value in medians.items()},
        "speedup": round(medians["decode"] / medians["cached"], 1),
        "target": 20.0,
        "all_s": times,
    }
    row["met"] = row["speedup"] >= 20.0
    print(
        f"one pass over {row['images']} {row['files']} at 128 px: decoding "
        f"{medians['decode']:.2f} s, "
        f"cached {medians['cached']:.3f} s ({row['speedup']}x, target >= 20x); building the "
        f"cache once (parallel) {medians['build']:.2f} s"
    )
    return row


def tiny_model(input_shape: tuple[int, ...], num_classes: int) -> Any:
    import keras

    inputs = keras.Input(shape=input_shape)
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    return keras.Model(inputs, keras.layers.Dense(num_classes, name="logits")(pooled))


def epochs_ratio(total: int, repeats: int) -> dict[str, Any]:
    """Section 2: compare for 8 epochs against 1, with the cache and with it switched off."""
    from keras_imbalance.comparison import compare
    from keras_imbalance.comparison.data import image_cache

    folder = str(photo_folder(total))
    options = {"model": tiny_model, "seeds": [0], "tune": False, "cv": None, "refit": False}
    options.update(n_boot=10, image_size=128, batch_size=32)
    building = image_cache.cached_splits

    def run(epochs: int, cached: bool) -> float:
        image_cache.cached_splits = building if cached else (lambda splits, *_a, **_k: splits)
        started = time.perf_counter()
        compare(folder, ["none"], epochs=epochs, **options)
        image_cache.cached_splits = building
        return time.perf_counter() - started

    run(1, True)  # warm-up: imports, first compilation
    keys = ("1_cached", "8_cached", "1_decoded", "8_decoded")
    times: dict[str, list[float]] = {key: [] for key in keys}
    for _ in range(repeats):
        for key in times:
            epochs, kind = key.split("_")
            times[key].append(run(int(epochs), kind == "cached"))
    medians = {key: statistics.median(value) for key, value in times.items()}
    row = {
        "images": total,
        **{f"epochs_{key}_s": round(value, 2) for key, value in medians.items()},
        "ratio_cached": round(medians["8_cached"] / medians["1_cached"], 2),
        "ratio_decoded": round(medians["8_decoded"] / medians["1_decoded"], 2),
        "target": 2.0,
        "all_s": times,
    }
    row["met"] = row["ratio_cached"] < 2.0
    print(
        f"compare on {total} JPEGs 320x240 -> 128 px, a near-free model: 8 epochs / 1 epoch = "
        f"{row['ratio_cached']}x with the cache ({medians['1_cached']:.1f} s, "
        f"{medians['8_cached']:.1f} s), {row['ratio_decoded']}x decoding every batch "
        f"({medians['1_decoded']:.1f} s, {medians['8_decoded']:.1f} s); target < 2x"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small folders, one repeat")
    parser.add_argument("--images", type=int, default=None, help="PNGs of section 1")
    parser.add_argument("--photos", type=int, default=None, help="JPEGs of section 2")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--skip-epochs", action="store_true", help="only section 1")
    parser.add_argument("--pass-photos", action="store_true", help="section 1 on the JPEGs too")
    args = parser.parse_args()
    images = args.images or (600 if args.quick else 5000)
    photos = args.photos or (300 if args.quick else 3000)
    repeats = args.repeats or (1 if args.quick else 3)
    report: dict[str, Any] = {"cpus": os.cpu_count(), "cached_pass": cached_pass(images, repeats)}
    if args.pass_photos:
        report["cached_pass_photos"] = cached_pass(photos, repeats, photos=True)
    if not args.skip_epochs:
        report["epochs"] = epochs_ratio(photos, repeats)
    RESULTS.mkdir(exist_ok=True)
    name = "image_cache_quick.json" if args.quick else "image_cache.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
