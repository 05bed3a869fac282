"""Long-tail losses: logit adjustment, LDAM and the class-balanced loss."""

from __future__ import annotations

from typing import Any, Literal

import keras
import numpy as np
from keras import ops

from keras_imbalance._validation import check_option, positional_deprecated
from keras_imbalance.counting import CountsLike, as_prior
from keras_imbalance.labels.tensors import poison
from keras_imbalance.losses._checks import (
    check_beta,
    check_gamma,
    check_max_margin,
    check_scale,
    check_tau,
    positive_counts,
    weight_list,
)
from keras_imbalance.losses._core import (
    ClassWeightVariable,
    as_vector,
    binary_log_probs,
    log_probs,
    register,
    target_and_weight,
    weighted_crossentropy,
)
from keras_imbalance.losses.helpers import ldam_margins
from keras_imbalance.weighting import class_weights

BalancedBase = Literal["softmax", "sigmoid", "focal"]


BALANCED_BASES: tuple[str, ...] = ("softmax", "sigmoid", "focal")


def logit_adjusted_crossentropy(
    y_true: Any,
    y_pred: Any,
    prior: Any,
    *,
    tau: float = 1.0,
    from_logits: bool = True,
    class_weight: Any = None,
) -> Any:
    """Logit-adjusted cross-entropy: ``w[y] * CE(softmax(z + tau * log(prior)))``.

    Menon et al., "Long-tail learning via logit adjustment", ICLR 2021. At ``tau=1`` it is the
    Balanced Softmax of Ren et al., "Balanced Meta-Softmax for Long-Tailed Visual Recognition",
    NeurIPS 2020: ``-log(n_y exp(z_y) / sum_j n_j exp(z_j))``. Predict with the raw logits ``z``
    (the adjustment is for training only). ``prior`` may be counts: softmax ignores a constant
    shift, so counts and probabilities give the same loss. With ``from_logits=False`` the logits
    are the log of the (clipped) probabilities. ``class_weight=None`` is uniform; one weight
    per class multiplies each sample's loss by the weight of its class (with
    :class:`~keras_imbalance.callbacks.DeferredReweighting` this is logit adjustment with
    deferred re-weighting).

    Example:
        >>> loss = logit_adjusted_crossentropy([0, 1], [[0.0, 0.0], [0.0, 0.0]], [3, 1])
        >>> [round(float(v), 4) for v in loss]
        [0.2877, 1.3863]
    """
    tau = check_tau(tau)
    log_prior = np.log(as_prior(prior, "prior"))
    weight = None if class_weight is None else weight_list(class_weight, len(log_prior))
    return _logit_adjusted(y_true, y_pred, log_prior, tau, from_logits, weight)


def _logit_adjusted(
    y_true: Any, y_pred: Any, log_prior: Any, tau: float, from_logits: bool, class_weight: Any
) -> Any:
    y_pred = ops.convert_to_tensor(y_pred)
    log_prior = as_vector(log_prior, y_pred, "prior")
    logits = y_pred if from_logits else log_probs(y_pred, from_logits=False)
    adjusted = logits + ops.cast(tau, y_pred.dtype) * log_prior
    weight = None if class_weight is None else as_vector(class_weight, y_pred, "class_weight")
    return weighted_crossentropy(y_true, adjusted, weight, from_logits=True)


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
    found, _ = positive_counts(counts)
    margins = ldam_margins(found, max_margin=check_max_margin(max_margin))
    scale = check_scale(scale)
    if class_weight is not None:
        class_weight = weight_list(class_weight, len(margins))
    return _ldam(y_true, y_pred, margins, scale, class_weight)


def _ldam(y_true: Any, y_pred: Any, margins: Any, scale: float, class_weight: Any) -> Any:
    y_pred = ops.convert_to_tensor(y_pred)
    scaled_margins = as_vector(np.asarray(margins) * scale, y_pred, "counts")
    weight = None if class_weight is None else as_vector(class_weight, y_pred, "class_weight")
    # Built once: it places the margins and is the CE target.
    target, sample_weight, out_of_range = target_and_weight(y_true, y_pred, weight)
    logits = ops.cast(scale, y_pred.dtype) * y_pred - target * scaled_margins
    loss = ops.categorical_crossentropy(target, logits, from_logits=True)
    return poison(loss if sample_weight is None else sample_weight * loss, out_of_range)


