"""A trained run's second stage: the classifier re-trained alone (weight balancing, stage 2).

Alshammari et al. (2022, "Long-tailed recognition via weight balancing") train in two stages:
cross-entropy with a tuned weight decay, then the classifier alone, every other layer frozen,
with a class-balanced loss, weight decay and a MaxNorm cap on each class vector. A remedy asks
for the second stage with ``Setup.classifier_stage``
(:class:`~keras_imbalance.remedies.base.ClassifierStage`), and
:func:`~keras_imbalance.comparison.run.training.fit_run` runs it on the same model right after the
epochs, so a cross-validated, refit or journaled run of the remedy is one run like any other.

* :func:`frozen_but_classifier`: every layer frozen but the classifier
  (:func:`~keras_imbalance.comparison.run.heads.classifier_layer`), and ``MaxNorm`` on its kernel;
  both put back as they were afterwards.
* :func:`max_norm_columns`: what ``keras.constraints.MaxNorm(max_value, axis=0)`` does to a
  ``Dense`` kernel, in NumPy: each class vector (column) longer than ``max_value`` is scaled
  down to it.
* :func:`last_epoch_only`: the per-epoch validation record of a two-stage run. Only the model
  after the second stage is the remedy's, so only the last epoch is scored: the earlier epochs
  read as diverged (``-1``), and cross-validation keeps all the epochs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

from keras_imbalance.comparison.run.heads import classifier_layer
from keras_imbalance.comparison.run.logits import class_nll
from keras_imbalance.remedies.base import ClassifierStage, Setup


def max_norm_columns(kernel: np.ndarray, max_value: float) -> np.ndarray:
    """``kernel`` with every column's L2 norm capped at ``max_value`` (``MaxNorm(axis=0)``).

    ``w_c <- w_c * min(1, max_value / ||w_c||)``, the projection of each class vector onto the
    ball of radius ``max_value`` (Keras adds ``1e-7`` to the norm).

    Example:
        >>> max_norm_columns(np.array([[3.0, 0.1], [4.0, 0.0]]), 1.0).round(3).tolist()
        [[0.6, 0.1], [0.8, 0.0]]
    """
    kernel = np.asarray(kernel, dtype="float64")
    norms = np.sqrt(np.sum(kernel**2, axis=0, keepdims=True))
    return kernel * np.clip(norms, 0.0, max_value) / (1e-7 + norms)


def _path_to(model: Any, target: Any) -> list[Any] | None:
    """The nested models from ``model`` down to ``target``'s parent, or ``None``."""
    import keras

    for layer in model.layers:
        if layer is target:
            return [model]
        if isinstance(layer, keras.Model):
            below = _path_to(layer, target)
            if below is not None:
                return [model, *below]
    return None


@contextmanager
def frozen_but_classifier(network: Any, max_norm: float | None) -> Iterator[Any]:
    """Inside the block, only ``network``'s classifier trains, its kernel capped by MaxNorm.

    The trainable flags and the kernel's constraint are put back on exit.
    """
    import keras

    classifier = classifier_layer(network)
    path = _path_to(network, classifier) or [network]
    # Every layer beside the way down to the classifier: the nested models on it stay trainable.
    siblings = [
        layer
        for model in path
        for layer in model.layers
        if layer is not classifier and not any(layer is outer for outer in path)
    ]
    flags = [(layer, layer.trainable) for layer in siblings]
    kernel = classifier.kernel
    constraint = kernel.constraint
    try:
        for layer in siblings:
            layer.trainable = False
        if max_norm is not None:
            kernel.constraint = keras.constraints.MaxNorm(max_value=float(max_norm), axis=0)
        yield classifier
    finally:
        kernel.constraint = constraint
        for layer, flag in flags:
            layer.trainable = flag


def stage_setup(stage: ClassifierStage) -> Setup:
    """The second stage's setup: cross-entropy on logits, ``fit(class_weight=...)``."""
    import keras

    weights = {c: float(w) for c, w in enumerate(stage.class_weight)}
    return Setup(
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        fit_kwargs={"class_weight": weights},
        weight_decay=stage.weight_decay,
    )


def run_classifier_stage(
    network: Any,
    stage: ClassifierStage,
    optimizer: Any,
    *,
    compile_options: Mapping[str, Any],
    train: Callable[[Setup], Any],
) -> None:
    """Re-train ``network``'s classifier alone: compiled with ``optimizer`` (the stage's rate
    schedule and decay) and the stage's loss, then ``train(setup)`` fits it for the stage's
    epochs (the run's batches, with the stage's class weights); its last epoch is kept."""
    setup = stage_setup(stage)
    with frozen_but_classifier(network, stage.max_norm):
        network.compile(optimizer=optimizer, loss=setup.loss, **compile_options)
        train(setup)


def last_epoch_only(output: Any, y_val: np.ndarray, num_classes: int) -> None:
    """Rewrite a two-stage run's per-epoch record (``output``, a
    :class:`~keras_imbalance.comparison.run.training.RunOutput`): the final model's predictions and
    per-class log loss as the last epoch, the earlier epochs unscored (``-1`` and ``nan``).

    Example:
        >>> from types import SimpleNamespace
        >>> output = SimpleNamespace(epoch_predictions=np.zeros((2, 2), int),
        ...                          epoch_nll=np.zeros((2, 2)),
        ...                          val_logits=np.array([[0.0, 1.0], [2.0, 0.0]]))
        >>> last_epoch_only(output, np.array([1, 0]), 2)
        >>> output.epoch_predictions.tolist(), bool(np.isnan(output.epoch_nll[0]).all())
        ([[-1, -1], [1, 0]], True)
    """
    predicted, nll, logits = output.epoch_predictions, output.epoch_nll, output.val_logits
    if predicted is None or nll is None or not len(predicted):
        return
    finite = bool(np.isfinite(logits).all())
    kept = np.full_like(predicted, -1)
    kept[-1] = logits.argmax(axis=-1) if finite else -1
    losses = np.full(nll.shape, np.nan, dtype="float64")
    losses[-1] = class_nll(y_val, logits, num_classes)
    output.epoch_predictions, output.epoch_nll = kept, losses
    if getattr(output, "epoch_scores", None) is not None:  # a binary run's, earlier unscored
        scores = np.full(output.epoch_scores.shape, np.nan, dtype="float32")
        with np.errstate(over="ignore", invalid="ignore"):
            scores[-1] = 1.0 / (1.0 + np.exp(logits[:, 0] - logits[:, 1]))
        output.epoch_scores = scores
