"""One training run of :func:`~keras_imbalance.comparison.compare`, the way long-tail papers train.

* **Cosine learning rate** (``schedule="cosine"``, the default): Adam's rate decays from
  ``learning_rate`` to 0 over all the run's gradient steps, ``lr_t = lr / 2 * (1 + cos(pi t /
  T))`` (Loshchilov & Hutter 2017, as in Cao et al. 2019 and Menon et al. 2021).
  ``schedule="constant"`` keeps it fixed.
* **Adam**, or the user's optimizer (``compile_kwargs={"optimizer": ...}``: a name, a config
  or an instance, cloned for every run), with the schedule set as its learning rate and the
  run's weight decay (:mod:`~keras_imbalance.comparison.run.weight_decay`). Other
  ``compile_kwargs`` (``jit_compile``, ``steps_per_execution``, ...) and ``fit_kwargs``
  (``callbacks``, ``verbose``, ...) go to ``Model.compile`` and ``Model.fit`` as given; the loss,
  the metrics, the data, the epochs and the weights are compare's own.
* **Best validation epoch** (``keep="best"``, the default): after every epoch the model is scored
  on the validation split, and the weights of the epoch with the best validation metric are kept
  (ties go to the earlier epoch). ``keep="last"`` keeps the last epoch's weights.
* **No validation data** (``x_val=None``, the refit on all the data): the last epoch is kept.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from keras_imbalance.comparison.data.images import ImageFiles, file_batches, mixup_batches
from keras_imbalance.comparison.data.streams import Stream
from keras_imbalance.comparison.run.classifier_stage import last_epoch_only, run_classifier_stage
from keras_imbalance.comparison.run.epoch_score import epoch_positive, improves, score_epoch
from keras_imbalance.comparison.run.even_batches import batch_shards, even_batches
from keras_imbalance.comparison.run.first_steps import first_steps
from keras_imbalance.comparison.run.logits import predict_logits
from keras_imbalance.comparison.run.run_overhead import array_fit_options
from keras_imbalance.comparison.run.weight_decay import make_optimizer
from keras_imbalance.remedies.sharpness import trained_model

SCHEDULES: tuple[str, ...] = ("cosine", "constant")
KEEP_OPTIONS: tuple[str, ...] = ("best", "last")


@dataclass
class Recipe:
    """The training settings every run of a comparison shares."""

    epochs: int
    batch_size: int
    learning_rate: float
    schedule: str = "cosine"
    keep: str = "best"
    metric: str = "balanced_accuracy"
    tail: Sequence[int] = ()
    compile_kwargs: Mapping[str, Any] = field(default_factory=dict)
    fit_kwargs: Mapping[str, Any] = field(default_factory=dict)
    weight_decay: float = 0.0  # of every run whose params do not tune it: compare's
    # Cross-validation keeps every epoch's validation predictions and per-class log loss, so
    # the epoch can be chosen on the out-of-fold predictions of all the folds together.
    epoch_predictions: bool = False
    costs: list[list[float]] | None = None  # for expected_cost (compare(costs=)), and:
    min_precision: float = 0.9


# compare sets these itself: the same for every strategy, or the strategy's own.
RESERVED_COMPILE = frozenset({"loss", "loss_weights", "metrics", "weighted_metrics"})
RESERVED_FIT = frozenset(
    {
        "x",
        "y",
        "batch_size",
        "epochs",
        "validation_data",
        "validation_split",
        "class_weight",
        "sample_weight",
        "shuffle",
        "steps_per_epoch",
        "initial_epoch",
    }
)


def check_training_kwargs(
    compile_kwargs: Mapping[str, Any] | None, fit_kwargs: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate the user's ``compile``/``fit`` options: every key Keras takes, except compare's.

    Example:
        >>> check_training_kwargs({"jit_compile": False}, None)
        ({'jit_compile': False}, {})
    """
    import inspect

    checked = []
    for name, given, reserved, method in (
        ("compile_kwargs", compile_kwargs, RESERVED_COMPILE, "compile"),
        ("fit_kwargs", fit_kwargs, RESERVED_FIT, "fit"),
    ):
        given = {} if given is None else given
        if not isinstance(given, Mapping):
            raise TypeError(
                f"{name}={given!r} must be a dict of keyword arguments to Model.{method}"
            )
        for key in given:
            if key in reserved:
                raise ValueError(
                    f"{name} sets {key!r}, which compare sets itself (the same for every strategy "
                    f"or the strategy's own); drop it "
                    f"(compare's own: {', '.join(sorted(reserved))})"
                )
        import keras

        accepted = set(inspect.signature(getattr(keras.Model, method)).parameters) - {"self"}
        unknown = sorted(set(given) - accepted)
        if unknown:
            raise ValueError(
                f"{name} has {unknown[0]!r}, which Model.{method} does not take; "
                f"use some of {', '.join(sorted(accepted - reserved))}"
            )
        checked.append(dict(given))
    return checked[0], checked[1]


