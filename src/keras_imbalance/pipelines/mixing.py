"""The mixup formula, in NumPy alone (no Keras): :func:`mix_batch`.

Zhang et al. (2018), "mixup: Beyond Empirical Risk Minimization".
"""

from __future__ import annotations

import numpy as np


def mix_batch(
    x: np.ndarray,
    y: np.ndarray,
    num_classes: int,
    *,
    lam: float,
    partners: np.ndarray,
    class_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, ...]:
    """One mixup batch: each sample mixed with its partner in the same batch.

    ``x' = lam * x + (1 - lam) * x[partners]``, ``y' = lam * e_y + (1 - lam) * e_{y[partners]}``
    (one-hot rows ``e``), and with ``class_weight`` the sample weights
    ``lam * w[y] + (1 - lam) * w[y[partners]]``; all ``float32``. Every mixup in the package
    (:class:`~keras_imbalance.pipelines.mixup.MixupBatches`, its image-file and stream forms
    in ``compare``) mixes through this
    function; they differ only in how they draw ``lam ~ Beta(alpha, alpha)`` and ``partners``.

    Args:
        x: the batch's inputs, ``(B, ...)``.
        y: its class indices, ``(B,)``.
        num_classes: the width of the one-hot targets.
        lam: the mixing weight in ``[0, 1]``.
        partners: a permutation of ``range(B)``: sample ``k`` is mixed with ``partners[k]``.
        class_weight: ``None`` or one weight per class.

    Returns:
        ``(x', y')``, or ``(x', y', sample_weight)`` with ``class_weight``.

    Example:
        >>> x, y = mix_batch(np.array([[0.0], [10.0]]), np.array([0, 1]), 2, lam=0.75,
        ...                  partners=np.array([1, 0]))
        >>> x.ravel().tolist(), y.tolist()
        ([2.5, 7.5], [[0.75, 0.25], [0.25, 0.75]])
    """
    eye = np.eye(num_classes, dtype="float32")
    mixed_x = (lam * x + (1.0 - lam) * x[partners]).astype("float32")
    mixed_y = (lam * eye[y] + (1.0 - lam) * eye[y[partners]]).astype("float32")
    if class_weight is None:
        return mixed_x, mixed_y
    weight = lam * class_weight[y] + (1.0 - lam) * class_weight[y[partners]]
    return mixed_x, mixed_y, weight.astype("float32")
