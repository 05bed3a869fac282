"""One training run of a multi-label comparison: a remedy's loss, a seed, the shared recipe.

The network is built with one logit per label from the seed (the same initial weights for every
remedy), trained with Adam (or the user's optimizer) and the recipe's schedule over
``epochs * ceil(n / batch_size)`` steps, exactly like the single-label runs
(:mod:`~keras_imbalance.comparison.run.training`). After every epoch the validation split is scored
by macro average precision; with ``keep="best"`` the weights of the best epoch are kept (ties:
the earlier epoch).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from keras_imbalance.comparison.multilabel.metrics import label_table
from keras_imbalance.comparison.run.logits import predict_logits
from keras_imbalance.comparison.run.training import Recipe
from keras_imbalance.comparison.run.weight_decay import make_optimizer

__all__ = ["MultiLabelData", "MultiLabelRun", "fit_multilabel_run", "sigmoid"]


@dataclass(frozen=True)
class MultiLabelData:
    """The three splits: inputs and multi-hot ``(n, L)`` labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def num_labels(self) -> int:
        return int(self.y_train.shape[1])


@dataclass
class MultiLabelRun:
    """What one run leaves: validation and test probabilities, the epoch kept, its curve."""

    val_scores: np.ndarray
    test_scores: np.ndarray
    best_epoch: int
    val_curve: list[float] = field(default_factory=list)
    seconds: float = 0.0
    # With ``record_epochs``: the validation probabilities after every epoch, ``(E, n, L)``
    # float32 (what cross-validation pools into out-of-fold scores).
    val_epochs: np.ndarray | None = None
    network: Any = field(default=None, repr=False)  # the trained Keras model


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))``, without overflow.

    Example:
        >>> sigmoid(np.array([0.0, 1e4, -1e4])).tolist()
        [0.5, 1.0, 0.0]
    """
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(logits, dtype=np.float64)))


def _macro_ap(y: np.ndarray, scores: np.ndarray) -> float:
    if not np.isfinite(scores).all():
        return math.nan
    return float(label_table(y, scores, np.full(y.shape[1], 0.5))["average_precision"].mean())


def _predict(network: Any, x: np.ndarray, num_labels: int) -> np.ndarray:
    """The probabilities of ``x`` (none for an empty ``x``)."""
    if len(x) == 0:
        return np.empty((0, num_labels))
    return sigmoid(predict_logits(network, x))


def _best_epoch_callback(
    x_val: np.ndarray, y_val: np.ndarray, keep: str, record_epochs: bool = False
) -> Any:
    import keras

    class BestMacroAveragePrecision(keras.callbacks.Callback):  # type: ignore[misc]
        """Scores validation after each epoch; keeps the best epoch's weights."""

        def __init__(self) -> None:
            super().__init__()
            self.scores: list[float] = []
            self.best_epoch = 0
            self.best_weights: list[np.ndarray] | None = None
            self.epochs: list[np.ndarray] = []

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if len(x_val) == 0:  # nothing to validate on: the last epoch is kept
                self.scores.append(math.nan)
                return
            probabilities = sigmoid(predict_logits(self.model, x_val))
            if record_epochs:
                self.epochs.append(probabilities.astype(np.float32))
            value = _macro_ap(y_val, probabilities)
            self.scores.append(value)
            best = max((s for s in self.scores[:-1] if not math.isnan(s)), default=-math.inf)
            if keep == "best" and not math.isnan(value) and value > best:
                self.best_epoch, self.best_weights = epoch + 1, self.model.get_weights()

        def on_train_end(self, logs: Any = None) -> None:
            if keep == "last" or self.best_weights is None:
                self.best_epoch = len(self.scores)
            else:
                self.model.set_weights(self.best_weights)

    return BestMacroAveragePrecision()


def fit_multilabel_run(
    build: Any,
    loss: Any,
    *,
    data: MultiLabelData,
    recipe: Recipe,
    seed: int,
    record_epochs: bool = False,
    initial: list[np.ndarray] | None = None,
) -> MultiLabelRun:
    """Build ``build(input_shape, L)`` from ``seed``, train it with ``loss``, score it.

    With ``record_epochs`` the validation probabilities after every epoch are kept
    (:attr:`MultiLabelRun.val_epochs`). An empty validation split scores nothing, and the last
    epoch is kept. ``recipe`` gives the epochs, batch size, rate, schedule, epoch kept, weight
    decay and the user's ``compile``/``fit`` keywords (its ``metric`` and ``tail`` are not used
    here). ``initial``: the weights to start from (the seed's, sent by a coordinator to the
    process that trains); ``None``: the network as ``build`` made it after seeding.
    """
    import keras

    started = time.perf_counter()
    keras.utils.set_random_seed(seed)
    network = build(tuple(int(d) for d in data.x_train.shape[1:]), data.num_labels)
    if initial is not None:
        network.set_weights(initial)
    steps = math.ceil(len(data.x_train) / recipe.batch_size)
    given = recipe.compile_kwargs.get("optimizer")
    optimizer = make_optimizer(
        recipe.learning_rate, recipe.schedule, recipe.epochs * steps, given, recipe.weight_decay
    )
    options = {k: v for k, v in recipe.compile_kwargs.items() if k != "optimizer"}
    network.compile(optimizer=optimizer, loss=loss, **options)
    best = _best_epoch_callback(data.x_val, data.y_val, recipe.keep, record_epochs)
    fit_options = dict(recipe.fit_kwargs)
    callbacks = [best, *fit_options.pop("callbacks", [])]
    keras.utils.set_random_seed(seed)
    network.fit(
        data.x_train,
        data.y_train.astype("float32"),
        batch_size=recipe.batch_size,
        epochs=recipe.epochs,
        shuffle=True,
        callbacks=callbacks,
        **{"verbose": 0, **fit_options},
    )
    return MultiLabelRun(
        val_scores=_predict(network, data.x_val, data.num_labels),
        test_scores=_predict(network, data.x_test, data.num_labels),
        best_epoch=int(best.best_epoch),
        val_curve=[float(s) for s in best.scores],
        seconds=round(time.perf_counter() - started, 3),
        val_epochs=np.stack(best.epochs) if best.epochs else None,
        network=network,
    )
