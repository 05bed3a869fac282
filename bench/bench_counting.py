"""Benchmarks for counting: ours against the tool a user would reach for, in the same run.

1. Weigh 10 M integer labels of 1000 classes: ``class_weights(y)`` against scikit-learn's
   ``compute_class_weight("balanced", classes=np.unique(y), y=y)`` (and ``np.bincount`` as a floor).
2. Count an ``image_dataset_from_directory`` dataset of 20 000 small PNGs: ``count_labels(ds)``
   against iterating it, ``np.concatenate([y for _, y in ds])``, then ``np.bincount``.
3. Count a 100 000-file class-folder tree: ``count_directory`` against Keras's own file index,
   ``keras.src.utils.dataset_utils.index_directory``.

Ours and the peer run interleaved, several times; the table shows medians. Run::

    .venv/bin/python bench/bench_counting.py          # full sizes
    .venv/bin/python bench/bench_counting.py --quick  # a smoke run

Results go to bench/results/counting.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
from _timing import compare

RESULTS = Path(__file__).parent / "results" / "counting.json"


def bench_class_weights(n: int, num_classes: int, repeats: int) -> dict[str, Any]:
    from sklearn.utils.class_weight import compute_class_weight

    from keras_imbalance import class_weights

    rng = np.random.default_rng(0)
    y = rng.integers(0, num_classes, size=n)

    def check(ours: Any, peer: Any) -> None:
        np.testing.assert_allclose(ours.to_array(), peer, rtol=1e-12)

    row = compare(
        f"class_weights, {n:,} int labels, {num_classes} classes",
        lambda: class_weights(y),
        lambda: compute_class_weight("balanced", classes=np.unique(y), y=y),
        repeats=repeats,
        check=check,
        target=30.0,
        extra={"bincount": lambda: np.bincount(y)},
    )
    row["peer"] = 'sklearn compute_class_weight("balanced", classes=np.unique(y), y=y)'
    row["bincount_speedup"] = row["peer_s"] / row["bincount_s"]
    return row


def _tiny_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (120, 30, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def bench_image_dataset(root: Path, n: int, repeats: int) -> dict[str, Any]:
    import keras

    from keras_imbalance.counting import count_labels

    data = _tiny_png()
    sizes = np.random.default_rng(1).multinomial(n, [0.5, 0.25, 0.15, 0.07, 0.03])
    for index, size in enumerate(sizes):
        folder = root / f"class_{index}"
        folder.mkdir(parents=True)
        for i in range(size):
            (folder / f"{i}.png").write_bytes(data)
    dataset = keras.utils.image_dataset_from_directory(
        root, image_size=(8, 8), batch_size=32, verbose=False
    )

    def peer() -> np.ndarray:
        y = np.concatenate([np.asarray(labels) for _, labels in dataset])
        return np.bincount(y, minlength=len(dataset.class_names))

    def check(ours: Any, peer_counts: Any) -> None:
        np.testing.assert_array_equal(ours.counts, peer_counts)
        np.testing.assert_array_equal(ours.counts, sizes)

    row = compare(
        f"count_labels(image_dataset_from_directory), {n:,} PNG files",
        lambda: count_labels(dataset),
        peer,
        repeats=repeats,
        check=check,
        target=20.0,
    )
    row["peer"] = "np.concatenate([y for _, y in ds]) then np.bincount (image_size=(8, 8))"
    return row


def bench_directory(root: Path, n: int, repeats: int) -> dict[str, Any]:
    from keras.src.utils.dataset_utils import index_directory
    from keras.src.utils.image_dataset_utils import ALLOWLIST_FORMATS

    from keras_imbalance.counting import count_directory

    sizes = np.random.default_rng(2).multinomial(n, [0.4, 0.3, 0.2, 0.05, 0.05])
    for index, size in enumerate(sizes):
        folder = root / f"class_{index}"
        folder.mkdir(parents=True)
        for i in range(size):
            (folder / f"{i}.jpg").touch()

    def peer() -> np.ndarray:
        _, labels, names = index_directory(
            str(root), "inferred", formats=ALLOWLIST_FORMATS, shuffle=False, verbose=False
        )
        return np.bincount(labels, minlength=len(names))

    def check(ours: Any, peer_counts: Any) -> None:
        np.testing.assert_array_equal(ours.counts, peer_counts)

    row = compare(
        f"count_directory, {n:,} files in 5 class folders",
        lambda: count_directory(root, progress=False),
        peer,
        repeats=repeats,
        check=check,
        target=1.0,
    )
    row["peer"] = 'keras index_directory(dir, "inferred", formats=ALLOWLIST_FORMATS)'
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    args = parser.parse_args()
    quick = args.quick
    repeats = 3 if quick else 7
    scratch = Path(tempfile.mkdtemp(prefix="bench_counting_"))
    rows = []
    try:
        rows.append(bench_class_weights(200_000 if quick else 10_000_000, 1000, repeats))
        rows.append(bench_image_dataset(scratch / "images", 1_000 if quick else 20_000, repeats))
        rows.append(bench_directory(scratch / "tree", 5_000 if quick else 100_000, repeats))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\n{'benchmark':<60} {'ours (s)':>10} {'peer (s)':>10} {'speedup':>9} {'target':>7}")
    for row in rows:
        print(
            f"{row['benchmark']:<60} {row['ours_s']:>10.4f} {row['peer_s']:>10.4f} "
            f"{row['speedup']:>8.1f}x {row['target']:>6.0f}x {'ok' if row['met'] else 'MISSED'}"
        )
        if "bincount_speedup" in row:
            print(
                f"{'  (np.bincount floor: sklearn / bincount)':<60} {row['bincount_s']:>10.4f}"
                f" {'':>10} {row['bincount_speedup']:>8.1f}x"
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "quick": quick,
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
