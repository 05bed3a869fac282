"""Coerce scores and weights: probabilities or logits to a score matrix, flat sample weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_imbalance._validation import positional_deprecated, short_repr


def require_sklearn() -> Any:
    try:
        import sklearn.metrics
    except ImportError as error:  # pragma: no cover - sklearn is installed in the test env
        raise ImportError(
            'evaluation needs scikit-learn; install it with pip install "keras-imbalance[sklearn]"'
        ) from error
    return sklearn.metrics


# --- Inputs --------------------------------------------------------------------------------------


def as_float_array(values: Any, name: str) -> np.ndarray:
    if hasattr(values, "numpy") and not isinstance(values, np.ndarray):
        values = values.numpy()
    elif hasattr(values, "detach"):  # pragma: no cover - torch tensors that need grad
        values = values.detach().cpu().numpy()
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers, got {short_repr(values)}") from error
    if array.ndim == 0 or array.size == 0:
        raise ValueError(f"{name} has shape {array.shape}; give one score (row) per sample")
    if not np.isfinite(array).all():
        bad = array[~np.isfinite(array)].ravel()[0]
        raise ValueError(f"{name} contains {bad!r}; scores must be finite (check the model output)")
    return array


def _probabilities(scores: np.ndarray, from_logits: bool | None, name: str) -> np.ndarray:
    """Probabilities from scores: ``(N,)`` positive-class scores or ``(N, C)`` rows."""
    from scipy.special import expit, softmax

    outside = bool((scores < 0).any() or (scores > 1).any())
    if from_logits is False and outside:
        low, high = float(scores.min()), float(scores.max())
        raise ValueError(
            f"{name} has values in [{low:.4g}, {high:.4g}], outside [0, 1], but from_logits=False; "
            f"pass from_logits=True for logits or give probabilities"
        )
    if not (from_logits or (from_logits is None and outside)):
        return scores
    if scores.ndim == 1:
        return np.asarray(expit(scores))
    return np.asarray(softmax(scores, axis=-1))


@positional_deprecated(1)
def score_matrix(scores: Any, *, from_logits: bool | None, name: str = "scores") -> np.ndarray:
    """``(N,)`` positive-class probabilities or ``(N, C)`` class probabilities."""
    array = as_float_array(scores, name)
    if array.ndim >= 2 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim >= 2:
        array = array.reshape(-1, array.shape[-1])
    return _probabilities(array, from_logits, name)


def flat_weight(sample_weight: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    if sample_weight is None:
        return None
    weight = as_float_array(sample_weight, "sample_weight")
    if weight.ndim >= 2 and weight.shape[-1] == 1 and len(shape) < weight.ndim:
        weight = weight[..., 0]
    if weight.shape != shape[: weight.ndim]:
        raise ValueError(
            f"sample_weight has shape {weight.shape} but the labels have shape {shape}; give "
            f"one weight per sample"
        )
    if (weight < 0).any():
        raise ValueError(f"sample_weight contains {float(weight.min())!r}; weights must be >= 0")
    weight = weight.reshape(weight.shape + (1,) * (len(shape) - weight.ndim))
    flat = np.broadcast_to(weight, shape).ravel()
    if flat.sum() <= 0:
        raise ValueError("sample_weight sums to 0; give at least one positive weight")
    return flat


def weight_of(mask: np.ndarray, weight: np.ndarray | None) -> float:
    return float(mask.sum() if weight is None else weight[mask].sum())
