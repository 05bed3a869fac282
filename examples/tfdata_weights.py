"""The seed's tf.data pipeline: class weights without a hand-built lookup table.

``fit(class_weight=...)`` is not the only way: the seed builds a ``tf.lookup.StaticHashTable``
and returns ``(features, label, weight)`` from a parse function. ``with_sample_weights`` does that
inside the graph for any label shape, batched or not, and multiplies an existing weight.

    python examples/tfdata_weights.py
"""

from __future__ import annotations

import argparse

import keras
import numpy as np
import tensorflow as tf

from keras_imbalance import class_weights, count_labels, with_sample_weights


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    y = (rng.random(args.samples) < 0.1).astype("int64")  # 10% positives
    x = rng.normal(size=(args.samples, 8)).astype("float32") + y[:, None]
    dataset = tf.data.Dataset.from_tensor_slices({"image": x, "label": y})
    dataset = dataset.map(lambda element: (element["image"], element["label"]))

    counts = count_labels(dataset)  # reduced in-graph: no Python loop over elements
    weights = class_weights(counts)  # seed: weight_arr = [1.5, 0.5], here computed
    print(counts, weights, sep="\n")
    weighted = with_sample_weights(dataset, weights).batch(64)

    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(weighted, epochs=args.epochs, verbose=0)
    return {"loss": float(history.history["loss"][-1])}


if __name__ == "__main__":
    main()