def _optimizer(recipe: Recipe, decay_steps: int, weight_decay: float | None = None) -> Any:
    """A fresh optimizer per run (:func:`~.weight_decay.make_optimizer`): the recipe's rate and
    schedule, and ``weight_decay`` (``None``: the recipe's)."""
    decay = recipe.weight_decay if weight_decay is None else weight_decay
    given = recipe.compile_kwargs.get("optimizer")
    return make_optimizer(recipe.learning_rate, recipe.schedule, decay_steps, given, decay)


@dataclass
class RunOutput:
    """What one run leaves: validation and test logits, its curves, and the epoch kept."""

    val_logits: np.ndarray
    test_logits: np.ndarray
    best_epoch: int
    history: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    # With ``Recipe.epoch_predictions``, one row per epoch (validation samples, or classes):
    epoch_predictions: np.ndarray | None = None  # predicted classes, -1 where not finite
    epoch_nll: np.ndarray | None = None  # (epochs, C): each class's summed cross-entropy
    epoch_scores: np.ndarray | None = None  # a binary problem's softmax[:, 1], float32


def _best_epoch_callback(x_val: Any, y_val: np.ndarray, recipe: Recipe, num_classes: int) -> Any:
    import keras

    class BestValidationEpoch(keras.callbacks.Callback):  # type: ignore[misc]
        """Scores the validation split after each epoch and keeps the best epoch's weights."""

        def __init__(self) -> None:
            super().__init__()
            self.scores: list[float] = []
            self.predicted: list[np.ndarray] = []
            self.nll: list[np.ndarray] = []
            self.positive: list[np.ndarray] = []
            self.best_epoch = 0
            self.best_weights: list[np.ndarray] | None = None

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            logits = predict_logits(self.model, x_val)
            value, predicted, nll = score_epoch(y_val, logits, recipe, num_classes)
            self.scores.append(value)
            if recipe.epoch_predictions:
                self.predicted.append(predicted)
                self.nll.append(nll)
                self.positive.extend(epoch_positive(logits, num_classes))
            if logs is not None:  # callbacks after this one (TensorBoard) see the score
                logs[f"val_{recipe.metric}"] = value
            if recipe.keep == "best" and improves(self.scores, recipe.metric):  # a cost: lower
                self.best_epoch, self.best_weights = epoch + 1, self.model.get_weights()

        def on_train_end(self, logs: Any = None) -> None:
            if recipe.keep == "last":
                self.best_epoch = len(self.scores)
            elif self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    return BestValidationEpoch()


@dataclass(frozen=True)
class RunData:
    """The splits one run sees: training and validation data, and the test inputs to predict.

    Each ``x`` is an array, :class:`~keras_imbalance.comparison.data.images.ImageFiles` streamed
    from disk, or a :class:`~keras_imbalance.comparison.data.streams.Stream`; the ``y`` are class
    indices. ``x_val`` and ``y_val`` are both ``None`` for a run without validation data (it keeps
    its last epoch).
    """

    x_train: Any
    y_train: np.ndarray
    x_val: Any
    y_val: np.ndarray | None
    x_test: Any
    num_classes: int


_RUN_DATA_FIELDS = frozenset(RunData.__dataclass_fields__)


