"""The asymmetric loss for multi-label classification (Ridnik et al., ICCV 2021).

Each label is an independent sigmoid output. With ``p`` the predicted probability of a label
and ``p_m = max(p - m, 0)`` its probability shifted by the margin ``m = clip``::

    L+ = (1 - p)**gamma_pos * log(p)
    L- = p_m**gamma_neg * log(1 - p_m)
    loss = mean_l -(y_l * L+_l + (1 - y_l) * L-_l)

``gamma_neg > gamma_pos`` down-weights the many easy negatives of a multi-label problem more than
its few positives; the shift ``m`` discards negatives the model already scores below ``m``
altogether (their loss and gradient are 0). The paper also notes that a negative's gradient
(by its logit) falls again for ``p`` near 1, softening negatives scored very high, which are
often missing labels.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from keras_imbalance._validation import check_number
from keras_imbalance.losses._core import register

# --- Functions ---------------------------------------------------------------------------------


def _check_options(gamma_pos: Any, gamma_neg: Any, clip: Any) -> tuple[float, float, float]:
    return (
        check_number("gamma_pos", gamma_pos, low=0),
        check_number("gamma_neg", gamma_neg, low=0),
        check_number("clip", clip, low=0, high=1, high_inclusive=False),
    )


def _labels_and_predictions(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    """Float tensors of one shape; a ``(N,)`` label vector meets a ``(N, 1)`` prediction."""
    y_pred = ops.convert_to_tensor(y_pred)
    if not keras.backend.is_float_dtype(y_pred.dtype):
        y_pred = ops.cast(y_pred, keras.backend.floatx())
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    if len(y_true.shape) == len(y_pred.shape) - 1 and y_pred.shape[-1] == 1:
        y_true = ops.expand_dims(y_true, axis=-1)
    labels, outputs = y_true.shape[-1:], y_pred.shape[-1:]
    if len(y_true.shape) != len(y_pred.shape) or (
        None not in labels + outputs and labels != outputs
    ):
        raise ValueError(
            f"y_true has shape {tuple(y_true.shape)} but y_pred has {tuple(y_pred.shape)}; give "
            f"one 0/1 label per output (multi-hot rows shaped like y_pred)"
        )
    return y_true, y_pred


def _power(base: Any, gamma: float) -> Any:
    """``base**gamma`` for ``base >= 0``, with a finite gradient (0) where ``base`` is 0."""
    positive = ops.greater(base, 0.0)
    safe = ops.where(positive, base, ops.ones_like(base))
    return ops.where(positive, ops.exp(gamma * ops.log(safe)), ops.zeros_like(base))


def _probabilities(y_pred: Any, from_logits: bool) -> tuple[Any, Any, Any, Any]:
    """``(p, 1 - p, log p, log(1 - p))``: exact from logits, clipped at ``eps`` otherwise."""
    if from_logits:
        return (
            ops.sigmoid(y_pred),
            ops.sigmoid(-y_pred),
            ops.log_sigmoid(y_pred),
            ops.log_sigmoid(-y_pred),
        )
    epsilon = keras.backend.epsilon()
    p = ops.clip(y_pred, epsilon, 1.0 - epsilon)
    return p, 1.0 - p, ops.log(p), ops.log(1.0 - p)


def asymmetric_loss(
    y_true: Any,
    y_pred: Any,
    *,
    gamma_pos: float = 0.0,
    gamma_neg: float = 4.0,
    clip: float = 0.05,
    from_logits: bool = False,
) -> Any:
    """Asymmetric loss (ASL), one value per sample: the mean over the label (last) axis.

    ``loss = mean_l -(y_l (1 - p_l)**gamma_pos log p_l + (1 - y_l) p_ml**gamma_neg
    log(1 - p_ml))`` with ``p_ml = max(p_l - clip, 0)``; Ridnik et al., "Asymmetric Loss For
    Multi-Label Classification", ICCV 2021. The defaults (``gamma_pos=0``, ``gamma_neg=4``,
    ``clip=0.05``) are the paper's. ``gamma_pos = gamma_neg = clip = 0`` is
    ``keras.losses.binary_crossentropy``; ``clip = 0`` with ``gamma_pos = gamma_neg`` is the
    sigmoid focal loss without ``alpha``.

    **Scale.** The reference implementation sums over labels (and samples); this function takes
    the mean over labels, as ``keras.losses.binary_crossentropy`` does, so a loss of ``L``
    labels is ``L`` times smaller than the reference's. Only the effective learning rate changes.

    **Gradient of the focusing weight.** The reference code has a switch
    (``disable_torch_grad_focal_loss``) that would treat the weights ``(1 - p)**gamma_pos`` and
    ``p_m**gamma_neg`` as constants, but its ``AsymmetricLoss`` has that code commented out and
    its ``AsymmetricLossOptimized`` leaves it off by default, so the gradient flows through the
    weights there, as in the paper's gradient analysis. Here it always does: the gradient is
    the exact derivative of the formula above.

    **Numerics.** Probabilities are clipped to ``[eps, 1 - eps]`` with
    ``eps = keras.backend.epsilon()``, as Keras clips them for cross-entropy (the reference
    clamps the arguments of its logs at ``1e-8``). Logits go through ``log_sigmoid``, so their
    loss is exact and finite at any logit; the shifted negative term is bounded by
    ``log(clip)`` anyway. Below the margin (``p <= clip``) a negative's loss and gradient are 0.

    Args:
        y_true: multi-hot labels, 0 or 1 (soft labels in ``[0, 1]`` work too), shaped like
            ``y_pred``.
        y_pred: one probability (or logit, with ``from_logits=True``) per label.
        gamma_pos: focusing exponent of the positive term, ``>= 0``.
        gamma_neg: focusing exponent of the negative term, ``>= 0``.
        clip: the probability margin ``m`` of the negatives, in ``[0, 1)``; ``0`` shifts nothing.
        from_logits: whether ``y_pred`` holds logits.

    Example:
        >>> loss = asymmetric_loss([[1.0, 0.0]], [[0.0, 0.0]], from_logits=True)
        >>> round(float(loss[0]), 4)  # (log 2 - 0.45**4 log 0.55) / 2
        0.3588
    """
    gamma_pos, gamma_neg, clip = _check_options(gamma_pos, gamma_neg, clip)
    y_true, y_pred = _labels_and_predictions(y_true, y_pred)
    p, q, log_p, log_q = _probabilities(y_pred, from_logits)
    positive = log_p if gamma_pos == 0 else ops.exp(gamma_pos * log_q) * log_p
    if clip == 0:
        negative = log_q if gamma_neg == 0 else ops.exp(gamma_neg * log_p) * log_q
    else:
        # 1 - p_m = min(q + m, 1) >= m: its log is finite without a clamp.
        log_q = ops.log(ops.minimum(q + clip, 1.0))
        negative = log_q if gamma_neg == 0 else _power(ops.relu(p - clip), gamma_neg) * log_q
    return -ops.mean(y_true * positive + (1.0 - y_true) * negative, axis=-1)


# --- Class -------------------------------------------------------------------------------------


@register
class AsymmetricLoss(keras.losses.Loss):
    """Loss class for :func:`asymmetric_loss` (multi-label: one sigmoid output per label).

    Args:
        gamma_pos: focusing exponent of the positive term, ``>= 0``.
        gamma_neg: focusing exponent of the negative term, ``>= 0``.
        clip: the probability margin of the negatives, in ``[0, 1)``; ``0`` shifts nothing.
        from_logits: whether predictions are logits.
        reduction: Keras's reduction (of the per-sample losses, with ``sample_weight``).
        name: the loss name.
        dtype: the loss's dtype, as in Keras's losses.

    Example:
        >>> loss = AsymmetricLoss(gamma_neg=2.0, clip=0.0, from_logits=True)
        >>> round(float(loss([[1.0, 0.0]], [[0.0, 0.0]])), 4)  # (log 2 + log 2 / 4) / 2
        0.4332
    """

    def __init__(
        self,
        *,
        gamma_pos: float = 0.0,
        gamma_neg: float = 4.0,
        clip: float = 0.05,
        from_logits: bool = False,
        reduction: str | None = "sum_over_batch_size",
        name: str = "asymmetric_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.gamma_pos, self.gamma_neg, self.clip = _check_options(gamma_pos, gamma_neg, clip)
        self.from_logits = bool(from_logits)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return asymmetric_loss(
            y_true,
            y_pred,
            gamma_pos=self.gamma_pos,
            gamma_neg=self.gamma_neg,
            clip=self.clip,
            from_logits=self.from_logits,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "gamma_pos": self.gamma_pos,
            "gamma_neg": self.gamma_neg,
            "clip": self.clip,
            "from_logits": self.from_logits,
            "reduction": self.reduction,
            "name": self.name,
            "dtype": self.dtype,
        }
