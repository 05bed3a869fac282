"""keras-imbalance: train Keras 3 classifiers on imbalanced data.

Inspect the class distribution, weigh the classes, apply the weights on every path Keras trains,
train with imbalance-aware losses and metrics, and evaluate honestly.
"""

from keras_imbalance.counting import ClassCounts, count_labels
from keras_imbalance.labels import decode_labels
from keras_imbalance.weighting import (
    STRATEGIES,
    ClassWeights,
    check_class_weight,
    class_weights,
)

__version__ = "0.1.0"

__all__ = [
    "STRATEGIES",
    "ClassCounts",
    "ClassWeights",
    "check_class_weight",
    "class_weights",
    "count_labels",
    "decode_labels",
]
