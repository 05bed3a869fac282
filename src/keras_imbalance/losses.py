"""Imbalance-aware losses: functions over ``keras.ops`` plus thin ``keras.losses.Loss`` classes.

Every function returns the *per-element* loss, shaped like the labels without their class axis
(``(N,)``, or ``(N, T)`` for sequences and ``(N, H, W)`` for masks); the classes then apply
Keras's ``reduction`` and ``sample_weight`` exactly as Keras's own losses do. Labels may be sparse
class indices or one-hot rows wherever Keras's categorical losses take either (decoded by
:func:`keras_imbalance.labels.one_hot`). All run on the TensorFlow, JAX and PyTorch backends.
Cross-entropy goes through ``keras.ops.categorical_crossentropy``, the backend's fused kernel, so
it is stable at logits of +-1e4 and probabilities of exactly 0 or 1 (clipped to
``keras.backend.epsilon()`` as Keras clips them); sigmoid terms use ``softplus``/``log_sigmoid``.

* ``WeightedCategoricalCrossentropy``, ``WeightedSparseCategoricalCrossentropy``: ``w[y] * CE``.
* ``WeightedBinaryCrossentropy``: ``mean_l -(pos_weight_l y_l log p_l + (1 - y_l) log(1 - p_l))``.
* ``CostSensitiveCategoricalCrossentropy``: ``cost[y, argmax p] * CE`` (the seed's loss) or
  ``(sum_j cost[y, j] p_j) * CE`` (differentiable).
* ``LogitAdjustedLoss``: ``CE(softmax(z + tau * log prior))``; Balanced Softmax at ``tau=1``.
* ``LDAMLoss``: ``w[y] * CE(softmax(s * (z - m_y e_y)))`` with margins ``m_c ∝ n_c**(-1/4)``.
* ``ClassBalancedLoss``: ``(1 - beta) / (1 - beta**n_y)`` times softmax CE, sigmoid BCE or sigmoid
  focal loss.

**Reduction.** Class weights here live *inside* the loss, so Keras's default reduction
``"sum_over_batch_size"`` divides ``sum_i w[y_i] * CE_i`` by the number of elements ``N``, not by
``sum_i w[y_i]``. That is the same scale ``model.fit(class_weight=...)`` gives, and unlike
PyTorch's ``F.cross_entropy(weight=...)``, which divides by the sum of the weights. Nothing is
hidden: to get a weighted mean, normalise the weights (``class_weights(..., normalize="mean")``
makes the mean weight per labelled element 1 over the training set).

**Focal loss.** Keras's own ``keras.losses.CategoricalFocalCrossentropy`` already takes ``alpha``
as a list of per-class weights (it multiplies ``alpha`` into the ``(..., C)`` loss, broadcast on
the class axis). :func:`focal_alpha` builds that list from class counts; no new class is needed.

**Changing weights during training.** Losses that take ``class_weight`` keep it in a non-trainable
``keras.Variable``, so a compiled TensorFlow step sees a new value without retracing. They follow
a small protocol that :class:`keras_imbalance.callbacks.DeferredReweighting` drives:

* ``loss.num_classes``: the number of classes;
* ``loss.class_weight``: the current weights, a NumPy array;
* ``loss.set_class_weight(class_weight)``: validate and assign new weights.

JAX's ``jit`` reads a variable that the model does not own as a constant when it traces the step,
so after ``set_class_weight`` on the JAX backend call ``model.make_train_function(force=True)``
(the callback does this for you).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import keras
import numpy as np
from keras import ops

from keras_imbalance._validation import check_number, check_option, short_repr
from keras_imbalance.counting import ClassCounts, CountsLike, as_counts, as_prior
from keras_imbalance.labels import class_indices, first_argmax, is_one_hot, one_hot
from keras_imbalance.weighting import check_class_weight, class_weights

CostMode = Literal["argmax", "expected"]
COST_MODES: tuple[str, ...] = ("argmax", "expected")
BalancedBase = Literal["softmax", "sigmoid", "focal"]
BALANCED_BASES: tuple[str, ...] = ("softmax", "sigmoid", "focal")


__all__ = [
    "COST_MODES",
    "BALANCED_BASES",
    "ClassBalancedLoss",
    "CostSensitiveCategoricalCrossentropy",
    "LDAMLoss",
    "LogitAdjustedLoss",
    "WeightedBinaryCrossentropy",
    "WeightedCategoricalCrossentropy",
    "WeightedSparseCategoricalCrossentropy",
    "class_balanced_loss",
    "cost_sensitive_categorical_crossentropy",
    "focal_alpha",
    "ldam_loss",
    "ldam_margins",
    "logit_adjusted_crossentropy",
    "pos_weight_from_counts",
    "weighted_binary_crossentropy",
    "weighted_categorical_crossentropy",
    "weighted_sparse_categorical_crossentropy",
]


# --- Argument checks (NumPy, at construction) -------------------------------------------------


def _positive_counts(counts: CountsLike, name: str = "counts") -> tuple[ClassCounts, np.ndarray]:
    """Counts as ``float64``, refusing classes with no samples (the losses divide by them)."""
    found = as_counts(counts, name)
    zero = np.flatnonzero(found.counts == 0)
    if zero.size:
        index = int(zero[0])
        raise ValueError(
            f"{name} for class {found.classes[index]!r} (index {index}) is 0; this loss divides "
            f"by class counts, so every class needs at least one sample. Drop the class or count "
            f"a larger sample"
        )
    return found, found.counts.astype(np.float64)


def _check_cost_matrix(cost_matrix: Any) -> np.ndarray:
    try:
        cost = np.asarray(cost_matrix, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"cost_matrix={short_repr(cost_matrix)} must be a C x C array of numbers"
        ) from error
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1] or cost.shape[0] < 2:
        raise ValueError(
            f"cost_matrix has shape {cost.shape}; it must be a square C x C matrix "
            f"(cost[true class, predicted class]) with C >= 2"
        )
    if not np.isfinite(cost).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(cost))[0])
        raise ValueError(
            f"cost_matrix{list(where)} is {float(cost[where])!r}; costs must be finite"
        )
    if (cost < 0).any():
        where = tuple(int(i) for i in np.argwhere(cost < 0)[0])
        raise ValueError(
            f"cost_matrix{list(where)} is {float(cost[where])!r}; costs must be >= 0 (a "
            f"negative cost rewards that mistake)"
        )
    return cost


def _weight_list(class_weight: Any, num_classes: int) -> list[float]:
    """Validate ``class_weight`` (dict, list, ClassWeights) into ``num_classes`` floats."""
    checked = check_class_weight(class_weight, num_classes)
    return [checked[i] for i in range(num_classes)]


def _check_tau(tau: Any) -> float:
    value = check_number("tau", tau)
    if value < 0:
        raise ValueError(
            f"tau={tau!r} is negative; tau scales the log-prior and must be >= 0 (1 is the "
            f"Fisher-consistent choice, 0 is plain cross-entropy)"
        )
    return value


# --- Tensor helpers (keras.ops) ---------------------------------------------------------------


def _log_probs(y_pred: Any, from_logits: bool) -> Any:
    """Log-probabilities on the last axis: log-softmax of logits or log of clipped probabilities."""
    if from_logits:
        return ops.log_softmax(y_pred, axis=-1)
    epsilon = keras.backend.epsilon()
    y_pred = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
    return ops.log(ops.clip(y_pred, epsilon, 1.0 - epsilon))


def _binary_log_probs(y_pred: Any, from_logits: bool) -> tuple[Any, Any]:
    """``(log p, log(1 - p))`` for independent sigmoid outputs."""
    if from_logits:
        return ops.log_sigmoid(y_pred), ops.log_sigmoid(-y_pred)
    epsilon = keras.backend.epsilon()
    y_pred = ops.clip(y_pred, epsilon, 1.0 - epsilon)
    return ops.log(y_pred), ops.log(1.0 - y_pred)


def _as_vector(values: Any, y_pred: Any, name: str) -> Any:
    """A per-class vector (list, array, tensor or ``keras.Variable``) in ``y_pred``'s dtype."""
    if isinstance(values, Mapping):
        values = _weight_list(values, int(y_pred.shape[-1]))
    if isinstance(values, Sequence | np.ndarray):
        vector = ops.convert_to_tensor(np.asarray(values), dtype=y_pred.dtype)
    else:
        vector = ops.cast(ops.convert_to_tensor(values), y_pred.dtype)
    width = y_pred.shape[-1]
    if len(vector.shape) != 1 or (width is not None and vector.shape[0] != width):
        raise ValueError(
            f"{name} has shape {tuple(vector.shape)} but y_pred has {width} classes on its last "
            f"axis; give one value per class"
        )
    return vector


