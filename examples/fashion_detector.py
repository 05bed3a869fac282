"""The seed's "dog detector", redone on Fashion-MNIST: one class against the other nine.

The seed tutorial trains a CIFAR-10 dog/not-dog classifier, gets over 90% accuracy, and learns
that the model may never say "dog". Here the same trap on real Fashion-MNIST (Debian's
``dataset-fashion-mnist``, or ``--data-path``): a "shirt detector", 10% positives.

    python examples/fashion_detector.py [--data-path DIR] [--epochs 3]
"""

from __future__ import annotations

import argparse

import keras

from keras_imbalance import class_weights, count_labels, report
from keras_imbalance.datasets import FASHION_MNIST_CLASSES, load_fashion_mnist, make_detector


def build_model() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-path", default=None)
    parser.add_argument("--positive", default="Shirt")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=20000, help="training images used")
    args = parser.parse_args(argv)

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(args.data_path)
    x_train = x_train[: args.limit, ..., None] / 255.0
    x_test = x_test[..., None] / 255.0
    y_train = make_detector(y_train[: args.limit], args.positive, class_names=FASHION_MNIST_CLASSES)
    y_test = make_detector(y_test, args.positive, class_names=FASHION_MNIST_CLASSES)

    counts = count_labels(y_train)
    print(counts)
    print(f"always answering 'not {args.positive}' scores {counts.majority_baseline:.1%} accuracy")

    results = {}
    for name, weights in [("plain", None), ("balanced", class_weights(counts))]:
        keras.utils.set_random_seed(0)
        model = build_model()
        model.compile(
            optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        model.fit(
            x_train, y_train, epochs=args.epochs, batch_size=128, class_weight=weights, verbose=0
        )
        scores = model.predict(x_test, verbose=0)
        result = report(y_test, scores=scores, class_names=[f"not-{args.positive}", args.positive])
        print(f"\n== {name} class weights\n{result}")
        results[name] = float(result.to_dict()["balanced_accuracy"])
    return results


if __name__ == "__main__":
    main()