@dataclass(frozen=True)
class FitPlan:
    """How one run calls ``Model.fit``: what every branch of :func:`fit_run` shares."""

    recipe: Recipe
    seed: int
    epochs: int
    steps_per_epoch: int
    callbacks: list[Any]
    verbose: Any
    fit_options: Mapping[str, Any]


def _run_data(data: RunData | None, arrays: Mapping[str, Any]) -> RunData:
    """``data``, or the same value from the keywords ``x_train=..., num_classes=...``."""
    if data is not None:
        if arrays:
            raise TypeError(
                f"fit_run got data= and also {sorted(arrays)}; give the splits one way: "
                f"data=RunData(...) alone"
            )
        return data
    missing = sorted(_RUN_DATA_FIELDS - set(arrays))
    unknown = sorted(set(arrays) - _RUN_DATA_FIELDS)
    if missing or unknown:
        raise TypeError(
            f"fit_run needs data=RunData(...) or every one of {sorted(_RUN_DATA_FIELDS)}; "
            f"missing {missing}, unknown {unknown}"
        )
    return RunData(**arrays)


def _check_validation(data: RunData) -> RunData:
    """``data`` when its validation split is given whole or left out whole."""
    if (data.x_val is None) != (data.y_val is None):
        given, missing = ("x_val", "y_val") if data.y_val is None else ("y_val", "x_val")
        raise ValueError(
            f"fit_run got {given} without {missing}; give both for a run that keeps its best "
            f"validation epoch, or neither for a run on all its data that keeps its last epoch"
        )
    return data


def fit_run(
    network: Any,
    setup: Any,
    *,
    recipe: Recipe,
    seed: int,
    data: RunData | None = None,
    epochs: int | None = None,
    log_dir: str | None = None,
    **arrays: Any,
) -> RunOutput:
    """Compile ``network`` with ``setup``'s loss, train it, and keep the chosen epoch's weights.

    ``data`` is a :class:`RunData` (or its fields as keywords: ``x_train=..., y_train=...,
    x_val=..., y_val=..., x_test=..., num_classes=...``). Image files are decoded a batch at a
    time (:class:`~keras_imbalance.comparison.data.images.FileBatches` with the class weights as
    sample weights, ``BalancedBatches`` over the file indices, mixup batches), and the
    predictions are made chunk by chunk.

    ``setup`` is a :class:`~keras_imbalance.comparison.strategies.Setup`. Every run takes the
    same number of gradient steps, ``epochs * ceil(len(x_train) / batch_size)`` (a stream's
    epoch is one pass of it). Without validation data (``x_val=None, y_val=None``) no epoch is
    scored: the last epoch is kept, ``best_epoch == epochs``, and ``val_logits`` is an empty
    ``(0, num_classes)`` array. With ``log_dir``, ``keras.callbacks.TensorBoard`` logs the
    training loss and the validation metric of every epoch there.
    """
    import keras

    started = time.perf_counter()
    data = _check_validation(_run_data(data, arrays))
    epochs = recipe.epochs if epochs is None else epochs
    x_train = data.x_train
    # A stream's epoch is one pass of it, however it is batched.
    steps = (
        x_train.num_batches
        if isinstance(x_train, Stream)
        else math.ceil(len(x_train) / recipe.batch_size)
    )
    options = {k: v for k, v in recipe.compile_kwargs.items() if k != "optimizer"}
    optimizer = _optimizer(recipe, epochs * steps, setup.weight_decay)
    trainee = trained_model(network, setup)  # network, or a wrapper sharing its weights
    trainee.compile(optimizer=optimizer, loss=setup.loss, **options)
    best = None
    if data.x_val is not None and data.y_val is not None:
        best = _best_epoch_callback(data.x_val, data.y_val, recipe, data.num_classes)
    own = [*setup.callbacks] + ([best] if best is not None else [])
    plan = _fit_plan(recipe, seed, epochs, steps, own, log_dir)
    keras.utils.set_random_seed(seed)
    fitted = _train(trainee, setup, data=data, plan=plan)
    history = {name: [float(v) for v in values] for name, values in fitted.history.items()}
    if best is not None:
        history[f"val_{recipe.metric}"] = list(best.scores)
    if setup.classifier_stage is not None:
        stage = setup.classifier_stage
        # Its own epochs from 0: a segment resumed at ``initial_epoch`` (halving) must not skip it.
        fresh = {k: v for k, v in plan.fit_options.items() if k != "initial_epoch"}
        stage_plan = replace(plan, epochs=stage.epochs, callbacks=[], fit_options=fresh)
        run_classifier_stage(
            network,
            stage,
            _optimizer(recipe, stage.epochs * steps, stage.weight_decay),
            compile_options=options,
            train=lambda head: _train(network, head, data=data, plan=stage_plan),
        )
    output = RunOutput(
        val_logits=predict_logits(network, data.x_val)
        if best is not None
        else np.zeros((0, data.num_classes)),
        test_logits=predict_logits(network, data.x_test),
        best_epoch=int(best.best_epoch or len(best.scores)) if best is not None else int(epochs),
        history=history,
        seconds=round(time.perf_counter() - started, 3),
        epoch_predictions=np.asarray(best.predicted) if best and best.predicted else None,
        epoch_nll=None if best is None or not best.nll else np.asarray(best.nll, dtype="float64"),
        epoch_scores=np.stack(best.positive) if best and best.positive else None,
    )
    if setup.classifier_stage is not None and data.y_val is not None:
        last_epoch_only(output, data.y_val, data.num_classes)
    return output