def _true_class_weight(target: Any, weight: Any) -> Any:
    """``w[y]`` for one-hot ``target``; for soft labels the label-weighted mean ``sum_c y_c w_c``"""
    return ops.matmul(target, weight)


def _weighted_crossentropy(
    y_true: Any,
    y_pred: Any,
    weight: Any | None,
    from_logits: bool,
    label_smoothing: float = 0.0,
) -> Any:
    """``w[y] * CE`` through the backend's fused cross-entropy (stable, as Keras computes it).

    Sparse labels gather ``w[y]``; their cross-entropy uses the dense kernel on a one-hot
    matrix, which is faster than TensorFlow's sparse kernel on CPU and as fast on JAX.
    ``weight=None`` is plain cross-entropy.
    """
    y_true = ops.convert_to_tensor(y_true)
    if not is_one_hot(y_true, y_pred) and not label_smoothing:
        index = class_indices(y_true, y_pred)
        target = ops.one_hot(index, y_pred.shape[-1], dtype=y_pred.dtype)
        loss = ops.categorical_crossentropy(target, y_pred, from_logits=from_logits)
        return loss if weight is None else ops.take(weight, index) * loss
    target = one_hot(y_true, y_pred)
    scale = None if weight is None else _true_class_weight(target, weight)
    if label_smoothing:
        num_classes = ops.cast(ops.shape(target)[-1], y_pred.dtype)
        target = target * (1.0 - label_smoothing) + label_smoothing / num_classes
    loss = ops.categorical_crossentropy(target, y_pred, from_logits=from_logits)
    return loss if scale is None else scale * loss


