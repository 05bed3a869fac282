"""Mixup batches with per-class weights: :class:`MixupBatches`.

Mixup (Zhang et al., "mixup: Beyond Empirical Risk Minimization", ICLR 2018) trains on convex
combinations of pairs of samples and of their one-hot labels:

    x = lam * x_i + (1 - lam) * x_j,   y = lam * e_{y_i} + (1 - lam) * e_{y_j},
    lam ~ Beta(alpha, alpha), one draw per batch, j a permutation of the batch.

CutMix (Yun et al., ICCV 2019) pastes a box of the partner image instead, of area about
``1 - lam``, and mixes the labels by the box's exact share (``mode="cutmix"``, images only;
:func:`~keras_imbalance.pipelines.mixing.cut_batch`). Either regularises the representation;
on long-tailed data it is paired with deferred re-weighting (the classifier re-balanced late in
training; Cao et al. 2019, Zhong et al. 2021 "Improving calibration for long-tailed
recognition"). With class weights ``w`` each mixed sample gets the weight
``lam * w[y_i] + (1 - lam) * w[y_j]`` (CutMix: by the box's share in place of ``lam``), so
that the loss is the mixed weighted loss; :meth:`MixupBatches.set_class_weight` changes the
weights between epochs.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

from keras_imbalance._validation import check_number, short_repr
from keras_imbalance.labels import decode_labels
from keras_imbalance.pipelines.mixing import cut_batch, mix_batch

MIX_MODES: tuple[str, ...] = ("mixup", "cutmix")


class MixupBatches(keras.utils.PyDataset):  # type: ignore[misc]
    """A ``keras.utils.PyDataset`` of mixup batches ``(x, soft one-hot y[, sample_weight])``.

    Each epoch shuffles the samples; batch ``b`` mixes its samples with a permutation of
    themselves by one ``lam ~ Beta(alpha, alpha)``. The epoch has ``ceil(N / batch_size)``
    batches. Train with a categorical loss on the soft targets, e.g.
    ``keras.losses.CategoricalCrossentropy(from_logits=True)``.

    Args:
        x: the inputs, an array of any rank.
        y: one class per sample: indices or one-hot rows.
        batch_size: samples per batch.
        alpha: the Beta distribution's parameter, ``> 0``; small values mix little.
        class_weight: ``None`` or one weight per class; batches then carry sample weights, and
            :meth:`set_class_weight` may change the weights between epochs (start from uniform
            weights to re-weight later: a dataset keeps the structure of its first batch).
        seed: seed of the shuffles and of the draws of ``lam``.
        mode: ``"mixup"`` (the default) or ``"cutmix"``: paste a box of the partner's pixels
            (images ``(N, H, W, C)`` only), its centre drawn uniformly per batch.
        **kwargs: ``workers``, ``use_multiprocessing``, ``max_queue_size`` for ``PyDataset``.

    Example:
        >>> batches = MixupBatches(np.eye(4), [0, 0, 1, 1], batch_size=4, alpha=0.4, seed=0)
        >>> x, y = batches[0]
        >>> x.shape, y.shape, bool(np.allclose(y.sum(axis=1), 1.0))
        ((4, 4), (4, 2), True)
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        *,
        batch_size: int = 32,
        alpha: float = 0.2,
        class_weight: Any = None,
        seed: int = 0,
        mode: str = "mixup",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.x = np.asarray(x)
        if mode not in MIX_MODES:
            raise ValueError(f"mode={short_repr(mode)} is not supported; use 'mixup' or 'cutmix'")
        if mode == "cutmix" and self.x.ndim != 4:
            raise ValueError(
                f"mode='cutmix' needs images: x must have shape (N, height, width, channels), "
                f"got shape {self.x.shape}; use mode='mixup' for other data"
            )
        self.mode = mode
        labels = decode_labels(y, name="y")
        if labels.indices is None or labels.indices.ndim != 1:
            raise ValueError(
                f"y must hold one class per sample (indices or one-hot rows), got "
                f"{labels.label_mode} labels of shape {np.shape(y)}"
            )
        if len(labels.indices) != len(self.x):
            raise ValueError(
                f"x has {len(self.x)} samples but y has {len(labels.indices)}; give one label "
                f"per sample"
            )
        self.y = labels.indices
        self.num_classes = len(labels.classes)
        self.batch_size = int(check_number("batch_size", batch_size, low=1, integer=True))
        self.alpha = check_number("alpha", alpha, low=0, low_inclusive=False)
        self.seed = int(check_number("seed", seed, low=0, integer=True))
        self.class_weight: np.ndarray | None = None
        if class_weight is not None:
            self.set_class_weight(class_weight)
        self._epoch = 0
        self._draw()

    def set_class_weight(self, class_weight: Any) -> None:
        """Use these per-class weights from the next batch drawn on."""
        weights = np.asarray(
            [class_weight[c] for c in range(self.num_classes)]
            if isinstance(class_weight, dict)
            else class_weight,
            dtype="float64",
        )
        if (
            weights.shape != (self.num_classes,)
            or not np.isfinite(weights).all()
            or (weights < 0).any()
        ):
            raise ValueError(
                f"class_weight={short_repr(class_weight)} must give one finite weight >= 0 for "
                f"each of the {self.num_classes} classes"
            )
        self.class_weight = weights

    def _draw(self) -> None:
        rng = np.random.default_rng([self.seed, self._epoch])
        self._order = rng.permutation(len(self.y))
        batches = len(self)
        self._lams = rng.beta(self.alpha, self.alpha, size=batches)
        self._partners = [
            rng.permutation(min(self.batch_size, len(self.y) - b * self.batch_size))
            for b in range(batches)
        ]
        # Drawn after the others, so that mixup's draws are the same with either mode.
        self._centres = rng.random((batches, 2)) if self.mode == "cutmix" else None

    def __len__(self) -> int:
        return math.ceil(len(self.y) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, ...]:
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} is out of range for {len(self)} batches")
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        if self._centres is not None:
            return cut_batch(
                self.x[rows],
                self.y[rows],
                self.num_classes,
                lam=float(self._lams[index]),
                partners=self._partners[index],
                centre=(float(self._centres[index, 0]), float(self._centres[index, 1])),
                class_weight=self.class_weight,
            )
        return mix_batch(
            self.x[rows],
            self.y[rows],
            self.num_classes,
            lam=float(self._lams[index]),
            partners=self._partners[index],
            class_weight=self.class_weight,
        )

    def on_epoch_end(self) -> None:
        self._epoch += 1
        self._draw()


