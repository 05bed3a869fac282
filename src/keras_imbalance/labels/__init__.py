"""Labels in every form, decoded in one place.

:mod:`~keras_imbalance.labels.decode` reads NumPy-like labels (:func:`decode_labels`);
:mod:`~keras_imbalance.labels.tensors` reads tensors inside losses and metrics with ``keras.ops``
(Keras is imported only when those functions run).
"""

from __future__ import annotations

from keras_imbalance.labels.decode import (
    LABEL_MODES,
    MAX_CLASSES,
    ClassesLike,
    LabelMode,
    Labels,
    check_max_classes,
    check_width,
    decode_labels,
    normalize_classes,
)
from keras_imbalance.labels.tensors import (
    check_class_range,
    class_indices,
    first_argmax,
    in_class_range,
    indices_to_one_hot,
    is_one_hot,
    one_hot,
)

__all__ = [
    "ClassesLike",
    "LABEL_MODES",
    "MAX_CLASSES",
    "LabelMode",
    "Labels",
    "check_class_range",
    "check_max_classes",
    "check_width",
    "class_indices",
    "decode_labels",
    "first_argmax",
    "in_class_range",
    "indices_to_one_hot",
    "is_one_hot",
    "normalize_classes",
    "one_hot",
]