def _fit_plan(
    recipe: Recipe,
    seed: int,
    epochs: int,
    steps: int,
    callbacks: list[Any],
    log_dir: str | None,
) -> FitPlan:
    """The run's callbacks (the strategy's, the best epoch's, the user's, TensorBoard's) and the
    user's ``fit`` options, with ``verbose`` apart."""
    import keras

    callbacks = [*callbacks, *recipe.fit_kwargs.get("callbacks", [])]
    fit_options = {k: v for k, v in recipe.fit_kwargs.items() if k != "callbacks"}
    verbose = fit_options.pop("verbose", 0)
    if log_dir is not None:
        callbacks.append(
            keras.callbacks.TensorBoard(log_dir=log_dir, write_graph=False, profile_batch=0)
        )
    return FitPlan(recipe, seed, epochs, steps, callbacks, verbose, fit_options)


def _train(network: Any, setup: Any, *, data: RunData, plan: FitPlan) -> Any:
    """``fit`` with the strategy's batches, for this kind of data; returns the History."""
    if isinstance(data.x_train, Stream):
        return _fit_stream(network, setup, data=data, plan=plan)
    if setup.mixup_alpha is not None:
        return _fit_mixup(network, setup, data=data, plan=plan)
    if setup.balanced_batches:
        return _fit_balanced(network, setup, data=data, plan=plan)
    if isinstance(data.x_train, ImageFiles) or batch_shards() > 1:  # even_batches pads them
        return _fit_files(network, setup, data=data, plan=plan)
    return _fit_arrays(network, setup, data=data, plan=plan)


def _fit(network: Any, batches: Any, plan: FitPlan, **extra: Any) -> Any:
    return network.fit(
        even_batches(batches),
        epochs=plan.epochs,
        verbose=plan.verbose,
        **{"callbacks": plan.callbacks, **extra},
        **plan.fit_options,
    )


def _fit_mixup(network: Any, setup: Any, *, data: RunData, plan: FitPlan) -> Any:
    """Mixup batches (arrays or files), with the deferred re-weighting of the late epochs."""
    from keras_imbalance.pipelines.mixup import DeferredMixupWeights, MixupBatches

    make_mixup: Any = mixup_batches if isinstance(data.x_train, ImageFiles) else MixupBatches
    mixed = make_mixup(
        data.x_train,
        data.y_train,
        batch_size=plan.recipe.batch_size,
        alpha=setup.mixup_alpha,
        class_weight=[1.0] * data.num_classes,
        seed=plan.seed,
        mode=setup.mix_mode,
    )
    late = DeferredMixupWeights(
        mixed, setup.fit_kwargs["late_weights"], setup.fit_kwargs["start_epoch"]
    )
    return _fit(network, mixed, plan, callbacks=[late, *plan.callbacks])


