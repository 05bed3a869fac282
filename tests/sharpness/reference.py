"""A NumPy reference of one SAM/ImbSAM step of a linear softmax model, in closed form."""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def weighted_loss(
    kernel: np.ndarray, bias: np.ndarray, x: np.ndarray, y: np.ndarray, weight: np.ndarray
) -> float:
    """``(1/N) sum_i w_i CE(softmax(x_i W + b), y_i)``: Keras's sum_over_batch_size."""
    probs = softmax(x @ kernel + bias)
    return float(np.sum(-weight * np.log(probs[np.arange(len(y)), y])) / len(y))


def weighted_gradient(
    kernel: np.ndarray, bias: np.ndarray, x: np.ndarray, y: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The gradient of :func:`weighted_loss`: ``dL/dz_i = w_i (softmax(z_i) - onehot_i) / N``."""
    probs = softmax(x @ kernel + bias)
    delta = probs - np.eye(kernel.shape[1])[y]
    delta *= weight[:, None] / len(y)
    return x.T @ delta, delta.sum(axis=0)


def imbsam_update(
    kernel: np.ndarray,
    bias: np.ndarray,
    batch: tuple[np.ndarray, np.ndarray, np.ndarray],
    tail: np.ndarray,
    rho: float,
    learning_rate: float,
) -> tuple[np.ndarray, np.ndarray]:
    """One SGD step on ``grad L_H(w) + grad L_T(w + eps)``, ``eps = rho g_T / ||g_T||``."""
    x, y, weight = batch
    mask = np.isin(y, tail).astype("float64")
    head_k, head_b = weighted_gradient(kernel, bias, x, y, weight * (1 - mask))
    tail_k, tail_b = weighted_gradient(kernel, bias, x, y, weight * mask)
    norm = np.sqrt(np.sum(tail_k**2) + np.sum(tail_b**2)) + 1e-12
    eps_k, eps_b = rho * tail_k / norm, rho * tail_b / norm
    shift_k, shift_b = weighted_gradient(kernel + eps_k, bias + eps_b, x, y, weight * mask)
    return (
        kernel - learning_rate * (head_k + shift_k),
        bias - learning_rate * (head_b + shift_b),
    )