# --- Functions ---------------------------------------------------------------------------------


def weighted_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    class_weight: Any,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> Any:
    """Cross-entropy with a weight per true class: ``loss_i = w[y_i] * CE_i``.

    ``CE_i = -sum_c y_ic log p_ic``. For soft (or smoothed) labels the weight is the
    label-weighted mean ``sum_c y_ic w_c``; smoothing is applied after the weight is taken.

    Args:
        y_true: one-hot ``(..., C)`` or sparse ``(...)`` labels.
        y_pred: probabilities or logits, ``(..., C)``.
        class_weight: ``C`` weights: a list, array, tensor, ``keras.Variable`` or dict.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: as in ``keras.losses.CategoricalCrossentropy``.

    Returns:
        The per-element loss, shaped like ``y_pred`` without its last axis.

    Example:
        >>> loss = weighted_categorical_crossentropy([[0, 1], [1, 0]], [[0.5, 0.5], [0.5, 0.5]],
        ...                                          [1.0, 3.0])
        >>> [round(float(v), 4) for v in loss]
        [2.0794, 0.6931]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    weight = _as_vector(class_weight, y_pred, "class_weight")
    return _weighted_crossentropy(y_true, y_pred, weight, from_logits, label_smoothing)


def weighted_sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, class_weight: Any, *, from_logits: bool = False
) -> Any:
    """:func:`weighted_categorical_crossentropy` for sparse labels ``(...)`` or ``(..., 1)``.

    Example:
        >>> loss = weighted_sparse_categorical_crossentropy([1, 0], [[0.5, 0.5], [0.5, 0.5]],
        ...                                                 [1.0, 3.0])
        >>> [round(float(v), 4) for v in loss]
        [2.0794, 0.6931]
    """
    return weighted_categorical_crossentropy(y_true, y_pred, class_weight, from_logits=from_logits)


def weighted_binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    pos_weight: Any,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> Any:
    """Binary cross-entropy with a weight on the positive term of each label.

    ``loss = mean_l -(pos_weight_l * y_l * log p_l + (1 - y_l) * log(1 - p_l))``, the mean over the
    last (label) axis as in ``keras.losses.BinaryCrossentropy``; PyTorch's
    ``BCEWithLogitsLoss(pos_weight=...)``. ``pos_weight = n_neg / n_pos`` balances each label
    (:func:`pos_weight_from_counts`).

    Example:
        >>> loss = weighted_binary_crossentropy([[1.0, 0.0]], [[0.0, 0.0]], [3.0, 3.0],
        ...                                     from_logits=True)
        >>> round(float(loss[0]), 4)
        1.3863
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    if len(y_true.shape) == len(y_pred.shape) - 1 and y_pred.shape[-1] == 1:
        y_true = ops.expand_dims(y_true, axis=-1)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if isinstance(pos_weight, int | float):
        weight = ops.cast(pos_weight, y_pred.dtype)
    else:
        weight = _as_vector(pos_weight, y_pred, "pos_weight")
    if from_logits:
        # -(w y log s(x) + (1 - y) log(1 - s(x))) = (1 - y) x + (1 + (w - 1) y) softplus(-x):
        # one stable softplus, as tf.nn.weighted_cross_entropy_with_logits computes it.
        loss = (1.0 - y_true) * y_pred + (1.0 + (weight - 1.0) * y_true) * ops.softplus(-y_pred)
        return ops.mean(loss, axis=-1)
    log_p, log_not_p = _binary_log_probs(y_pred, from_logits)
    return -ops.mean(weight * y_true * log_p + (1.0 - y_true) * log_not_p, axis=-1)