def _fit_balanced(network: Any, setup: Any, *, data: RunData, plan: FitPlan) -> Any:
    """Class-balanced batches (oversampled), the same number of steps as the other strategies."""
    from keras_imbalance.pipelines import BalancedBatches

    batches = BalancedBatches(
        data.x_train,
        data.y_train,
        batch_size=plan.recipe.batch_size,
        sampling="oversample",
        seed=plan.seed,
    )
    # A balanced epoch has C * n_max samples: an epoch here is the first steps of a fresh draw.
    return _fit(network, first_steps(batches, plan.steps_per_epoch), plan)


def _fit_files(network: Any, setup: Any, *, data: RunData, plan: FitPlan) -> Any:
    """Image files decoded a batch at a time, the class weights as sample weights."""
    unknown = sorted(set(setup.fit_kwargs) - {"class_weight"})
    if unknown:  # pragma: no cover - every strategy's fit keywords are handled above
        raise ValueError(f"fit keywords {unknown} cannot be applied to a stream")
    num_classes = data.num_classes
    batches = file_batches(
        data.x_train,
        data.y_train,
        batch_size=plan.recipe.batch_size,
        seed=plan.seed,
        class_weight=_batch_class_weight(setup, num_classes),
        num_classes=num_classes if setup.one_hot else None,
    )
    return _fit(network, batches, plan)


def _fit_arrays(network: Any, setup: Any, *, data: RunData, plan: FitPlan) -> Any:
    """Arrays in memory, shuffled by Keras, with the strategy's own ``fit`` keywords."""
    y = data.y_train
    targets = np.eye(data.num_classes, dtype="float32")[y] if setup.one_hot else y
    return _fit(
        network,
        data.x_train,
        plan,
        y=targets,
        batch_size=plan.recipe.batch_size,
        shuffle=True,
        # The batches Keras cuts anyway; on TensorFlow, half the tf.data iterators per epoch.
        **array_fit_options(plan.steps_per_epoch),
        **setup.fit_kwargs,
    )


def _batch_class_weight(setup: Any, num_classes: int) -> list[float] | None:
    """The per-class weights that batches built here carry as sample weights: none, the
    strategy's, or 1 under mixup (its weights come later, from ``DeferredMixupWeights``)."""
    if setup.mixup_alpha is not None:
        return [1.0] * num_classes
    given = setup.fit_kwargs.get("class_weight")
    return None if given is None else [given[c] for c in range(num_classes)]


def _fit_stream(network: Any, setup: Any, *, data: RunData, plan: FitPlan) -> Any:
    """``fit`` on a user's tf.data or PyDataset stream, with the strategy's batches."""
    from keras_imbalance.comparison.data.streams import resampled_batches, training_batches

    num_classes = data.num_classes
    if setup.balanced_batches:
        batches = resampled_batches(
            data.x_train,
            counts=np.bincount(data.y_train, minlength=num_classes),
            batch_size=plan.recipe.batch_size,
            steps=plan.steps_per_epoch,
            seed=plan.seed,
        )
        return _fit(network, batches, plan, shuffle=False)
    batches = training_batches(
        data.x_train,
        num_classes=num_classes,
        seed=plan.seed,
        class_weight=_batch_class_weight(setup, num_classes),
        one_hot=setup.one_hot,
        mixup_alpha=setup.mixup_alpha,
        mix_mode=setup.mix_mode,
    )
    callbacks = plan.callbacks
    if setup.mixup_alpha is not None:
        from keras_imbalance.pipelines.mixup import DeferredMixupWeights

        late = setup.fit_kwargs["late_weights"]
        callbacks = [
            DeferredMixupWeights(batches, late, setup.fit_kwargs["start_epoch"]),
            *callbacks,
        ]
    # In order: Keras would otherwise shuffle the batch indices, and a stream is read in order.
    return _fit(network, batches, plan, callbacks=callbacks, shuffle=False)
