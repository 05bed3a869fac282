"""The seed's multi-label case: ``class_weight`` cannot weigh multi-hot rows, ``sample_weight`` can.

Keras argmaxes a multi-hot row, so the row gets the weight of its first positive label (and an
all-zero row gets class 0's). Two correct ways instead:

1. per-sample weights from the row's positive labels (``sample_weights``, rule ``"max"``);
2. per-label positive weights inside the loss (``WeightedBinaryCrossentropy`` with
   ``pos_weight = n_negative / n_positive``).

    python examples/multilabel_weights.py
"""

from __future__ import annotations

import argparse

import keras
import numpy as np

from keras_imbalance import class_weights, count_labels, sample_weights
from keras_imbalance.losses import WeightedBinaryCrossentropy, pos_weight_from_counts


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    prevalence = np.array([0.5, 0.2, 0.05, 0.01])
    y = (rng.random((args.samples, prevalence.size)) < prevalence).astype("float32")
    x = (rng.normal(size=(args.samples, 16)) + np.pad(y, ((0, 0), (0, 12)))).astype("float32")

    counts = count_labels(y)  # detected as multi_label: positives per label
    print(counts)
    weights = class_weights(counts, "balanced")
    per_sample = sample_weights(y, weights, multi_label_reduce="max")

    def build() -> keras.Model:
        keras.utils.set_random_seed(0)
        return keras.Sequential(
            [keras.Input((16,)), keras.layers.Dense(prevalence.size, activation="sigmoid")]
        )

    by_row = build()
    by_row.compile(optimizer="adam", loss="binary_crossentropy")
    first = by_row.fit(x, y, sample_weight=per_sample, epochs=args.epochs, verbose=0)

    by_label = build()
    by_label.compile(
        optimizer="adam", loss=WeightedBinaryCrossentropy(pos_weight_from_counts(counts))
    )
    second = by_label.fit(x, y, epochs=args.epochs, verbose=0)
    return {
        "sample_weight_loss": float(first.history["loss"][-1]),
        "pos_weight_loss": float(second.history["loss"][-1]),
    }


if __name__ == "__main__":
    main()
