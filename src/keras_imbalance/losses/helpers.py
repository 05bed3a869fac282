"""Numbers for losses from class counts: LDAM margins, ``pos_weight`` and focal ``alpha``."""

from __future__ import annotations

from typing import Literal

import numpy as np

from keras_imbalance._validation import check_number, check_option
from keras_imbalance.counting import CountsLike, as_counts
from keras_imbalance.losses._checks import positive_counts
from keras_imbalance.weighting import class_weights


def ldam_margins(counts: CountsLike, *, max_margin: float = 0.5) -> np.ndarray:
    """LDAM margins ``m_c = K / n_c**(1/4)``, ``K`` chosen so the largest margin is ``max_margin``.

    Example:
        >>> ldam_margins([16, 1], max_margin=0.5).tolist()
        [0.25, 0.5]
    """
    check_number("max_margin", max_margin, low=0)
    _, n = positive_counts(counts)
    margins = 1.0 / np.sqrt(np.sqrt(n))
    return margins * (max_margin / margins.max())


def pos_weight_from_counts(counts: CountsLike) -> list[float]:
    """``n_neg / n_pos`` per label, for :class:`WeightedBinaryCrossentropy`.

    ``counts`` is a multi-label ``ClassCounts`` (``count_labels(y, label_mode="multi_label")``:
    positives per label out of ``n_samples`` rows), or binary counts of classes 0 and 1, which
    give one weight ``n_0 / n_1`` for a single sigmoid output.

    Example:
        >>> from keras_imbalance import count_labels
        >>> pos_weight_from_counts(count_labels([[1, 0], [0, 1], [0, 1], [0, 0]],
        ...                                     label_mode="multi_label"))
        [3.0, 1.0]
        >>> pos_weight_from_counts([45000, 5000])
        [9.0]
    """
    found = as_counts(counts)
    if found.label_mode == "multi_label":
        positives = found.counts.astype(np.float64)
        negatives = found.n_samples - positives
    elif found.num_classes == 2:
        positives = found.counts[1:].astype(np.float64)
        negatives = found.counts[:1].astype(np.float64)
    else:
        raise ValueError(
            f"counts has {found.num_classes} classes in label_mode={found.label_mode!r}; "
            f"pos_weight needs multi-label counts (count_labels(y, label_mode='multi_label')) "
            f"or binary counts of classes 0 and 1"
        )
    labels = found.classes if found.label_mode == "multi_label" else found.classes[1:]
    for label, n_pos, n_neg in zip(labels, positives, negatives, strict=True):
        if n_pos == 0:
            raise ValueError(
                f"label {label!r} has no positive samples, so n_neg / n_pos is undefined; drop "
                f"the label or give its pos_weight yourself"
            )
        if n_neg == 0:
            raise ValueError(
                f"label {label!r} has no negative samples (every row is positive), so its "
                f"pos_weight would be 0; drop the label or give its pos_weight yourself"
            )
    return (negatives / positives).tolist()


def focal_alpha(
    counts: CountsLike,
    strategy: Literal["balanced", "inverse", "sqrt_inverse", "max_ratio", "effective_number"] = (
        "balanced"
    ),
    *,
    normalize: Literal["mean", "sum", "max"] | None = None,
    beta: float = 0.999,
) -> list[float]:
    """Per-class ``alpha`` for ``keras.losses.CategoricalFocalCrossentropy(alpha=...)``.

    Keras multiplies ``alpha`` into its ``(..., C)`` focal term, so a list of ``C`` weights gives
    ``FL = -sum_c alpha_c (1 - p_c)**gamma y_c log p_c`` (Lin et al., "Focal Loss for Dense Object
    Detection", ICCV 2017). This returns ``class_weights(counts, strategy)`` as that list; the
    default ``"balanced"`` is what Keras's docstring suggests (scikit-learn's
    ``compute_class_weight``). Keras's focal loss takes one-hot labels only.

    Example:
        >>> focal_alpha([30, 10])
        [0.6666666666666666, 2.0]
    """
    check_option("strategy", strategy, FOCAL_ALPHA_STRATEGIES)
    found, _ = positive_counts(counts)
    return class_weights(found, strategy, normalize=normalize, beta=beta).to_array().tolist()


FOCAL_ALPHA_STRATEGIES: tuple[str, ...] = (
    "balanced",
    "inverse",
    "sqrt_inverse",
    "max_ratio",
    "effective_number",
)
