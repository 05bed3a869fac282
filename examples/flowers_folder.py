"""The seed's flowers folder: count images per class from the folder tree, weigh, train.

The seed used ``ImageDataGenerator.flow_from_directory`` (gone from Keras 3) to count
``{daisy: 633, dandelion: 898, roses: 641, sunflowers: 699, tulips: 799}``. ``count_labels``
reads the counts from the tree without opening a file; the dataset comes from
``keras.utils.image_dataset_from_directory``.

    python examples/flowers_folder.py PATH/TO/flower_photos
    python examples/flowers_folder.py --demo DIR   # writes a small synthetic tree first
"""

from __future__ import annotations

import argparse
from pathlib import Path

import keras
import numpy as np

from keras_imbalance import class_weights, count_labels

FLOWER_COUNTS = {"daisy": 633, "dandelion": 898, "roses": 641, "sunflowers": 699, "tulips": 799}


def write_demo_tree(root: Path, scale: float = 0.05, seed: int = 0) -> Path:
    """Write a flower_photos-like tree of small random PNGs, ``scale`` times the seed's counts."""
    rng = np.random.default_rng(seed)
    for name, count in FLOWER_COUNTS.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(max(1, round(count * scale))):
            pixels = rng.integers(0, 256, size=(16, 16, 3), dtype=np.uint8)
            keras.utils.save_img(folder / f"{index}.png", pixels)
    return root


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", default=None)
    parser.add_argument(
        "--demo", default=None, metavar="DIR", help="write a synthetic tree here and use it"
    )
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args(argv)
    if args.demo:
        path = write_demo_tree(Path(args.demo))
    elif args.path:
        path = Path(args.path)
    else:
        parser.error("give PATH to a class folder, or --demo DIR")

    counts = count_labels(path)  # file names only: nothing is decoded
    print(counts)
    # The seed's get_class_weight is the "log" strategy with mu="auto"; "balanced" is sklearn's.
    for strategy, options in [("log", {"mu": "auto"}), ("balanced", {})]:
        print(strategy, class_weights(counts, strategy, **options))
    weights = class_weights(counts, "balanced")

    dataset = keras.utils.image_dataset_from_directory(
        path, image_size=(16, 16), batch_size=32, verbose=False
    )
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(len(counts.classes), activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(dataset, epochs=args.epochs, class_weight=weights, verbose=0)
    return {
        "loss": float(history.history["loss"][-1]),
        **{str(k): float(v) for k, v in weights.items()},
    }


if __name__ == "__main__":
    main()
