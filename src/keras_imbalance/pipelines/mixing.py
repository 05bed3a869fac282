"""The mixup and CutMix formulas, in NumPy alone (no Keras): :func:`mix_batch`, :func:`cut_batch`.

Zhang et al. (2018), "mixup: Beyond Empirical Risk Minimization"; Yun et al. (ICCV 2019), "CutMix:
Regularization Strategy to Train Strong Classifiers with Localizable Features".
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


def cut_box(height: int, width: int, lam: float, centre: tuple[int, int]) -> tuple[int, ...]:
    """The CutMix box ``(top, bottom, left, right)`` (Yun et al. 2019, Algorithm A1).

    Its sides are ``int(height * sqrt(1 - lam))`` and ``int(width * sqrt(1 - lam))``, centred
    on ``centre = (row, column)``, each end clipped to the image: rows ``top:bottom`` and
    columns ``left:right``. Clipping shrinks the box; :func:`cut_batch` mixes the targets by the
    area that is left.

    Example:
        >>> cut_box(8, 8, 0.75, (4, 4)), cut_box(8, 8, 0.75, (0, 7))
        ((2, 6, 2, 6), (0, 2, 5, 8))
    """
    ratio = np.sqrt(1.0 - lam)
    cut_h, cut_w = int(height * ratio), int(width * ratio)
    row, column = centre
    top, bottom = np.clip([row - cut_h // 2, row + cut_h // 2], 0, height)
    left, right = np.clip([column - cut_w // 2, column + cut_w // 2], 0, width)
    return int(top), int(bottom), int(left), int(right)


def cut_batch(
    x: np.ndarray,
    y: np.ndarray,
    num_classes: int,
    *,
    lam: float,
    partners: np.ndarray,
    centre: tuple[float, float],
    class_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, ...]:
    """One CutMix batch (Yun et al., ICCV 2019): each image gets a box of its partner's pixels.

    The box is :func:`cut_box` at ``centre`` given as fractions of the height and width in
    ``[0, 1)`` (row ``int(centre[0] * H)``, column ``int(centre[1] * W)``). With the box's exact
    share ``a`` of the image, clipped, the targets and weights mix by ``lam' = 1 - a``:
    ``y' = lam' * e_y + (1 - lam') * e_{y[partners]}`` and, with ``class_weight``,
    ``lam' * w[y] + (1 - lam') * w[y[partners]]``; all ``float32``.

    Args:
        x: the batch's images, ``(B, H, W, C)``.
        y: its class indices, ``(B,)``.
        num_classes: the width of the one-hot targets.
        lam: the drawn ``lam ~ Beta(alpha, alpha)`` in ``[0, 1]``, before clipping.
        partners: a permutation of ``range(B)``: image ``k`` gets a box of ``partners[k]``.
        centre: the box's centre, as fractions in ``[0, 1)`` of the height and width.
        class_weight: ``None`` or one weight per class.

    Returns:
        ``(x', y')``, or ``(x', y', sample_weight)`` with ``class_weight``.

    Example:
        >>> x = np.stack([np.zeros((4, 4, 1)), np.ones((4, 4, 1))])
        >>> cut, y = cut_batch(x, np.array([0, 1]), 2, lam=0.75, partners=np.array([1, 0]),
        ...                    centre=(0.5, 0.5))
        >>> cut[0, :, :, 0].astype(int).tolist()
        [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
        >>> y.tolist()
        [[0.75, 0.25], [0.25, 0.75]]
    """
    if np.ndim(x) != 4:
        raise ValueError(
            f"CutMix needs images: x must have shape (batch, height, width, channels), got "
            f"shape {np.shape(x)}; use mixup for other data"
        )
    height, width = x.shape[1], x.shape[2]
    row = min(int(centre[0] * height), height - 1)
    column = min(int(centre[1] * width), width - 1)
    top, bottom, left, right = cut_box(height, width, lam, (row, column))
    cut_x = np.array(x, dtype="float32")
    cut_x[:, top:bottom, left:right] = x[partners, top:bottom, left:right]
    kept = 1.0 - (bottom - top) * (right - left) / (height * width)
    eye = np.eye(num_classes, dtype="float32")
    cut_y = (kept * eye[y] + (1.0 - kept) * eye[y[partners]]).astype("float32")
    if class_weight is None:
        return cut_x, cut_y
    weight = kept * class_weight[y] + (1.0 - kept) * class_weight[y[partners]]
    return cut_x, cut_y, weight.astype("float32")