def cost_sensitive_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    cost_matrix: Any,
    *,
    mode: CostMode = "argmax",
    from_logits: bool = False,
) -> Any:
    """Cross-entropy scaled by the cost of the prediction: ``loss_i = cost_i * CE_i``.

    * ``mode="argmax"``: ``cost_i = cost[y_i, argmax_j p_ij]``, the seed's
      ``w_categorical_crossentropy``, computed with one gather in ``O(N * C)`` instead of its
      ``C**2`` loop. The weight is piecewise constant, so no gradient flows through it: it only
      rescales the CE gradient of the current mistake. Ties in ``argmax`` take the first class
      (the seed's loop adds the costs of all tied classes).
    * ``mode="expected"``: ``cost_i = sum_j cost[y_i, j] * p_ij``, the expected cost under the
      predicted distribution. It is differentiable, so the gradient also pushes probability
      away from expensive mistakes.

    ``cost_matrix[t, p]`` is the cost of predicting class ``p`` for true class ``t``.

    Example:
        >>> cost = [[1.0, 5.0], [2.0, 1.0]]
        >>> loss = cost_sensitive_categorical_crossentropy([0, 1], [[0.25, 0.75], [0.5, 0.5]],
        ...                                                cost)
        >>> [round(float(v), 4) for v in loss]
        [6.9315, 1.3863]
    """
    check_option("mode", mode, COST_MODES)
    y_pred = ops.convert_to_tensor(y_pred)
    cost = ops.convert_to_tensor(np.asarray(cost_matrix), dtype=y_pred.dtype)
    num_classes = y_pred.shape[-1]
    if tuple(cost.shape) != (num_classes, num_classes):
        raise ValueError(
            f"cost_matrix has shape {tuple(cost.shape)} but y_pred has {num_classes} classes; "
            f"give a {num_classes} x {num_classes} matrix"
        )
    ce = _weighted_crossentropy(y_true, y_pred, None, from_logits)
    true_index = class_indices(y_true, y_pred)
    if mode == "argmax":
        predicted = first_argmax(y_pred)
        weight = ops.take(ops.reshape(cost, (-1,)), true_index * num_classes + predicted)
        return ops.stop_gradient(weight) * ce
    probabilities = ops.exp(_log_probs(y_pred, from_logits))
    rows = ops.take(cost, true_index, axis=0)
    return ops.sum(rows * probabilities, axis=-1) * ce


def logit_adjusted_crossentropy(
    y_true: Any,
    y_pred: Any,
    prior: Any,
    *,
    tau: float = 1.0,
    from_logits: bool = True,
) -> Any:
    """Logit-adjusted cross-entropy: ``CE(softmax(z + tau * log(prior)))``.

    Menon et al., "Long-tail learning via logit adjustment", ICLR 2021. At ``tau=1`` it is the
    Balanced Softmax of Ren et al., "Balanced Meta-Softmax for Long-Tailed Visual Recognition",
    NeurIPS 2020: ``-log(n_y exp(z_y) / sum_j n_j exp(z_j))``. Predict with the raw logits ``z``
    (the adjustment is for training only). ``prior`` may be counts: softmax ignores a constant
    shift, so counts and probabilities give the same loss. With ``from_logits=False`` the logits
    are the log of the (clipped) probabilities.

    Example:
        >>> loss = logit_adjusted_crossentropy([0, 1], [[0.0, 0.0], [0.0, 0.0]], [3, 1])
        >>> [round(float(v), 4) for v in loss]
        [0.2877, 1.3863]
    """
    return _logit_adjusted(y_true, y_pred, np.log(as_prior(prior, "prior")), tau, from_logits)


def _logit_adjusted(y_true: Any, y_pred: Any, log_prior: Any, tau: float, from_logits: bool) -> Any:
    y_pred = ops.convert_to_tensor(y_pred)
    log_prior = _as_vector(log_prior, y_pred, "prior")
    logits = y_pred if from_logits else _log_probs(y_pred, from_logits=False)
    adjusted = logits + ops.cast(tau, y_pred.dtype) * log_prior
    return _weighted_crossentropy(y_true, adjusted, None, from_logits=True)