def _effective_number_weights(counts: CountsLike, beta: float) -> np.ndarray:
    found, _ = positive_counts(counts)
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
    gamma = check_gamma(gamma)
    weights = _effective_number_weights(counts, check_beta(beta))
    return _class_balanced(y_true, y_pred, weights, base, gamma, from_logits)


def _class_balanced(
    y_true: Any, y_pred: Any, weights: Any, base: str, gamma: float, from_logits: bool
) -> Any:
    y_pred = ops.convert_to_tensor(y_pred)
    weights = as_vector(weights, y_pred, "counts")
    if base == "softmax":
        return weighted_crossentropy(y_true, y_pred, weights, from_logits)
    target, weight, out_of_range = target_and_weight(y_true, y_pred, weights)
    log_p, log_not_p = binary_log_probs(y_pred, from_logits)
    bce = -(target * log_p + (1.0 - target) * log_not_p)
    if base == "focal":
        # (1 - p_t)**gamma in log space stays finite and smooth at saturated logits.
        log_one_minus_pt = target * log_not_p + (1.0 - target) * log_p
        bce = ops.exp(ops.cast(gamma, y_pred.dtype) * log_one_minus_pt) * bce
    return poison(weight * ops.sum(bce, axis=-1), out_of_range)


@register
class LogitAdjustedLoss(ClassWeightVariable, keras.losses.Loss):
    """Loss class for :func:`logit_adjusted_crossentropy` (Balanced Softmax at ``tau=1``).

    Args:
        prior_or_counts: class counts (``ClassCounts`` or a list) or class probabilities.
        tau: the adjustment strength, ``>= 0``.
        from_logits: whether predictions are logits (the default, as in the paper).
        reduction: Keras's reduction.
        name: the loss name.
        class_weight: ``None`` (uniform) or one weight per class; changeable with
            :meth:`set_class_weight`, which is how deferred re-weighting drives it.

    Example:
        >>> loss = LogitAdjustedLoss([3, 1])
        >>> round(float(loss([0, 1], [[0.0, 0.0], [0.0, 0.0]])), 4)
        0.837
    """

    @positional_deprecated(2)
    def __init__(
        self,
        prior_or_counts: CountsLike,
        *,
        tau: float = 1.0,
        from_logits: bool = True,
        reduction: str | None = "sum_over_batch_size",
        name: str = "logit_adjusted_crossentropy",
        class_weight: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.prior = as_prior(prior_or_counts, "prior_or_counts")
        self._log_prior = np.log(self.prior)
        self.tau = check_tau(tau)
        self.from_logits = bool(from_logits)
        self._init_class_weight(class_weight, len(self.prior))

    def call(self, y_true: Any, y_pred: Any) -> Any:
        # Uniform weights leave the loss unchanged; the variable is read so that a compiled step
        # sees deferred re-weighting.
        return _logit_adjusted(
            y_true, y_pred, self._log_prior, self.tau, self.from_logits, self._class_weight
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "prior_or_counts": self.prior.tolist(),
            "tau": self.tau,
            "from_logits": self.from_logits,
            "reduction": self.reduction,
            "name": self.name,
            "class_weight": None
            if np.all(self.class_weight == 1.0)
            else self.class_weight.tolist(),
            "dtype": self.dtype,
        }


@register
class LDAMLoss(ClassWeightVariable, keras.losses.Loss):
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

    @positional_deprecated(2)
    def __init__(
        self,
        counts: CountsLike,
        *,
        max_margin: float = 0.5,
        scale: float = 30.0,
        class_weight: Any = None,
        reduction: str | None = "sum_over_batch_size",
        name: str = "ldam_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        found, _ = positive_counts(counts)
        self.counts = found.counts.tolist()
        self.max_margin = check_max_margin(max_margin)
        self.scale = check_scale(scale)
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
            "dtype": self.dtype,
        }


@register
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

    @positional_deprecated(2)
    def __init__(
        self,
        counts: CountsLike,
        *,
        beta: float = 0.999,
        base: BalancedBase = "softmax",
        gamma: float = 1.0,
        from_logits: bool = False,
        reduction: str | None = "sum_over_batch_size",
        name: str = "class_balanced_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        found, _ = positive_counts(counts)
        self.counts = found.counts.tolist()
        self.beta = check_beta(beta)
        self.base = check_option("base", base, BALANCED_BASES)
        self.gamma = check_gamma(gamma)
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
            "dtype": self.dtype,
        }
