"""keras-imbalance: train Keras 3 classifiers on imbalanced data.

Inspect the class distribution, weigh the classes, apply the weights on every path Keras trains,
train with imbalance-aware losses and metrics, and evaluate honestly.

Every public name is exported here. The NumPy-only core (counting, weighting, sample weights) is
imported eagerly; names whose modules import Keras, scikit-learn or matplotlib are loaded on first
use, so ``import keras_imbalance`` stays fast and works without the optional extras. The Keras
classes also live in their own namespaces, as in Keras: :mod:`keras_imbalance.losses`,
:mod:`keras_imbalance.metrics`, :mod:`keras_imbalance.callbacks`, :mod:`keras_imbalance.datasets`
and :mod:`keras_imbalance.plotting`; the remedies ``compare`` runs in
:mod:`keras_imbalance.remedies` (``ki.remedies.Remedy``, ``ki.remedies.get_remedy``).

    >>> import keras_imbalance as ki
    >>> counts = ki.count_labels([0, 0, 0, 1])
    >>> dict(ki.class_weights(counts, "balanced"))
    {0: 0.6666666666666666, 1: 2.0}
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from keras_imbalance.counting import (
    IMAGE_EXTENSIONS,
    SOURCES,
    ClassCounts,
    count_directory,
    count_labels,
)
from keras_imbalance.labels import LABEL_MODES, MAX_CLASSES, Labels, decode_labels
from keras_imbalance.weighting import (
    MULTI_LABEL_REDUCE_OPTIONS,
    STRATEGIES,
    ClassWeights,
    check_class_weight,
    class_weights,
    sample_weights,
)

if TYPE_CHECKING:  # pragma: no cover - names for type checkers; loaded lazily at run time
    from keras_imbalance.bias import adjust_logits, initial_bias, set_output_bias
    from keras_imbalance.callbacks import DeferredReweighting
    from keras_imbalance.comparison import (
        COMPARE_STRATEGIES,
        Comparison,
        CorruptImageError,
        compare,
        default_model,
    )
    from keras_imbalance.counting import count_dataset
    from keras_imbalance.datasets import (
        ImbalancedDataset,
        load_arrays,
        load_digits_lt,
        load_fashion_mnist,
        load_fashion_mnist_lt,
        make_detector,
        make_long_tailed,
    )
    from keras_imbalance.evaluation import (
        ImbalanceReport,
        MultiLabelReport,
        best_threshold,
        report,
    )
    from keras_imbalance.losses import (
        ClassBalancedLoss,
        CostSensitiveCategoricalCrossentropy,
        LDAMLoss,
        LogitAdjustedLoss,
        WeightedBinaryCrossentropy,
        WeightedCategoricalCrossentropy,
        WeightedSparseCategoricalCrossentropy,
        focal_alpha,
        pos_weight_from_counts,
    )
    from keras_imbalance.metrics import (
        BalancedAccuracy,
        GeometricMean,
        MacroF1,
        MatthewsCorrelation,
        PerClassPrecision,
        PerClassRecall,
    )
    from keras_imbalance.pipelines import (
        SAMPLING_OPTIONS,
        BalancedBatches,
        DeferredMixupWeights,
        MixupBatches,
        Resampled,
        WeightedPyDataset,
        resample,
        weighted_generator,
        with_sample_weights,
    )
    from keras_imbalance.plotting import (
        plot_class_distribution,
        plot_comparison,
        plot_confusion_matrix,
        plot_precision_recall,
        plot_training_curves,
    )

__version__ = "0.1.0"

# name -> module that defines it, for the names loaded on first use.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("adjust_logits", "initial_bias", "set_output_bias"), "bias"),
    "DeferredReweighting": "callbacks",
    "SharpnessAwareModel": "sharpness",
    **dict.fromkeys(
        ("COMPARE_STRATEGIES", "Comparison", "CorruptImageError", "compare", "default_model"),
        "comparison",
    ),
    **dict.fromkeys(
        (
            "BalancedBatches",
            "DeferredMixupWeights",
            "MixupBatches",
            "Resampled",
            "SAMPLING_OPTIONS",
            "WeightedPyDataset",
            "count_dataset",
            "resample",
            "weighted_generator",
            "with_sample_weights",
        ),
        "pipelines",
    ),
    **dict.fromkeys(
        ("ImbalanceReport", "MultiLabelReport", "best_threshold", "report"), "evaluation"
    ),
    **dict.fromkeys(
        (
            "ImbalancedDataset",
            "load_arrays",
            "load_digits_lt",
            "load_fashion_mnist",
            "load_fashion_mnist_lt",
            "make_detector",
            "make_long_tailed",
        ),
        "datasets",
    ),
    **dict.fromkeys(
        (
            "plot_class_distribution",
            "plot_comparison",
            "plot_confusion_matrix",
            "plot_precision_recall",
            "plot_training_curves",
        ),
        "plotting",
    ),
    **dict.fromkeys(
        (
            "ClassBalancedLoss",
            "CostSensitiveCategoricalCrossentropy",
            "LDAMLoss",
            "LogitAdjustedLoss",
            "WeightedBinaryCrossentropy",
            "WeightedCategoricalCrossentropy",
            "WeightedSparseCategoricalCrossentropy",
            "focal_alpha",
            "pos_weight_from_counts",
        ),
        "losses",
    ),
    **dict.fromkeys(
        (
            "BalancedAccuracy",
            "GeometricMean",
            "MacroF1",
            "MatthewsCorrelation",
            "PerClassPrecision",
            "PerClassRecall",
        ),
        "metrics",
    ),
}
_SUBMODULES = frozenset(
    {"bias", "callbacks", "comparison", "counting", "datasets", "evaluation", "labels", "losses"}
    | {"metrics", "pipelines", "plotting", "remedies", "sharpness", "weighting"}
)

__all__ = [
    "IMAGE_EXTENSIONS",
    "LABEL_MODES",
    "MAX_CLASSES",
    "MULTI_LABEL_REDUCE_OPTIONS",
    "SOURCES",
    "STRATEGIES",
    "ClassCounts",
    "ClassWeights",
    "Labels",
    "check_class_weight",
    "class_weights",
    "count_directory",
    "count_labels",
    "decode_labels",
    "sample_weights",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"keras_imbalance.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"keras_imbalance.{name}")
    raise AttributeError(f"module 'keras_imbalance' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