class DeferredMixupWeights(keras.callbacks.Callback):  # type: ignore[misc]
    """Deferred re-weighting for :class:`MixupBatches`: set ``class_weight`` from an epoch on.

    Example:
        >>> batches = MixupBatches(np.eye(4), [0, 0, 1, 1], batch_size=2, class_weight=[1, 1])
        >>> callback = DeferredMixupWeights(batches, [1.0, 3.0], start_epoch=1)
        >>> callback.on_epoch_begin(0); batches.class_weight.tolist()
        [1.0, 1.0]
        >>> callback.on_epoch_begin(1); batches.class_weight.tolist()
        [1.0, 3.0]
        >>> resumed = MixupBatches(np.eye(4), [0, 0, 1, 1], batch_size=2, class_weight=[1, 1])
        >>> DeferredMixupWeights(resumed, [1.0, 3.0], start_epoch=1).on_epoch_begin(5)
        >>> resumed.class_weight.tolist()
        [1.0, 3.0]
    """

    def __init__(self, batches: MixupBatches, class_weight: Any, start_epoch: int) -> None:
        super().__init__()
        self.batches = batches
        self.late = class_weight
        self.start_epoch = int(check_number("start_epoch", start_epoch, low=0, integer=True))

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        # ``>=``, not ``==``: a fit resumed past ``start_epoch`` (``initial_epoch``) re-weights too.
        if epoch >= self.start_epoch:
            self.batches.set_class_weight(self.late)
