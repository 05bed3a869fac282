"""Class weights from counts (:func:`class_weights`) and per-sample weights from labels
(:func:`sample_weights`)."""

from __future__ import annotations

from keras_imbalance.weighting.class_weights import (
    NORMALIZE_OPTIONS,
    STRATEGIES,
    ClassWeightLike,
    ClassWeights,
    Normalize,
    Strategy,
    check_class_weight,
    class_weights,
)
from keras_imbalance.weighting.sample_weights import (
    MULTI_LABEL_REDUCE_OPTIONS,
    SAMPLE_WEIGHT_NORMALIZE_OPTIONS,
    MultiLabelReduce,
    SampleWeightNormalize,
    class_weight_vector,
    reduce_multi_hot,
    sample_weights,
    weight_classes,
)

__all__ = [
    "ClassWeightLike",
    "ClassWeights",
    "MULTI_LABEL_REDUCE_OPTIONS",
    "MultiLabelReduce",
    "NORMALIZE_OPTIONS",
    "Normalize",
    "SAMPLE_WEIGHT_NORMALIZE_OPTIONS",
    "STRATEGIES",
    "SampleWeightNormalize",
    "Strategy",
    "check_class_weight",
    "class_weight_vector",
    "class_weights",
    "reduce_multi_hot",
    "sample_weights",
    "weight_classes",
]