def ldam_margins(counts: CountsLike, *, max_margin: float = 0.5) -> np.ndarray:
    """LDAM margins ``m_c = K / n_c**(1/4)``, ``K`` chosen so the largest margin is ``max_margin``.

    Example:
        >>> ldam_margins([16, 1], max_margin=0.5).tolist()
        [0.25, 0.5]
    """
    check_number("max_margin", max_margin, low=0)
    _, n = _positive_counts(counts)
    margins = 1.0 / np.sqrt(np.sqrt(n))
    return margins * (max_margin / margins.max())


def ldam_loss(
    y_true: Any,
    y_pred: Any,
    counts: CountsLike,
    *,
    max_margin: float = 0.5,
    scale: float = 30.0,
    class_weight: Any = None,
) -> Any:
    """Label-distribution-aware margin loss on logits.

    ``loss_i = w[y_i] * CE(softmax(s * (z_i - m_{y_i} e_{y_i})))``: subtract the class margin
    ``m_c ∝ n_c**(-1/4)`` (:func:`ldam_margins`) from the true-class logit, scale by ``s``, then
    cross-entropy. Cao et al., "Learning Imbalanced Datasets with Label-Distribution-Aware Margin
    Loss", NeurIPS 2019. ``class_weight=None`` is uniform; the paper pairs LDAM with deferred
    re-weighting (:class:`keras_imbalance.callbacks.DeferredReweighting`).

    Example:
        >>> loss = ldam_loss([0, 1], [[0.0, 0.0], [0.0, 0.0]], [16, 1], scale=1.0)
        >>> [round(float(v), 4) for v in loss]
        [0.8259, 0.9741]
    """
    margins = ldam_margins(counts, max_margin=max_margin)
    return _ldam(y_true, y_pred, margins, scale, class_weight)


def _ldam(y_true: Any, y_pred: Any, margins: Any, scale: float, class_weight: Any) -> Any:
    y_pred = ops.convert_to_tensor(y_pred)
    scaled_margins = _as_vector(np.asarray(margins) * scale, y_pred, "counts")
    target = one_hot(y_true, y_pred)  # built once: it places the margins and is the CE target
    logits = ops.cast(scale, y_pred.dtype) * y_pred - target * scaled_margins
    weight = None if class_weight is None else _as_vector(class_weight, y_pred, "class_weight")
    return _weighted_crossentropy(target, logits, weight, from_logits=True)


def _effective_number_weights(counts: CountsLike, beta: float) -> np.ndarray:
    found, _ = _positive_counts(counts)
    return class_weights(found, "effective_number", beta=beta).to_array()


def class_balanced_loss(
    y_true: Any,
    y_pred: Any,
    counts: CountsLike,
    *,
    beta: float = 0.999,
    base: BalancedBase = "softmax",
    gamma: float = 1.0,
    from_logits: bool = False,
) -> Any:
    """Class-balanced loss: the base loss times ``w_y = (1 - beta) / (1 - beta**n_y)``.

    The weights are normalised to sum to ``C`` (``class_weights(counts, "effective_number")``).
    Cui et al., "Class-Balanced Loss Based on Effective Number of Samples", CVPR 2019. Bases,
    with ``t`` the one-hot label and ``p`` the prediction:

    * ``"softmax"``: ``w_y * CE``;
    * ``"sigmoid"``: ``w_y * sum_c BCE(t_c, p_c)`` with independent sigmoids;
    * ``"focal"``: ``w_y * sum_c (1 - p_tc)**gamma * BCE(t_c, p_c)``, ``p_tc = p_c`` if
      ``t_c = 1`` else ``1 - p_c``.

    The sigmoid and focal terms sum over classes, as the paper's formulas do (its reference code
    averages the sigmoid term over classes, a factor ``C``).

    Example:
        >>> loss = class_balanced_loss([0, 1], [[0.5, 0.5], [0.5, 0.5]], [10, 1], beta=0.5)
        >>> [round(float(v), 4) for v in loss]
        [0.4624, 0.9239]
    """
    check_option("base", base, BALANCED_BASES)
    weights = _effective_number_weights(counts, beta)
    return _class_balanced(y_true, y_pred, weights, base, gamma, from_logits)


