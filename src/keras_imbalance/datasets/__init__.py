"""Imbalanced data sets for examples, tests and benchmarks.

* :func:`make_long_tailed` subsamples a balanced set into a long-tailed one (exponential, as in
  CIFAR-10-LT, or step imbalance).
* :func:`make_detector` turns class labels into a one-vs-rest binary detector ("dog vs not-dog").
* :func:`load_digits_lt`: scikit-learn's bundled 8x8 digits, long-tailed (no download).
* :func:`load_fashion_mnist` and :func:`load_fashion_mnist_lt`: Fashion-MNIST from local IDX files
  when they exist, else through Keras (which downloads it).
"""

from __future__ import annotations

from keras_imbalance.datasets.arrays import load_arrays
from keras_imbalance.datasets.digits import load_digits_lt
from keras_imbalance.datasets.fashion_mnist import (
    DEBIAN_FASHION_MNIST,
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_FILES,
    fashion_mnist_folders,
    load_fashion_mnist,
    load_fashion_mnist_lt,
    read_idx,
)
from keras_imbalance.datasets.multilabel import make_multilabel_long_tail
from keras_imbalance.datasets.synthetic import (
    PROFILES,
    ImbalancedDataset,
    Profile,
    long_tailed_counts,
    make_detector,
    make_long_tailed,
)

__all__ = [
    "DEBIAN_FASHION_MNIST",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_FILES",
    "ImbalancedDataset",
    "PROFILES",
    "Profile",
    "fashion_mnist_folders",
    "load_arrays",
    "load_digits_lt",
    "load_fashion_mnist",
    "load_fashion_mnist_lt",
    "long_tailed_counts",
    "make_detector",
    "make_long_tailed",
    "make_multilabel_long_tail",
    "read_idx",
]
