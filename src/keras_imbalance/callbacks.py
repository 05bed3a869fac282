"""Training callbacks: :class:`DeferredReweighting`.

The callback drives any loss that follows the re-weighting protocol of
:mod:`keras_imbalance.losses`:

* ``loss.num_classes``: the number of classes;
* ``loss.class_weight``: the current weights (a NumPy array);
* ``loss.set_class_weight(class_weight)``: validate and assign new weights to a non-trainable
  ``keras.Variable`` that the compiled step reads.

``WeightedCategoricalCrossentropy``, ``WeightedSparseCategoricalCrossentropy`` and ``LDAMLoss``
follow it; a custom loss can too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np

from keras_imbalance._validation import check_number, positional_deprecated, short_repr
from keras_imbalance.weighting import check_class_weight

__all__ = ["DeferredReweighting", "reweightable_losses"]


def _follows_protocol(loss: Any) -> bool:
    return callable(getattr(loss, "set_class_weight", None)) and hasattr(loss, "num_classes")


def reweightable_losses(loss: Any) -> list[Any]:
    """The losses in ``loss`` (a loss, or a dict/list of losses per output) following the protocol.

    Example:
        >>> from keras_imbalance.losses import WeightedSparseCategoricalCrossentropy
        >>> weighted = WeightedSparseCategoricalCrossentropy([1.0, 1.0])
        >>> reweightable_losses({"a": weighted, "b": "mse"}) == [weighted]
        True
    """
    if _follows_protocol(loss):
        return [loss]
    if isinstance(loss, Mapping):
        items: Sequence[Any] = list(loss.values())
    elif isinstance(loss, list | tuple):
        items = loss
    else:
        return []
    found: list[Any] = []
    for item in items:
        found.extend(reweightable_losses(item))
    return found


def _retraces_to_read_variables(model: keras.Model) -> bool:
    """Whether the compiled step bakes in the value of variables the model does not own.

    A jitted JAX step reads such a variable as a constant when it is traced; ``torch.compile``
    may too. TensorFlow's ``tf.function`` reads it by reference.
    """
    backend = keras.backend.backend()
    if backend == "jax":
        return True
    return backend == "torch" and bool(getattr(model, "jit_compile", False))


@keras.saving.register_keras_serializable(package="keras_imbalance")
class DeferredReweighting(keras.callbacks.Callback):
    """Deferred re-weighting (DRW): uniform weights first, ``class_weight`` from ``start_epoch`` on.

    Cao et al., "Learning Imbalanced Datasets with Label-Distribution-Aware Margin Loss",
    NeurIPS 2019, Sec. 3.3: learn features with the plain loss, then re-weight so the classifier
    fits the balanced objective (the paper uses ``class_weights(counts, "effective_number",
    beta=0.9999)`` from epoch 160 of 200, with :class:`keras_imbalance.losses.LDAMLoss`).

    Epochs count from 0, as ``on_epoch_begin`` does: with ``start_epoch=2`` epochs 0 and 1 use
    weights of 1 and epoch 2 onwards ``class_weight``. The weights change inside the loss (see the
    protocol in this module's docstring), so the training loss of the switch epoch is reported
    with the new weights. On the JAX backend, and on PyTorch with ``jit_compile=True``, the
    callback rebuilds the train and test functions when it changes the weights (one retrace per
    switch), because those steps read the weights only when traced.

    Args:
        class_weight: the weights from ``start_epoch`` on: a dict, list or ``ClassWeights``.
        start_epoch: the first (0-based) epoch trained with ``class_weight``; keyword-only
            (``DeferredReweighting(w, 3)`` still works for one release, with a
            ``DeprecationWarning``).
        loss: the loss (or dict/list of losses) to drive; ``None`` uses ``model.loss``. Every loss
            found that follows the protocol is driven.

    Example:
        >>> import keras
        >>> from keras_imbalance.losses import WeightedSparseCategoricalCrossentropy
        >>> loss = WeightedSparseCategoricalCrossentropy([1.0, 1.0], from_logits=True)
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
        >>> model.compile(optimizer="sgd", loss=loss)
        >>> drw = DeferredReweighting({0: 1.0, 1: 4.0}, start_epoch=1)
        >>> _ = model.fit(np.zeros((4, 2)), np.array([0, 0, 0, 1]), epochs=2, verbose=0,
        ...               callbacks=[drw])
        >>> loss.class_weight.tolist()
        [1.0, 4.0]
    """

    @positional_deprecated(2)
    def __init__(self, class_weight: Any, *, start_epoch: int, loss: Any = None) -> None:
        super().__init__()
        if isinstance(class_weight, str | bytes) or not isinstance(
            class_weight, Mapping | Sequence | np.ndarray
        ):
            raise TypeError(
                f"class_weight must be a dict {{class index: weight}}, a list of weights or a "
                f"ClassWeights, got {short_repr(class_weight)}"
            )
        checked = check_class_weight(class_weight, len(class_weight))
        self.class_weight = [checked[i] for i in range(len(checked))]
        self.start_epoch = int(check_number("start_epoch", start_epoch, low=0, integer=True))
        self.loss = loss
        self._losses: list[Any] = []
        self._reweighted: bool | None = None
        if loss is not None:
            self._losses = self._check_losses(loss, "loss")

    def _check_losses(self, loss: Any, where: str) -> list[Any]:
        losses = reweightable_losses(loss)
        if not losses:
            raise ValueError(
                f"DeferredReweighting found no loss with set_class_weight in {where} "
                f"({short_repr(loss)}); compile with a loss that takes class_weight, e.g. "
                f"WeightedSparseCategoricalCrossentropy or LDAMLoss, or pass loss="
            )
        for found in losses:
            if int(found.num_classes) != len(self.class_weight):
                raise ValueError(
                    f"class_weight has {len(self.class_weight)} weights but the loss "
                    f"{getattr(found, 'name', found)!r} has {found.num_classes} classes; give one "
                    f"weight per class"
                )
        return losses

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        if self.loss is None:
            self._losses = self._check_losses(getattr(self.model, "loss", None), "model.loss")
        self._reweighted = None

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        reweighted = epoch >= self.start_epoch
        if reweighted == self._reweighted:
            return
        weights = self.class_weight if reweighted else [1.0] * len(self.class_weight)
        for loss in self._losses:
            loss.set_class_weight(weights)
        self._rebuild_functions()
        self._reweighted = reweighted

    def _rebuild_functions(self) -> None:
        # Rebuilding only wraps the step again; it is traced at its next call, as in a first fit.
        if not _retraces_to_read_variables(self.model):
            return
        self.model.make_train_function(force=True)
        if getattr(self.model, "test_function", None) is not None:
            self.model.make_test_function(force=True)

    def get_config(self) -> dict[str, Any]:
        return {
            "class_weight": list(self.class_weight),
            "start_epoch": self.start_epoch,
            "loss": None if self.loss is None else keras.saving.serialize_keras_object(self.loss),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> DeferredReweighting:
        config = dict(config)
        if config.get("loss") is not None:
            config["loss"] = keras.saving.deserialize_keras_object(config["loss"])
        return cls(**config)