def _class_balanced(
    y_true: Any, y_pred: Any, weights: Any, base: str, gamma: float, from_logits: bool
) -> Any:
    y_pred = ops.convert_to_tensor(y_pred)
    weights = _as_vector(weights, y_pred, "counts")
    if base == "softmax":
        return _weighted_crossentropy(y_true, y_pred, weights, from_logits)
    target = one_hot(y_true, y_pred)
    weight = _true_class_weight(target, weights)
    log_p, log_not_p = _binary_log_probs(y_pred, from_logits)
    bce = -(target * log_p + (1.0 - target) * log_not_p)
    if base == "focal":
        # (1 - p_t)**gamma in log space stays finite and smooth at saturated logits.
        log_one_minus_pt = target * log_not_p + (1.0 - target) * log_p
        bce = ops.exp(ops.cast(gamma, y_pred.dtype) * log_one_minus_pt) * bce
    return weight * ops.sum(bce, axis=-1)


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
    found, _ = _positive_counts(counts)
    return class_weights(found, strategy, normalize=normalize, beta=beta).to_array().tolist()


# --- Classes -----------------------------------------------------------------------------------


class _ClassWeightVariable:
    """Keeps ``class_weight`` in a non-trainable variable a compiled step reads by reference."""

    num_classes: int
    _class_weight: keras.Variable

    def _init_class_weight(self, class_weight: Any, num_classes: int) -> None:
        self.num_classes = num_classes
        values = (
            np.ones(num_classes)
            if class_weight is None
            else _weight_list(class_weight, num_classes)
        )
        self._class_weight = keras.Variable(
            np.asarray(values, dtype="float32"),
            trainable=False,
            dtype="float32",
            name="class_weight",
        )

    @property
    def class_weight(self) -> np.ndarray:
        """The current weights, one per class."""
        return np.asarray(ops.convert_to_numpy(self._class_weight), dtype=np.float64)

    def set_class_weight(self, class_weight: Any) -> None:
        """Validate and assign new weights (a dict, list or ``ClassWeights`` of ``num_classes``).

        A compiled TensorFlow or eager PyTorch step sees the change at once. A jitted JAX step
        reads the weights when it is traced: call ``model.make_train_function(force=True)`` after
        this (``DeferredReweighting`` does).
        """
        values = _weight_list(class_weight, self.num_classes)
        self._class_weight.assign(np.asarray(values, dtype="float32"))


def _register(cls: type) -> type:
    return keras.saving.register_keras_serializable(package="keras_imbalance")(cls)


