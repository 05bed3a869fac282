"""The seed's cost-matrix loss, ``weights[true, predicted]``, without C² graph ops.

The seed's ``w_categorical_crossentropy`` loops over every (true, predicted) pair in Python and
imports ``tensorflow.python`` internals. ``CostSensitiveCategoricalCrossentropy`` does the same
with one gather, on every backend, and saves in ``.keras`` files; ``mode="expected"`` is the
differentiable variant.

    python examples/cost_matrix.py
"""

from __future__ import annotations

import argparse

import keras
import numpy as np

from keras_imbalance.losses import CostSensitiveCategoricalCrossentropy


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)

    # Missing class 2 (say, fraud) as class 0 costs 10x; every other mistake costs 1.5x.
    cost = np.full((3, 3), 1.5)
    np.fill_diagonal(cost, 1.0)
    cost[2, 0] = 10.0

    rng = np.random.default_rng(0)
    y = rng.choice(3, size=args.samples, p=[0.8, 0.15, 0.05])
    x = (rng.normal(size=(args.samples, 6)) + np.eye(3, 6)[y]).astype("float32")
    targets = keras.utils.to_categorical(y, 3)

    results = {}
    for mode in ("argmax", "expected"):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss=CostSensitiveCategoricalCrossentropy(cost, mode=mode))
        history = model.fit(x, targets, epochs=args.epochs, batch_size=64, verbose=0)
        predicted = model.predict(x, verbose=0).argmax(axis=-1)
        results[f"{mode}_loss"] = float(history.history["loss"][-1])
        results[f"{mode}_recall_class_2"] = float((predicted[y == 2] == 2).mean())
        print(mode, results)
    return results


if __name__ == "__main__":
    main()