@_register
class WeightedCategoricalCrossentropy(_ClassWeightVariable, keras.losses.Loss):
    """Loss class for :func:`weighted_categorical_crossentropy`: ``w[y] * CE``.

    Args:
        class_weight: one weight per class: a dict ``{index: weight}``, a list, or a
            ``ClassWeights``; ``num_classes`` is its length. Changeable later with
            :meth:`set_class_weight`.
        from_logits: whether predictions are logits.
        label_smoothing: as in ``keras.losses.CategoricalCrossentropy``.
        reduction: Keras's reduction; the default divides the weighted sum by the number of
            elements (see the module docstring).
        name: the loss name.

    Example:
        >>> loss = WeightedCategoricalCrossentropy({0: 1.0, 1: 3.0})
        >>> round(float(loss([[0, 1], [1, 0]], [[0.5, 0.5], [0.5, 0.5]])), 4)
        1.3863
    """

    def __init__(
        self,
        class_weight: Any,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "weighted_categorical_crossentropy",
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        self._init_class_weight(class_weight, _num_weights(class_weight))
        self.from_logits = bool(from_logits)
        self.label_smoothing = check_number("label_smoothing", label_smoothing, low=0, high=1)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return weighted_categorical_crossentropy(
            y_true,
            y_pred,
            self._class_weight,
            from_logits=self.from_logits,
            label_smoothing=self.label_smoothing,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "class_weight": self.class_weight.tolist(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "reduction": self.reduction,
            "name": self.name,
        }


@_register
class WeightedSparseCategoricalCrossentropy(_ClassWeightVariable, keras.losses.Loss):
    """Loss class for :func:`weighted_sparse_categorical_crossentropy`: ``w[y] * CE``.

    Args:
        class_weight: one weight per class (dict, list or ``ClassWeights``).
        from_logits: whether predictions are logits.
        reduction: Keras's reduction.
        name: the loss name.

    Example:
        >>> loss = WeightedSparseCategoricalCrossentropy([1.0, 3.0])
        >>> round(float(loss([1, 0], [[0.5, 0.5], [0.5, 0.5]])), 4)
        1.3863
    """

    def __init__(
        self,
        class_weight: Any,
        from_logits: bool = False,
        reduction: str | None = "sum_over_batch_size",
        name: str = "weighted_sparse_categorical_crossentropy",
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        self._init_class_weight(class_weight, _num_weights(class_weight))
        self.from_logits = bool(from_logits)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return weighted_sparse_categorical_crossentropy(
            y_true, y_pred, self._class_weight, from_logits=self.from_logits
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "class_weight": self.class_weight.tolist(),
            "from_logits": self.from_logits,
            "reduction": self.reduction,
            "name": self.name,
        }


def _num_weights(class_weight: Any) -> int:
    if isinstance(class_weight, Mapping):
        return len(class_weight)
    if isinstance(class_weight, str | bytes) or not isinstance(class_weight, Sequence | np.ndarray):
        raise TypeError(
            f"class_weight must be a dict {{class index: weight}}, a list of weights or a "
            f"ClassWeights, got {short_repr(class_weight)}"
        )
    return len(class_weight)


@_register
class WeightedBinaryCrossentropy(keras.losses.Loss):
    """Loss class for :func:`weighted_binary_crossentropy` (multi-label, per-label ``pos_weight``).

    Args:
        pos_weight: one positive weight per label (list), or one number for all labels; see
            :func:`pos_weight_from_counts`.
        from_logits: whether predictions are logits.
        label_smoothing: as in ``keras.losses.BinaryCrossentropy``.
        reduction: Keras's reduction.
        name: the loss name.

    Example:
        >>> loss = WeightedBinaryCrossentropy([3.0, 1.0], from_logits=True)
        >>> round(float(loss([[1.0, 1.0]], [[0.0, 0.0]])), 4)
        1.3863
    """

    def __init__(
        self,
        pos_weight: float | Sequence[float] | np.ndarray,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "weighted_binary_crossentropy",
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        self.pos_weight = _check_pos_weight(pos_weight)
        self.from_logits = bool(from_logits)
        self.label_smoothing = check_number("label_smoothing", label_smoothing, low=0, high=1)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return weighted_binary_crossentropy(
            y_true,
            y_pred,
            self.pos_weight,
            from_logits=self.from_logits,
            label_smoothing=self.label_smoothing,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "pos_weight": self.pos_weight,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "reduction": self.reduction,
            "name": self.name,
        }


def _check_pos_weight(pos_weight: Any) -> float | list[float]:
    if isinstance(pos_weight, int | float | np.integer | np.floating) and not isinstance(
        pos_weight, bool
    ):
        return check_number("pos_weight", pos_weight, low=0)
    try:
        values = np.asarray(pos_weight, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"pos_weight={short_repr(pos_weight)} must be a number or a list of numbers"
        ) from error
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"pos_weight has shape {values.shape}; give one weight per label")
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        raise ValueError(
            f"pos_weight for label {int(bad[0])} is {float(values[bad[0]])!r}; weights must be "
            f"finite and >= 0"
        )
    return values.tolist()


@_register
class CostSensitiveCategoricalCrossentropy(keras.losses.Loss):
    """Loss class for :func:`cost_sensitive_categorical_crossentropy`.

    Args:
        cost_matrix: ``C x C``, finite and non-negative; ``cost_matrix[true, predicted]``.
        mode: ``"argmax"`` (the seed's weight, no gradient through it) or ``"expected"``
            (differentiable expected cost).
        from_logits: whether predictions are logits.
        reduction: Keras's reduction.
        name: the loss name.

    Example:
        >>> loss = CostSensitiveCategoricalCrossentropy([[1.0, 5.0], [2.0, 1.0]])
        >>> round(float(loss([0, 1], [[0.25, 0.75], [0.5, 0.5]])), 4)
        4.1589
    """

    def __init__(
        self,
        cost_matrix: Any,
        mode: CostMode = "argmax",
        from_logits: bool = False,
        reduction: str | None = "sum_over_batch_size",
        name: str = "cost_sensitive_categorical_crossentropy",
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        self.cost_matrix = _check_cost_matrix(cost_matrix)
        self._cost = self.cost_matrix.astype("float32")
        self.mode = check_option("mode", mode, COST_MODES)
        self.from_logits = bool(from_logits)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return cost_sensitive_categorical_crossentropy(
            y_true, y_pred, self._cost, mode=self.mode, from_logits=self.from_logits
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "cost_matrix": self.cost_matrix.tolist(),
            "mode": self.mode,
            "from_logits": self.from_logits,
            "reduction": self.reduction,
            "name": self.name,
        }


@_register
class LogitAdjustedLoss(keras.losses.Loss):
    """Loss class for :func:`logit_adjusted_crossentropy` (Balanced Softmax at ``tau=1``).

    Args:
        prior_or_counts: class counts (``ClassCounts`` or a list) or class probabilities.
        tau: the adjustment strength, ``>= 0``.
        from_logits: whether predictions are logits (the default, as in the paper).
        reduction: Keras's reduction.
        name: the loss name.

    Example:
        >>> loss = LogitAdjustedLoss([3, 1])
        >>> round(float(loss([0, 1], [[0.0, 0.0], [0.0, 0.0]])), 4)
        0.837
    """

    def __init__(
        self,
        prior_or_counts: CountsLike,
        tau: float = 1.0,
        from_logits: bool = True,
        reduction: str | None = "sum_over_batch_size",
        name: str = "logit_adjusted_crossentropy",
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        self.prior = as_prior(prior_or_counts, "prior_or_counts")
        self._log_prior = np.log(self.prior)
        self.tau = _check_tau(tau)
        self.from_logits = bool(from_logits)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return _logit_adjusted(y_true, y_pred, self._log_prior, self.tau, self.from_logits)

    def get_config(self) -> dict[str, Any]:
        return {
            "prior_or_counts": self.prior.tolist(),
            "tau": self.tau,
            "from_logits": self.from_logits,
            "reduction": self.reduction,
            "name": self.name,
        }


@_register
class LDAMLoss(_ClassWeightVariable, keras.losses.Loss):
    """Loss class for :func:`ldam_loss`; takes logits.

    Args:
        counts: class counts (``ClassCounts`` or a list), all > 0.
        max_margin: the margin of the rarest class.
        scale: the logit scale ``s``.
        class_weight: ``None`` (uniform) or one weight per class; changeable with
            :meth:`set_class_weight`, which is how deferred re-weighting drives it.
        reduction: Keras's reduction.
        name: the loss name.

    Example:
        >>> loss = LDAMLoss([16, 1], scale=1.0)
        >>> round(float(loss([0, 1], [[0.0, 0.0], [0.0, 0.0]])), 4)
        0.9
    """

    def __init__(
        self,
        counts: CountsLike,
        max_margin: float = 0.5,
        scale: float = 30.0,
        class_weight: Any = None,
        reduction: str | None = "sum_over_batch_size",
        name: str = "ldam_loss",
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        found, _ = _positive_counts(counts)
        self.counts = found.counts.tolist()
        self.max_margin = check_number("max_margin", max_margin, low=0)
        self.scale = check_number("scale", scale, low=0, low_inclusive=False)
        self.margins = ldam_margins(self.counts, max_margin=self.max_margin)
        self._init_class_weight(class_weight, len(self.counts))

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return _ldam(y_true, y_pred, self.margins, self.scale, self._class_weight)

    def get_config(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "max_margin": self.max_margin,
            "scale": self.scale,
            "class_weight": self.class_weight.tolist(),
            "reduction": self.reduction,
            "name": self.name,
        }


@_register
class ClassBalancedLoss(keras.losses.Loss):
    """Loss class for :func:`class_balanced_loss`.

    Args:
        counts: class counts (``ClassCounts`` or a list), all > 0.
        beta: in ``[0, 1)``; ``0`` is uniform, towards ``1`` approaches inverse frequency.
        base: ``"softmax"``, ``"sigmoid"`` or ``"focal"``.
        gamma: the focal exponent (``base="focal"`` only).
        from_logits: whether predictions are logits.
        reduction: Keras's reduction.
        name: the loss name.

    Example:
        >>> loss = ClassBalancedLoss([10, 1], beta=0.5)
        >>> round(float(loss([0, 1], [[0.5, 0.5], [0.5, 0.5]])), 4)
        0.6931
    """

    def __init__(
        self,
        counts: CountsLike,
        beta: float = 0.999,
        base: BalancedBase = "softmax",
        gamma: float = 1.0,
        from_logits: bool = False,
        reduction: str | None = "sum_over_batch_size",
        name: str = "class_balanced_loss",
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        found, _ = _positive_counts(counts)
        self.counts = found.counts.tolist()
        self.beta = check_number("beta", beta, low=0, high=1, high_inclusive=False)
        self.base = check_option("base", base, BALANCED_BASES)
        self.gamma = check_number("gamma", gamma, low=0)
        self.from_logits = bool(from_logits)
        self.weights = _effective_number_weights(self.counts, self.beta)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return _class_balanced(
            y_true, y_pred, self.weights, self.base, self.gamma, self.from_logits
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "beta": self.beta,
            "base": self.base,
            "gamma": self.gamma,
            "from_logits": self.from_logits,
            "reduction": self.reduction,
            "name": self.name,
        }
